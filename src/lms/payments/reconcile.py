"""Bank statements in: each new credit matched to a loan (lms.core.matching) and posted as its
repayment, or held in suspense for a person; a suspense line matched by hand later.

Settings: $LMS_AUTO_POST_CONFIDENCE (default 90): a match at least this confident is posted
with no person involved; a weaker one waits in suspense with the loan suggested.
$LMS_VIRTUAL_ACCOUNT_PREFIX (default LMSVA): a loan's virtual account number is the prefix and
its id in ten digits (what the lender's bank reports as the account paid into).

Guarantees: all in the caller's unit of work; a file imported again, or a line already taken
from another file, posts nothing; every credit ends either posted to its loan or in suspense
(collection bank against receipts suspense, so the ledger holds it and nothing received is
lost); a match by hand moves the money out of suspense and posts the repayment together, or
does neither.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from lms.core.matching import NO_MATCH, Candidate, Credit, Match, MatchIndex, match
from lms.ledger import rules
from lms.ledger.service import post_entries, post_entry
from lms.payments.formats import Entry, Statement, StatementError, check, read_statement
from lms.payments.models import BankStatement, StatementLine
from lms.payments.rows import locked
from lms.payments.upi import issued_references
from lms.platform.db import UnitOfWork
from lms.platform.db.bulk import among, insert_rows
from lms.platform.errors import ConflictError, InvalidError
from lms.platform.settings import get_settings
from lms.servicing.bulk_payments import post_payments
from lms.servicing.models import Customer, Loan, LoanEvent, LoanInstallment
from lms.servicing.repayments import PaymentRequest, record_payment

_LINES = StatementLine.metadata.tables["statement_lines"]
_CHUNK = 5_000


@dataclass(frozen=True)
class ImportResult:
    statement_id: int
    repeated: bool  # this very file was imported before: nothing was done
    lines: int  # entries in the file
    new: int  # entries not taken before (from this or another file)
    posted: int  # credits posted to loans
    suspense: int  # credits held for a person
    debits: int  # money out of the account: recorded, nothing posted


def virtual_account(loan_id: int, prefix: str | None = None) -> str:
    """The loan's virtual account number (`prefix`: the setting, read once by a caller that
    numbers many loans)."""
    return f"{prefix or get_settings().virtual_account_prefix}{loan_id:010d}"


def import_statement(
    uow: UnitOfWork,
    content: bytes,
    *,
    kind: str | None = None,
    posting_date: date,
    imported_by: str | None = None,
) -> ImportResult:
    """Import one statement file (MT940 or CAMT.053) on the business date `posting_date`."""
    digest = hashlib.sha256(content).hexdigest()
    earlier = uow.session.scalar(select(BankStatement).where(BankStatement.sha256 == digest))
    if earlier is not None:
        return ImportResult(earlier.id, True, earlier.entries, 0, 0, 0, 0)
    try:
        statement = read_statement(content, kind)
        check(statement, get_settings().currency)
    except StatementError as exc:
        raise InvalidError([("file", str(exc))]) from None
    row = BankStatement(
        account=statement.account[:64],
        format=statement.format,
        statement_ref=statement.statement_id[:64],
        sha256=digest,
        entries=len(statement.entries),
        imported_on=posting_date,
        imported_at=datetime.now(UTC),
        imported_by=imported_by,
    )
    uow.session.add(row)
    uow.session.flush()
    new = _not_taken(uow, statement)
    credits = [e for e in new if e.credit]
    index = candidates(uow, posting_date)
    matches = [
        match(_credit(e), index) if e.value_date <= posting_date else _LATER for e in credits
    ]
    outcome = _post(uow, credits, matches, posting_date)
    lines = [_line(row.id, statement, e, *outcome.get(e.key, _DEBIT)) for e in new]
    _suspend(uow, [(e, line) for e, line in zip(new, lines, strict=True)], posting_date)
    insert_rows(uow, _LINES, lines)
    posted = sum(1 for line in lines if line["status"] == "posted")
    held = sum(1 for line in lines if line["status"] == "suspense")
    return ImportResult(
        row.id, False, len(statement.entries), len(new), posted, held, len(new) - posted - held
    )


_DEBIT: tuple[str, Match, str | None, str | None] = ("debit", NO_MATCH, None, None)
_LATER = Match(None, "value_date_later", 0)  # dated after the business date: held


def _not_taken(uow: UnitOfWork, statement: Statement) -> list[Entry]:
    keys = [e.key for e in statement.entries]
    taken: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        taken.update(
            uow.session.scalars(
                select(StatementLine.line_key).where(
                    StatementLine.account == statement.account[:64],
                    among(uow, StatementLine.line_key, keys[start : start + _CHUNK]),
                )
            )
        )
    return [e for e in statement.entries if e.key not in taken]


def _credit(entry: Entry) -> Credit:
    return Credit(
        entry.amount,
        entry.value_date,
        entry.reference or entry.bank_reference,
        entry.narration,
        entry.payer_name,
        entry.payer_account,
        entry.paid_into,
    )


def _post(
    uow: UnitOfWork, credits: list[Entry], matches: list[Match], posting_date: date
) -> dict[str, tuple[str, Match, str | None, str | None]]:
    """Post the confident matches; (status, match, payment reference, note) by entry key."""
    least = get_settings().auto_post_confidence
    sure = [(e, m) for e, m in zip(credits, matches, strict=True) if m.confidence >= least]
    requests = [(m.loan_id or 0, _request(e)) for e, m in sure]
    outcomes = post_payments(uow, requests, posting_date=posting_date)
    result: dict[str, tuple[str, Match, str | None, str | None]] = {}
    for (entry, found), outcome in zip(sure, outcomes, strict=True):
        if outcome.error is None:
            result[entry.key] = ("posted", found, outcome.request.reference, None)
        else:
            result[entry.key] = ("suspense", found, None, f"not posted: {outcome.error}")
    for entry, found in zip(credits, matches, strict=True):
        if entry.key not in result:
            note = (
                "value date after the business date"
                if found is _LATER
                else "no loan found"
                if not found.found
                else "match not sure enough to post"
            )
            result[entry.key] = ("suspense", found, None, note)
    return result


def _request(entry: Entry) -> PaymentRequest:
    reference = (entry.reference or entry.bank_reference or entry.key)[:64]
    return PaymentRequest(entry.amount, entry.value_date, reference, channel_of(entry.narration))


def channel_of(narration: str) -> str:
    """The rail a credit came by, as its narration names it (NEFT if it names none)."""
    text = narration.upper()
    for word, channel in (("IMPS", "imps"), ("RTGS", "rtgs"), ("UPI", "upi"), ("CASH", "cash"),
                          ("CHQ", "cheque"), ("CHEQUE", "cheque"), ("CLG", "cheque")):  # fmt: skip
        if word in text:
            return channel
    return "neft"


def _line(
    statement_id: int,
    statement: Statement,
    entry: Entry,
    status: str,
    found: Match,
    reference: str | None,
    note: str | None,
) -> dict[str, object]:
    return {
        "statement_id": statement_id,
        "account": statement.account[:64],
        "line_key": entry.key,
        "value_date": entry.value_date,
        "amount": entry.amount,
        "credit": entry.credit,
        "reference": entry.reference[:64],
        "bank_reference": entry.bank_reference[:64],
        "narration": entry.narration,
        "payer_name": entry.payer_name[:140],
        "payer_account": entry.payer_account[:64],
        "paid_into": entry.paid_into[:64],
        "status": status if entry.credit else "debit",
        "loan_id": found.loan_id if status == "posted" else None,
        "suggested_loan_id": found.loan_id if status == "suspense" else None,
        "rule": found.rule,
        "confidence": found.confidence,
        "payment_reference": reference,
        "note": note if entry.credit else None,
    }


def _suspend(
    uow: UnitOfWork, lines: list[tuple[Entry, dict[str, object]]], posting_date: date
) -> None:
    """Credits held for a person: received into the bank, owed to no loan yet."""
    held = [
        rules.receipt_to_suspense(e.value_date, e.amount)
        for e, line in lines
        if line["status"] == "suspense"
    ]
    post_entries(uow, held, posting_date=posting_date)


def candidates(uow: UnitOfWork, day: date) -> MatchIndex:
    """The active loans as matching knows them on `day`."""
    owed = (
        select(
            LoanInstallment.loan_id,
            func.sum(
                LoanInstallment.principal
                + LoanInstallment.interest
                - LoanInstallment.principal_paid
                - LoanInstallment.interest_paid
            ).label("due"),
        )
        .where(LoanInstallment.due_date <= day)
        .group_by(LoanInstallment.loan_id)
        .subquery()
    )
    payers: dict[int, list[str]] = {}
    for loan_id, account in uow.session.execute(
        select(StatementLine.loan_id, StatementLine.payer_account)
        .where(StatementLine.loan_id.is_not(None), StatementLine.payer_account != "")
        .distinct()
    ):
        if loan_id is not None:
            payers.setdefault(loan_id, []).append(account)
    rows = uow.session.execute(
        select(Loan.id, Loan.external_id, Customer.name, Loan.emi, owed.c.due)
        .join(Customer, Customer.id == Loan.customer_id)
        .outerjoin(owed, owed.c.loan_id == Loan.id)
        .where(Loan.status == "active")
    )
    prefix = get_settings().virtual_account_prefix
    return MatchIndex.build(
        (
            Candidate(
                loan_id,
                number,
                name,
                Decimal(emi),
                Decimal(due or 0).quantize(Decimal("0.01")),
                virtual_account(loan_id, prefix),
                tuple(payers.get(loan_id, ())),
            )
            for loan_id, number, name, emi, due in rows
        ),
        issued_references(uow),
    )


def suspense_lines(
    uow: UnitOfWork, *, limit: int | None = None, offset: int = 0
) -> list[StatementLine]:
    """The exceptions queue: credits waiting for a person, oldest first (a page of `limit`
    from `offset`; no limit: all of them)."""
    return list(
        uow.session.scalars(
            select(StatementLine)
            .where(StatementLine.status == "suspense")
            .order_by(StatementLine.value_date, StatementLine.id)
            .limit(limit)
            .offset(offset)
        )
    )


def match_by_hand(
    uow: UnitOfWork, *, line_id: int, loan_id: int, by: str, posting_date: date
) -> StatementLine:
    """A person names the loan a suspense line pays: the money leaves suspense and is posted
    as the loan's repayment on the line's value date."""
    line = locked(uow, StatementLine, line_id, "statement line")
    if line.status != "suspense":
        raise ConflictError(f"statement line {line_id} is {line.status}, not in suspense")
    reference = (line.reference or line.bank_reference or line.line_key)[:64]
    taken = uow.session.scalar(
        select(LoanEvent.id).where(LoanEvent.reference == reference, LoanEvent.kind == "payment")
    )
    if taken is not None:  # a payer's reference is not unique (cheque 000123 of two banks)
        reference = line.line_key[:64]
    request = PaymentRequest(line.amount, line.value_date, reference, channel_of(line.narration))
    post_entry(uow, rules.suspense_to_loan(line.value_date, line.amount), posting_date=posting_date)
    record_payment(uow, loan_id=loan_id, request=request, posting_date=posting_date)
    line.status, line.loan_id, line.payment_reference = "matched", loan_id, request.reference
    line.resolved_by, line.resolved_at = by, datetime.now(UTC)
    uow.session.flush()
    return line


def reopen_line(uow: UnitOfWork, *, loan_id: int, reference: str, note: str) -> int | None:
    """A payment posted from a statement line was reversed as a posting error (it paid the
    wrong loan): its line goes back to the exceptions queue, to be matched by hand (the money
    is in receipts suspense again). Returns the line's id, or None if it came from no line."""
    line = uow.session.scalar(
        select(StatementLine)
        .where(
            StatementLine.loan_id == loan_id,
            StatementLine.payment_reference == reference,
            StatementLine.status.in_(("posted", "matched")),
        )
        .with_for_update()
    )
    if line is None:
        return None
    line.status, line.loan_id, line.note = "suspense", None, note
    line.resolved_by, line.resolved_at = None, None
    uow.session.flush()
    return line.id

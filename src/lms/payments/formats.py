"""Bank statement files read into one shape: SWIFT MT940 (with the `mt-940` package) and ISO
20022 CAMT.053 (bank-to-customer statement, versions 001.02 to 001.08, read with the standard
library's XML parser).

Each entry keeps what matching needs: value date, amount, credit or debit, the payer's
reference (the UTR for NEFT/RTGS/IMPS), the bank's own reference, the narration, the payer's
name and account and, where the bank reports it, the account the money was paid into (a
virtual account). `key` identifies an entry within its account across files: the bank's
reference when it gives one, else the entry's content (dates booked and valued, amount, side,
reference, narration) and its position among identical entries of the file; a statement imported twice, or two overlapping statements, give the same
keys for the same entries.

Guarantees: amounts are Decimal as written in the file; a file that is not a statement of the
format raises StatementError naming what is wrong; nothing is written anywhere. A statement
is refused whole (`check`) when it is in another currency than the account's, when it lacks
its opening or closing balance (a truncated file), when the opening balance plus its entries
is not the closing balance, or when the CAMT.053 control totals (number and sum of entries)
disagree with its entries.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

import mt940


class StatementError(ValueError):
    """The file cannot be read as a statement of its format."""


@dataclass(frozen=True, slots=True)
class Entry:
    value_date: date
    amount: Decimal
    credit: bool
    reference: str  # the payer's reference: the UTR for NEFT/RTGS/IMPS
    bank_reference: str = ""
    narration: str = ""
    payer_name: str = ""
    payer_account: str = ""
    paid_into: str = ""  # the account credited, when the bank names it (a virtual account)
    booking_date: date | None = None
    key: str = ""


@dataclass(frozen=True)
class Statement:
    format: str  # mt940, camt053
    account: str
    statement_id: str
    currency: str
    entries: list[Entry] = field(default_factory=list)
    opening: Decimal | None = None  # signed: a credit balance positive
    closing: Decimal | None = None
    # CAMT.053 TxsSummry: (number of entries, sum of their amounts), when the bank gives them
    control: tuple[int, Decimal] | None = None
    currencies: frozenset[str] = frozenset()  # every currency an amount of the file is in


def check(statement: Statement, currency: str) -> None:
    """Refuse `statement` whole unless it is complete and adds up (see the module's text)."""
    if statement.currencies - {currency} or statement.currency != currency:
        found = sorted(statement.currencies | {statement.currency})
        raise StatementError(f"the statement is in {'/'.join(found)}; the account is in {currency}")
    if statement.opening is None or statement.closing is None:
        missing = "opening" if statement.opening is None else "closing"
        raise StatementError(f"no {missing} balance: the file is truncated or incomplete")
    moved = sum((e.amount if e.credit else -e.amount for e in statement.entries), Decimal(0))
    if statement.opening + moved != statement.closing:
        raise StatementError(
            f"the balances do not agree: opening {statement.opening} + entries {moved}"
            f" = {statement.opening + moved}, but the closing balance is {statement.closing}"
        )
    if statement.control is not None:
        count, total = statement.control
        summed = sum((e.amount for e in statement.entries), Decimal(0))
        if (count, total) != (len(statement.entries), summed):
            raise StatementError(
                f"the control totals do not agree: {count} entries of {total} declared,"
                f" {len(statement.entries)} of {summed} in the file"
            )


def read_statement(content: bytes, kind: str | None = None) -> Statement:
    """Read `content` as `kind` (mt940, camt053), or as whichever it looks like (not yet
    `check`ed)."""
    kind = kind or ("camt053" if content.lstrip().startswith(b"<") else "mt940")
    if kind == "camt053":
        return _keyed(read_camt053(content))
    if kind == "mt940":
        return _keyed(read_mt940(content))
    raise StatementError(f"unknown statement format {kind!r}: mt940 or camt053")


def read_mt940(content: bytes) -> Statement:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    transactions = mt940.models.Transactions()
    try:
        transactions.parse(text)
    except Exception as exc:  # the library raises several kinds on malformed input
        raise StatementError(f"not an MT940 statement: {exc}") from None
    head = transactions.data
    if "account_identification" not in head:
        raise StatementError("not an MT940 statement: no :25: account identification")
    entries = [_mt940_entry(t.data) for t in transactions]
    balances = _MT940_BALANCE.findall(text)  # the first opening and the last closing count
    opening = next((b for b in balances if b[0] == "60"), None)
    closing = next((b for b in reversed(balances) if b[0] == "62"), None)
    currency = (opening or closing or ("", "", "INR", ""))[2]
    statement = f"{head.get('statement_number', '')}/{head.get('sequence_number', '')}"
    return Statement(
        "mt940", head["account_identification"], statement, currency, entries,
        opening=_mt940_amount(opening), closing=_mt940_amount(closing),
        currencies=frozenset(b[2] for b in balances),
    )  # fmt: skip


# :60F:/:60M: opening, :62F:/:62M: closing balance: D/C mark, YYMMDD, currency, amount
_MT940_BALANCE = re.compile(r"^:(60|62)[FM]:([CD])\d{6}([A-Z]{3})([0-9]+,[0-9]*)\s*$", re.M)


def _mt940_amount(balance: tuple[str, str, str, str] | None) -> Decimal | None:
    if balance is None:
        return None
    amount = Decimal(balance[3].replace(",", ".").rstrip(".") or "0")
    return -amount if balance[1] == "D" else amount


def _mt940_entry(data: dict[str, object]) -> Entry:
    amount = data["amount"].amount  # type: ignore[attr-defined]
    details = str(data.get("transaction_details") or "").replace("\n", " ")
    customer = str(data.get("customer_reference") or "")
    when = data["date"]
    booked = data.get("entry_date")
    return Entry(
        value_date=date(when.year, when.month, when.day),  # type: ignore[attr-defined]
        amount=abs(Decimal(amount)),
        credit=str(data.get("status", "C")) in ("C", "RD"),  # RD: a debit reversed, money in
        reference="" if customer.upper() == "NONREF" else customer,
        bank_reference=str(data.get("bank_reference") or ""),
        narration=details,
        payer_name=_name_in(details),
        booking_date=date(booked.year, booked.month, booked.day) if booked else None,  # type: ignore[attr-defined]
    )


def _name_in(narration: str) -> str:
    """The payer's name in an Indian bank's NEFT/IMPS narration: the first part of letters
    and spaces only between separators (NEFT-UTR-NAME-..., IMPS/RRN/NAME/IFSC)."""
    for part in re.split(r"[-/]", narration)[1:]:
        part = part.strip()
        if len(part) > 3 and re.fullmatch(r"[A-Za-z .]+", part):
            return part
    return ""


def read_camt053(content: bytes) -> Statement:
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise StatementError(f"not a CAMT.053 statement: {exc}") from None
    ns = root.tag[1 : root.tag.index("}")] if root.tag.startswith("{") else ""
    if "camt.053" not in ns:
        raise StatementError("not a CAMT.053 statement: the XML namespace is not camt.053")
    q = _Q(ns)
    statement = root.find(f"{q('BkToCstmrStmt')}/{q('Stmt')}")
    if statement is None:
        raise StatementError("not a CAMT.053 statement: no BkToCstmrStmt/Stmt")
    account = q.text(statement, "Acct/Id/IBAN") or q.text(statement, "Acct/Id/Othr/Id")
    currency = q.text(statement, "Acct/Ccy") or "INR"
    entries = [_camt_entry(q, e) for e in statement.findall(q("Ntry"))]
    amounts = statement.iter(q("Amt"))
    return Statement(
        "camt053", account, q.text(statement, "Id"), currency, entries,
        opening=_camt_balance(q, statement, ("OPBD", "PRCD")),
        closing=_camt_balance(q, statement, ("CLBD",)),
        control=_camt_control(q, statement),
        currencies=frozenset(a.get("Ccy", currency) for a in amounts),
    )  # fmt: skip


def _camt_balance(q: _Q, statement: ET.Element, codes: tuple[str, ...]) -> Decimal | None:
    for balance in statement.findall(q("Bal")):
        if q.text(balance, "Tp/CdOrPrtry/Cd") in codes:
            amount = _decimal(q.text(balance, "Amt"), "a balance")
            return -amount if q.text(balance, "CdtDbtInd") == "DBIT" else amount
    return None


def _camt_control(q: _Q, statement: ET.Element) -> tuple[int, Decimal] | None:
    count, total = (
        q.text(statement, "TxsSummry/TtlNtries/NbOfNtries"),
        q.text(statement, "TxsSummry/TtlNtries/Sum"),
    )
    if not count or not total:
        return None
    if not (count.isascii() and count.isdigit()):
        raise StatementError(f"a CAMT.053 number of entries that is not a number: {count!r}")
    return int(count), _decimal(total, "the control sum")


_LARGEST = Decimal(10) ** 14  # no bank account holds a hundred lakh crore rupees


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise StatementError(f"a CAMT.053 statement with {what} that is not an amount") from None
    if not value.is_finite() or abs(value) >= _LARGEST:
        raise StatementError(f"a CAMT.053 statement with {what} that is not an amount")
    return value


class _Q:
    """Qualified names and texts of one namespace."""

    def __init__(self, ns: str) -> None:
        self.prefix = f"{{{ns}}}" if ns else ""

    def __call__(self, path: str) -> str:
        return "/".join(self.prefix + step for step in path.split("/"))

    def text(self, node: ET.Element, path: str) -> str:
        found = node.find(self(path))
        return (found.text or "").strip() if found is not None else ""


def _camt_entry(q: _Q, node: ET.Element) -> Entry:
    amount = _decimal(q.text(node, "Amt"), "an entry")
    if amount <= 0:
        raise StatementError("a CAMT.053 entry whose amount is not positive")
    try:
        value = date.fromisoformat(
            (q.text(node, "ValDt/Dt") or q.text(node, "ValDt/DtTm") or q.text(node, "BookgDt/Dt"))[
                :10
            ]
        )
    except (InvalidOperation, ValueError):
        raise StatementError("a CAMT.053 entry without a valid date") from None
    booked = q.text(node, "BookgDt/Dt")
    tx = "NtryDtls/TxDtls"
    narration = " ".join(
        t.text.strip() for t in node.findall(q(f"{tx}/RmtInf/Ustrd")) if t.text
    ) or q.text(node, "AddtlNtryInf")
    return Entry(
        value_date=value,
        amount=amount,
        credit=q.text(node, "CdtDbtInd") == "CRDT",
        reference=q.text(node, f"{tx}/Refs/EndToEndId").replace("NOTPROVIDED", "")
        or q.text(node, f"{tx}/Refs/TxId"),
        bank_reference=q.text(node, "AcctSvcrRef") or q.text(node, f"{tx}/Refs/AcctSvcrRef"),
        narration=narration,
        payer_name=q.text(node, f"{tx}/RltdPties/Dbtr/Nm")
        or q.text(node, f"{tx}/RltdPties/Dbtr/Pty/Nm"),
        payer_account=q.text(node, f"{tx}/RltdPties/DbtrAcct/Id/Othr/Id")
        or q.text(node, f"{tx}/RltdPties/DbtrAcct/Id/IBAN"),
        paid_into=q.text(node, f"{tx}/RltdPties/CdtrAcct/Id/Othr/Id"),
        booking_date=date.fromisoformat(booked[:10]) if booked else None,
    )


def _keyed(statement: Statement) -> Statement:
    """Give each entry its key (see the module's text)."""
    seen: Counter[str] = Counter()
    keyed = []
    for entry in statement.entries:
        if entry.bank_reference:
            key = f"ref:{entry.bank_reference}:{'C' if entry.credit else 'D'}"
        else:
            content = "|".join(
                (entry.value_date.isoformat(), str(entry.booking_date), str(entry.amount),
                 str(entry.credit), entry.reference, entry.narration)
            )  # fmt: skip
            seen[content] += 1
            digest = hashlib.sha256(f"{content}|{seen[content]}".encode()).hexdigest()[:32]
            key = f"sha:{digest}"
        keyed.append(replace(entry, key=key))
    return replace(statement, entries=keyed)

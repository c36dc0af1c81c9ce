"""The ledger for the lender's general ledger: each account mapped to a ledger of the lender's
books (a setting), a trial balance for any period, and the period's postings as vouchers:
Tally XML (importable into Tally Prime, with the ledgers it names) or CSV.

A voucher is a posting day's entries of one kind (repayments, dues, accruals...) summed by
account: the lender's books get a few hundred journal vouchers a month, not one per loan
event, and each still balances because every entry does. Periods are by posting date, the day
an entry entered the books (an event dated earlier posts in the open period, its value date
kept on the entry).

Guarantees: every voucher balances to the paisa (debits = credits); the vouchers of a period
together move each account by exactly what its journal lines moved it; the trial balance's
closing balance of each account = opening + debits - credits, and the totals net to zero.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET

from sqlalchemy import func, select

from lms.ledger.accounts import Account
from lms.ledger.models import JournalEntryRow, JournalLineRow
from lms.platform.db import UnitOfWork
from lms.platform.settings import get_settings

ZERO = Decimal(0)
_A = Account
# Tally's predefined groups each account belongs under (a lender may name others)
GROUPS: dict[Account, str] = {
    _A.LOAN_PRINCIPAL: "Loans & Advances (Asset)",
    _A.INTEREST_RECEIVABLE: "Current Assets", _A.INTEREST_ACCRUED: "Current Assets",
    _A.FEE_RECEIVABLE: "Current Assets", _A.PENAL_RECEIVABLE: "Current Assets",
    _A.DISBURSEMENT_BANK: "Bank Accounts", _A.COLLECTION_BANK: "Bank Accounts",
    _A.INTEREST_INCOME: "Direct Incomes", _A.FEE_INCOME: "Direct Incomes",
    _A.PENAL_INCOME: "Direct Incomes", _A.RECOVERY_INCOME: "Indirect Incomes",
    _A.INTEREST_SUSPENSE: "Current Liabilities", _A.PENAL_SUSPENSE: "Current Liabilities",
    _A.RECEIPTS_SUSPENSE: "Suspense A/c", _A.UNAPPLIED_FUNDS: "Current Liabilities",
    _A.TAX_PAYABLE: "Duties & Taxes", _A.THIRD_PARTY_PAYABLE: "Current Liabilities",
    _A.WRITE_OFF_EXPENSE: "Indirect Expenses", _A.PROVISION_EXPENSE: "Indirect Expenses",
    _A.PROVISIONS: "Provisions", _A.GATEWAY_FEES: "Indirect Expenses",
    _A.INPUT_TAX: "Duties & Taxes", _A.AUCTION_SURPLUS: "Current Liabilities",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class GlAccount:
    """A ledger of the lender's general ledger: its name and group."""

    name: str
    group: str


def gl_accounts() -> dict[str, GlAccount]:
    """Each account's general-ledger ledger: `LMS_GL_ACCOUNTS` where set, else the account's
    own name under Tally's group for its kind."""
    mapped = get_settings().gl_accounts
    found = {}
    for account in Account:
        own = mapped.get(account.value, {})
        default = account.value.replace("_", " ").capitalize()
        found[account.value] = GlAccount(
            own.get("name", default), own.get("group", GROUPS[account])
        )
    return found


@dataclass(frozen=True, slots=True)
class Voucher:
    """A posting day's entries of one kind, summed by account (debit - credit)."""

    day: date
    kind: str
    entries: int
    amounts: dict[str, Decimal]  # account -> net debit (a credit is negative); none zero

    @property
    def number(self) -> str:
        return f"LMS/{self.day:%Y%m%d}/{self.kind}"


def vouchers(uow: UnitOfWork, since: date, until: date) -> list[Voucher]:
    """The period's vouchers, by posting day and kind."""
    line, entry = JournalLineRow, JournalEntryRow
    period = entry.posting_date.between(since, until)
    sums = (
        select(entry.posting_date, entry.event, line.account,
               func.sum(line.debit) - func.sum(line.credit))
        .join(entry, entry.id == line.entry_id)
        .where(period)
        .group_by(entry.posting_date, entry.event, line.account)
        .order_by(entry.posting_date, entry.event, line.account)
    )  # fmt: skip
    counted = select(entry.posting_date, entry.event, func.count()).where(period)
    counts = {
        (day, kind): n
        for day, kind, n in uow.session.execute(counted.group_by(entry.posting_date, entry.event))
    }
    grouped: dict[tuple[date, str], dict[str, Decimal]] = defaultdict(dict)
    for day, kind, account, net in uow.session.execute(sums):
        if net:
            grouped[day, kind][account] = net
    return [Voucher(d, k, counts[d, k], amounts) for (d, k), amounts in grouped.items() if amounts]


@dataclass(frozen=True, slots=True)
class BalanceRow:
    account: str
    ledger: str
    opening: Decimal  # debit balance (a credit balance is negative)
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def trial_balance(uow: UnitOfWork, since: date, until: date) -> list[BalanceRow]:
    """Each account's opening balance at `since`, the period's debits and credits, and its
    closing balance at `until` (by posting date)."""
    line, entry = JournalLineRow, JournalEntryRow
    before = entry.posting_date < since
    within = entry.posting_date.between(since, until)
    query = (
        select(line.account,
               func.sum(line.debit - line.credit).filter(before),
               func.sum(line.debit).filter(within), func.sum(line.credit).filter(within))
        .join(entry, entry.id == line.entry_id)
        .where(entry.posting_date <= until)
        .group_by(line.account)
        .order_by(line.account)
    )  # fmt: skip
    names = gl_accounts()
    return [
        BalanceRow(a, names[a].name if a in names else a, o or ZERO, d or ZERO, c or ZERO)
        for a, o, d, c in uow.session.execute(query)
    ]


def tally_xml(found: list[Voucher], company: str) -> bytes:
    """An import file for Tally Prime: the ledgers the vouchers name (created if missing),
    then one journal voucher each. Tally signs a debit negative, deemed positive."""
    names = gl_accounts()
    envelope = ET.Element("ENVELOPE")
    ET.SubElement(ET.SubElement(envelope, "HEADER"), "TALLYREQUEST").text = "Import Data"
    data = ET.SubElement(ET.SubElement(envelope, "BODY"), "IMPORTDATA")
    request = ET.SubElement(data, "REQUESTDESC")
    ET.SubElement(request, "REPORTNAME").text = "Vouchers"
    static = ET.SubElement(request, "STATICVARIABLES")
    ET.SubElement(static, "SVCURRENTCOMPANY").text = company
    body = ET.SubElement(data, "REQUESTDATA")
    used = sorted({a for v in found for a in v.amounts})
    for account in used:
        ledger = ET.SubElement(
            ET.SubElement(body, "TALLYMESSAGE"), "LEDGER", NAME=names[account].name,
            ACTION="Create",
        )  # fmt: skip
        ET.SubElement(ET.SubElement(ledger, "NAME.LIST"), "NAME").text = names[account].name
        ET.SubElement(ledger, "PARENT").text = names[account].group
    for voucher in found:
        _voucher(ET.SubElement(body, "TALLYMESSAGE"), voucher, names)
    ET.indent(envelope)
    written: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return written


def _voucher(parent: ET.Element, voucher: Voucher, names: dict[str, GlAccount]) -> None:
    element = ET.SubElement(parent, "VOUCHER", VCHTYPE="Journal", ACTION="Create")
    ET.SubElement(element, "DATE").text = f"{voucher.day:%Y%m%d}"
    ET.SubElement(element, "VOUCHERTYPENAME").text = "Journal"
    ET.SubElement(element, "VOUCHERNUMBER").text = voucher.number
    ET.SubElement(
        element, "NARRATION"
    ).text = f"{voucher.kind}: {voucher.entries} entries of the loan book posted {voucher.day}"
    for account, net in sorted(voucher.amounts.items(), key=lambda a: (a[1] < 0, a[0])):
        row = ET.SubElement(element, "ALLLEDGERENTRIES.LIST")
        ET.SubElement(row, "LEDGERNAME").text = names[account].name
        ET.SubElement(row, "ISDEEMEDPOSITIVE").text = "Yes" if net > 0 else "No"
        ET.SubElement(row, "AMOUNT").text = f"{-net:.2f}"


def vouchers_csv(found: list[Voucher]) -> str:
    """The vouchers' lines: date, voucher, kind, account, ledger, group, debit, credit."""
    names = gl_accounts()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("date", "voucher", "kind", "account", "ledger", "group", "debit", "credit"))
    for v in found:
        for account, net in sorted(v.amounts.items()):
            gl = names.get(account, GlAccount(account, ""))
            debit, credit = (net, ZERO) if net > 0 else (ZERO, -net)
            writer.writerow((v.day.isoformat(), v.number, v.kind, account, gl.name, gl.group,
                             f"{debit:.2f}", f"{credit:.2f}"))  # fmt: skip
    return out.getvalue()


def trial_balance_csv(rows: list[BalanceRow], since: date, until: date) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ("account", "ledger", f"opening {since}", "debit", "credit", f"closing {until}")
    )
    for r in rows:
        writer.writerow((r.account, r.ledger, f"{r.opening:.2f}", f"{r.debit:.2f}",
                         f"{r.credit:.2f}", f"{r.closing:.2f}"))  # fmt: skip
    totals = [sum((getattr(r, n) for r in rows), ZERO) for n in ("opening", "debit", "credit")]
    closing = totals[0] + totals[1] - totals[2]
    writer.writerow(("total", "", *(f"{t:.2f}" for t in totals), f"{closing:.2f}"))
    return out.getvalue()


def month_of(day: date) -> tuple[date, date]:
    """The calendar month holding `day`: its first and last days."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)

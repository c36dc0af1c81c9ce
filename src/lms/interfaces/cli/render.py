"""Renderings of a Schedule: a text table for people, JSON and CSV for programs.

Guarantee: amounts are written as exact decimal strings (never floats), and the JSON carries
every installment with number, due_date, principal, interest, total, balance plus the totals.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from lms.core.accrual import accrued_interest
from lms.core.classification import Stamp
from lms.core.replay import LoanState
from lms.core.schedule import Schedule

COLUMNS = ("number", "due_date", "principal", "interest", "total", "balance")
FIGURES = ("emi", "bpi", "total_interest", "total_payable", "upfront_fees", "net_disbursed", "apr")


def schedule_document(schedule: Schedule) -> dict[str, Any]:
    """The schedule as a JSON-ready dict, amounts as strings."""
    figures = {name: str(getattr(schedule, name)) for name in FIGURES}
    figures["capitalised_interest"] = str(schedule.capitalised_interest)
    if schedule.advance:  # advance EMIs, collected on the disbursement date
        figures["advance"] = str(schedule.advance)
    rows = [
        {
            "number": row.number,
            "due_date": row.due_date.isoformat(),
            "principal": str(row.principal),
            "interest": str(row.interest),
            "total": str(row.total),
            "balance": str(row.balance),
        }
        for row in schedule.installments
    ]
    fees = [
        {"name": f.name, "payee": f.payee.value, "amount": str(f.amount), "tax": str(f.tax)}
        for f in schedule.fee_charges
    ]
    return {**figures, "fees": fees, "installments": rows}


def render_json(schedule: Schedule) -> str:
    return json.dumps(schedule_document(schedule), indent=2) + "\n"


def render_csv(schedule: Schedule) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in schedule.installments:
        writer.writerow(
            [
                row.number,
                row.due_date.isoformat(),
                row.principal,
                row.interest,
                row.total,
                row.balance,
            ]
        )
    return buffer.getvalue()


def render_table(schedule: Schedule) -> str:
    document = schedule_document(schedule)
    lines = [[str(row[c]) for c in COLUMNS] for row in document["installments"]]
    header = ["#", "Due date", "Principal", "Interest", "Installment", "Balance"]
    out = _table(header, lines)
    out.append("")
    labels = {
        "emi": "EMI",
        "bpi": "Broken-period interest",
        "capitalised_interest": "Capitalised interest",
        "total_interest": "Total interest",
        "total_payable": "Total payable",
        "upfront_fees": "Upfront fees (with tax)",
        "net_disbursed": "Net disbursed",
        "apr": "APR (%)",
    }
    if "advance" in document:
        labels["advance"] = "Advance EMIs (kept back)"
    fee_lines = [
        (
            f"  {fee['name']} ({fee['payee'].replace('_', ' ')})",
            f"{fee['amount']} + tax {fee['tax']}",
        )
        for fee in document["fees"]
    ]
    width = max(len(label) for label in [*labels.values(), *(line for line, _ in fee_lines)])
    out.extend(f"{label.ljust(width)}  {document[key]}" for key, label in labels.items())
    out.extend(f"{label.ljust(width)}  {value}" for label, value in fee_lines)
    return "\n".join(out) + "\n"


def state_document(
    state: LoanState, stamp: Stamp, accrual_start: date | None = None
) -> dict[str, Any]:
    """A loan state and its classification that day (classified over the loan's history:
    `lms.interfaces.cli.scenario.Scenario.observed`) as a JSON-ready dict, amounts as strings; with
    `accrual_start` (where installment 1's interest starts), the interest accrued and not yet
    due."""
    accrued = (
        None
        if accrual_start is None
        else str(accrued_interest(state.installments, state.as_of, accrual_start))
    )
    return {
        "as_of": state.as_of.isoformat(),
        "principal_outstanding": str(state.principal_outstanding),
        "principal_due": str(state.principal_due),
        "interest_due": str(state.interest_due),
        "total_due": str(state.principal_due + state.interest_due),
        "excess": str(state.excess),
        "charges_due": str(state.charges_due),
        "penal_due": str(state.penal_due),
        "accrued_interest": accrued,
        "principal_prepaid": str(state.principal_prepaid),
        "principal_tranched": str(state.principal_tranched),
        "annual_rate": None if state.annual_rate is None else str(state.annual_rate),
        "dpd": state.dpd,
        "asset_class": stamp.asset_class.value,
        "npa_since": stamp.npa_since.isoformat() if stamp.npa_since else None,
        "asset_category": stamp.category.value,
        "closed_on": state.closed_on.isoformat() if state.closed_on else None,
        "installments": [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "principal": str(i.principal),
                "interest": str(i.interest),
                "principal_paid": str(i.principal_paid),
                "interest_paid": str(i.interest_paid),
                "unpaid": str(i.unpaid),
            }
            for i in state.installments
        ],
    }


Observed = list[tuple[LoanState, Stamp]]


def render_states_json(observed: Observed, accrual_start: date | None = None) -> str:
    documents = [state_document(state, stamp, accrual_start) for state, stamp in observed]
    return json.dumps(documents, indent=2) + "\n"


def render_states_table(observed: Observed, accrual_start: date | None = None) -> str:
    out = []
    for state, stamp in observed:
        doc = state_document(state, stamp, accrual_start)
        closed = f", closed on {doc['closed_on']}" if doc["closed_on"] else ""
        out.append(
            f"As of {doc['as_of']}: principal outstanding {doc['principal_outstanding']}, "
            f"due {doc['total_due']} (principal {doc['principal_due']}, interest "
            f"{doc['interest_due']}), charges due {doc['charges_due']}, excess "
            f"{doc['excess']}, DPD {doc['dpd']} ({doc['asset_class']}), rate"
            f" {doc['annual_rate']}{closed}"
        )
        header = [
            "#",
            "Due date",
            "Principal",
            "Interest",
            "Principal paid",
            "Interest paid",
            "Unpaid",
        ]
        keys = [
            "number",
            "due_date",
            "principal",
            "interest",
            "principal_paid",
            "interest_paid",
            "unpaid",
        ]
        lines = [[str(row[k]) for k in keys] for row in doc["installments"]]
        out.extend(_table(header, lines))
        out.append("")
    return "\n".join(out)


def _table(header: list[str], lines: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    return [
        "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
        *("  ".join(v.rjust(w) for v, w in zip(line, widths, strict=True)) for line in lines),
    ]


def shown_url(url: str) -> str:
    """A database URL as the console shows it: its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

"""A posting rule seen as a linear map, for set-based writers: each account's net (debit less
credit) is a fixed combination of the rule's amounts, so a million entries of one rule can be
written by the database from their amounts alone.

`LinearRule.of(build, amounts)` derives the map by calling the rule itself (`build`, a
function of the loan, the value date and the amounts returning its `JournalEntry`) once per
unit amount, and checks that the rule is linear where it will be used (the event kind does
not depend on the amounts). `lines` evaluates the map for given amounts as the database
does: one line per account whose net is not zero, a debit if positive, a credit if negative,
which is exactly how the rules net their lines (lms.ledger.rules._entry); a test holds every
linear rule to its Python rule on random amounts.

Pure: no database. Guarantee: an evaluated entry balances (each unit entry does, and the
nets are a linear combination of theirs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.core.money import ZERO
from lms.ledger.accounts import Account
from lms.ledger.rules import JournalEntry, LedgerError, Line

Build = Callable[[str, date, Sequence[Decimal]], JournalEntry]

_PROBE = date(2000, 1, 1)


@dataclass(frozen=True)
class LinearRule:
    event: str
    accounts: tuple[Account, ...]
    weights: tuple[tuple[int, ...], ...]  # per account, the coefficient of each amount
    build: Build

    @classmethod
    def of(cls, build: Build, amounts: int) -> LinearRule:
        nets: dict[Account, list[int]] = {}
        events = set()
        for k in range(amounts):
            unit = [Decimal(1) if j == k else ZERO for j in range(amounts)]
            entry = build("0", _PROBE, unit)
            events.add(entry.event)
            for line in entry.lines:
                coefficient = line.debit - line.credit
                if coefficient != int(coefficient):
                    raise LedgerError(f"{entry.event}: not a whole multiple of its amounts")
                nets.setdefault(line.account, [0] * amounts)[k] += int(coefficient)
        if len(events) != 1:
            raise LedgerError(f"the rule's event kind depends on its amounts: {sorted(events)}")
        one, other = [Decimal(1)] * amounts, date(2001, 2, 3)
        probe = build("0", _PROBE, one).source
        if probe != build("1", _PROBE, one).source:
            raise LedgerError("the rule's source depends on the loan: not a set-based rule")
        if (probe and probe.replace(_PROBE.isoformat(), other.isoformat())) != build(
            "0", other, one
        ).source:
            raise LedgerError("the rule's source is not its date's ISO text in a fixed text")
        return cls(events.pop(), tuple(nets), tuple(tuple(w) for w in nets.values()), build)

    def source(self, day: date) -> str | None:
        """The source key the rule gives an entry of this day (the same for every loan)."""
        return self.build("0", day, [Decimal(1)] * len(self.weights[0])).source

    def source_sql(self, day_column: str) -> str:
        """The rule's source as a SQL expression of the entry's date column: the source of a
        probe date with that date's ISO text replaced by the column's."""
        probe = self.source(_PROBE)
        if probe is None:
            return "NULL"
        quoted = probe.replace("'", "''")
        return f"replace('{quoted}', '{_PROBE.isoformat()}', to_char({day_column}, 'YYYY-MM-DD'))"

    def lines(self, amounts: Sequence[Decimal]) -> tuple[Line, ...]:
        """The entry's lines for `amounts`, in the order of `accounts`."""
        found = []
        for account, weights in zip(self.accounts, self.weights, strict=True):
            net = sum((w * a for w, a in zip(weights, amounts, strict=True)), ZERO)
            if net > 0:
                found.append(Line(account, net, ZERO))
            elif net < 0:
                found.append(Line(account, ZERO, -net))
        return tuple(found)

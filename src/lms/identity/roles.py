"""Roles and the actions each may take: the one table the API checks every request against.

A permission names an action on the book (read a loan, take a payment, approve a refund ...);
a role is a fixed set of them. Staff hold one or more roles; an integration's API credential
holds a list of permissions (its scopes), never more than the integration role allows.

Guarantees: every permission belongs to the administrator; the auditor's are read-only; the
roles that approve or move money (`MONEY_ROLES`) must sign in with a second factor; only
finance (and the administrator) receive files carrying borrowers' bank accounts; risk, the
auditor and integrations see personal data masked.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    LOANS_READ = "loans.read"  # a loan, its schedule, statement, figures; the loan list
    LOANS_WRITE = "loans.write"  # book and disburse loans, tranches
    LOANS_CHANGE = "loans.change"  # rate changes, foreclosures: live-loan changes
    CUSTOMERS_READ = "customers.read"
    CUSTOMERS_WRITE = "customers.write"  # customers and their consents
    CUSTOMERS_PII = "customers.pii"  # phone, e-mail, date of birth, addresses in clear
    PAYMENTS_TAKE = "payments.take"  # repayments, prepayments, counter receipts, UPI and links
    PAYMENTS_REVERSE = "payments.reverse"
    CHARGES_LEVY = "charges.levy"  # a charge the loan agreement provides for, added by hand
    WAIVERS_REQUEST = "waivers.request"  # ask for a charge to be waived (a second person decides)
    WAIVERS_APPROVE = "waivers.approve"  # approve or reject a waiver someone else asked for
    REFUNDS_REQUEST = "refunds.request"
    REFUNDS_APPROVE = "refunds.approve"  # approve, reject, pay out refunds
    MANDATES_WRITE = "mandates.write"  # NACH mandates and their status
    MONEY_FILES = "money.files"  # bank statements, NACH returns, gateway settlements, matching
    BANK_FILES = "bank.files"  # files carrying borrowers' accounts: NACH debits, refund payouts
    CATALOG_WRITE = "catalog.write"  # branches, products, benchmark rates
    REPORTS_READ = "reports.read"  # the portfolio summary, the counter tally, statement lines
    REPORTS_SCHEDULE = "reports.schedule"  # reports e-mailed on a schedule after the close
    USERS_ADMIN = "users.admin"  # staff users, roles and API credentials
    AUDIT_READ = "audit.read"
    COLLECTIONS_WORK = "collections.work"  # promises to pay, calls and visits logged on a case
    COLLECTIONS_MANAGE = "collections.manage"  # cases allocated to agents
    SETTLEMENTS_REQUEST = "settlements.request"  # ask for a one-time settlement to be agreed
    SETTLEMENTS_APPROVE = "settlements.approve"  # agree one someone else asked for
    WRITEOFFS_REQUEST = "writeoffs.request"  # ask for a loan to be written off
    WRITEOFFS_APPROVE = "writeoffs.approve"  # write off a loan someone else asked for
    RESTRUCTURES_REQUEST = "restructures.request"  # preview a restructure or moratorium, ask
    RESTRUCTURES_APPROVE = "restructures.approve"  # apply one someone else asked for
    REQUESTS_ANSWER = "requests.answer"  # borrowers' service requests and complaints
    CLOSE_RUN = "close.run"  # the daily close: park the loans that keep a date from closing
    COLLATERAL_WRITE = "collateral.write"  # gold pledged on loans, and given back on closure
    GROUPS_WRITE = "groups.write"  # microfinance centres, groups and the loans lent through them


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    BRANCH_MANAGER = "branch_manager"
    LOAN_OFFICER = "loan_officer"
    COLLECTIONS_AGENT = "collections_agent"
    COLLECTIONS_MANAGER = "collections_manager"
    FINANCE = "finance"
    RISK = "risk"
    AUDITOR = "auditor"
    INTEGRATION = "integration"


P = Permission
_READ = frozenset({P.LOANS_READ, P.CUSTOMERS_READ})
_PII = _READ | {P.CUSTOMERS_PII}  # staff who serve or collect from borrowers see them in clear

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.BRANCH_MANAGER: _PII
    | {P.LOANS_WRITE, P.LOANS_CHANGE, P.CUSTOMERS_WRITE, P.PAYMENTS_TAKE, P.PAYMENTS_REVERSE}
    | {P.REFUNDS_REQUEST, P.REFUNDS_APPROVE, P.MANDATES_WRITE, P.REPORTS_READ}
    | {P.CHARGES_LEVY, P.WAIVERS_REQUEST, P.WAIVERS_APPROVE, P.REPORTS_SCHEDULE}
    | {P.COLLECTIONS_WORK, P.COLLECTIONS_MANAGE, P.SETTLEMENTS_REQUEST, P.WRITEOFFS_REQUEST}
    | {P.REQUESTS_ANSWER, P.RESTRUCTURES_REQUEST, P.COLLATERAL_WRITE, P.GROUPS_WRITE},
    Role.LOAN_OFFICER: _PII
    | {P.LOANS_WRITE, P.CUSTOMERS_WRITE, P.PAYMENTS_TAKE, P.REFUNDS_REQUEST, P.MANDATES_WRITE}
    | {P.CHARGES_LEVY, P.WAIVERS_REQUEST, P.REQUESTS_ANSWER, P.COLLATERAL_WRITE}
    | {P.GROUPS_WRITE},
    Role.COLLECTIONS_AGENT: _PII
    | {P.PAYMENTS_TAKE, P.WAIVERS_REQUEST, P.COLLECTIONS_WORK, P.SETTLEMENTS_REQUEST},
    Role.COLLECTIONS_MANAGER: _PII
    | {P.PAYMENTS_TAKE, P.PAYMENTS_REVERSE, P.REPORTS_READ}
    | {P.CHARGES_LEVY, P.WAIVERS_REQUEST, P.WAIVERS_APPROVE}
    | {P.COLLECTIONS_WORK, P.COLLECTIONS_MANAGE, P.SETTLEMENTS_REQUEST, P.WRITEOFFS_REQUEST}
    | {P.RESTRUCTURES_REQUEST},
    Role.FINANCE: _PII
    | {P.PAYMENTS_TAKE, P.PAYMENTS_REVERSE, P.REFUNDS_REQUEST, P.REFUNDS_APPROVE}
    | {P.MANDATES_WRITE, P.MONEY_FILES, P.BANK_FILES, P.REPORTS_READ, P.CLOSE_RUN}
    | {P.CHARGES_LEVY, P.WAIVERS_REQUEST, P.WAIVERS_APPROVE, P.REPORTS_SCHEDULE}
    | {P.SETTLEMENTS_APPROVE, P.WRITEOFFS_APPROVE, P.RESTRUCTURES_APPROVE},
    Role.RISK: _READ
    | {P.REPORTS_READ, P.REPORTS_SCHEDULE, P.CATALOG_WRITE}
    | {P.RESTRUCTURES_APPROVE},
    Role.AUDITOR: _READ | {P.REPORTS_READ, P.AUDIT_READ},
    Role.INTEGRATION: _READ
    | {P.LOANS_WRITE, P.CUSTOMERS_WRITE, P.PAYMENTS_TAKE, P.MANDATES_WRITE, P.MONEY_FILES}
    | {P.COLLATERAL_WRITE, P.GROUPS_WRITE},
}

# roles that approve or move money: their staff sign in with a second factor (TOTP)
MONEY_ROLES = frozenset(
    {Role.ADMINISTRATOR, Role.BRANCH_MANAGER, Role.COLLECTIONS_MANAGER, Role.FINANCE}
)

# roles whose holders see every branch; the others only the branches they are given
ALL_BRANCHES = frozenset({Role.ADMINISTRATOR, Role.FINANCE, Role.RISK, Role.AUDITOR})


def permissions_of(roles: frozenset[Role]) -> frozenset[Permission]:
    """Everything any of `roles` may do."""
    granted: frozenset[Permission] = frozenset()
    for role in roles:
        granted |= PERMISSIONS[role]
    return granted

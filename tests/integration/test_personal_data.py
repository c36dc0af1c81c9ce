"""Personal data sealed at rest and masked by role: the database holds no phone, e-mail, date
of birth, address, PAN or bank account in clear; staff who serve borrowers read them, risk,
auditors and integrations see them masked; a key rotation seals everything again under the
new key; an altered value or a missing key is an error, never a wrong answer."""

from __future__ import annotations

import pytest
from api_client import api_client
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from lms.interfaces.api.directory_routes import customer_match
from lms.interfaces.cli.main import app
from lms.platform.db import UnitOfWork, make_session_factory
from lms.platform.db.sealed import SealError, keyring, new_key_spec, parse_keyring
from lms.servicing.models import Customer

ASHA = {
    "branch_code": "BLR01",
    "name": "Asha Rao",
    "phone": "9876543210",
    "email": "asha.rao@example.in",
    "date_of_birth": "1988-04-12",
    "pan": "ABCDE1234F",
    "aadhaar": "123456789012",
    "addresses": [{"kind": "permanent", "text": "12 MG Road, Bengaluru", "pin": "560001"}],
}
CLEAR = ("9876543210", "asha.rao@example.in", "1988-04-12", "ABCDE1234F", "MG Road")


def _asha(db_url: str) -> int:
    with api_client(db_url) as admin:
        admin.post("/api/v1/branches", json={"code": "BLR01", "name": "Bengaluru"})
        made = admin.post("/api/v1/customers", json=ASHA)
        assert made.status_code == 201, made.text
        return int(made.json()["id"])


def _raw(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT phone, email, date_of_birth, pan, addresses, pan_masked, phone_index FROM customers"
            )
        ).one()
    return dict(row._mapping)


def test_the_database_holds_personal_data_only_sealed(db_url: str, engine: Engine) -> None:
    customer_id = _asha(db_url)
    raw = _raw(engine)
    stored = " ".join(str(v) for v in raw.values())
    assert [c for c in CLEAR if c in stored] == []
    assert all(str(raw[k]).startswith("v1.test.") for k in ("phone", "email", "pan", "addresses"))
    assert raw["pan_masked"] == "XXXXX1234X"
    with UnitOfWork(make_session_factory(engine)) as uow:
        asha = uow.session.get(Customer, customer_id)
        assert asha is not None
        assert (asha.phone, asha.email, asha.pan, str(asha.date_of_birth)) == (
            "9876543210", "asha.rao@example.in", "ABCDE1234F", "1988-04-12",
        )  # fmt: skip
        assert asha.aadhaar_last4 == "9012"


@pytest.mark.parametrize(
    ("role", "masked"),
    [("loan_officer", False), ("collections_agent", False), ("risk", True), ("auditor", True)],
)
def test_personal_data_is_masked_for_roles_that_may_not_see_it(
    db_url: str, role: str, masked: bool
) -> None:
    customer_id = _asha(db_url)
    branches = None if role in {"risk", "auditor"} else ["BLR01"]
    with api_client(db_url, (role,), branches) as reader:
        shown = reader.get(f"/api/v1/customers/{customer_id}").json()
    common = {"pan": "XXXXX1234X", "aadhaar": "XXXX XXXX 9012", "name": "Asha Rao"}
    assert {k: shown[k] for k in common} == common
    if masked:
        assert (shown["phone"], shown["email"], shown["date_of_birth"], shown["masked"]) == (
            "XXXXXX3210", "a***@example.in", None, True,
        )  # fmt: skip
        assert shown["addresses"] == [{"kind": "permanent", "text": "(masked)", "pin": "560001"}]
    else:
        assert (shown["phone"], shown["email"], shown["date_of_birth"], shown["masked"]) == (
            "9876543210", "asha.rao@example.in", "1988-04-12", False,
        )  # fmt: skip
        assert shown["addresses"] == ASHA["addresses"]


def test_a_rotation_seals_everything_again_under_the_new_key(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    customer_id = _asha(db_url)
    old = os.environ["LMS_PII_KEYS"]
    monkeypatch.setenv("LMS_PII_KEYS", f"{new_key_spec('k2')},{old}")
    assert _by_phone(engine, "+91 98765 43210") == [customer_id]  # indexed under the old key
    rotated = CliRunner().invoke(app, ["pii", "rotate", "--database-url", db_url])
    assert rotated.exit_code == 0, rotated.output
    assert "customers.phone_index: 1 indexed again" in rotated.output
    assert "customers.phone: 1 sealed again" in rotated.output
    assert "customers.date_of_birth: 1 sealed again" in rotated.output
    raw = _raw(engine)
    assert all(str(raw[k]).startswith("v1.k2.") for k in ("phone", "email", "pan", "addresses"))
    again = CliRunner().invoke(app, ["pii", "rotate", "--database-url", db_url])
    assert "customers.phone: 0 sealed again" in again.output
    monkeypatch.setenv("LMS_PII_KEYS", os.environ["LMS_PII_KEYS"].split(",")[0])  # old key gone
    with UnitOfWork(make_session_factory(engine)) as uow:
        asha = uow.session.get(Customer, customer_id)
        assert asha is not None and asha.phone == "9876543210"
    assert _by_phone(engine, "09876543210") == [customer_id]  # found under the new key alone
    monkeypatch.setenv("LMS_PII_KEYS", old)  # only the old key: the new values do not open
    with UnitOfWork(make_session_factory(engine)) as uow, pytest.raises(SealError):
        uow.session.scalars(select(Customer.phone)).all()


def test_an_altered_or_moved_value_does_not_open() -> None:
    ring = keyring()
    sealed = ring.seal("9876543210", "customers.phone")
    with pytest.raises(SealError, match="altered"):
        ring.open(sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"), "x.y")
    with pytest.raises(SealError, match="altered"):  # another column's value
        ring.open(sealed, "customers.email")
    with pytest.raises(SealError, match="unknown key"):
        parse_keyring(new_key_spec("other")).open(sealed, "customers.phone")
    for bad in ("k1:short", "bad id:" + new_key_spec("x").split(":")[1], "k1:@@@@"):
        with pytest.raises(SealError, match="LMS_PII_KEYS"):
            parse_keyring(bad)


def test_the_payers_account_in_statement_lines_is_sealed(db_url: str, engine: Engine) -> None:
    """A payer's account is sealed in the statement lines (an empty one stays empty, so
    the query for lines with a payer still works)."""
    from lms.payments.models import StatementLine
    from lms.platform.db.sealed import Sealed

    kind = StatementLine.__table__.c.payer_account.type
    assert isinstance(kind, Sealed) and kind.purpose == "statement_lines.payer_account"
    assert kind.process_bind_param("", engine.dialect) == ""  # nothing to hide stays comparable
    token = kind.process_bind_param("50100123456789", engine.dialect)
    assert token is not None and "50100123456789" not in token
    assert kind.process_result_value(token, engine.dialect) == "50100123456789"


def test_errors_never_carry_the_statements_parameters(db_url: str, engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    _asha(db_url)
    with engine.connect() as connection, pytest.raises(IntegrityError) as caught:
        connection.execute(
            text("INSERT INTO branches (code, name) VALUES (:code, :name)"),
            {"code": "BLR01", "name": "secret-9876543210"},
        )
    assert "9876543210" not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


def test_the_upgrade_seals_what_an_older_book_held_in_clear(db_url: str, engine: Engine) -> None:
    from lms.platform.db.migrate import downgrade, upgrade

    upgrade(db_url, "0020")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO branches (code, name) VALUES ('BLR01', 'B')"))
        connection.execute(
            text("INSERT INTO customers (branch_code, name, phone, email, date_of_birth,"
                 " created_at) VALUES ('BLR01', 'Asha', '9876543210', 'a@example.in',"
                 " '1988-04-12', '2026-01-01T00:00:00+00:00')")
        )  # fmt: skip
    upgrade(db_url)
    raw = _raw(engine)
    assert str(raw["phone"]).startswith("v1.test.") and "9876543210" not in str(raw["phone"])
    with UnitOfWork(make_session_factory(engine)) as uow:
        asha = uow.session.scalars(select(Customer)).one()
        assert (asha.phone, asha.email, str(asha.date_of_birth)) == (
            "9876543210", "a@example.in", "1988-04-12",
        )  # fmt: skip
    downgrade(db_url, "0020")
    with engine.connect() as connection:
        back = connection.execute(text("SELECT phone, email FROM customers")).one()
    assert tuple(back) == ("9876543210", "a@example.in")


def _by_phone(engine: Engine, phone: str) -> list[int]:
    """The customers a search for `phone` finds (as the search box and GET /customers do)."""
    with UnitOfWork(make_session_factory(engine)) as uow:
        return list(uow.session.scalars(select(Customer.id).where(customer_match(phone))))


def test_a_phone_is_found_by_its_blind_index_not_its_text(db_url: str, engine: Engine) -> None:
    customer_id = _asha(db_url)
    raw = _raw(engine)
    digits = "9876543210"
    assert raw["phone_index"] == keyring().blind_index(digits, "customers.phone")
    assert len(str(raw["phone_index"])) == 64 and digits not in str(raw["phone_index"])
    for typed in ("9876543210", "+91 98765 43210", "098765-43210"):
        assert _by_phone(engine, typed) == [customer_id], typed
    assert _by_phone(engine, "9876543211") == []
    with UnitOfWork(make_session_factory(engine)) as uow:  # a new phone is indexed at once
        asha = uow.session.get(Customer, customer_id)
        assert asha is not None
        asha.phone = "+91 91234 56789"
        uow.commit()
    assert _by_phone(engine, "9123456789") == [customer_id] and _by_phone(engine, digits) == []

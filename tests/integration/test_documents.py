"""Documents against customers and loans: filed and read back through the API on the local
disk, versions by content, type and size refused, KYC only for those who may see personal
data, the Key Facts Statement kept when issued; the same on a local S3-compatible server
(moto's), and bytes purged once retention ends."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import uuid4

import boto3
import pytest
from api_client import api_client
from book_setup import book_of_loans
from moto.server import ThreadedMotoServer
from served import free_port
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from lms.documents.filing import Filing, file_document, purge_expired, read
from lms.documents.models import StoredDocument
from lms.documents.store import S3Store
from lms.platform.db import UnitOfWork
from lms.platform.errors import NotFoundError
from lms.servicing.models import Loan

PDF_1 = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PDF_2 = b"%PDF-1.7\n2 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
AGREEMENT = "/api/v1/loans/1/documents?kind=agreement&name=Loan agreement"


@pytest.fixture
def book(
    db_url: str, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> sessionmaker[Session]:
    monkeypatch.setenv("LMS_DOCUMENT_DIR", str(tmp_path / "documents"))
    return book_of_loans(db_url, engine, [{"name": "Asha"}, {"name": "Ravi"}])


def _count(sessions: sessionmaker[Session]) -> int:
    with UnitOfWork(sessions) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(StoredDocument)) or 0)


def test_filed_read_back_and_versioned_by_content(
    book: sessionmaker[Session], db_url: str, tmp_path: Path
) -> None:
    pdf = {"Content-Type": "application/pdf"}
    with api_client(db_url, ("loan_officer",), ["PUN01"]) as officer:
        first = officer.post(AGREEMENT, content=PDF_1, headers=pdf)
        assert first.status_code == 201, first.text
        body = first.json()
        assert (body["version"], body["size"], body["sha256"]) == (
            1,
            len(PDF_1),
            hashlib.sha256(PDF_1).hexdigest(),
        )
        assert officer.post(AGREEMENT, content=PDF_1, headers=pdf).json()["id"] == body["id"]
        second = officer.post(AGREEMENT, content=PDF_2, headers=pdf).json()
        assert second["version"] == 2
        assert [d["version"] for d in officer.get("/api/v1/loans/1/documents").json()] == [1, 2]
        got = officer.get(f"/api/v1/loans/1/documents/{body['id']}")
        assert got.content == PDF_1 and got.headers["content-type"] == "application/pdf"
        assert officer.get(f"/api/v1/loans/2/documents/{body['id']}").status_code == 404
    digest = hashlib.sha256(PDF_1).hexdigest()
    assert (tmp_path / "documents" / digest[:2] / digest[2:4] / digest).read_bytes() == PDF_1


def test_bad_files_are_refused_and_nothing_is_written(
    book: sessionmaker[Session], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LMS_DOCUMENT_MAX_MB", "1")
    with api_client(db_url, ("loan_officer",), ["PUN01"]) as officer:
        for url, content, kind, field in (
            (AGREEMENT, PNG, "image/png", "content_type"),
            (AGREEMENT, b"<html>not a pdf</html>", "application/pdf", "file"),
            (AGREEMENT, b"", "application/pdf", "file"),
            (AGREEMENT, b"%PDF-" + b"0" * 2**20, "application/pdf", "file"),
            ("/api/v1/loans/1/documents?kind=poem&name=x", PDF_1, "application/pdf", "kind"),
        ):
            refused = officer.post(url, content=content, headers={"Content-Type": kind})
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == field
        assert officer.post("/api/v1/loans/99/documents?kind=agreement&name=x", content=PDF_1,
                            headers={"Content-Type": "application/pdf"}).status_code == 404  # fmt: skip
    assert _count(book) == 0


def test_kyc_only_for_those_who_may_see_personal_data_and_branches_apart(
    book: sessionmaker[Session], db_url: str
) -> None:
    kyc = "/api/v1/customers/1/documents?kind=kyc&name=PAN card"
    with api_client(db_url, ("collections_agent",), ["PUN01"]) as agent:
        assert (
            agent.post(kyc, content=PNG, headers={"Content-Type": "image/png"}).status_code == 403
        )
    with api_client(db_url, ("loan_officer",), ["PUN01"]) as officer:
        filed = officer.post(kyc, content=PNG, headers={"Content-Type": "image/png"}).json()
        assert officer.get(f"/api/v1/customers/1/documents/{filed['id']}").content == PNG
        letter = officer.post(
            AGREEMENT, content=PDF_1, headers={"Content-Type": "application/pdf"}
        ).json()
    with api_client(db_url, ("auditor",)) as auditor:  # reads loans, not personal data
        assert auditor.get(f"/api/v1/customers/1/documents/{filed['id']}").status_code == 404
        assert auditor.get(f"/api/v1/loans/1/documents/{letter['id']}").status_code == 200
    with api_client(db_url, ("loan_officer",), ["BLR01"]) as elsewhere:
        assert elsewhere.get(f"/api/v1/loans/1/documents/{letter['id']}").status_code == 404


def test_the_kfs_is_kept_when_issued(book: sessionmaker[Session], db_url: str) -> None:
    with api_client(db_url, ("loan_officer",), ["PUN01"]) as officer:
        issued = officer.get("/api/v1/loans/1/kfs.pdf")
        assert issued.status_code == 200
        kept = officer.get("/api/v1/loans/1/documents").json()
    assert [(d["kind"], d["name"], d["issued"]) for d in kept] == [
        ("kfs", "Key Facts Statement (en)", True)
    ]
    assert kept[0]["sha256"] == hashlib.sha256(issued.content).hexdigest()


@pytest.fixture
def s3() -> Iterator[S3Store]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    keys = {
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
        "region_name": "ap-south-1",
    }
    bucket = f"lms-documents-{uuid4().hex[:8]}"  # moto keeps buckets across its servers
    boto3.client("s3", endpoint_url=endpoint, **keys).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-south-1"}
    )
    yield S3Store(bucket, endpoint_url=endpoint, **keys)
    server.stop()


def test_on_object_storage_and_purged_after_retention(
    book: sessionmaker[Session], s3: S3Store
) -> None:
    today = date(2026, 12, 1)
    with UnitOfWork(book) as uow:
        old = file_document(uow, s3, Filing("agreement", "Agreement", PDF_1, "application/pdf", loan_id=1),
                            actor="ops", today=today)  # fmt: skip
        kyc = file_document(uow, s3, Filing("kyc", "PAN card", PNG, "image/png", customer_id=1),
                            actor="ops", today=today)  # fmt: skip
        live = file_document(uow, s3, Filing("agreement", "Agreement", PDF_2, "application/pdf", loan_id=2),
                             actor="ops", today=today)  # fmt: skip
        assert read(uow, s3, old.id, loan_id=1, personal=False)[1] == PDF_1
        assert s3.get(old.sha256) == PDF_1 and old.store == "s3"
        # Asha's loan closed on 1 Nov 2018: eight years for its agreement, five for her KYC
        uow.session.execute(
            update(Loan).where(Loan.id == 1).values(closed_on=date(2018, 11, 1), status="closed")
        )
        assert (
            purge_expired(uow, s3, date(2026, 10, 31)) == 1
        )  # the KYC (2023); not yet the agreement
        assert purge_expired(uow, s3, today) == 1  # the agreement: 1 Nov 2026
        uow.commit()
        assert (old.purged_on, kyc.purged_on, live.purged_on) == (today, date(2026, 10, 31), None)
        with pytest.raises(NotFoundError, match="purged on 2026-12-01"):
            read(uow, s3, old.id, loan_id=1, personal=True)
    keys = {o["Key"] for o in s3.client.list_objects_v2(Bucket=s3.bucket).get("Contents", [])}
    assert keys == {live.sha256}


def test_the_purge_command_counts_first_then_purges(
    book: sessionmaker[Session], db_url: str
) -> None:
    from typer.testing import CliRunner

    from lms.documents.store import blob_store
    from lms.interfaces.cli.main import app

    with UnitOfWork(book) as uow:
        row = file_document(uow, blob_store(), Filing("agreement", "Agreement", PDF_1, "application/pdf", loan_id=1),
                            actor="ops", today=date(2026, 11, 26))  # fmt: skip
        uow.session.execute(
            update(Loan).where(Loan.id == 1).values(closed_on=date(2017, 1, 5), status="closed")
        )
        uow.commit()
    runner = CliRunner()
    dry = runner.invoke(app, ["documents", "purge", "--database-url", db_url, "--dry-run"])
    assert dry.exit_code == 0 and "1 documents would be purged" in dry.output
    assert blob_store().get(row.sha256) == PDF_1  # nothing removed
    done = runner.invoke(app, ["documents", "purge", "--database-url", db_url])
    assert done.exit_code == 0 and "1 documents were purged" in done.output
    with UnitOfWork(book) as uow:
        kept = uow.session.get(StoredDocument, row.id)
        assert kept is not None and kept.purged_on == date(2026, 11, 26)
    with pytest.raises(FileNotFoundError):
        blob_store().get(row.sha256)

"""Filing documents against customers and loans, reading them back for those allowed, and
purging their bytes once retention ends.

Rules: the kinds below, each with the content types it accepts (the bytes are sniffed: a
"PDF" that is not one is refused) and its retention (years from the loan's closure, or for a
customer's own documents from the closure of their last loan: KYC records five years after
the relationship ends, as the PMLA rules require; loan records eight, as the Companies Act
keeps books). A document filed again with the same name and kind is a new version, unless its
bytes are those of the latest version (then nothing is written). A KYC document is read only
by those who may see personal data in clear, or by the borrower who owns it.

Guarantees: nothing written on a refusal (each named by its field); the bytes are stored
before the row that names them, under their SHA-256 (two documents with the same bytes share
one copy); a purge removes only bytes past retention, keeps the row and its day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from lms.documents.models import StoredDocument
from lms.documents.store import BlobStore
from lms.platform.db import UnitOfWork
from lms.platform.errors import InvalidError, NotFoundError
from lms.platform.settings import get_settings
from lms.servicing.models import Customer, Loan

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
_MAGIC = {PDF: b"%PDF-", JPEG: b"\xff\xd8\xff", PNG: b"\x89PNG\r\n\x1a\n"}
# kind: (content types accepted, years kept after the loan (or relationship) ends)
KINDS: dict[str, tuple[frozenset[str], int]] = {
    "kyc": (frozenset({PDF, JPEG, PNG}), 5),
    "agreement": (frozenset({PDF}), 8),
    "sanction_letter": (frozenset({PDF}), 8),
    "kfs": (frozenset({PDF}), 8),
    "receipt": (frozenset({PDF}), 8),
    "statement": (frozenset({PDF}), 8),
    "certificate": (frozenset({PDF}), 8),
    "correspondence": (frozenset({PDF, JPEG, PNG}), 8),
    # photographs of pledged ornaments, assay certificates, valuation reports
    "collateral": (frozenset({PDF, JPEG, PNG}), 8),
}
PERSONAL = frozenset({"kyc"})  # read only with personal data in clear, or by its owner


@dataclass(frozen=True, slots=True)
class Filing:
    """What is filed: against a customer, or a loan (and its borrower)."""

    kind: str
    name: str
    content: bytes
    content_type: str
    customer_id: int | None = None
    loan_id: int | None = None


def file_document(
    uow: UnitOfWork, store: BlobStore, filing: Filing, *, actor: str, today: date,
    issued: bool = False,
) -> StoredDocument:  # fmt: skip
    """Keep the document (a new version, or the latest if its bytes are the same)."""
    customer_id = _owner(uow, filing)
    _check(filing)
    digest = hashlib.sha256(filing.content).hexdigest()
    same = (StoredDocument.customer_id == customer_id, StoredDocument.loan_id == filing.loan_id,
            StoredDocument.kind == filing.kind, StoredDocument.name == filing.name)  # fmt: skip
    latest = uow.session.scalars(
        select(StoredDocument).where(*same).order_by(StoredDocument.version.desc()).limit(1)
    ).first()
    if latest is not None and latest.sha256 == digest and latest.purged_on is None:
        return latest
    store.put(digest, filing.content, filing.content_type)
    row = StoredDocument(
        customer_id=customer_id, loan_id=filing.loan_id, kind=filing.kind, name=filing.name,
        version=(latest.version if latest else 0) + 1, content_type=filing.content_type,
        size=len(filing.content), sha256=digest, store=store.name, issued=issued,
        filed_by=actor, filed_on=today, created_at=datetime.now(UTC),
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    return row


def _owner(uow: UnitOfWork, filing: Filing) -> int:
    if filing.loan_id is not None:
        loan = uow.session.get(Loan, filing.loan_id)
        if loan is None:
            raise NotFoundError("loan", filing.loan_id)
        return loan.customer_id
    if filing.customer_id is None or uow.session.get(Customer, filing.customer_id) is None:
        raise NotFoundError("customer", filing.customer_id)
    return filing.customer_id


def _check(filing: Filing) -> None:
    problems = []
    if filing.kind not in KINDS:
        problems.append(("kind", f"one of {', '.join(KINDS)}"))
    elif filing.content_type not in KINDS[filing.kind][0]:
        allowed = ", ".join(sorted(KINDS[filing.kind][0]))
        problems.append(("content_type", f"{filing.kind} documents are one of {allowed}"))
    elif not filing.content.startswith(_MAGIC[filing.content_type]):
        problems.append(("file", f"its bytes are not {filing.content_type}"))
    if not 0 < len(filing.content) <= get_settings().document_max_mb * 2**20:
        problems.append(("file", f"empty, or larger than {get_settings().document_max_mb} MB"))
    if not 0 < len(filing.name.strip()) <= 120:
        problems.append(("name", "1 to 120 characters"))
    if problems:
        raise InvalidError(problems)


def listed(uow: UnitOfWork, *, loan_id: int | None = None, customer_id: int | None = None) -> list[StoredDocument]:  # fmt: skip
    """A loan's documents, or a customer's (their own and their loans'), every version."""
    query = select(StoredDocument).order_by(StoredDocument.id)
    if loan_id is not None:
        query = query.where(StoredDocument.loan_id == loan_id)
    else:
        query = query.where(StoredDocument.customer_id == customer_id)
    return list(uow.session.scalars(query))


def read(
    uow: UnitOfWork, store: BlobStore, document_id: int, *, loan_id: int | None = None,
    customer_id: int | None = None, personal: bool,
) -> tuple[StoredDocument, bytes]:  # fmt: skip
    """The document and its bytes, if it belongs to the loan (or customer) named and the
    reader may see it (`personal`: may see personal data, or is its owner)."""
    row = uow.session.get(StoredDocument, document_id)
    mine = row is not None and (
        (loan_id is not None and row.loan_id == loan_id)
        or (customer_id is not None and row.customer_id == customer_id)
    )
    if row is None or not mine or (row.kind in PERSONAL and not personal):
        raise NotFoundError("document", document_id)
    if row.purged_on is not None:
        raise NotFoundError("document", f"{document_id} (purged on {row.purged_on})")
    content = store.get(row.sha256)
    if hashlib.sha256(content).hexdigest() != row.sha256:
        raise RuntimeError(f"document {document_id}: the store's bytes are not those filed")
    return row, content


def file_name(row: StoredDocument) -> str:
    """The name a download of the document carries: its id, version and type's extension."""
    extension = {PDF: "pdf", JPEG: "jpg", PNG: "png"}[row.content_type]
    return f"document-{row.id}-v{row.version}.{extension}"


def purge_expired(uow: UnitOfWork, store: BlobStore, today: date, *, remove: bool = True) -> int:
    """Remove the bytes of documents past retention; how many. A blob shared with a document
    still kept stays. With `remove` False the rows are marked but no bytes removed (a dry
    run, whose caller rolls back)."""
    ends = _relationship_ends(uow)
    loans_closed = dict(uow.session.execute(select(Loan.id, Loan.closed_on)).all())
    purged = 0
    for row in uow.session.scalars(
        select(StoredDocument).where(StoredDocument.purged_on.is_(None))
    ):
        ended = loans_closed.get(row.loan_id) if row.loan_id else ends.get(row.customer_id)
        years = KINDS[row.kind][1]
        if ended is None or _plus_years(ended, years) > today:
            continue
        row.purged_on = today
        purged += 1
    uow.session.flush()
    if not remove:
        return purged
    kept = set(
        uow.session.scalars(select(StoredDocument.sha256).where(StoredDocument.purged_on.is_(None)))
    )
    for digest in (
        set(
            uow.session.scalars(
                select(StoredDocument.sha256).where(StoredDocument.purged_on == today)
            )
        )
        - kept
    ):
        store.delete(digest)
    return purged


def _relationship_ends(uow: UnitOfWork) -> dict[int, date]:
    """Each customer whose loans are all closed: the day the last closed."""
    rows = uow.session.execute(
        select(Loan.customer_id, func.max(Loan.closed_on), func.count(), func.count(Loan.closed_on))
        .group_by(Loan.customer_id)
    ).all()  # fmt: skip
    return {c: last for c, last, n, closed in rows if n == closed and last is not None}


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)

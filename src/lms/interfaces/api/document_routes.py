"""Routes of documents kept against loans and customers: filing one (the file as the request
body, its type in `Content-Type`), listing them, and reading one back. A KYC document is
filed by those who may change customers and read by those who may see personal data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from lms.documents.filing import PERSONAL, Filing, file_document, file_name, listed, read
from lms.documents.models import StoredDocument
from lms.documents.store import blob_store
from lms.identity.roles import Permission
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.api.security import principal_of

router = APIRouter()
Kind = Annotated[str, Query(min_length=1, max_length=24)]
Name = Annotated[str, Query(min_length=1, max_length=120)]


def shown(row: StoredDocument) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "loan_id": row.loan_id,
            "kind": row.kind, "name": row.name, "version": row.version,
            "content_type": row.content_type, "size": row.size, "sha256": row.sha256,
            "issued": row.issued, "filed_by": row.filed_by, "filed_on": row.filed_on,
            "purged_on": row.purged_on}  # fmt: skip


async def _filed(
    request: Request, uow: UnitOfWorkDep, kind: str, name: str, *, loan_id: int | None = None,
    customer_id: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    who = principal_of(request)
    if kind in PERSONAL and not who.may(Permission.CUSTOMERS_WRITE):
        raise HTTPException(403, f"{who.actor} may not file {kind} documents")
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    filing = Filing(kind, name, await request.body(), content_type, customer_id, loan_id)
    row = file_document(uow, blob_store(), filing, actor=who.actor, today=today(uow))
    uow.commit()
    return shown(row)


@router.post("/loans/{loan_id}/documents", status_code=status.HTTP_201_CREATED)
async def file_loan_document(
    loan_id: int, request: Request, uow: UnitOfWorkDep, kind: Kind, name: Name
) -> dict[str, Any]:
    """File a document against the loan (agreement, sanction letter, correspondence ...):
    a new version of the same kind and name, unless the bytes are the latest's."""
    return await _filed(request, uow, kind, name, loan_id=loan_id)


@router.post("/customers/{customer_id}/documents", status_code=status.HTTP_201_CREATED)
async def file_customer_document(
    customer_id: int, request: Request, uow: UnitOfWorkDep, kind: Kind, name: Name
) -> dict[str, Any]:
    """File a document against the customer (KYC documents, correspondence)."""
    return await _filed(request, uow, kind, name, customer_id=customer_id)


@router.get("/loans/{loan_id}/documents")
def loan_documents(loan_id: int, uow: UnitOfWorkDep) -> list[dict[str, Any]]:
    return [shown(row) for row in listed(uow, loan_id=loan_id)]


@router.get("/customers/{customer_id}/documents")
def customer_documents(customer_id: int, uow: UnitOfWorkDep) -> list[dict[str, Any]]:
    return [shown(row) for row in listed(uow, customer_id=customer_id)]


@router.get("/loans/{loan_id}/documents/{document_id}", response_class=Response)
def loan_document(loan_id: int, document_id: int, uow: UnitOfWorkDep, request: Request) -> Response:
    personal = principal_of(request).may(Permission.CUSTOMERS_PII)
    row, content = read(uow, blob_store(), document_id, loan_id=loan_id, personal=personal)
    return _download(row, content)


@router.get("/customers/{customer_id}/documents/{document_id}", response_class=Response)
def customer_document(
    customer_id: int, document_id: int, uow: UnitOfWorkDep, request: Request
) -> Response:
    personal = principal_of(request).may(Permission.CUSTOMERS_PII)
    row, content = read(uow, blob_store(), document_id, customer_id=customer_id, personal=personal)
    return _download(row, content)


def _download(row: StoredDocument, content: bytes) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{file_name(row)}"',
               "X-Content-SHA256": row.sha256}  # fmt: skip
    return Response(content, media_type=row.content_type, headers=headers)

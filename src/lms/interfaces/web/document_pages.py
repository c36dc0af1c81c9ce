"""Documents kept with a loan, from its page in the staff application: filed (the loan
agreement, the sanction letter, a letter) and read back.

Guarantees: the filing service's checks (type sniffed, size, versions by content); a refusal
is shown on the form with nothing written; the form token and the permission of each action
are needed; a KYC document is read only with the permission to see personal data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from lms.documents.filing import Filing, file_document, file_name, read
from lms.documents.store import blob_store
from lms.identity.roles import Permission
from lms.interfaces.api.app import UnitOfWorkDep, today
from lms.interfaces.web.loan_pages import drawn, reasons
from lms.interfaces.web.session import ROOT, FormChecked, Staff
from lms.platform.errors import InvalidError, NotFoundError

router = APIRouter()
LOAN_KINDS = ("agreement", "sanction_letter", "correspondence")  # filed from the loan's page


@router.post(f"{ROOT}/loans/{{loan_id}}/files", dependencies=[FormChecked], response_model=None)
async def file_loan_document(
    request: Request,
    uow: UnitOfWorkDep,
    who: Staff,
    loan_id: int,
    kind: Annotated[str, Form(max_length=24)],
    name: Annotated[str, Form(max_length=120)],
    upload: Annotated[UploadFile, File()],
) -> Response:
    """File the document against the loan; then the loan's page, saying so."""
    form = {"kind": kind, "name": name}
    content = await upload.read()
    try:
        if kind not in LOAN_KINDS:
            raise InvalidError([("kind", f"one of {', '.join(LOAN_KINDS)}")])
        filing = Filing(kind, name, content, upload.content_type or "", loan_id=loan_id)
        row = file_document(uow, blob_store(), filing, actor=who.actor, today=today(uow))
        uow.commit()
    except (InvalidError, NotFoundError) as exc:
        uow.session.rollback()
        return drawn(request, uow, loan_id, 422, file_form=form, file_problems=reasons(exc))
    return RedirectResponse(f"{ROOT}/loans/{loan_id}?filed={row.id}#files", status_code=303)


@router.get(f"{ROOT}/loans/{{loan_id}}/files/{{document_id}}", response_model=None)
def kept_file(uow: UnitOfWorkDep, who: Staff, loan_id: int, document_id: int) -> Response:
    if max(loan_id, document_id) >= 2**31:
        raise NotFoundError("document", document_id)
    personal = who.may(Permission.CUSTOMERS_PII)
    row, content = read(uow, blob_store(), document_id, loan_id=loan_id, personal=personal)
    return Response(content, media_type=row.content_type,
                    headers={"Content-Disposition": f'inline; filename="{file_name(row)}"'})  # fmt: skip

"""The language a patient's mémoire and titre are printed in (fr, de, en), chosen on the patient's page; left
unset, the documents follow the language of the practice user who prints them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import Right
from tierspayant.platform.web.common import CsrfChecked, audit, flash, redirect
from tierspayant.platform.web.i18n import gettext as _
from tierspayant.schemes.lu_kin.platform.pages import Desk, refused

router = APIRouter(prefix="/practice", include_in_schema=False)


@router.post("/patients/{matricule}/language", dependencies=[CsrfChecked], response_class=RedirectResponse)
def set_documents_language(
    request: Request,
    me: Desk,
    matricule: Annotated[str, Path(pattern=r"^[0-9]{13}$")],
    language: Annotated[str, Form(max_length=5)] = "",
) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        me.desk.practice.set_patient_language(matricule, language or None)
    except FindingsError as error:
        refused(request, error, "patient", me)
    else:
        audit(request, me.user, "patient language", f"patient {matricule}", language or "-")
        flash(request, _("The patient's documents will be printed in this language."), "ok")
    return redirect(f"/practice/patients/{matricule}")

"""« Import en masse »: upload an ADF or JDR file, then its import report (page and CSV)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from .fields import KINDS
from .import_file import analyse_file, size_label
from .store import ImportRecord, Session
from .web import (
    FormErrors,
    PageNotFound,
    portal_of,
    read_form,
    render,
    require_session,
    see_other,
    simple_errors,
)

REPORT_COLUMNS = ("LIGNE", "ID_DECLARATION", "ID_UNIQUE_PARTENAIRE", "STATUT", "MESSAGE", "REFERENCE_DECLARATION")
FILE_REJECTED = "FICHIER_REJETE"


def _page(
    request: Request,
    session: Session,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "imports": portal_of(request).store.list_imports(session.siret),
        "values": values or {},
        "max_size": size_label(portal_of(request).settings.max_upload_bytes),
    }
    if errors is not None:
        context["errors"] = errors
    return render(request, "import.html", context, status_code=status_code, session=session)


async def importer(request: Request) -> Response:
    session = require_session(request)
    if request.method == "GET":
        return _page(request, session)
    portal = portal_of(request)
    declared_size = request.headers.get("content-length", "")
    if declared_size.isdigit() and int(declared_size) > portal.settings.max_upload_bytes + 1024 * 1024:
        return _page(
            request,
            session,
            errors=simple_errors(
                [("fichier", "Fichier CSV", f"Fichier trop volumineux : {size_label(portal.settings.max_upload_bytes)} au maximum.")]
            ),
            status_code=413,
        )
    form = await read_form(request, session)
    kind = str(form.get("type_fichier", ""))
    upload = form.get("fichier")
    problems = []
    if kind not in KINDS:
        problems.append(("type_fichier", "Type de fichier", "Choisissez le type du fichier (ADF ou JDR)."))
    if not isinstance(upload, UploadFile) or not upload.filename:
        problems.append(("fichier", "Fichier CSV", "Sélectionnez un fichier."))
    if problems:
        return _page(
            request,
            session,
            errors=simple_errors(problems, anchors={"type_fichier": "type_fichier-adf"}),
            values={"type_fichier": kind},
            status_code=400,
        )
    data = await upload.read()
    file_name = upload.filename
    analysis = await run_in_threadpool(
        analyse_file,
        kind,
        data,
        file_name=file_name,
        max_bytes=portal.settings.max_upload_bytes,
        today=portal.today(),
        registers=portal.registers,
    )
    import_id = await run_in_threadpool(
        portal.store.record_import, session.siret, file_name=file_name, analysis=analysis, imported_at=portal.now()
    )
    return see_other(f"/import/{import_id}")


def _load(request: Request, session: Session) -> ImportRecord:
    record = portal_of(request).store.get_import(session.siret, int(request.path_params["import_id"]))
    if record is None:
        raise PageNotFound("Cet import n'existe pas.")
    return record


async def rapport(request: Request) -> Response:
    session = require_session(request)
    return render(request, "import_rapport.html", {"record": _load(request, session)}, session=session)


async def rapport_csv(request: Request) -> Response:
    session = require_session(request)
    record = _load(request, session)
    lines = ["|".join(REPORT_COLUMNS)]
    if record.rejected_file:
        lines += [f"{e['line'] or ''}|||{FILE_REJECTED}|{e['message'].replace('|', ' ')}|" for e in record.file_errors]
    else:
        lines += [
            "|".join(
                (str(r.line), r.id_declaration, r.id_unique_partenaire, r.status, r.message, r.reference)
            )
            for r in record.rows
        ]
    body = "\r\n".join(lines) + "\r\n"
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="rapport-import-{record.id}.csv"'},
    )

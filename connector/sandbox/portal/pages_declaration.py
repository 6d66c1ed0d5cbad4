"""« Déclarer une formation »: type → formation → titulaires → récapitulatif → confirmation.

Where each rule is checked:
* step 2 (formation): every training rule (`rules.check_training`);
* step 3 (titulaires): 1 to 50 titulaires, every titulaire rule including the date order against
  the training's end, the registers (NIR + birth name, SIRET) and no NIR twice;
* step 4 (confirmation): everything again (today may have moved, a step may have been skipped).

A draft belongs to one login session and is consumed when recorded.
"""

from __future__ import annotations

import asyncio
import re

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from .fields import KINDS, MAX_TITULAIRES_PER_FORM, TITULAIRE_CODES, TRAINING_CODES
from .rules import check_titulaires, check_training
from .store import Draft, NewDeclaration, Session
from .web import (
    PageNotFound,
    error_page,
    form_errors,
    portal_of,
    read_form,
    render,
    require_session,
    see_other,
    simple_errors,
)

_TITULAIRE_INPUT = re.compile(r"titulaires-(\d+)-([a-z_]+)")
STEPS = ("Type de déclaration", "Formation", "Titulaires", "Récapitulatif")


def _step(number: int) -> dict:
    return {
        "step_number": number,
        "step_count": len(STEPS),
        "step_title": STEPS[number - 1],
        "next_step_title": STEPS[number] if number < len(STEPS) else None,
    }


def _draft_url(draft: Draft, page: str) -> str:
    return f"/declarations/brouillon/{draft.id}/{page}"


def _load_draft(request: Request, session: Session) -> Draft:
    draft = portal_of(request).store.get_draft(int(request.path_params["draft_id"]), session.token)
    if draft is None:
        raise PageNotFound(
            "Ce brouillon de déclaration n'existe pas ou n'est plus disponible : il a déjà été transmis "
            "ou votre session a changé. Recommencez la déclaration."
        )
    return draft


async def nouvelle(request: Request) -> Response:
    session = require_session(request)
    context = _step(1)
    if request.method == "GET":
        return render(request, "declaration_type.html", context, session=session)
    form = await read_form(request, session)
    kind = str(form.get("type_declaration", ""))
    if kind not in KINDS:
        errors = simple_errors(
            [("type_declaration", "Type de déclaration", "Choisissez un type de déclaration.")],
            anchors={"type_declaration": "type_declaration-adf"},
        )
        return render(request, "declaration_type.html", {**context, "errors": errors}, status_code=400, session=session)
    draft = portal_of(request).store.create_draft(session.token, kind)
    return see_other(_draft_url(draft, "formation"))


async def formation(request: Request) -> Response:
    session = require_session(request)
    draft = _load_draft(request, session)
    context = {**_step(2), "draft": draft, "codes": TRAINING_CODES[draft.kind]}
    if request.method == "GET":
        return render(request, "declaration_formation.html", {**context, "values": draft.training}, session=session)
    form = await read_form(request, session)
    portal = portal_of(request)
    draft.training = {code: str(form.get(code.lower(), "")).strip() for code in TRAINING_CODES[draft.kind]}
    errors = check_training(draft.kind, draft.training, portal.today())
    draft.training_ok = not errors
    portal.store.save_draft(draft, session.token)
    if errors:
        return render(
            request,
            "declaration_formation.html",
            {**context, "values": draft.training, "errors": form_errors(errors)},
            status_code=400,
            session=session,
        )
    return see_other(_draft_url(draft, "titulaires"))


def _titulaire_rows(form: FormData, codes: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows from indexed inputs (``titulaires-3-nir``), in index order, blank rows left out."""
    by_index: dict[int, dict[str, str]] = {}
    wanted = {code.lower(): code for code in codes}
    for key, value in form.multi_items():
        match = _TITULAIRE_INPUT.fullmatch(key)
        if match and match.group(2) in wanted and isinstance(value, str):
            by_index.setdefault(int(match.group(1)), {})[wanted[match.group(2)]] = value.strip()
    rows = [{code: row.get(code, "") for code in codes} for _, row in sorted(by_index.items())]
    return [row for row in rows if any(row.values())]


async def titulaires(request: Request) -> Response:
    session = require_session(request)
    draft = _load_draft(request, session)
    if not draft.training_ok:
        return see_other(_draft_url(draft, "formation"))
    codes = TITULAIRE_CODES[draft.kind]
    context = {**_step(3), "draft": draft, "codes": codes, "max_titulaires": MAX_TITULAIRES_PER_FORM}
    if request.method == "GET":
        rows = draft.titulaires
        if not rows:
            wanted = request.query_params.get("lignes", "1")
            count = min(int(wanted), MAX_TITULAIRES_PER_FORM) if wanted.isdigit() and int(wanted) > 0 else 1
            rows = [{} for _ in range(count)]
        return render(request, "declaration_titulaires.html", {**context, "rows": rows}, session=session)
    form = await read_form(request, session)
    portal = portal_of(request)
    draft.titulaires = _titulaire_rows(form, codes)
    errors = check_titulaires(
        draft.kind, draft.titulaires, draft.training, today=portal.today(), registers=portal.registers
    )
    draft.titulaires_ok = not errors
    portal.store.save_draft(draft, session.token)
    if errors:
        return render(
            request,
            "declaration_titulaires.html",
            {**context, "rows": draft.titulaires or [{}], "errors": form_errors(errors)},
            status_code=400,
            session=session,
        )
    return see_other(_draft_url(draft, "recapitulatif"))


async def recapitulatif(request: Request) -> Response:
    session = require_session(request)
    draft = _load_draft(request, session)
    if not draft.training_ok:
        return see_other(_draft_url(draft, "formation"))
    if not draft.titulaires_ok:
        return see_other(_draft_url(draft, "titulaires"))
    context = {**_step(4), "draft": draft, "training_codes": TRAINING_CODES[draft.kind]}
    if request.method == "GET":
        return render(request, "declaration_recapitulatif.html", context, session=session)
    await read_form(request, session)
    portal = portal_of(request)
    errors = check_training(draft.kind, draft.training, portal.today()) + check_titulaires(
        draft.kind, draft.titulaires, draft.training, today=portal.today(), registers=portal.registers
    )
    if errors:
        summary = form_errors(
            errors, page_urls={"formation": _draft_url(draft, "formation"), "titulaires": _draft_url(draft, "titulaires")}
        )
        return render(
            request, "declaration_recapitulatif.html", {**context, "errors": summary}, status_code=400, session=session
        )
    if portal.faults.take_fail_before_record():
        return _technical_error(request, session)
    reference = portal.store.record_draft(
        draft.id,
        session.token,
        siret=session.siret,
        declaration=NewDeclaration(kind=draft.kind, training=draft.training, titulaires=draft.titulaires),
        declared_at=portal.now(),
    )
    if reference is None:
        raise PageNotFound("Ce brouillon de déclaration a déjà été transmis. Consultez l'historique des déclarations.")
    if portal.faults.confirm_delay_s:
        await asyncio.sleep(portal.faults.confirm_delay_s)
    if portal.faults.take_fail_after_record():
        return _technical_error(request, session)
    return see_other(f"/declarations/{reference}/confirmation")


def _technical_error(request: Request, session: Session) -> Response:
    return error_page(
        request,
        status_code=500,
        title="Erreur technique",
        message="Une erreur technique est survenue. Veuillez réessayer ultérieurement.",
        session=session,
    )


async def confirmation(request: Request) -> Response:
    session = require_session(request)
    declaration = portal_of(request).store.get_declaration(session.siret, request.path_params["reference"])
    if declaration is None:
        raise PageNotFound()
    return render(request, "declaration_confirmation.html", {"declaration": declaration}, session=session)

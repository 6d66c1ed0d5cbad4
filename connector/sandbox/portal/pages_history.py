"""« Historique des déclarations »: search, detail, and deletion (no edit, as on the portal).

A titulaire is deleted after a confirmation page; a declaration can be deleted only once it has
no titulaire left.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from .rules import parse_date
from .store import Declaration, Session, Titulaire
from .web import (
    PageNotFound,
    error_page,
    portal_of,
    read_form,
    render,
    require_session,
    see_other,
    simple_errors,
)

NOTICES = {
    "titulaire-supprime": "Le titulaire a été supprimé.",
    "declaration-supprimee": "La déclaration a été supprimée.",
}


async def historique(request: Request) -> Response:
    session = require_session(request)
    portal = portal_of(request)
    params = request.query_params
    search = {k: params.get(k, "").strip() for k in ("nom", "du", "au")}
    problems = []
    start_from = end_until = None
    for key, label in (("du", "Date de début (à partir du)"), ("au", "Date de fin (jusqu'au)")):
        if search[key]:
            parsed = parse_date(search[key])
            if parsed is None:
                problems.append((key, label, "Date invalide : format attendu jj/mm/aaaa."))
            elif key == "du":
                start_from = parsed
            else:
                end_until = parsed
    page_size = portal.settings.history_page_size
    page = int(params["page"]) if params.get("page", "").isdigit() and int(params["page"]) > 0 else 1
    declarations, total = portal.store.list_declarations(
        session.siret,
        name_contains=search["nom"],
        start_from=start_from,
        end_until=end_until,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    page_count = max(1, math.ceil(total / page_size))
    filters = {k: v for k, v in search.items() if v}

    def page_url(number: int) -> str:
        return "/historique?" + urlencode({**filters, "page": number})

    context = {
        "search": search,
        "declarations": declarations,
        "total": total,
        "page": page,
        "page_count": page_count,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page < page_count else None,
        "notice": NOTICES.get(params.get("info", "")),
        "notice_reference": params.get("reference", ""),
    }
    if problems:
        context["errors"] = simple_errors(problems)
    return render(request, "historique.html", context, status_code=400 if problems else 200, session=session)


def _declaration(request: Request, session: Session) -> Declaration:
    declaration = portal_of(request).store.get_declaration(session.siret, request.path_params["reference"])
    if declaration is None:
        raise PageNotFound("Cette déclaration n'existe pas ou a été supprimée.")
    return declaration


def _titulaire(request: Request, declaration: Declaration) -> Titulaire:
    titulaire_id = int(request.path_params["titulaire_id"])
    titulaire = next((t for t in declaration.titulaires if t.id == titulaire_id), None)
    if titulaire is None:
        raise PageNotFound("Ce titulaire n'existe pas ou a été supprimé.")
    return titulaire


async def detail(request: Request) -> Response:
    session = require_session(request)
    declaration = _declaration(request, session)
    return render(
        request,
        "historique_detail.html",
        {"declaration": declaration, "notice": NOTICES.get(request.query_params.get("info", ""))},
        session=session,
    )


async def titulaire(request: Request) -> Response:
    session = require_session(request)
    declaration = _declaration(request, session)
    return render(
        request,
        "historique_titulaire.html",
        {"declaration": declaration, "titulaire": _titulaire(request, declaration)},
        session=session,
    )


async def supprimer_titulaire(request: Request) -> Response:
    session = require_session(request)
    declaration = _declaration(request, session)
    titulaire = _titulaire(request, declaration)
    if request.method == "GET":
        return render(
            request,
            "suppression_titulaire.html",
            {"declaration": declaration, "titulaire": titulaire},
            session=session,
        )
    await read_form(request, session)
    portal_of(request).store.delete_titulaire(session.siret, declaration.reference, titulaire.id)
    return see_other(f"/historique/{declaration.reference}?info=titulaire-supprime")


async def supprimer_declaration(request: Request) -> Response:
    session = require_session(request)
    declaration = _declaration(request, session)
    if request.method == "GET":
        if declaration.titulaires:
            return see_other(f"/historique/{declaration.reference}")
        return render(request, "suppression_declaration.html", {"declaration": declaration}, session=session)
    await read_form(request, session)
    outcome = portal_of(request).store.delete_declaration(session.siret, declaration.reference)
    if outcome == "has_titulaires":
        return error_page(
            request,
            status_code=409,
            title="Suppression impossible",
            message="Une déclaration ne peut être supprimée qu'une fois tous ses titulaires supprimés.",
            session=session,
        )
    if outcome == "not_found":
        raise PageNotFound("Cette déclaration n'existe pas ou a été supprimée.")
    return see_other("/historique?" + urlencode({"info": "declaration-supprimee", "reference": declaration.reference}))

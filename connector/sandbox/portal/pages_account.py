"""Login in the Net-entreprises manner, logout, and the declaration space's home page."""

from __future__ import annotations

import hmac
import time

from starlette.requests import Request
from starlette.responses import Response

from connector.sandbox.identities import normalise_name

from .web import (
    LOGIN_CSRF_COOKIE,
    FormErrors,
    SESSION_COOKIE,
    check_csrf,
    new_csrf_token,
    optional_session,
    portal_of,
    read_form,
    render,
    require_session,
    safe_next,
    see_other,
    simple_errors,
)

NOTICES = {
    "session-expiree": "Votre session a expiré. Veuillez vous reconnecter.",
    "deconnexion": "Vous êtes déconnecté.",
}
BAD_CREDENTIALS = "Identifiants incorrects : vérifiez le SIRET, le nom, le prénom et le mot de passe."


def _login_page(
    request: Request, *, values: dict[str, str], errors: FormErrors | None = None, status_code: int = 200
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_csrf_token()
    context = {
        "values": values,
        "login_csrf": token,
        "next": safe_next(request.query_params.get("next") or values.get("next")),
        "notice": NOTICES.get(request.query_params.get("motif", "")),
    }
    if errors is not None:
        context["errors"] = errors
    response = render(request, "connexion.html", context, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", path="/connexion")
    return response


async def connexion(request: Request) -> Response:
    if request.method == "GET":
        if optional_session(request):
            return see_other(safe_next(request.query_params.get("next")))
        return _login_page(request, values={})
    form = await request.form()
    check_csrf(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE))
    values = {k: str(form.get(k, "")).strip() for k in ("siret", "nom", "prenom", "next")}
    password = str(form.get("mot_de_passe", ""))
    problems = []
    if not values["siret"]:
        problems.append(("siret", "SIRET", "Champ obligatoire."))
    elif len(values["siret"]) != 14 or not values["siret"].isdigit():
        problems.append(("siret", "SIRET", "Le SIRET comporte 14 chiffres."))
    for name, label in (("nom", "Nom"), ("prenom", "Prénom")):
        if not values[name]:
            problems.append((name, label, "Champ obligatoire."))
    if not password:
        problems.append(("mot_de_passe", "Mot de passe", "Champ obligatoire."))
    if problems:
        return _login_page(request, values=values, errors=simple_errors(problems), status_code=400)
    portal = portal_of(request)
    account = portal.account(values["siret"])
    if (
        account is None
        or normalise_name(account.nom) != normalise_name(values["nom"])
        or normalise_name(account.prenom) != normalise_name(values["prenom"])
        or not hmac.compare_digest(account.password.get_secret_value().encode(), password.encode())
    ):
        return _login_page(
            request, values=values, errors=simple_errors([("siret", "", BAD_CREDENTIALS)]), status_code=400
        )
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        portal.store.delete_session(previous)
    now = time.time()
    portal.store.purge_sessions(created_before=now - portal.faults.session_lifetime_s)
    session = portal.store.create_session(siret=account.siret, nom=account.nom, prenom=account.prenom, now=now)
    response = see_other(safe_next(values["next"]))
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="lax", path="/")
    return response


async def deconnexion(request: Request) -> Response:
    if request.method == "GET":
        session = optional_session(request)
        if session is None:
            return see_other("/connexion")
        return render(request, "deconnexion.html", session=session)
    session = require_session(request)
    await read_form(request, session)
    portal_of(request).store.delete_session(session.token)
    response = see_other("/connexion?motif=deconnexion")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def accueil(request: Request) -> Response:
    session = require_session(request)
    return render(request, "accueil.html", session=session)

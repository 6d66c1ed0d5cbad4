"""The sandbox portal's app factory: routes, fault middleware, error pages.

Paths are stable (the submitter is configured with them); docs/portal-sandbox.md lists every page.
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from . import control, pages_account, pages_declaration, pages_history, pages_import
from .faults import FaultState
from .rules import Registers
from .settings import PortalSandboxSettings
from .store import PortalStore
from .web import (
    STATIC_DIR,
    TEMPLATES_DIR,
    CsrfRejected,
    LoginRequired,
    PageNotFound,
    Portal,
    error_page,
    login_redirect,
    optional_session,
)

GET_POST = ["GET", "POST"]


class FaultMiddleware:
    """Added latency and maintenance mode, for every path but /_sandbox/* (static files stay
    served in maintenance so that the maintenance page keeps its style)."""

    def __init__(self, app: ASGIApp, portal: Portal) -> None:
        self.app = app
        self.portal = portal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        faults = self.portal.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.maintenance and not scope["path"].startswith("/static/"):
            html = self.portal.templates.get_template("maintenance.html").render()
            response = HTMLResponse(html, status_code=503, headers={"Retry-After": "3600", "Cache-Control": "no-store"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return login_redirect(exc)


async def _csrf_rejected(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        status_code=403,
        title="Requête refusée",
        message="Le jeton de sécurité du formulaire est absent ou invalide. Rechargez la page et recommencez.",
        session=optional_session(request),
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    message = exc.message if isinstance(exc, PageNotFound) else "La page demandée n'existe pas ou n'est plus disponible."
    return error_page(request, status_code=404, title="Page non trouvée", message=message, session=optional_session(request))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await _not_found(request, exc)
    return error_page(
        request,
        status_code=exc.status_code,
        title="Requête invalide",
        message=exc.detail or "La requête n'a pas pu être traitée.",
        session=optional_session(request),
    )


def create_portal_app(settings: PortalSandboxSettings | None = None) -> Starlette:
    """The sandbox portal as an ASGI app; state lives in `settings.db_path` and survives restarts."""
    settings = settings or PortalSandboxSettings()
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    portal = Portal(
        settings=settings,
        store=PortalStore(settings.db_path),
        faults=FaultState(settings),
        templates=templates,
        registers=Registers(),
    )
    routes = [
        Route("/connexion", pages_account.connexion, methods=GET_POST),
        Route("/deconnexion", pages_account.deconnexion, methods=GET_POST),
        Route("/", pages_account.accueil),
        Route("/declarations/nouvelle", pages_declaration.nouvelle, methods=GET_POST),
        Route("/declarations/brouillon/{draft_id:int}/formation", pages_declaration.formation, methods=GET_POST),
        Route("/declarations/brouillon/{draft_id:int}/titulaires", pages_declaration.titulaires, methods=GET_POST),
        Route("/declarations/brouillon/{draft_id:int}/recapitulatif", pages_declaration.recapitulatif, methods=GET_POST),
        Route("/declarations/{reference}/confirmation", pages_declaration.confirmation),
        Route("/historique", pages_history.historique),
        Route("/historique/{reference}", pages_history.detail),
        Route("/historique/{reference}/suppression", pages_history.supprimer_declaration, methods=GET_POST),
        Route("/historique/{reference}/titulaires/{titulaire_id:int}", pages_history.titulaire),
        Route(
            "/historique/{reference}/titulaires/{titulaire_id:int}/suppression",
            pages_history.supprimer_titulaire,
            methods=GET_POST,
        ),
        Route("/import", pages_import.importer, methods=GET_POST),
        Route("/import/{import_id:int}", pages_import.rapport),
        Route("/import/{import_id:int}/rapport.csv", pages_import.rapport_csv),
        Route("/_sandbox/faults", control.faults, methods=GET_POST),
        Route("/_sandbox/declarations", control.declarations),
        Route("/_sandbox/reset", control.reset, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(FaultMiddleware, portal=portal)],
        exception_handlers={
            LoginRequired: _login_required,
            CsrfRejected: _csrf_rejected,
            PageNotFound: _not_found,
            HTTPException: _http_error,
        },
    )
    app.state.portal = portal
    return app

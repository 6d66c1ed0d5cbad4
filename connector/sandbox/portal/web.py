"""What every page handler shares: the portal context, sessions, CSRF, rendering, form errors."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from .faults import FaultState
from .fields import FIELDS, KIND_LABELS, titulaire_input_name
from .rules import TITULAIRES, FieldError, Registers, format_date
from .settings import PortalAccount, PortalSandboxSettings
from .store import PortalStore, Session

PARIS = ZoneInfo("Europe/Paris")
SESSION_COOKIE = "pp_session"
#: double-submit cookie protecting the login form, which has no session yet
LOGIN_CSRF_COOKIE = "pp_csrf"
CSRF_FIELD = "csrf_token"
#: enough inputs for 50 titulaires of a JDR and then some (the 51st must reach the rules)
MAX_FORM_FIELDS = 5000

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


class LoginRequired(Exception):
    """No valid session: answer with a redirect to the login page."""

    def __init__(self, next_url: str, *, expired: bool) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.expired = expired


class CsrfRejected(Exception):
    """A POST without the form's security token: 403."""


class PageNotFound(Exception):
    def __init__(self, message: str = "La page demandée n'existe pas ou n'est plus disponible.") -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Portal:
    settings: PortalSandboxSettings
    store: PortalStore
    faults: FaultState
    templates: Jinja2Templates
    registers: Registers

    def today(self) -> date:
        return self.settings.today or datetime.now(PARIS).date()

    def now(self) -> datetime:
        """Wall-clock time on the sandbox's day (naive, Europe/Paris)."""
        wall = datetime.now(PARIS).replace(tzinfo=None, microsecond=0)
        return datetime.combine(self.settings.today, wall.time()) if self.settings.today else wall

    def account(self, siret: str) -> PortalAccount | None:
        return next((a for a in self.settings.accounts if a.siret == siret), None)


def portal_of(request: Request) -> Portal:
    return request.app.state.portal


def _next_url(request: Request) -> str:
    url = request.url.path
    if request.method == "GET" and request.url.query:
        url += "?" + request.url.query
    return url


def optional_session(request: Request) -> Session | None:
    """The request's session when valid, without raising."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    portal = portal_of(request)
    session = portal.store.get_session(token)
    if session is None or time.time() - session.created_at >= portal.faults.session_lifetime_s:
        return None
    return session


def require_session(request: Request) -> Session:
    """The valid session of the request, or LoginRequired (marked expired when a cookie was sent)."""
    session = optional_session(request)
    if session is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            portal_of(request).store.delete_session(token)
        raise LoginRequired(_next_url(request), expired=bool(token))
    return session


def login_redirect(exc: LoginRequired) -> RedirectResponse:
    query = {"next": exc.next_url}
    if exc.expired:
        query["motif"] = "session-expiree"
    response = RedirectResponse("/connexion?" + urlencode(query), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def safe_next(value: str | None) -> str:
    """A local path to go back to after login (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


async def read_form(request: Request, session: Session) -> FormData:
    """The POSTed form, after checking its CSRF token against the session's."""
    form = await request.form(max_fields=MAX_FORM_FIELDS, max_files=1)
    check_csrf(form.get(CSRF_FIELD), session.csrf)
    return form


def check_csrf(sent: Any, expected: str | None) -> None:
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRejected()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    session: Session | None = None,
) -> HTMLResponse:
    portal = portal_of(request)
    account = portal.account(session.siret) if session else None
    full = {
        "session": session,
        "account": account,
        "csrf_token": session.csrf if session else "",
        "kind_labels": KIND_LABELS,
        "fields": FIELDS,
        "format_date": format_date,
        "errors": FormErrors.empty(),
        **(context or {}),
    }
    response = portal.templates.TemplateResponse(request, template, full, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def error_page(
    request: Request, *, status_code: int, title: str, message: str, session: Session | None = None
) -> Response:
    return render(
        request,
        "erreur.html",
        {"title": title, "message": message, "status_code": status_code},
        status_code=status_code,
        session=session,
    )


# form errors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorItem:
    text: str
    href: str


@dataclass(frozen=True)
class FormErrors:
    """Errors as the DSFR shows them: a message per input (by input name) and a summary."""

    by_name: dict[str, str]
    items: list[ErrorItem]

    @classmethod
    def empty(cls) -> FormErrors:
        return cls({}, [])

    def __bool__(self) -> bool:
        return bool(self.items)


def anchor_id(name: str, code: str) -> str:
    """The id of the element a summary link points to (the first radio of a radio group)."""
    f = FIELDS.get(code)
    if f is not None and f.widget == "radio":
        return f"{name}-{f.choices[0][0].lower()}"
    return name


def form_errors(errors: Iterable[FieldError], *, page_urls: dict[str, str] | None = None) -> FormErrors:
    """Summary items in page order: training fields, then titulaire by titulaire.

    `page_urls` ("formation", "titulaires") make the summary link to another page (the recap).
    """
    order = list(FIELDS)
    ranked = sorted(errors, key=lambda e: (e.position or 0, order.index(e.code) if e.code in order else -1))
    by_name: dict[str, str] = {}
    items: list[ErrorItem] = []
    for error in ranked:
        if error.code == TITULAIRES:
            name, label, page = "titulaires", "Titulaires", "titulaires"
            anchor = "titulaires"
        elif error.position is not None:
            name = titulaire_input_name(error.position, error.code)
            label = f"Titulaire {error.position} – {FIELDS[error.code].label}"
            page, anchor = "titulaires", anchor_id(name, error.code)
        else:
            name = error.code.lower()
            label, page = FIELDS[error.code].label, "formation"
            anchor = anchor_id(name, error.code)
        by_name.setdefault(name, error.message)
        base = (page_urls or {}).get(page, "")
        items.append(ErrorItem(f"{label} : {error.message}", f"{base}#{anchor}"))
    return FormErrors(by_name, items)


def simple_errors(pairs: Iterable[tuple[str, str, str]], *, anchors: dict[str, str] | None = None) -> FormErrors:
    """Errors of small forms: (input name, label, message); `anchors` maps a radio group's name
    to its first radio's id."""
    by_name: dict[str, str] = {}
    items = []
    for name, label, message in pairs:
        by_name.setdefault(name, message)
        items.append(ErrorItem(f"{label} : {message}" if label else message, f"#{(anchors or {}).get(name, name)}"))
    return FormErrors(by_name, items)

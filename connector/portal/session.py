"""One browser per run, a fresh context per batch, and the portal login.

Login comes either from configured credentials (automatic; the sandbox, or an account without a
second factor) or from a Playwright storage state saved by `connector login` after a person
logged in by hand. Once logged in, the context's state is reused for the next batches. When the
portal shows its login page again, the session has expired: with credentials we log in again,
otherwise the run stops with one clear message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from connector.errors import ConfigError, PortalLoginRequired
from connector.logging import get_logger
from connector.portal.browser import launch_chromium
from connector.portal.labels import Labels
from connector.portal.pages import LoginPage, PortalPage
from connector.settings import Settings

log = get_logger(__name__)


def storage_state_path(settings: Settings) -> Path:
    return settings.portal.storage_state or settings.data_dir / "portal-state.json"


def save_storage_state(state: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh)
    os.chmod(path, 0o600)


class PortalBrowser:
    def __init__(self, settings: Settings, labels: Labels, *, headless: bool | None = None) -> None:
        if not settings.portal.base_url:
            raise ConfigError("Setting 'portal.base_url' is required here: set CONNECTOR_PORTAL__BASE_URL.")
        self.settings = settings
        self.labels = labels
        self.base_url = settings.portal.base_url.rstrip("/")
        self.headless = settings.browser.headless if headless is None else headless
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._state: dict | None = None
        path = storage_state_path(settings)
        if path.is_file():
            self._state = json.loads(path.read_text())
        self.logins = 0

    @property
    def has_credentials(self) -> bool:
        p = self.settings.portal
        return bool(p.siret and p.nom and p.prenom and p.password)

    def __enter__(self) -> PortalBrowser:
        self._playwright = sync_playwright().start()
        self._launch()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._browser is not None and self._browser.is_connected():
                self._browser.close()
        finally:
            if self._playwright is not None:
                self._playwright.stop()

    def _launch(self) -> None:
        assert self._playwright is not None
        self._browser = launch_chromium(
            self._playwright,
            executable=self.settings.browser.executable,
            headless=self.headless,
            slow_mo=self.settings.browser.slow_mo_ms,
        )

    def new_context(self) -> tuple[BrowserContext, Page]:
        if self._browser is None or not self._browser.is_connected():
            log.warning("browser.relaunch")
            self._launch()
        assert self._browser is not None
        context = self._browser.new_context(locale="fr-FR", storage_state=self._state)
        context.set_default_timeout(self.settings.browser.action_timeout_s * 1000)
        return context, context.new_page()

    def share_login(self, other: PortalBrowser) -> None:
        """Start from another browser's logged-in state (one login for several workers)."""
        self._state = other._state

    def ensure_logged_in(self, context: BrowserContext, page: Page) -> None:
        """Open the home page; log in when the portal asks for it."""
        home = PortalPage(page, self.labels, self.base_url)
        try:
            home.goto(self.labels.path("home"))
            return
        except PortalLoginRequired:
            pass
        self.login(context, page)

    def login(self, context: BrowserContext, page: Page) -> None:
        if not self.has_credentials:
            raise PortalLoginRequired(
                "The portal session has expired or was never opened, and no credentials are configured: "
                "run `connector login` to log in once by hand; nothing was lost."
            )
        p = self.settings.portal
        LoginPage(page, self.labels, self.base_url).login(
            siret=p.siret, nom=p.nom, prenom=p.prenom, password=p.password.get_secret_value()
        )
        self.logins += 1
        self._state = context.storage_state()
        log.info("portal.logged_in")

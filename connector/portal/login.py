"""`connector login`: a person logs in once in a visible browser; the session is saved.

Net-entreprises may ask for more than a password, so the connector does not need to know how to
log in: it opens the portal's login page, waits until the person has reached the declaration
space, and saves Playwright's storage state (cookies) with mode 0600. Later runs reuse it until
the portal shows its login page again.
"""

from __future__ import annotations

import time
from pathlib import Path

from connector.errors import PortalLoginRequired
from connector.portal.labels import load_labels
from connector.portal.pages import PortalPage
from connector.portal.session import PortalBrowser, save_storage_state, storage_state_path
from connector.settings import Settings


def interactive_login(settings: Settings, *, timeout_s: float = 600) -> Path:
    labels = load_labels(settings.portal.labels_file)
    path = storage_state_path(settings)
    with PortalBrowser(settings, labels, headless=False) as portal:
        context, page = portal.new_context()
        page.goto(portal.base_url + labels.path("login"))
        deadline = time.monotonic() + timeout_s
        while PortalPage(page, labels, portal.base_url).on_login_page():
            if time.monotonic() > deadline:
                raise PortalLoginRequired("Nobody finished the login in time; nothing was saved.")
            page.wait_for_timeout(500)
        page.wait_for_load_state("domcontentloaded")
        save_storage_state(context.storage_state(), path)
        context.close()
    return path


def check_login(settings: Settings) -> tuple[bool, str]:
    labels = load_labels(settings.portal.labels_file)
    path = storage_state_path(settings)
    with PortalBrowser(settings, labels, headless=True) as portal:
        context, page = portal.new_context()
        try:
            PortalPage(page, labels, portal.base_url).goto(labels.path("home"))
        except PortalLoginRequired:
            return False, f"The saved portal session ({path}) has expired or is missing: run `connector login`."
        finally:
            context.close()
    return True, f"The saved portal session ({path}) is valid."

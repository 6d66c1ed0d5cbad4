"""Shared fixtures: a real headless Chromium (Playwright, sync API)."""

from __future__ import annotations

import pytest

from connector.portal.browser import launch_chromium


# Module scope: a sync Playwright owns its thread's event loop, and the submitter tests start
# their own, so the shared one must be gone when another module begins.
@pytest.fixture(scope="module")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_instance):
    browser = launch_chromium(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# -- state store on both backends -----------------------------------------------------------------

import os  # noqa: E402

from sqlalchemy import text  # noqa: E402

BACKENDS = ["sqlite", "postgres"]


def _reset_postgres(url: str) -> None:
    from connector.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """A fresh, empty database: a SQLite file, or the test PostgreSQL server emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url = os.environ.get("CONNECTOR_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CONNECTOR_REQUIRE_POSTGRES"):
            pytest.fail("CONNECTOR_TEST_POSTGRES_URL is not set but PostgreSQL tests are required")
        pytest.skip("no PostgreSQL server (set CONNECTOR_TEST_POSTGRES_URL; scripts/test-postgres.sh starts one)")
    _reset_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path, database_url, monkeypatch):
    """Settings isolated from the developer's environment and config file."""
    from connector.settings import Settings

    for key in list(os.environ):
        if key.startswith("CONNECTOR_") and key not in ("CONNECTOR_TEST_POSTGRES_URL", "CONNECTOR_REQUIRE_POSTGRES"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CONNECTOR_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("")
    return Settings(database_url=database_url, data_dir=tmp_path / "var")


@pytest.fixture
def store(settings):
    from connector.store import Store

    s = Store.open(settings)
    yield s
    s.close()


# -- Dendreo sandbox over real HTTP ---------------------------------------------------------------


@pytest.fixture
def dendreo(request):
    """A generated Dendreo account served over HTTP: (dataset, base_url). Parametrise with
    `@pytest.mark.dendreo(sessions=…, months=…, seed=…)`."""
    import datetime as dt

    from connector.sandbox.dendreo import create_dendreo_app, generate
    from connector.sandbox.server import serve_in_thread

    marker = request.node.get_closest_marker("dendreo")
    options = dict(sessions=40, months=3, seed=7)
    if marker:
        options.update(marker.kwargs)
    dataset = generate(today=dt.date.today(), **options)
    with serve_in_thread(create_dendreo_app(dataset), name="dendreo") as server:
        yield dataset, f"{server.url}/acme/api"


@pytest.fixture
def synced_settings(settings, dendreo):
    """Settings pointing at the Dendreo sandbox."""
    _, base_url = dendreo
    return settings.model_copy(
        update={"dendreo": settings.dendreo.model_copy(update={"base_url": base_url, "api_key": _secret("sandbox-key")})}
    )


def _secret(value: str):
    from pydantic import SecretStr

    return SecretStr(value)


@pytest.fixture(autouse=True, scope="session")
def _quiet_logs():
    from connector.logging import configure_logging

    configure_logging("warning", "json")

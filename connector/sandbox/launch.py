"""Start the two sandboxes side by side (Dendreo API + Passeport portal) on loopback."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connector.sandbox.dendreo import DendreoDataset, create_dendreo_app, demo_dataset, generate
from connector.sandbox.portal import PortalSandboxSettings, create_portal_app
from connector.sandbox.server import RunningServer, serve_in_thread

DENDREO_SLUG = "acme"
DENDREO_KEY = "sandbox-key"


@dataclass
class Sandboxes:
    dendreo: RunningServer
    portal: RunningServer
    dataset: DendreoDataset
    portal_settings: PortalSandboxSettings

    @property
    def dendreo_base_url(self) -> str:
        return f"{self.dendreo.url}/{DENDREO_SLUG}/api"

    @property
    def dendreo_api_key(self) -> str:
        return DENDREO_KEY

    @property
    def account(self) -> dict[str, str]:
        a = self.portal_settings.accounts[0]
        return {"siret": a.siret, "nom": a.nom, "prenom": a.prenom, "password": a.password.get_secret_value()}

    def stop(self) -> None:
        self.portal.stop()
        self.dendreo.stop()


def start_sandboxes(
    *,
    host: str = "127.0.0.1",
    dendreo_port: int = 0,
    portal_port: int = 0,
    sessions: int | None = None,
    months: int = 3,
    seed: int = 1,
    invalid_share: float = 0.05,
    portal_db: str | Path | None = None,
    dendreo_options: dict[str, Any] | None = None,
    portal_overrides: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> Sandboxes:
    """`sessions=None` serves the small fixed demo account; otherwise a generated one."""
    today = today or dt.date.today()
    dataset = (
        demo_dataset(today)
        if sessions is None
        else generate(seed=seed, sessions=sessions, months=months, today=today, invalid_share=invalid_share)
    )
    portal_settings = PortalSandboxSettings(
        **({"db_path": Path(portal_db)} if portal_db else {}),
        **(portal_overrides or {}),
    )
    dendreo = serve_in_thread(
        create_dendreo_app(dataset, slug=DENDREO_SLUG, api_key=DENDREO_KEY, **(dendreo_options or {})),
        host=host,
        port=dendreo_port,
        name="dendreo-sandbox",
    )
    try:
        portal = serve_in_thread(create_portal_app(portal_settings), host=host, port=portal_port, name="portal-sandbox")
    except Exception:
        dendreo.stop()
        raise
    return Sandboxes(dendreo=dendreo, portal=portal, dataset=dataset, portal_settings=portal_settings)

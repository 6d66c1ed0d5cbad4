"""`make demo`: the main job end to end on the embedded sandboxes, with a SQLite store.

Starts the Dendreo API sandbox (a small generated account: 30 sessions over 3 months, with a few
data problems) and the portal sandbox, syncs, declares every ready titulaire through the portal's
web form in headless Chromium, prints the status, and stops what it started. Everything lives
under var/demo/, recreated on each run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console

from connector.logging import configure_logging
from connector.settings import Settings

DEMO_DIR = Path("var/demo")


def demo_settings(sandboxes, data_dir: Path) -> Settings:
    account = sandboxes.account
    return Settings(
        database_url=f"sqlite:///{data_dir / 'connector.db'}",
        data_dir=data_dir,
        log_level="warning",
        dendreo={"base_url": sandboxes.dendreo_base_url, "api_key": SecretStr(sandboxes.dendreo_api_key), "first_sync_months": 4},
        portal={
            "base_url": sandboxes.portal.url,
            "siret": account["siret"],
            "nom": account["nom"],
            "prenom": account["prenom"],
            "password": SecretStr(account["password"]),
        },
    )


def run_demo(console: Console, *, data_dir: Path = DEMO_DIR) -> dict:
    from connector.cli import do_submit, do_sync
    from connector.sandbox.launch import start_sandboxes
    from connector.status import collect_status, render_status
    from connector.store import Store

    configure_logging("warning", "console")
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    console.rule("Passeport de Prévention connector — demo on the sandboxes")
    sandboxes = start_sandboxes(portal_db=data_dir / "portal-sandbox.sqlite3", portal_overrides={"inspection_enabled": True})
    try:
        console.print(f"Dendreo API sandbox: {sandboxes.dendreo_base_url}")
        console.print(f"Portal sandbox:      {sandboxes.portal.url}")
        settings = demo_settings(sandboxes, data_dir)
        store = Store.open(settings)
        console.rule("1. Sync from Dendreo")
        synced = do_sync(settings, store)
        outcome = ", ".join(f"{key.split('->')[1]}: {count}" for key, count in sorted(synced["transitions"].items()))
        console.print(
            f"{synced['sessions_read']} sessions read in {synced['requests']} requests: "
            f"{synced['titulaires_created']} titulaires ({outcome})"
        )
        console.rule("2. Declare through the portal's web form (headless Chromium)")
        submitted = do_submit(settings, store)
        console.print(
            f"{submitted['declared']} titulaires declared in {submitted['declarations']} declarations; "
            f"{submitted['rejected']} rejected by the portal (its registers), {submitted['in_doubt']} in doubt; {submitted['wall_s']} s"
        )
        console.rule("3. connector status")
        status = collect_status(store, today=dt.date.today())
        render_status(status, console)
        store.close()
        return {"sync": synced, "submit": submitted, "counts": status["counts"]}
    finally:
        sandboxes.stop()
        console.print(f"Sandboxes stopped. The demo store is in {data_dir}/ (connector status with CONNECTOR_DATABASE_URL=sqlite:///{data_dir}/connector.db).")


def main() -> None:
    result = run_demo(Console())
    if "--json" in sys.argv:
        print(json.dumps(result, default=str))
    if not result["submit"]["declared"]:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Benchmark: full sync of 2,000 sessions (≥ 20,000 titulaires) over 12 months, then a no-change
re-sync, from the Dendreo sandbox over HTTP with the client's throttle on (90 requests / 10 s).

The sandbox runs in a child process so that the peak RSS printed is the connector's alone.
Usage: python benchmarks/sync.py [--sessions 2000] [--months 12]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import figures, peak_rss_mb, start_sandboxes  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from connector.dendreo.client import DendreoClient  # noqa: E402
from connector.dendreo.poller import Poller  # noqa: E402
from connector.logging import configure_logging  # noqa: E402
from connector.settings import Settings  # noqa: E402
from connector.store import Store  # noqa: E402
from connector.store.models import Titulaire  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    configure_logging("warning", "json")
    with tempfile.TemporaryDirectory() as tmp:
        proc, dendreo_url, _ = start_sandboxes(sessions=args.sessions, months=args.months, seed=42, portal_db=f"{tmp}/portal.db")
        try:
            settings = Settings(
                database_url=args.database_url or f"sqlite:///{tmp}/store.db",
                data_dir=Path(tmp),
                dendreo={"base_url": f"{dendreo_url}/acme/api", "api_key": SecretStr("sandbox-key"), "first_sync_months": args.months},
            )
            store = Store.open(settings)
            with DendreoClient(settings.dendreo) as client:
                started = time.perf_counter()
                full = Poller(client, store, settings).sync()
                full_wall = time.perf_counter() - started
                full_requests = client.requests
                started = time.perf_counter()
                again = Poller(client, store, settings).sync()
                resync_wall = time.perf_counter() - started
                throttle_wait = client.throttle.waited_s
            with store.transaction() as repo:
                titulaires = repo.s.scalar(select(func.count()).select_from(Titulaire))
            print(f"full sync: {full.sessions_read} sessions, {titulaires} titulaires, {full_requests} requests, {full_wall:.1f} s", file=sys.stderr)
            print(f"re-sync ({again.mode}): {again.requests} requests, {resync_wall:.1f} s, {again.titulaires_updated} updated", file=sys.stderr)
            figures(
                sessions=full.sessions_read,
                titulaires=titulaires,
                requests=full_requests,
                wall_s=round(full_wall, 1),
                throttle_wait_s=round(throttle_wait, 1),
                resync_requests=again.requests,
                resync_wall_s=round(resync_wall, 2),
                peak_rss_mb=round(peak_rss_mb()),
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()

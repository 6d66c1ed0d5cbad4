"""Benchmark: about 1,000 titulaires in ~25 sessions of varied size declared through the portal's
web form in headless Chromium (sandbox, no injected latency); then the floor: the same
declarations posted by plain HTTP requests, and the ratio between the two.

Prints titulaires per minute, wall seconds, the peak RSS of the connector process and of its
Chromium processes. The sandboxes run in a child process.
Usage: python benchmarks/submit_form.py [--titulaires 1000] [--parallel 2]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import psutil  # noqa: E402
from _common import figures, peak_rss_mb, start_sandboxes  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import select  # noqa: E402

from connector.dendreo.client import DendreoClient  # noqa: E402
from connector.dendreo.poller import Poller  # noqa: E402
from connector.domain import TitulaireState  # noqa: E402
from connector.logging import configure_logging  # noqa: E402
from connector.portal.payload import build_payload  # noqa: E402
from connector.portal.submitter import Submitter  # noqa: E402
from connector.sandbox.portal.settings import DEFAULT_ACCOUNT  # noqa: E402
from connector.sandbox.portal.testing import PortalHttpClient  # noqa: E402
from connector.settings import Settings  # noqa: E402
from connector.store import Store  # noqa: E402
from connector.store.models import Declaration, DeclarationItem, Titulaire  # noqa: E402


class BrowserMemory(threading.Thread):
    """Samples the summed RSS and PSS of this process's Chromium children (RSS counts the pages
    Chromium's processes share once per process; PSS splits them, so it adds up)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.peak_pss = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.wait(1.0):
            rss = pss = 0
            for child in me.children(recursive=True):
                try:
                    if "chrom" in child.name().lower():
                        info = child.memory_full_info()
                        rss += info.rss
                        pss += getattr(info, "pss", info.rss)
                except psutil.Error:
                    pass
            self.peak = max(self.peak, rss)
            self.peak_pss = max(self.peak_pss, pss)


def choose_sessions(store: Store, target: int) -> tuple[int, list[int]]:
    """Keep the largest ready sessions until `target` titulaires; set the rest aside."""
    with store.transaction() as repo:
        ready = repo.s.scalars(select(Titulaire).where(Titulaire.state == TitulaireState.READY)).all()
        groups = collections.defaultdict(list)
        for t in ready:
            groups[t.session_id].append(t)
        kept, sizes = set(), []
        for session_id, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            if sum(sizes) >= target:
                break
            kept.add(session_id)
            sizes.append(len(members))
        for t in ready:
            if t.session_id not in kept:
                repo.transition(t, TitulaireState.EXCLUDED, "set aside by the benchmark")
    return sum(sizes), sizes


def raw_http_floor(store: Store, portal_url: str) -> tuple[float, int]:
    """Post the declarations the browser made, by plain HTTP, on an emptied portal."""
    httpx.post(f"{portal_url}/_sandbox/reset").raise_for_status()
    payloads = []
    with store.transaction() as repo:
        for decl in repo.s.scalars(select(Declaration).where(Declaration.state == "declared").order_by(Declaration.id)):
            ids = [i.titulaire_id for i in repo.s.scalars(select(DeclarationItem).where(DeclarationItem.declaration_id == decl.id))]
            members = [t for t in repo.titulaires_by_ids(ids) if t.reference == decl.reference]
            payloads.append(build_payload(repo.session(decl.session_id), decl.declaration_type, members, repo.cipher, today=dt.date.today()))
    started = time.perf_counter()
    count = 0
    with PortalHttpClient(portal_url) as client:
        client.login()
        for p in payloads:
            client.declare(p.kind, p.training, [t.values for t in p.titulaires])
            count += len(p.titulaires)
    return time.perf_counter() - started, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--titulaires", type=int, default=1000)
    parser.add_argument("--generated-sessions", type=int, default=160)
    parser.add_argument("--parallel", type=int, default=2, help="portal.parallel_batches (browsers at once)")
    args = parser.parse_args()
    configure_logging("warning", "json")
    with tempfile.TemporaryDirectory() as tmp:
        proc, dendreo_url, portal_url = start_sandboxes(
            sessions=args.generated_sessions, months=3, seed=2026, portal_db=f"{tmp}/portal.db", extra=["--invalid-share", "0.02"]
        )
        try:
            settings = Settings(
                database_url=f"sqlite:///{tmp}/store.db",
                data_dir=Path(tmp),
                log_level="warning",
                dendreo={"base_url": f"{dendreo_url}/acme/api", "api_key": SecretStr("sandbox-key"), "first_sync_months": 4},
                portal={
                    "base_url": portal_url,
                    "siret": DEFAULT_ACCOUNT.siret,
                    "nom": DEFAULT_ACCOUNT.nom,
                    "prenom": DEFAULT_ACCOUNT.prenom,
                    "password": DEFAULT_ACCOUNT.password,
                    "parallel_batches": args.parallel,
                },
            )
            store = Store.open(settings)
            with DendreoClient(settings.dendreo) as client:
                Poller(client, store, settings).sync()
            kept, sizes = choose_sessions(store, args.titulaires)
            print(f"{kept} ready titulaires in {len(sizes)} sessions (sizes {sizes})", file=sys.stderr)

            memory = BrowserMemory()
            memory.start()
            started = time.perf_counter()
            report = Submitter(store, settings).run()
            wall = time.perf_counter() - started
            memory.stop.set()
            print(
                f"browser: {report.declared} declared in {report.declarations} declarations, {report.rejected} rejected "
                f"by the portal's registers, {wall:.1f} s",
                file=sys.stderr,
            )
            floor_wall, floor_count = raw_http_floor(store, portal_url)
            browser_rate = report.declared / wall * 60
            floor_rate = floor_count / floor_wall * 60
            figures(
                parallel=args.parallel,
                titulaires=report.declared,
                declarations=report.declarations,
                rejected=report.rejected,
                sessions=len(sizes),
                wall_s=round(wall, 1),
                titulaires_per_min=round(browser_rate),
                http_floor_wall_s=round(floor_wall, 1),
                http_floor_per_min=round(floor_rate),
                browser_http_ratio=round(floor_rate / browser_rate, 1),
                peak_rss_mb=round(peak_rss_mb()),
                chromium_peak_rss_mb=round(memory.peak / 2**20),
                chromium_peak_pss_mb=round(memory.peak_pss / 2**20),
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()

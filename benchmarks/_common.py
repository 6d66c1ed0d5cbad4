"""Shared by the benchmarks: sandboxes in a child process (so the connector's own memory is
measured alone), peak RSS, and the closing `name=value` line."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sandboxes(*, sessions: int, months: int, seed: int, portal_db: str, extra: list[str] | None = None):
    dendreo_port, portal_port = free_port(), free_port()
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "connector.cli", "sandbox",
            "--sessions", str(sessions), "--months", str(months), "--seed", str(seed),
            "--dendreo-port", str(dendreo_port), "--portal-port", str(portal_port),
            "--portal-db", portal_db, *(extra or []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "CONNECTOR_LOG_LEVEL": "warning"},
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{portal_port}/connexion", timeout=2)
            httpx.get(f"http://127.0.0.1:{dendreo_port}/_sandbox/stats", timeout=2)
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sandboxes did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))
            time.sleep(0.2)
    return proc, f"http://127.0.0.1:{dendreo_port}", f"http://127.0.0.1:{portal_port}"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def figures(**values) -> None:
    print(" ".join(f"{k}={v}" for k, v in values.items()), flush=True)

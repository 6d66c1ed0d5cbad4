"""Evidence of a failed batch: a screenshot and a Playwright trace, kept briefly.

They show NIRs, so files are written with mode 0600 under <data_dir>/evidence and purged after
`portal.evidence_days` days. Capture is best effort: it never hides the original error.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from connector.logging import get_logger

log = get_logger(__name__)


def evidence_root(data_dir: Path) -> Path:
    return data_dir / "evidence"


def _private(path: Path) -> None:
    if path.exists():
        os.chmod(path, 0o600)


def capture(context, page, directory: Path, *, tracing: bool) -> Path | None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        shot = directory / "screenshot.png"
        if page is not None and not page.is_closed():
            page.screenshot(path=str(shot), full_page=True)
            _private(shot)
        if tracing:
            trace = directory / "trace.zip"
            context.tracing.stop(path=str(trace))
            _private(trace)
        return directory
    except Exception as exc:  # evidence must never mask the failure being recorded
        log.warning("evidence.capture_failed", error=type(exc).__name__)
        return None


def purge(data_dir: Path, days: int, *, now: float | None = None) -> int:
    root = evidence_root(data_dir)
    if not root.is_dir():
        return 0
    limit = (now or time.time()) - days * 86400
    removed = 0
    for entry in root.iterdir():
        if entry.stat().st_mtime < limit:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            removed += 1
    return removed

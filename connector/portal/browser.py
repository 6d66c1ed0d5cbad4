"""Launching Chromium for the portal channels.

Playwright's own browser download is blocked on many locked-down machines, so the executable is
a setting (`CONNECTOR_BROWSER__EXECUTABLE`), auto-detected when unset: Debian's
`/usr/bin/chromium` first, then other usual names on PATH, then Playwright's bundled browser
(when it has been installed, Playwright finds it by itself: `executable_path=None`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

#: Flags for a headless Chromium on a closed network, running as root in a container.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
)

_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium", "chromium-browser", "google-chrome")


def find_chromium(configured: str | os.PathLike[str] | None = None) -> str | None:
    """The Chromium executable to launch, or None to let Playwright use its own browser.

    A configured path that does not exist is an error (a typo must not silently fall back).
    """
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FileNotFoundError(f"browser executable {configured} does not exist")
        return str(path)
    for candidate in _CANDIDATES:
        found = candidate if os.path.isabs(candidate) and os.access(candidate, os.X_OK) else shutil.which(candidate)
        if found:
            return found
    return None


def launch_chromium(playwright, *, executable: str | None = None, headless: bool = True, slow_mo: float = 0):
    """Launch Chromium through a started Playwright (sync API)."""
    return playwright.chromium.launch(
        executable_path=find_chromium(executable),
        headless=headless,
        args=list(CHROMIUM_ARGS),
        slow_mo=slow_mo,
    )

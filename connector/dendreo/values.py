"""Reading Dendreo's all-strings values: "0"/"" foreign keys, "0"/"1" flags, naive Paris datetimes."""

from __future__ import annotations

import datetime as dt
from typing import Any


def fk(value: Any) -> str | None:
    """A foreign key, or None when Dendreo says "0", "" or nothing."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "0") else text


def text(value: Any) -> str | None:
    if value is None:
        return None
    out = str(value).strip()
    return out or None


def flag(value: Any) -> bool | None:
    """ "1"/"0" (also oui/non, true/false) → bool; empty → None."""
    if value is None:
        return None
    t = str(value).strip().lower()
    if t in ("1", "oui", "true", "yes", "o"):
        return True
    if t in ("0", "non", "false", "no", "n"):
        return False
    return None


def integer(value: Any) -> int | None:
    t = text(value)
    if t is None:
        return None
    try:
        return int(float(t))
    except ValueError:
        return None


def number(value: Any) -> float | None:
    t = text(value)
    if t is None:
        return None
    try:
        return float(t.replace(",", "."))
    except ValueError:
        return None


def date(value: Any) -> dt.date | None:
    """The date part of "YYYY-MM-DD[ HH:MM:SS]"; None when empty or malformed."""
    t = text(value)
    if t is None or t.startswith("0000"):
        return None
    try:
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        return None

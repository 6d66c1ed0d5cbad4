"""Declaration deadlines, held as data (portal.md "Deadlines"): the calendar keeps changing.

The reference date is the training end (ADF) or the validity start (JDR). Rules map inclusive
ranges of reference dates to one of four kinds:

* ``not_declarable`` — the portal does not take it (EXCLUDED with the rule's ``note``);
* ``optional`` — may be declared, need not be (no deadline);
* ``fixed`` — a fixed ``deadline``;
* ``quarter_end_plus`` — end of the reference date's calendar quarter + ``months``, landing on
  the last day of the month (Q1 2026 + 6 → 30/09/2026).

The packaged ``connector/config/deadlines.toml`` encodes the law as of 15/06/2026; a user file
in the same format replaces it (setting ``rules.deadline_rules_file``). Rules must cover every
date exactly once: the first without ``from``, the last without ``until``, no gap, no overlap.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from connector.errors import ConfigError
from connector.rules._dates import add_months, month_end, quarter_end


class DeadlineKind(StrEnum):
    NOT_DECLARABLE = "not_declarable"
    OPTIONAL = "optional"
    FIXED = "fixed"
    QUARTER_END_PLUS = "quarter_end_plus"


@dataclass(frozen=True)
class DeadlineVerdict:
    #: last day to declare; None when optional or not declarable
    deadline: dt.date | None
    #: may be declared but need not be
    optional: bool
    declarable: bool
    rule_name: str
    #: the rule's explanation, used as the exclusion reason of a not-declarable rule
    note: str


@dataclass(frozen=True)
class DeadlineRule:
    name: str
    #: first and last reference dates covered (inclusive); None = open-ended
    first: dt.date | None
    last: dt.date | None
    kind: DeadlineKind
    deadline: dt.date | None = None
    months: int | None = None
    note: str = ""

    def covers(self, day: dt.date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)

    def verdict(self, day: dt.date) -> DeadlineVerdict:
        deadline = None
        if self.kind is DeadlineKind.FIXED:
            deadline = self.deadline
        elif self.kind is DeadlineKind.QUARTER_END_PLUS:
            shifted = add_months(quarter_end(day), self.months or 0)
            deadline = month_end(shifted.year, shifted.month)
        return DeadlineVerdict(
            deadline=deadline,
            optional=self.kind is DeadlineKind.OPTIONAL,
            declarable=self.kind is not DeadlineKind.NOT_DECLARABLE,
            rule_name=self.name,
            note=self.note,
        )

    def span(self) -> str:
        return f"{self.first or '…'} – {self.last or '…'}"


@dataclass(frozen=True)
class DeadlineRules:
    """Validated rules, sorted by date; they cover every date exactly once."""

    rules: tuple[DeadlineRule, ...]
    source: str

    def deadline_for(self, reference_date: dt.date) -> DeadlineVerdict:
        rule = next(r for r in self.rules if r.covers(reference_date))
        return rule.verdict(reference_date)


_KEYS = {"name", "from", "until", "kind", "deadline", "months", "note"}
_KIND_KEYS = {DeadlineKind.FIXED: "deadline", DeadlineKind.QUARTER_END_PLUS: "months"}


def load_deadline_rules(path: Path | None = None) -> DeadlineRules:
    """The packaged rules (connector/config/deadlines.toml) or a user file in the same format."""
    if path is None:
        text = resources.files("connector").joinpath("config/deadlines.toml").read_text(encoding="utf-8")
        return parse_deadline_rules(text, source="packaged deadlines.toml")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"deadline rules {path}: cannot be read ({exc.strerror or exc})") from exc
    return parse_deadline_rules(text, source=str(path))


def parse_deadline_rules(text: str, *, source: str) -> DeadlineRules:
    """Parse and validate a deadline-rules TOML text; `source` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"deadline rules {source}: not valid TOML ({exc})") from exc
    unknown = set(data) - {"rule"}
    if unknown:
        raise ConfigError(f"deadline rules {source}: unknown top-level keys {', '.join(sorted(unknown))}")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise ConfigError(f"deadline rules {source}: no [[rule]] table")
    rules = [_parse_rule(raw, index, source) for index, raw in enumerate(raw_rules, start=1)]
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"deadline rules {source}: rule names used twice: {', '.join(duplicates)}")
    rules.sort(key=lambda r: r.first or dt.date.min)
    _check_coverage(rules, source)
    return DeadlineRules(tuple(rules), source)


def _parse_rule(raw: Any, index: int, source: str) -> DeadlineRule:
    where = f"deadline rules {source}, rule #{index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a [[rule]] table")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: needs a name")
    where = f"deadline rules {source}, rule '{name}'"
    unknown = set(raw) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    try:
        kind = DeadlineKind(raw.get("kind"))
    except ValueError:
        raise ConfigError(f"{where}: kind must be one of {', '.join(k.value for k in DeadlineKind)}") from None
    first, last, deadline = (_date(raw, key, where) for key in ("from", "until", "deadline"))
    if first and last and first > last:
        raise ConfigError(f"{where}: from {first} is after until {last}")
    for key in ("deadline", "months"):
        if key in raw and _KIND_KEYS.get(kind) != key:
            raise ConfigError(f"{where}: '{key}' does not apply to kind {kind.value}")
    needed = _KIND_KEYS.get(kind)
    if needed and needed not in raw:
        raise ConfigError(f"{where}: kind {kind.value} needs '{needed}'")
    months = raw.get("months")
    if months is not None and (type(months) is not int or months < 0):
        raise ConfigError(f"{where}: months must be a whole number ≥ 0")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise ConfigError(f"{where}: note must be a string")
    return DeadlineRule(name, first, last, kind, deadline, months, note)


def _date(raw: dict[str, Any], key: str, where: str) -> dt.date | None:
    value = raw.get(key)
    if value is None:
        return None
    if type(value) is not dt.date:
        raise ConfigError(f"{where}: '{key}' must be a TOML date like 2025-04-28 (no quotes), not {value!r}")
    return value


def _check_coverage(rules: list[DeadlineRule], source: str) -> None:
    where = f"deadline rules {source}"
    if rules[0].first is not None:
        raise ConfigError(f"{where}: no rule covers dates before {rules[0].first}; leave 'from' out of rule '{rules[0].name}'")
    for before, after in zip(rules, rules[1:]):
        if before.last is None or after.first is None or after.first <= before.last:
            raise ConfigError(
                f"{where}: rules '{before.name}' ({before.span()}) and '{after.name}' ({after.span()}) overlap"
            )
        if after.first > before.last + dt.timedelta(days=1):
            raise ConfigError(
                f"{where}: no rule covers {before.last + dt.timedelta(days=1)} – {after.first - dt.timedelta(days=1)}"
                f" (between rules '{before.name}' and '{after.name}')"
            )
    if rules[-1].last is not None:
        raise ConfigError(f"{where}: no rule covers dates after {rules[-1].last}; leave 'until' out of rule '{rules[-1].name}'")

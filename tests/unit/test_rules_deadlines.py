"""Deadline rules as data: the packaged calendar, date by date, and the checks on a user file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from connector.errors import ConfigError
from connector.rules import DeadlineKind, load_deadline_rules, parse_deadline_rules

D = dt.date


@pytest.fixture(scope="module")
def packaged():
    return load_deadline_rules()


@pytest.mark.parametrize(
    ("reference", "deadline"),
    [
        # Sept-Dec 2025: one fixed deadline
        pytest.param(D(2025, 9, 2), D(2026, 9, 30), id="2025-09-02-first-day-after-optional"),
        pytest.param(D(2025, 9, 30), D(2026, 9, 30), id="2025-09-30"),
        pytest.param(D(2025, 10, 1), D(2026, 9, 30), id="2025-10-01"),
        pytest.param(D(2025, 12, 31), D(2026, 9, 30), id="2025-12-31"),
        # 2026: quarter end + 6 months
        pytest.param(D(2026, 1, 1), D(2026, 9, 30), id="2026-01-01-Q1"),
        pytest.param(D(2026, 3, 31), D(2026, 9, 30), id="2026-03-31-Q1"),
        pytest.param(D(2026, 4, 1), D(2026, 12, 31), id="2026-04-01-Q2"),
        pytest.param(D(2026, 6, 30), D(2026, 12, 31), id="2026-06-30-Q2"),
        pytest.param(D(2026, 7, 1), D(2027, 3, 31), id="2026-07-01-Q3"),
        pytest.param(D(2026, 9, 30), D(2027, 3, 31), id="2026-09-30-Q3"),
        pytest.param(D(2026, 10, 1), D(2027, 6, 30), id="2026-10-01-Q4"),
        pytest.param(D(2026, 12, 31), D(2027, 6, 30), id="2026-12-31-Q4"),
        # from 2027: quarter end + 3 months, landing on the month's last day
        pytest.param(D(2027, 1, 1), D(2027, 6, 30), id="2027-01-01-Q1"),
        pytest.param(D(2027, 3, 31), D(2027, 6, 30), id="2027-03-31-Q1"),
        pytest.param(D(2027, 4, 1), D(2027, 9, 30), id="2027-04-01-Q2"),
        pytest.param(D(2027, 6, 30), D(2027, 9, 30), id="2027-06-30-Q2"),
        pytest.param(D(2027, 7, 1), D(2027, 12, 31), id="2027-07-01-Q3"),
        pytest.param(D(2027, 9, 30), D(2027, 12, 31), id="2027-09-30-Q3"),
        pytest.param(D(2027, 10, 1), D(2028, 3, 31), id="2027-10-01-Q4"),
        pytest.param(D(2027, 12, 31), D(2028, 3, 31), id="2027-12-31-Q4-crosses-year"),
        pytest.param(D(2028, 1, 15), D(2028, 6, 30), id="2028-Q1"),
        pytest.param(D(2028, 12, 31), D(2029, 3, 31), id="2028-12-31"),
        pytest.param(D(2030, 8, 20), D(2030, 12, 31), id="2030-Q3"),
    ],
)
def test_packaged_deadline_for_each_quarter_boundary(packaged, reference, deadline):
    verdict = packaged.deadline_for(reference)
    assert verdict.deadline == deadline
    assert verdict.declarable is True
    assert verdict.optional is False


@pytest.mark.parametrize(
    "reference",
    [D(2025, 4, 28), D(2025, 6, 30), D(2025, 9, 1)],
    ids=["2025-04-28-opening-day", "2025-06-30", "2025-09-01-last-optional-day"],
)
def test_trainings_ended_28_04_to_01_09_2025_are_optional(packaged, reference):
    verdict = packaged.deadline_for(reference)
    assert (verdict.optional, verdict.declarable, verdict.deadline) == (True, True, None)
    assert verdict.rule_name == "opening-2025-optional"


@pytest.mark.parametrize("reference", [D(2025, 4, 27), D(2024, 12, 31), D(1990, 1, 1)], ids=["eve-of-opening", "2024", "1990"])
def test_trainings_ended_before_the_opening_are_not_declarable(packaged, reference):
    verdict = packaged.deadline_for(reference)
    assert (verdict.declarable, verdict.optional, verdict.deadline) == (False, False, None)
    assert verdict.note == "ended before the Passeport opened (28/04/2025)"


def test_packaged_rules_are_immutable_and_sorted(packaged):
    assert isinstance(packaged.rules, tuple)
    assert [r.name for r in packaged.rules] == ["before-opening", "opening-2025-optional", "late-2025", "2026-transition", "from-2027"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        packaged.rules[0].months = 1  # type: ignore[misc]


# -- user files -----------------------------------------------------------------------------------

SIMPLE = """
[[rule]]
name = "later"
from = 2030-01-01
kind = "quarter_end_plus"
months = 1

[[rule]]
name = "earlier"
until = 2029-12-31
kind = "fixed"
deadline = 2031-01-15
"""


def test_user_file_replaces_the_packaged_rules_in_any_order(tmp_path: Path):
    path = tmp_path / "deadlines.toml"
    path.write_text(SIMPLE, encoding="utf-8")
    rules = load_deadline_rules(path)
    assert [r.name for r in rules.rules] == ["earlier", "later"]
    assert rules.deadline_for(D(2029, 12, 31)).deadline == D(2031, 1, 15)
    assert rules.deadline_for(D(2030, 2, 14)).deadline == D(2030, 4, 30)
    assert rules.deadline_for(D(2030, 11, 30)).deadline == D(2031, 1, 31)


def test_user_file_that_cannot_be_read_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_deadline_rules(tmp_path / "missing.toml")


def _rule(name: str, *, first: str | None = None, until: str | None = None, extra: str = 'kind = "optional"') -> str:
    lines = ["[[rule]]", f'name = "{name}"', extra]
    if first:
        lines.append(f"from = {first}")
    if until:
        lines.append(f"until = {until}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            _rule("a", until="2026-06-30") + _rule("b", first="2026-06-01"),
            "rules 'a' (… – 2026-06-30) and 'b' (2026-06-01 – …) overlap",
            id="overlapping-ranges",
        ),
        pytest.param(
            _rule("a", until="2026-06-30") + _rule("b", first="2026-06-30"),
            "rules 'a' (… – 2026-06-30) and 'b' (2026-06-30 – …) overlap",
            id="overlap-of-one-day",
        ),
        pytest.param(_rule("a") + _rule("b"), "rules 'a' (… – …) and 'b' (… – …) overlap", id="two-open-rules"),
        pytest.param(
            _rule("a", until="2026-06-30") + _rule("b", first="2026-07-02"),
            "no rule covers 2026-07-01 – 2026-07-01 (between rules 'a' and 'b')",
            id="gap-of-one-day",
        ),
        pytest.param(_rule("a", first="2025-01-01"), "no rule covers dates before 2025-01-01; leave 'from' out of rule 'a'", id="no-open-start"),
        pytest.param(_rule("a", until="2030-12-31"), "no rule covers dates after 2030-12-31; leave 'until' out of rule 'a'", id="no-open-end"),
        pytest.param(_rule("a", until="2026-06-30") + _rule("a", first="2026-07-01"), "rule names used twice: a", id="duplicate-names"),
        pytest.param(_rule("a", first="2026-07-01", until="2026-06-30"), "rule 'a': from 2026-07-01 is after until 2026-06-30", id="from-after-until"),
        pytest.param(_rule("a", extra='kind = "soon"'), "rule 'a': kind must be one of not_declarable, optional, fixed, quarter_end_plus", id="unknown-kind"),
        pytest.param(_rule("a", extra='kind = "fixed"'), "rule 'a': kind fixed needs 'deadline'", id="fixed-without-deadline"),
        pytest.param(_rule("a", extra='kind = "quarter_end_plus"'), "rule 'a': kind quarter_end_plus needs 'months'", id="quarter-without-months"),
        pytest.param(_rule("a", extra='kind = "fixed"\nmonths = 3\ndeadline = 2027-01-01'), "rule 'a': 'months' does not apply to kind fixed", id="months-on-fixed"),
        pytest.param(_rule("a", extra='kind = "optional"\ndeadline = 2027-01-01'), "rule 'a': 'deadline' does not apply to kind optional", id="deadline-on-optional"),
        pytest.param(_rule("a", extra='kind = "quarter_end_plus"\nmonths = -1'), "rule 'a': months must be a whole number", id="negative-months"),
        pytest.param(_rule("a", extra='kind = "quarter_end_plus"\nmonths = 2.5'), "rule 'a': months must be a whole number", id="fractional-months"),
        pytest.param(_rule("a", extra='kind = "fixed"\ndeadline = "30/09/2026"'), "rule 'a': 'deadline' must be a TOML date like 2025-04-28", id="date-as-string"),
        pytest.param(_rule("a", extra='kind = "optional"\nstart = 2025-01-01'), "rule 'a': unknown keys start", id="unknown-key"),
        pytest.param(_rule("a", extra='kind = "optional"\nnote = 3'), "rule 'a': note must be a string", id="note-not-text"),
        pytest.param('[[rule]]\nkind = "optional"\n', "rule #1: needs a name", id="no-name"),
        pytest.param("", "no [[rule]] table", id="empty-file"),
        pytest.param("rules = 1\n" + _rule("a"), "unknown top-level keys rules", id="unknown-top-level"),
        pytest.param("[[rule]\n", "not valid TOML", id="broken-toml"),
    ],
)
def test_user_file_with_a_mistake_is_rejected_naming_the_rule(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_deadline_rules(text, source="my-deadlines.toml")
    assert "deadline rules my-deadlines.toml" in str(caught.value)
    assert message in str(caught.value)


def test_not_declarable_rule_of_a_user_file_carries_its_note():
    text = _rule("old", until="2019-12-31", extra='kind = "not_declarable"\nnote = "too old"') + _rule("new", first="2020-01-01")
    rules = parse_deadline_rules(text, source="x")
    assert rules.rules[0].kind is DeadlineKind.NOT_DECLARABLE
    verdict = rules.deadline_for(D(2019, 12, 31))
    assert (verdict.declarable, verdict.note, verdict.rule_name) == (False, "too old", "old")
    assert rules.deadline_for(D(2020, 1, 1)).optional is True

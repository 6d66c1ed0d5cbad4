"""Group ready titulaires into declarations: per session and type, at most `size` each.

Pure and deterministic: the same titulaires always give the same batches, in the same order.
Sessions whose earliest deadline comes first are declared first (no deadline = last); inside a
session, titulaires keep a stable order (by id), so batch n of a session is always the same
people while nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

MAX_FORM_BATCH = 50


@dataclass(frozen=True)
class Candidate:
    titulaire_id: int
    session_id: int
    session_number: str
    declaration_type: str
    deadline: dt.date | None


@dataclass(frozen=True)
class PlannedBatch:
    plan_key: str
    session_id: int
    session_number: str
    declaration_type: str
    titulaire_ids: tuple[int, ...]
    deadline: dt.date | None


def plan_batches(candidates: Iterable[Candidate], size: int = MAX_FORM_BATCH) -> list[PlannedBatch]:
    if not 1 <= size <= MAX_FORM_BATCH:
        raise ValueError(f"batch size must be between 1 and {MAX_FORM_BATCH}")
    groups: dict[tuple[int, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        groups[(c.session_id, c.declaration_type)].append(c)
    batches: list[PlannedBatch] = []
    for (session_id, decl_type), members in groups.items():
        members.sort(key=lambda c: c.titulaire_id)
        deadline = min((c.deadline for c in members if c.deadline), default=None)
        for n, start in enumerate(range(0, len(members), size), start=1):
            chunk = members[start : start + size]
            batches.append(
                PlannedBatch(
                    plan_key=f"{chunk[0].session_number}/{decl_type}/{n}",
                    session_id=session_id,
                    session_number=chunk[0].session_number,
                    declaration_type=decl_type,
                    titulaire_ids=tuple(c.titulaire_id for c in chunk),
                    deadline=deadline,
                )
            )
    batches.sort(key=lambda b: (b.deadline is None, b.deadline or dt.date.max, b.session_number, b.declaration_type, b.plan_key))
    return batches

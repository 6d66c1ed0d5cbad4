"""Find out what became of an in-doubt declaration, from "Historique des déclarations".

A declaration whose final click had no clear answer may or may not exist on the portal. We search
the history by training name and dates, open each candidate of the same type that we do not
already know, and match its titulaires with ours by birth name and the visible ends of the NIR.
Matched titulaires are declared (with the reference found); the others never reached the portal
and go back to ready.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.portal.pages import HistoryPage, HistoryTitulaire


@dataclass(frozen=True)
class Wanted:
    titulaire_id: int
    nir13: str
    birth_name: str


def nir_matches(masked: str, nir13: str) -> bool:
    """A masked NIR such as "18503*****123" matches when its visible ends are the NIR's."""
    masked = masked.replace(" ", "")
    hidden = [i for i, ch in enumerate(masked) if ch in "*•X"]
    if not hidden or len(masked) != len(nir13):
        return masked == nir13
    return nir13.startswith(masked[: hidden[0]]) and nir13.endswith(masked[hidden[-1] + 1 :])


def _normal(name: str) -> str:
    return " ".join(name.upper().split())


def match_titulaires(wanted: list[Wanted], found: list[HistoryTitulaire]) -> set[int]:
    out: set[int] = set()
    pool = list(found)
    for w in wanted:
        for i, f in enumerate(pool):
            if _normal(f.birth_name) == _normal(w.birth_name) and nir_matches(f.masked_nir, w.nir13):
                out.add(w.titulaire_id)
                del pool[i]
                break
    return out


def find_in_history(
    history: HistoryPage,
    *,
    kind: str,
    training_name: str,
    date_from: str,
    date_to: str,
    wanted: list[Wanted],
    known_references: set[str],
) -> dict[int, str]:
    """titulaire id → reference of the portal declaration that holds it."""
    found: dict[int, str] = {}
    rows = history.search(name=training_name, date_from=date_from, date_to=date_to)
    for row in rows:
        if row.reference in known_references or row.kind != kind:
            continue
        if _normal(row.training_name) != _normal(training_name):
            continue
        remaining = [w for w in wanted if w.titulaire_id not in found]
        if not remaining:
            break
        for titulaire_id in match_titulaires(remaining, history.titulaires_of(row.reference)):
            found[titulaire_id] = row.reference
    return found

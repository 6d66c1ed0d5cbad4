"""`connector status`: what the store says, for people (tables) and machines (JSON).

No output ever shows a NIR beyond its masked form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from connector.domain import TitulaireState
from connector.store import Store

PROBLEM_STATES = (
    TitulaireState.INVALID,
    TitulaireState.REJECTED,
    TitulaireState.IN_DOUBT,
    TitulaireState.CHANGED_AFTER_DECLARATION,
)
PENDING_STATES = (TitulaireState.READY, TitulaireState.PLANNED, TitulaireState.INVALID, TitulaireState.REJECTED)


def collect_status(store: Store, *, today: dt.date, limit: int | None = None) -> dict[str, Any]:
    with store.transaction() as repo:
        counts = {str(state): 0 for state in TitulaireState}
        counts.update(repo.state_counts())
        problems = []
        for t, session in repo.problems([str(s) for s in PROBLEM_STATES], limit):
            problems.append(
                {
                    "session": session.number,
                    "training": session.name,
                    "titulaire": t.display_name,
                    "nir": t.nir_masked,
                    "state": t.state,
                    "reasons": list(t.reasons or []),
                    "deadline": t.deadline.isoformat() if t.deadline else None,
                    "reference": t.reference,
                }
            )
        deadlines = []
        for deadline, count in repo.deadlines([str(s) for s in PENDING_STATES]):
            deadlines.append(
                {
                    "deadline": deadline.isoformat() if deadline else None,
                    "titulaires": count,
                    "days_left": (deadline - today).days if deadline else None,
                    "overdue": bool(deadline and deadline < today),
                }
            )
        runs = [
            {
                "id": r.id,
                "kind": r.kind,
                "status": r.status,
                "started_at": r.started_at.isoformat(timespec="seconds"),
                "finished_at": r.finished_at.isoformat(timespec="seconds") if r.finished_at else None,
                "summary": r.summary,
                "error": r.error,
            }
            for r in repo.recent_runs()
        ]
    return {"counts": counts, "problems": problems, "deadlines": deadlines, "runs": runs}


def render_status(status: dict[str, Any], console) -> None:
    from rich.table import Table

    counts = Table(title="Titulaires by state", show_edge=False)
    counts.add_column("state")
    counts.add_column("count", justify="right")
    for state, count in status["counts"].items():
        if count:
            counts.add_row(state, str(count))
    console.print(counts)

    if status["deadlines"]:
        dl = Table(title="Still to declare, by deadline", show_edge=False)
        dl.add_column("deadline")
        dl.add_column("titulaires", justify="right")
        dl.add_column("days left", justify="right")
        for row in status["deadlines"]:
            style = "bold red" if row["overdue"] else ("yellow" if (row["days_left"] or 999) < 30 else "")
            dl.add_row(row["deadline"] or "optional / none", str(row["titulaires"]), str(row["days_left"] if row["days_left"] is not None else "-"), style=style)
        console.print(dl)

    if status["problems"]:
        pb = Table(title=f"Problems ({len(status['problems'])})", show_edge=False, show_lines=False)
        for col in ("session", "titulaire", "NIR", "state", "deadline", "reasons"):
            pb.add_column(col, overflow="fold")
        for p in status["problems"]:
            pb.add_row(p["session"], p["titulaire"], p["nir"] or "-", p["state"], p["deadline"] or "-", "\n".join(p["reasons"]))
        console.print(pb)
    else:
        console.print("No problems.")

    if status["runs"]:
        runs = Table(title="Recent runs", show_edge=False)
        for col in ("started", "kind", "status", "summary"):
            runs.add_column(col, overflow="fold")
        for r in status["runs"]:
            summary = r["error"] or ", ".join(f"{k}={v}" for k, v in (r["summary"] or {}).items() if not isinstance(v, (dict, list)))
            runs.add_row(r["started_at"], r["kind"], r["status"], summary)
        console.print(runs)

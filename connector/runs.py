"""A run: one recorded execution (sync, submit, …) with its id, outcome and summary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from connector.errors import ConnectorError
from connector.store import Store
from connector.store.repository import new_id


@contextmanager
def recorded_run(store: Store, kind: str) -> Iterator[dict]:
    """Record a run; the caller fills the yielded dict with the summary. Failures are recorded too."""
    run_id = new_id()
    with store.transaction(run_id) as repo:
        repo.start_run(kind)
    summary: dict = {"run_id": run_id}
    structlog.contextvars.bind_contextvars(run_id=run_id)
    try:
        yield summary
    except ConnectorError as exc:
        with store.transaction(run_id) as repo:
            repo.finish_run(run_id, status="failed", summary=summary, error=str(exc))
        raise
    except BaseException as exc:
        with store.transaction(run_id) as repo:
            repo.finish_run(run_id, status="failed", summary=summary, error=f"{type(exc).__name__}: {exc}"[:1000])
        raise
    else:
        with store.transaction(run_id) as repo:
            repo.finish_run(run_id, status="succeeded", summary=summary)
    finally:
        structlog.contextvars.unbind_contextvars("run_id")

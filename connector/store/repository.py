"""The only place with queries. One `Repository` wraps one SQLAlchemy session (one transaction)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from connector.domain import TitulaireState
from connector.errors import RunLockedError
from connector.store.crypto import NirCipher
from connector.store.models import (
    Declaration,
    Event,
    Run,
    RunLock,
    SourceRecord,
    SyncCursor,
    Titulaire,
    TrainingSession,
    utcnow,
)

CHUNK = 500


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class SourceUpsert:
    resource: str
    dendreo_id: str
    data: dict
    content_hash: str
    secret: str | None = None
    session_dendreo_id: str | None = None


@dataclass
class UpsertResult:
    inserted: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


class Repository:
    def __init__(self, session: Session, cipher: NirCipher, run_id: str | None = None) -> None:
        self.s = session
        self.cipher = cipher
        self.run_id = run_id

    # -- source records --------------------------------------------------------------------------

    def upsert_sources(self, items: Sequence[SourceUpsert]) -> UpsertResult:
        """Insert new records, update those whose content changed; unchanged ones are untouched."""
        result = UpsertResult()
        by_resource: dict[str, list[SourceUpsert]] = {}
        for item in items:
            by_resource.setdefault(item.resource, []).append(item)
        for resource, group in by_resource.items():
            latest = {item.dendreo_id: item for item in group}
            existing: dict[str, str] = {}
            for ids in _chunks(list(latest)):
                rows = self.s.execute(
                    select(SourceRecord.dendreo_id, SourceRecord.content_hash).where(
                        SourceRecord.resource == resource, SourceRecord.dendreo_id.in_(ids)
                    )
                )
                existing.update({rid: digest for rid, digest in rows})
            now = utcnow()
            new_rows = []
            for dendreo_id, item in latest.items():
                secret = self.cipher.encrypt(item.secret) if item.secret else None
                if dendreo_id not in existing:
                    new_rows.append(
                        dict(
                            resource=resource,
                            dendreo_id=dendreo_id,
                            data=item.data,
                            secret=secret,
                            content_hash=item.content_hash,
                            session_dendreo_id=item.session_dendreo_id,
                            fetched_at=now,
                        )
                    )
                    result.inserted.append(dendreo_id)
                elif existing[dendreo_id] != item.content_hash:
                    self.s.execute(
                        update(SourceRecord)
                        .where(SourceRecord.resource == resource, SourceRecord.dendreo_id == dendreo_id)
                        .values(
                            data=item.data,
                            secret=secret,
                            content_hash=item.content_hash,
                            session_dendreo_id=item.session_dendreo_id,
                            fetched_at=now,
                        )
                    )
                    result.changed.append(dendreo_id)
            for rows in _chunks(new_rows):
                self.s.execute(SourceRecord.__table__.insert(), list(rows))
        return result

    def sources(self, resource: str, ids: Iterable[str]) -> dict[str, SourceRecord]:
        out: dict[str, SourceRecord] = {}
        for chunk in _chunks(sorted(set(ids))):
            for rec in self.s.scalars(
                select(SourceRecord).where(SourceRecord.resource == resource, SourceRecord.dendreo_id.in_(chunk))
            ):
                out[rec.dendreo_id] = rec
        return out

    def sources_of_sessions(self, resource: str, session_ids: Iterable[str]) -> list[SourceRecord]:
        out: list[SourceRecord] = []
        for chunk in _chunks(sorted(set(session_ids))):
            out.extend(
                self.s.scalars(
                    select(SourceRecord).where(
                        SourceRecord.resource == resource, SourceRecord.session_dendreo_id.in_(chunk)
                    )
                )
            )
        return out

    def known_source_ids(self, resource: str, ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(set(ids))):
            found.update(
                self.s.scalars(
                    select(SourceRecord.dendreo_id).where(
                        SourceRecord.resource == resource, SourceRecord.dendreo_id.in_(chunk)
                    )
                )
            )
        return found

    def session_ids_referencing(self, resource: str, key: str, ids: Iterable[str]) -> set[str]:
        """Sessions whose laps/lams reference one of `ids` through `key` (e.g. id_entreprise)."""
        out: set[str] = set()
        for chunk in _chunks(sorted(set(ids))):
            column = (
                func.json_extract(SourceRecord.data, f"$.{key}")
                if self.s.bind.dialect.name == "sqlite"
                else SourceRecord.data[key].as_string()
            )
            rows = self.s.scalars(
                select(SourceRecord.session_dendreo_id).where(SourceRecord.resource == resource, column.in_(chunk))
            )
            out.update(r for r in rows if r)
        return out

    def sessions_with_trainers(self, trainer_ids: Iterable[str]) -> set[str]:
        wanted = set(trainer_ids)
        if not wanted:
            return set()
        out: set[str] = set()
        for session_id, data in self.s.execute(
            select(SourceRecord.session_dendreo_id, SourceRecord.data).where(SourceRecord.resource == "lams")
        ).tuples():
            if wanted & {str(f.get("id_formateur")) for f in data.get("formateurs") or []}:
                out.add(session_id)
        return out

    def decrypt(self, token: bytes | None) -> str | None:
        return self.cipher.decrypt(token) if token else None

    # -- sessions and titulaires -----------------------------------------------------------------

    def session_by_dendreo_ids(self, ids: Iterable[str]) -> dict[str, TrainingSession]:
        out: dict[str, TrainingSession] = {}
        for chunk in _chunks(sorted(set(ids))):
            for row in self.s.scalars(select(TrainingSession).where(TrainingSession.dendreo_id.in_(chunk))):
                out[row.dendreo_id] = row
        return out

    def titulaires_of_sessions(self, session_pks: Iterable[int]) -> dict[int, list[Titulaire]]:
        out: dict[int, list[Titulaire]] = {}
        for chunk in _chunks(sorted(set(session_pks))):
            for row in self.s.scalars(select(Titulaire).where(Titulaire.session_id.in_(chunk))):
                out.setdefault(row.session_id, []).append(row)
        return out

    def add_event(
        self,
        *,
        titulaire: Titulaire | None = None,
        declaration: Declaration | None = None,
        from_state: str | None,
        to_state: str | None,
        reason: str,
    ) -> None:
        self.s.add(
            Event(
                run_id=self.run_id,
                titulaire_id=titulaire.id if titulaire is not None else None,
                declaration_id=declaration.id if declaration is not None else None,
                from_state=from_state,
                to_state=to_state,
                reason=reason[:4000],
            )
        )

    def transition(self, titulaire: Titulaire, to_state: TitulaireState | str, reason: str, *, declaration: Declaration | None = None) -> None:
        """Change a titulaire's state and log the event (no-op when the state is unchanged)."""
        to_state = str(to_state)
        if titulaire.state == to_state:
            return
        from_state = titulaire.state
        titulaire.state = to_state
        self.s.flush()
        self.add_event(titulaire=titulaire, declaration=declaration, from_state=from_state, to_state=to_state, reason=reason)

    # -- declarations ----------------------------------------------------------------------------

    def titulaires_by_ids(self, ids: Iterable[int]) -> list[Titulaire]:
        out: list[Titulaire] = []
        for chunk in _chunks(sorted(set(ids))):
            out.extend(self.s.scalars(select(Titulaire).where(Titulaire.id.in_(chunk)).order_by(Titulaire.id)))
        return out

    def titulaires_in_state(self, state: str, *, declaration_id: int | None = None) -> list[Titulaire]:
        query = select(Titulaire).where(Titulaire.state == state)
        if declaration_id is not None:
            query = query.where(Titulaire.declaration_id == declaration_id)
        return list(self.s.scalars(query.order_by(Titulaire.id)))

    def ready_candidates(self) -> list[tuple[Titulaire, TrainingSession]]:
        query = (
            select(Titulaire, TrainingSession)
            .join(TrainingSession, Titulaire.session_id == TrainingSession.id)
            .where(Titulaire.state == TitulaireState.READY.value)
        )
        return list(self.s.execute(query).tuples())

    def declarations_in_state(self, state: str) -> list[Declaration]:
        return list(self.s.scalars(select(Declaration).where(Declaration.state == state).order_by(Declaration.id)))

    def declared_references(self) -> set[str]:
        refs = self.s.scalars(select(Declaration.reference).where(Declaration.reference.is_not(None)))
        return {r for r in refs if r}

    def next_attempt(self, plan_key: str) -> int:
        current = self.s.scalar(select(func.max(Declaration.attempt)).where(Declaration.plan_key == plan_key))
        return (current or 0) + 1

    def session(self, session_id: int) -> TrainingSession:
        return self.s.get(TrainingSession, session_id)

    # -- status ----------------------------------------------------------------------------------

    def state_counts(self) -> dict[str, int]:
        rows = self.s.execute(select(Titulaire.state, func.count()).group_by(Titulaire.state)).tuples()
        return {state: count for state, count in rows}

    def problems(self, states: Sequence[str], limit: int | None = None) -> list[tuple[Titulaire, TrainingSession]]:
        query = (
            select(Titulaire, TrainingSession)
            .join(TrainingSession, Titulaire.session_id == TrainingSession.id)
            .where(Titulaire.state.in_(states))
            .order_by(Titulaire.deadline.is_(None), Titulaire.deadline, TrainingSession.number, Titulaire.id)
        )
        if limit:
            query = query.limit(limit)
        return list(self.s.execute(query).tuples())

    def deadlines(self, states: Sequence[str]) -> list[tuple[dt.date | None, int]]:
        rows = self.s.execute(
            select(Titulaire.deadline, func.count())
            .where(Titulaire.state.in_(states))
            .group_by(Titulaire.deadline)
            .order_by(Titulaire.deadline)
        ).tuples()
        return list(rows)

    def recent_runs(self, limit: int = 5) -> list[Run]:
        return list(self.s.scalars(select(Run).order_by(Run.started_at.desc()).limit(limit)))

    def last_events(self, titulaire_ids: Sequence[int]) -> dict[int, Event]:
        out: dict[int, Event] = {}
        for chunk in _chunks(list(titulaire_ids)):
            for ev in self.s.scalars(select(Event).where(Event.titulaire_id.in_(chunk)).order_by(Event.id)):
                out[ev.titulaire_id] = ev
        return out

    # -- cursors ---------------------------------------------------------------------------------

    def get_cursor(self, name: str) -> str | None:
        row = self.s.get(SyncCursor, name)
        return row.value if row else None

    def cursors(self, prefix: str) -> dict[str, str]:
        rows = self.s.scalars(select(SyncCursor).where(SyncCursor.name.like(prefix + "%")))
        return {r.name: r.value for r in rows}

    def set_cursor(self, name: str, value: str) -> None:
        row = self.s.get(SyncCursor, name)
        if row is None:
            self.s.add(SyncCursor(name=name, value=value))
        else:
            row.value = value

    # -- runs ------------------------------------------------------------------------------------

    def start_run(self, kind: str) -> Run:
        run = Run(id=self.run_id or new_id(), kind=kind, status="running", summary={})
        self.s.add(run)
        return run

    def finish_run(self, run_id: str, *, status: str, summary: dict | None = None, error: str | None = None) -> None:
        run = self.s.get(Run, run_id)
        if run is None:
            return
        run.status = status
        run.finished_at = utcnow()
        if summary is not None:
            run.summary = summary
        run.error = error


def new_id() -> str:
    return uuid.uuid4().hex[:16]


class RunLockManager:
    """A named lock in the store, so two processes never submit at once.

    Works on SQLite and PostgreSQL alike: the primary key makes acquisition atomic; a lease
    (`expires_at`) renewed by the holder lets a lock whose holder was killed be taken over once
    the lease has run out — immediately when the holder is a dead process on this same host.
    """

    def __init__(self, sessions: sessionmaker, name: str = "submit", lease: dt.timedelta = dt.timedelta(minutes=10)):
        self.sessions = sessions
        self.name = name
        self.lease = lease
        self.holder: str | None = None

    def acquire(self, holder: str) -> None:
        now = utcnow()
        host, pid = socket.gethostname(), os.getpid()
        with self.sessions.begin() as s:
            current = s.get(RunLock, self.name, with_for_update=True)
            if current is not None:
                dead_here = current.host == host and not _pid_alive(current.pid)
                if current.expires_at > now and not dead_here:
                    raise RunLockedError(
                        f"Another run ({current.holder}, pid {current.pid} on {current.host}) has held the "
                        f"'{self.name}' lock since {current.acquired_at:%Y-%m-%d %H:%M:%S} UTC; try again when it ends."
                    )
                s.execute(
                    delete(RunLock).where(RunLock.name == self.name, RunLock.holder == current.holder)
                )
                s.flush()
        try:
            with self.sessions.begin() as s:
                s.add(RunLock(name=self.name, holder=holder, host=host, pid=pid, acquired_at=now, expires_at=now + self.lease))
        except IntegrityError:
            raise RunLockedError(f"Another run took the '{self.name}' lock at the same moment; try again when it ends.") from None
        self.holder = holder

    def renew(self) -> None:
        if self.holder is None:
            return
        with self.sessions.begin() as s:
            s.execute(
                update(RunLock)
                .where(RunLock.name == self.name, RunLock.holder == self.holder)
                .values(expires_at=utcnow() + self.lease)
            )

    def release(self) -> None:
        if self.holder is None:
            return
        with self.sessions.begin() as s:
            s.execute(delete(RunLock).where(RunLock.name == self.name, RunLock.holder == self.holder))
        self.holder = None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

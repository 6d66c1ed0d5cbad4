"""The state store's tables (SQLAlchemy 2.0, SQLite or PostgreSQL).

* ``source_records`` — the Dendreo records the poller read, minimised (only mapped fields) and
  with the NIR field encrypted; what the rules run on.
* ``training_sessions`` / ``titulaires`` — one titulaire per session × learner, with its state,
  the values to declare, the rules' reasons and the deadline.
* ``declarations`` — one portal declaration (a batch of ≤ 50 form / ≤ 500 file titulaires), and
  ``declaration_items``, which titulaires each attempt carried.
* ``events`` — one row per state change (time, from, to, reason, batch, run id): the status log.
* ``runs``, ``sync_cursors``, ``run_locks`` — run bookkeeping.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no time zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


class SourceRecord(Base):
    __tablename__ = "source_records"

    resource: Mapped[str] = mapped_column(String(40), primary_key=True)
    dendreo_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    #: encrypted value of the mapped NIR field (participants only)
    secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: session id for records that belong to one session (laps, lams, evaluations)
    session_dendreo_id: Mapped[str | None] = mapped_column(String(40), index=True)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingSession(Base):
    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dendreo_id: Mapped[str] = mapped_column(String(40), unique=True)
    number: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(300))
    start: Mapped[dt.date | None] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date, index=True)
    stage: Mapped[str] = mapped_column(String(120), default="")
    #: the training's facts as mapped (no personal data)
    training: Mapped[dict] = mapped_column(JSON, default=dict)
    training_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    titulaires: Mapped[list[Titulaire]] = relationship(back_populates="session")


class Titulaire(Base):
    __tablename__ = "titulaires"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id", name="uq_titulaire_session_participant"),
        Index("ix_titulaires_state_deadline", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    participant_id: Mapped[str] = mapped_column(String(40), index=True)
    lap_id: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(32), index=True)
    declaration_type: Mapped[str | None] = mapped_column(String(3))
    nir_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    nir_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    #: masked NIR for display, e.g. "1 85 03 ** *** *** 42"
    nir_masked: Mapped[str | None] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    birth_name: Mapped[str | None] = mapped_column(String(100))
    employer_present: Mapped[bool] = mapped_column(Boolean, default=True)
    employer_siret: Mapped[str | None] = mapped_column(String(20))
    employer_reference: Mapped[str | None] = mapped_column(String(255))
    validity_start: Mapped[dt.date | None] = mapped_column(Date)
    validity_end: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    #: hash of everything the declaration would carry for this titulaire
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    #: keyed hash of each declared value (names of what changed can be shown without the values)
    field_hashes: Mapped[dict] = mapped_column(JSON, default=dict)
    #: source_hash and field_hashes when the portal accepted it (to detect changes after declaration)
    declared_hash: Mapped[str | None] = mapped_column(String(64))
    declared_fields: Mapped[dict | None] = mapped_column(JSON)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(64))
    declared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[TrainingSession] = relationship(back_populates="titulaires")


class Declaration(Base):
    """One declaration sent (or to send) to the portal: a batch of titulaires of one session."""

    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("plan_key", "attempt", name="uq_declaration_plan_attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    declaration_type: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(8), default="form")
    #: deterministic name of the batch: "<session number>/<type>/<n>"
    plan_key: Mapped[str] = mapped_column(String(120))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    #: planned, submitting, declared, rejected, in_doubt, abandoned
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempt_id: Mapped[str | None] = mapped_column(String(40))
    run_id: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(64))
    titulaire_count: Mapped[int] = mapped_column(Integer, default=0)
    #: the training part as sent (no personal data): to find the declaration in the portal history
    training: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    evidence_dir: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DeclarationItem(Base):
    __tablename__ = "declaration_items"

    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), primary_key=True)
    titulaire_id: Mapped[int] = mapped_column(ForeignKey("titulaires.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    #: the file channel's ID_UNIQUE_PARTENAIRE for this titulaire in this declaration
    partner_id: Mapped[str | None] = mapped_column(String(64), unique=True)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    run_id: Mapped[str | None] = mapped_column(String(40), index=True)
    titulaire_id: Mapped[int | None] = mapped_column(ForeignKey("titulaires.id"), index=True)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: running, succeeded, failed
    status: Mapped[str] = mapped_column(String(16), default="running")
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class SyncCursor(Base):
    __tablename__ = "sync_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RunLock(Base):
    __tablename__ = "run_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(40))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

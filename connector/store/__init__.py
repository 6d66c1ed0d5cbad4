"""The state store: engine, migrations, NIR cipher and transactions, behind one `Store` object."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from connector.logging import get_logger
from connector.settings import Settings
from connector.store import db
from connector.store.crypto import NirCipher, decode_key, load_or_create_key_file
from connector.store.repository import Repository, RunLockManager

log = get_logger(__name__)


class Store:
    def __init__(self, engine: Engine, cipher: NirCipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Store:
        engine = db.make_engine(settings.effective_database_url)
        if migrate:
            db.upgrade(engine)
        return cls(engine, NirCipher(load_nir_key(settings)))

    @contextmanager
    def transaction(self, run_id: str | None = None) -> Iterator[Repository]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        with self.sessions.begin() as session:
            yield Repository(session, self.cipher, run_id)

    def run_lock(self, name: str = "submit") -> RunLockManager:
        return RunLockManager(self.sessions, name)

    def close(self) -> None:
        self.engine.dispose()


def load_nir_key(settings: Settings) -> bytes:
    if settings.security.nir_key is not None:
        return decode_key(settings.security.nir_key.get_secret_value())
    key, created = load_or_create_key_file(settings.nir_key_path)
    if created:
        log.warning(
            "nir_key.created",
            path=str(settings.nir_key_path),
            advice="back this file up: stored NIRs cannot be read without it",
        )
    return key

"""The state store on SQLite and on a real PostgreSQL server: migrations, NIR at rest, run lock."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from sqlalchemy import select, text

from connector.errors import RunLockedError, StoreError
from connector.store import Store, db
from connector.store.crypto import NirCipher, generate_key, decode_key
from connector.store.models import SourceRecord
from connector.store.repository import SourceUpsert

FAKE_NIR = "2690299341732"  # generated: structure-valid, not a real person's


def test_migrations_bring_an_empty_database_to_head(settings):
    engine = db.make_engine(settings.effective_database_url)
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision(engine)
    db.upgrade(engine)  # idempotent
    assert db.current_revision(engine) == db.head_revision(engine)


def test_nir_is_never_stored_in_plaintext(store):
    with store.transaction() as repo:
        repo.upsert_sources([SourceUpsert("participants", "1", {"nom": "Martin"}, "h1", secret=FAKE_NIR)])
    with store.engine.connect() as conn:
        raw = conn.execute(text("SELECT secret, data FROM source_records")).one()
    assert FAKE_NIR.encode() not in bytes(raw.secret)
    assert FAKE_NIR not in str(raw.data)
    with store.transaction() as repo:
        record = repo.sources("participants", ["1"])["1"]
        assert repo.decrypt(record.secret) == FAKE_NIR


def test_upserting_the_same_records_twice_changes_nothing(store):
    items = [SourceUpsert("laps", str(i), {"id_lap": str(i)}, f"h{i}", session_dendreo_id="9") for i in range(3)]
    with store.transaction() as repo:
        first = repo.upsert_sources(items)
    with store.transaction() as repo:
        second = repo.upsert_sources(items)
        changed = repo.upsert_sources([SourceUpsert("laps", "1", {"id_lap": "1", "status": "0"}, "new", session_dendreo_id="9")])
    assert sorted(first.inserted) == ["0", "1", "2"]
    assert second.inserted == [] and second.changed == []
    assert changed.changed == ["1"]
    with store.transaction() as repo:
        assert repo.s.scalar(select(SourceRecord.content_hash).where(SourceRecord.dendreo_id == "1")) == "new"


def test_run_lock_refuses_a_second_holder_and_frees_on_release(store):
    first, second = store.run_lock(), store.run_lock()
    first.acquire("run-a")
    with pytest.raises(RunLockedError, match="run-a"):
        second.acquire("run-b")
    first.release()
    second.acquire("run-b")
    second.release()


def test_run_lock_of_a_killed_process_is_taken_over(store, settings):
    code = (
        "import os, sys; from connector.settings import Settings; from connector.store import Store;"
        f"s = Store.open(Settings(database_url={settings.effective_database_url!r}, data_dir={str(settings.data_dir)!r}));"
        "s.run_lock().acquire('dead-run'); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    lock = store.run_lock()
    lock.acquire("next-run")  # the holder's process is gone: no need to wait for the lease
    lock.release()


def test_expired_lease_is_taken_over(store):
    import datetime as dt

    stale = store.run_lock()
    stale.lease = dt.timedelta(seconds=-1)
    stale.acquire("stale-run")
    fresh = store.run_lock()
    fresh.acquire("fresh-run")
    fresh.release()


def test_nir_key_file_is_created_with_mode_0600(settings):
    Store.open(settings).close()
    mode = stat.S_IMODE(os.stat(settings.nir_key_path).st_mode)
    assert mode == 0o600


def test_a_different_key_cannot_read_stored_nirs():
    token = NirCipher(decode_key(generate_key())).encrypt(FAKE_NIR)
    with pytest.raises(StoreError, match="cannot be decrypted"):
        NirCipher(decode_key(generate_key())).decrypt(token)


def test_tampered_ciphertext_is_refused():
    cipher = NirCipher(decode_key(generate_key()))
    token = bytearray(cipher.encrypt(FAKE_NIR))
    token[-1] ^= 1
    with pytest.raises(StoreError):
        cipher.decrypt(bytes(token))


def test_lookup_hash_is_keyed():
    a, b = NirCipher(decode_key(generate_key())), NirCipher(decode_key(generate_key()))
    assert a.lookup_hash(FAKE_NIR) == a.lookup_hash(FAKE_NIR)
    assert a.lookup_hash(FAKE_NIR) != b.lookup_hash(FAKE_NIR)


def test_migrations_match_the_models(settings):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from connector.store.models import Base

    engine = db.make_engine(settings.effective_database_url)
    db.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations differ: write a migration ({diff})"

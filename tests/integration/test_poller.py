"""The poller end to end: the Dendreo sandbox over HTTP → the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select, text

from connector.dendreo.client import DendreoClient
from connector.dendreo.poller import Poller
from connector.domain import TitulaireState
from connector.errors import SourceAuthError
from connector.store.models import Event, SyncCursor, Titulaire
from pydantic import SecretStr

#: problems the connector sees itself (the others only the portal's registers can tell)
LOCAL_PROBLEMS = {"nir_bad_key", "nir_missing", "birth_name_too_long", "siret_checksum"}


def sync(settings, store, first=None, last=None):
    with DendreoClient(settings.dendreo) as client:
        report = Poller(client, store, settings).sync(first, last)
    return report


def titulaires(store) -> dict[str, Titulaire]:
    with store.transaction() as repo:
        rows = repo.s.scalars(select(Titulaire)).all()
    return {f"{t.session_id}:{t.participant_id}": t for t in rows}


def event_count(store) -> int:
    with store.transaction() as repo:
        return repo.s.scalar(select(func.count()).select_from(Event))


def by_participant(store, participant_id: str) -> list[Titulaire]:
    with store.transaction() as repo:
        return list(repo.s.scalars(select(Titulaire).where(Titulaire.participant_id == participant_id)))


def test_first_sync_classifies_every_titulaire_with_reasons(synced_settings, store, dendreo):
    dataset, _ = dendreo
    report = sync(synced_settings, store)
    assert report.mode == "window" and report.titulaires_created > 0
    rows = titulaires(store).values()
    states = {t.state for t in rows}
    assert {TitulaireState.READY, TitulaireState.INVALID, TitulaireState.EXCLUDED} <= states
    for t in rows:
        if t.state in (TitulaireState.INVALID, TitulaireState.EXCLUDED):
            assert t.reasons, f"titulaire {t.id} in {t.state} without a reason"
        kind = dataset.seeded_problems.get(t.participant_id)
        if kind in LOCAL_PROBLEMS and t.state != TitulaireState.EXCLUDED:
            assert t.state == TitulaireState.INVALID, (kind, t.reasons)
        if t.state == TitulaireState.READY:
            assert t.nir_encrypted and t.birth_name and t.deadline and t.validity_start


def test_full_sync_stays_within_a_few_requests_per_month(synced_settings, store):
    report = sync(synced_settings, store)
    assert report.requests <= 10 * len(report.months) + 10


def test_syncing_the_same_window_twice_changes_nothing(synced_settings, store):
    last = dt.date.today().replace(day=1)
    first = (last - dt.timedelta(days=70)).replace(day=1)
    sync(synced_settings, store, first, last)
    before = {k: (t.state, t.updated_at, t.source_hash) for k, t in titulaires(store).items()}
    events = event_count(store)
    again = sync(synced_settings, store, first, last)
    assert again.titulaires_created == 0 and again.titulaires_updated == 0
    assert event_count(store) == events
    assert {k: (t.state, t.updated_at, t.source_hash) for k, t in titulaires(store).items()} == before


def test_incremental_resync_without_changes_is_cheap_and_silent(synced_settings, store):
    sync(synced_settings, store)
    events = event_count(store)
    report = sync(synced_settings, store)
    assert report.mode == "incremental"
    assert report.requests <= 30
    assert report.titulaires_updated == 0 and event_count(store) == events


def test_a_nir_fixed_in_dendreo_turns_the_invalid_titulaire_ready(synced_settings, store, dendreo):
    dataset, _ = dendreo
    sync(synced_settings, store)
    bad = next(
        t for t in titulaires(store).values()
        if t.state == TitulaireState.INVALID and dataset.seeded_problems.get(t.participant_id) == "nir_bad_key"
    )
    from stdnum.fr import nir as stdnum_nir

    typed = dataset.participants[bad.participant_id].c_nir.replace(" ", "")
    dataset.update_participant(bad.participant_id, c_nir=typed[:13] + stdnum_nir.calc_check_digits(typed[:13]))
    report = sync(synced_settings, store)
    fixed = {t.id: t for t in by_participant(store, bad.participant_id)}[bad.id]
    assert fixed.state == TitulaireState.READY, fixed.reasons
    assert report.transitions.get("invalid->ready", 0) >= 1
    with store.transaction() as repo:
        last = repo.s.scalars(select(Event).where(Event.titulaire_id == bad.id).order_by(Event.id.desc())).first()
    assert (last.from_state, last.to_state) == ("invalid", "ready")


def test_a_learner_removed_before_declaration_becomes_excluded(synced_settings, store, dendreo):
    dataset, _ = dendreo
    sync(synced_settings, store)
    ready = next(t for t in titulaires(store).values() if t.state == TitulaireState.READY)
    dataset.update_lap(ready.lap_id, status="0")
    sync(synced_settings, store)
    after = {t.id: t for t in by_participant(store, ready.participant_id)}[ready.id]
    assert after.state == TitulaireState.EXCLUDED
    assert after.reasons == ["removed from the session"]


def _mark_declared(store, titulaire_id: int, reference: str) -> None:
    with store.transaction() as repo:
        t = repo.s.get(Titulaire, titulaire_id)
        t.declared_hash, t.declared_fields, t.reference = t.source_hash, dict(t.field_hashes), reference
        repo.transition(t, TitulaireState.DECLARED, "declared (test)")


def test_a_learner_changed_after_declaration_is_flagged_never_redeclared(synced_settings, store, dendreo):
    dataset, _ = dendreo
    sync(synced_settings, store)
    ready = next(t for t in titulaires(store).values() if t.state == TitulaireState.READY and t.employer_present)
    _mark_declared(store, ready.id, "DEC-TEST-1")
    original = dataset.participants[ready.participant_id].c_nom_naissance
    dataset.update_participant(ready.participant_id, c_nom_naissance="AUTRENOM")
    sync(synced_settings, store)
    changed = {t.id: t for t in by_participant(store, ready.participant_id)}[ready.id]
    assert changed.state == TitulaireState.CHANGED_AFTER_DECLARATION
    assert "birth_name" in changed.reasons[0] and "DEC-TEST-1" in changed.reasons[0]
    assert changed.reference == "DEC-TEST-1"

    dataset.update_participant(ready.participant_id, c_nom_naissance=original)
    sync(synced_settings, store)
    back = {t.id: t for t in by_participant(store, ready.participant_id)}[ready.id]
    assert back.state == TitulaireState.DECLARED


def test_malformed_dendreo_records_end_as_reasons_and_the_run_goes_on(synced_settings, store, dendreo):
    dataset, _ = dendreo
    sync(synced_settings, store)
    ready = [t for t in titulaires(store).values() if t.state == TitulaireState.READY]
    victim, other = ready[0], ready[-1]
    dataset.update_participant(victim.participant_id, c_nir="not a number", c_nom_naissance="")
    dataset.update_participant(other.participant_id, nom="X" * 40, c_nom_naissance="")
    report = sync(synced_settings, store)
    after = {t.id: t for t in titulaires(store).values()}
    assert after[victim.id].state == TitulaireState.INVALID
    assert any("NIR" in r for r in after[victim.id].reasons)
    assert after[other.id].state == TitulaireState.INVALID
    assert any("30" in r for r in after[other.id].reasons)
    assert sum(1 for t in after.values() if t.state == TitulaireState.READY) >= len(ready) - 2 - report.titulaires_updated


def test_no_nir_is_stored_in_plaintext(synced_settings, store, dendreo):
    dataset, _ = dendreo
    sync(synced_settings, store)
    nirs = {p.c_nir.replace(" ", "")[:13] for p in dataset.participants.values()}
    nirs.discard("")
    dump = []
    with store.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            dump.extend(str(row) for row in conn.execute(text(f"SELECT * FROM {table}")))
    blob = "\n".join(dump)
    leaked = [n for n in nirs if n in blob]
    assert not leaked, f"{len(leaked)} NIRs found in plaintext in the store"


def test_a_wrong_api_key_stops_with_a_clear_error_and_commits_nothing(synced_settings, store):
    wrong = synced_settings.model_copy(
        update={"dendreo": synced_settings.dendreo.model_copy(update={"api_key": SecretStr("wrong")})}
    )
    with pytest.raises(SourceAuthError, match=r"\.php"):
        sync(wrong, store)
    with store.transaction() as repo:
        assert repo.s.scalar(select(func.count()).select_from(SyncCursor)) == 0
        assert repo.s.scalar(select(func.count()).select_from(Titulaire)) == 0

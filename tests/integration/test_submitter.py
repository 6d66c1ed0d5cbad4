"""The form channel end to end: store → real headless Chromium → portal sandbox over HTTP.

Each test syncs a small generated Dendreo account, keeps the titulaires of one or two sessions
ready (the rest is set aside so the tests stay quick), and submits them through the web form.
The portal sandbox's inspection endpoint tells what the portal really recorded.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from connector.dendreo.client import DendreoClient
from connector.dendreo.poller import Poller
from connector.domain import TitulaireState
from connector.errors import PortalLoginRequired, PortalUnavailable, RunLockedError
from connector.portal.submitter import Submitter
from connector.sandbox.identities import fake_nir
from connector.sandbox.launch import start_sandboxes
from connector.settings import Settings
from connector.store import Store
from connector.store.models import Declaration, Event, Titulaire

pytestmark = pytest.mark.browser


@pytest.fixture
def sandboxes(tmp_path):
    sb = start_sandboxes(
        sessions=12,
        months=2,
        seed=11,
        portal_db=tmp_path / "portal.sqlite3",
        portal_overrides={"inspection_enabled": True},
    )
    yield sb
    sb.stop()


@pytest.fixture
def submit_settings(tmp_path, sandboxes, monkeypatch) -> Settings:
    for key in list(os.environ):
        if key.startswith("CONNECTOR_") and key not in ("CONNECTOR_TEST_POSTGRES_URL", "CONNECTOR_REQUIRE_POSTGRES"):
            monkeypatch.delenv(key)
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("CONNECTOR_CONFIG", str(tmp_path / "empty.toml"))
    a = sandboxes.account
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'store.db'}",
        data_dir=tmp_path / "var",
        dendreo={"base_url": sandboxes.dendreo_base_url, "api_key": SecretStr("sandbox-key"), "first_sync_months": 3},
        portal={"base_url": sandboxes.portal.url, "siret": a["siret"], "nom": a["nom"], "prenom": a["prenom"], "password": SecretStr(a["password"])},
        browser={"confirm_timeout_s": 20, "action_timeout_s": 15},
    )


def env_of(settings: Settings) -> dict[str, str]:
    """The same settings as environment variables, for a `connector` subprocess."""
    p = settings.portal
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNECTOR_") or k == "CONNECTOR_CONFIG"}
    env.update(
        CONNECTOR_DATABASE_URL=settings.effective_database_url,
        CONNECTOR_DATA_DIR=str(settings.data_dir),
        CONNECTOR_PORTAL__BASE_URL=p.base_url,
        CONNECTOR_PORTAL__SIRET=p.siret,
        CONNECTOR_PORTAL__NOM=p.nom,
        CONNECTOR_PORTAL__PRENOM=p.prenom,
        CONNECTOR_PORTAL__PASSWORD=p.password.get_secret_value(),
        CONNECTOR_BROWSER__CONFIRM_TIMEOUT_S="60",
        CONNECTOR_LOG_FORMAT="json",
    )
    return env


def sync(settings: Settings, store: Store) -> None:
    with DendreoClient(settings.dendreo) as client:
        Poller(client, store, settings).sync()


def keep_ready(store: Store, count: int) -> list[int]:
    """Keep about `count` ready titulaires (whole sessions, smallest first); set the rest aside."""
    with store.transaction() as repo:
        ready = repo.s.scalars(select(Titulaire).where(Titulaire.state == TitulaireState.READY)).all()
        by_session = collections.defaultdict(list)
        for t in ready:
            by_session[(t.session_id, t.declaration_type)].append(t)
        kept: list[int] = []
        for _key, group in sorted(by_session.items(), key=lambda kv: len(kv[1])):
            if len(kept) + len(group) <= count or not kept:
                kept.extend(t.id for t in group)
        for t in ready:
            if t.id not in kept:
                repo.transition(t, TitulaireState.EXCLUDED, "set aside by the test")
    return kept


def add_learners(sandboxes, count: int) -> str:
    """Enrol `count` new learners, all known to the portal's registers, in one finished ADF session."""
    ds = sandboxes.dataset
    today = dt.date.today()
    session = next(
        s for s in ds.sessions.values()
        if ds.etapes[s.id_etape_process].intitule == "Réalisation"
        and s.date_fin[:10] < today.isoformat()
        and any(ds.modules[lam.id_module].c_type_declaration == "ADF" and ds.modules[lam.id_module].c_competences_rome
                for lam in ds.lams_by_session.get(s.id, []))
    )
    import random

    rng = random.Random(5)
    company = next(e for e in ds.entreprises.values() if e.id not in () and e.siret and e.siret.replace(" ", "")[0] != "9" and len(e.siret.replace(" ", "")) == 14)
    for i in range(count):
        name = f"TESTEUR{chr(65 + i % 26)}{chr(65 + i // 26)}"
        p = ds.add_participant(nom=name, prenom="Alex", c_nir=fake_nir(rng, birth_name=name), c_nom_naissance=name, id_entreprise=company.id)
        ds.enrol(session.id, p.id_participant, id_entreprise=company.id, presence="OUI")
    return session.numero_complet


def recorded(sandboxes) -> list[dict]:
    return httpx.get(f"{sandboxes.portal.url}/_sandbox/declarations").json()


def set_faults(sandboxes, **faults) -> None:
    httpx.post(f"{sandboxes.portal.url}/_sandbox/faults", json=faults).raise_for_status()


def states(store: Store, ids=None) -> collections.Counter:
    with store.transaction() as repo:
        rows = repo.s.scalars(select(Titulaire)).all()
    return collections.Counter(t.state for t in rows if ids is None or t.id in ids)


def assert_no_duplicate(sandboxes) -> None:
    seen = collections.Counter((t["NIR"], d["training"].get("NOM_FORMATION"), d["training"].get("DATE_FIN_FORMATION")) for d in recorded(sandboxes) for t in d["titulaires"])
    duplicates = [k for k, n in seen.items() if n > 1]
    assert not duplicates, f"{len(duplicates)} titulaires declared twice"


def test_120_learners_of_one_session_become_declarations_of_50_50_20(submit_settings, sandboxes):
    number = add_learners(sandboxes, 120)
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    with store.transaction() as repo:
        session_id = next(s.id for s in repo.session_by_dendreo_ids(sandboxes.dataset.sessions).values() if s.number == number)
        for t in repo.s.scalars(select(Titulaire).where(Titulaire.state == TitulaireState.READY)):
            if t.session_id != session_id:
                repo.transition(t, TitulaireState.EXCLUDED, "set aside by the test")
    report = Submitter(store, submit_settings).run()
    declared_here = [d for d in recorded(sandboxes)]
    sizes = sorted((len(d["titulaires"]) for d in declared_here), reverse=True)
    assert sizes[:3] == [50, 50, 20] or sizes == [50, 50, 20 + (sum(sizes) - 120)]
    assert report.declared == sum(sizes)
    assert states(store)[TitulaireState.READY] == 0
    with store.transaction() as repo:
        refs = {t.reference for t in repo.s.scalars(select(Titulaire).where(Titulaire.session_id == session_id))}
    assert refs == {d["reference"] for d in declared_here}
    assert_no_duplicate(sandboxes)


def test_submitting_twice_declares_nobody_twice(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    kept = keep_ready(store, 15)
    first = Submitter(store, submit_settings).run()
    second = Submitter(store, submit_settings).run()
    assert first.declared + first.rejected == len(kept)
    assert second.declared == 0 and second.declarations == 0
    assert_no_duplicate(sandboxes)


def test_a_500_after_recording_is_in_doubt_then_found_in_the_history(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    kept = keep_ready(store, 10)
    set_faults(sandboxes, fail_after_record_next=1)
    report = Submitter(store, submit_settings).run()
    assert report.in_doubt >= 1 and report.reconciled_declared >= 1
    assert states(store, kept)[TitulaireState.IN_DOUBT] == 0
    assert_no_duplicate(sandboxes)
    with store.transaction() as repo:
        path = [(e.from_state, e.to_state) for e in repo.s.scalars(select(Event).where(Event.to_state.in_(["in_doubt", "declared"])).order_by(Event.id))]
    assert ("submitting", "in_doubt") in path and ("in_doubt", "declared") in path


def test_a_500_before_recording_is_retried_only_after_reconciliation_finds_nothing(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    kept = keep_ready(store, 10)
    set_faults(sandboxes, fail_before_record_next=1)
    report = Submitter(store, submit_settings).run()
    assert report.in_doubt >= 1 and report.reconciled_ready >= 1
    counts = states(store, kept)
    assert counts[TitulaireState.DECLARED] + counts[TitulaireState.REJECTED] == len(kept)
    assert_no_duplicate(sandboxes)
    with store.transaction() as repo:
        path = [(e.from_state, e.to_state) for e in repo.s.scalars(select(Event).order_by(Event.id))]
    assert path.index(("in_doubt", "ready")) < max(i for i, p in enumerate(path) if p == ("submitting", "declared"))


def test_killed_right_after_the_final_click_then_rerun_reconciles_without_duplicate(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    kept = keep_ready(store, 8)
    set_faults(sandboxes, confirm_delay_s=30)
    proc = subprocess.Popen([sys.executable, "-m", "connector.cli", "submit"], env=env_of(submit_settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not recorded(sandboxes):  # the portal recorded it; its answer is still 30 s away
            assert proc.poll() is None and time.monotonic() < deadline, "the submitter never clicked"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert states(store, kept)[TitulaireState.SUBMITTING] >= 1
    set_faults(sandboxes, confirm_delay_s=0)
    report = Submitter(store, submit_settings).run()
    assert report.recovered >= 1 and report.reconciled_declared >= 1
    counts = states(store, kept)
    assert counts[TitulaireState.SUBMITTING] == counts[TitulaireState.IN_DOUBT] == counts[TitulaireState.READY] == 0
    assert_no_duplicate(sandboxes)


def test_session_expiry_mid_run_logs_in_again_and_loses_nothing(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    kept = keep_ready(store, 30)
    set_faults(sandboxes, session_lifetime_s=6)  # shorter than the run, longer than one small batch
    small_batches = submit_settings.model_copy(
        update={"portal": submit_settings.portal.model_copy(update={"batch_size": 5, "parallel_batches": 1})}
    )
    submitter = Submitter(store, small_batches)
    report = submitter.run()
    assert report.logins >= 2
    counts = states(store, kept)
    assert counts[TitulaireState.READY] == 0 and report.declared > 0
    assert counts[TitulaireState.DECLARED] + counts[TitulaireState.REJECTED] == len(kept)
    assert_no_duplicate(sandboxes)


def test_expired_session_without_credentials_stops_cleanly_with_one_message(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    kept = keep_ready(store, 5)
    no_password = submit_settings.model_copy(update={"portal": submit_settings.portal.model_copy(update={"password": None})})
    with pytest.raises(PortalLoginRequired, match="connector login"):
        Submitter(store, no_password).run()
    assert states(store, kept)[TitulaireState.READY] == len(kept)
    assert recorded(sandboxes) == []


def test_a_titulaire_unknown_to_the_register_is_rejected_with_the_portal_message(submit_settings, sandboxes):
    ds = sandboxes.dataset
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    with store.transaction() as repo:
        mismatched = [
            t for t in repo.s.scalars(select(Titulaire).where(Titulaire.state == TitulaireState.READY))
            if ds.seeded_problems.get(t.participant_id) in ("name_mismatch", "nir_unknown")
        ]
        assert mismatched, "the generated account has no register problem to test"
        target = mismatched[0]
        for t in repo.s.scalars(select(Titulaire).where(Titulaire.state == TitulaireState.READY)):
            if t.session_id != target.session_id:
                repo.transition(t, TitulaireState.EXCLUDED, "set aside by the test")
    Submitter(store, submit_settings).run()
    with store.transaction() as repo:
        rejected = repo.s.get(Titulaire, target.id)
        others = repo.s.scalars(select(Titulaire).where(Titulaire.session_id == target.session_id, Titulaire.id != target.id, Titulaire.declaration_type == target.declaration_type)).all()
    assert rejected.state == TitulaireState.REJECTED
    assert any("inconnu" in r.lower() for r in rejected.reasons), rejected.reasons
    assert all(t.state in (TitulaireState.DECLARED, TitulaireState.REJECTED, TitulaireState.EXCLUDED, TitulaireState.INVALID) for t in others)
    assert any(t.state == TitulaireState.DECLARED for t in others)


def test_dry_run_fills_up_to_the_recap_and_changes_nothing(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    keep_ready(store, 10)
    with store.transaction() as repo:
        before = [(t.id, t.state) for t in repo.s.scalars(select(Titulaire).order_by(Titulaire.id))]
        events = len(repo.s.scalars(select(Event)).all())
    report = Submitter(store, submit_settings, dry_run=True).run()
    assert report.would_declare and all("recap" in e["result"] or "refuse" in e["result"] for e in report.would_declare)
    with store.transaction() as repo:
        assert [(t.id, t.state) for t in repo.s.scalars(select(Titulaire).order_by(Titulaire.id))] == before
        assert len(repo.s.scalars(select(Event)).all()) == events
        assert repo.s.scalars(select(Declaration)).all() == []
    assert recorded(sandboxes) == []


def test_maintenance_page_stops_the_run_and_keeps_titulaires_ready(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    kept = keep_ready(store, 5)
    set_faults(sandboxes, maintenance=True)
    with pytest.raises(PortalUnavailable, match="maintenance"):
        Submitter(store, submit_settings).run()
    assert states(store, kept)[TitulaireState.READY] == len(kept)


def test_two_submits_at_once_never_declare_anyone_twice(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    keep_ready(store, 20)
    env = env_of(submit_settings)
    procs = [subprocess.Popen([sys.executable, "-m", "connector.cli", "submit"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=240), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes in ([0, 0], [0, RunLockedError.exit_code]), outcomes
    if RunLockedError.exit_code in codes:
        assert any("lock" in err for _, err in outcomes)
    assert_no_duplicate(sandboxes)
    assert states(store)[TitulaireState.READY] == 0


def test_a_failed_batch_leaves_private_evidence(submit_settings, sandboxes):
    store = Store.open(submit_settings)
    sync(submit_settings, store)
    keep_ready(store, 5)
    set_faults(sandboxes, fail_after_record_next=1)
    Submitter(store, submit_settings).run()
    with store.transaction() as repo:
        dirs = [d.evidence_dir for d in repo.s.scalars(select(Declaration)) if d.evidence_dir]
    assert dirs
    shot = Path(dirs[0]) / "screenshot.png"
    assert shot.is_file() and (shot.stat().st_mode & 0o777) == 0o600

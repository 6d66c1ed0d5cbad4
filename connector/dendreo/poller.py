"""Pull completed sessions and their learners from Dendreo into the store, then apply the rules.

Two modes:

* **Window** (first sync, `--from/--to` backfills): one month at a time, read the sessions that
  ended in the month (with participants and modules embedded), then their laps, lams and
  evaluations by session ids, and only the companies, modules and trainers not read yet. Each
  month is committed in one transaction together with its cursor, so an interrupted sync resumes
  at the first month not done.
* **Incremental** (every later sync): re-read the sessions that ended in the last
  `evaluation_lookback_days` (late stage changes, late evaluations), the sessions edited since the
  last sync, and every lap, participant, company, module, trainer and lam edited since then
  (`updated_after`, re-checked on the client). About 15 requests when nothing changed.

Source records are kept minimal (only the fields the mapping reads) and the NIR field is
encrypted. Titulaires are derived from the stored records, so any record change re-runs the
rules on exactly the sessions it touches.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from connector.dendreo import mapping as m
from connector.dendreo import values
from connector.dendreo.client import DendreoClient, Record
from connector.domain import PORTAL_STATES, Assessment, TitulaireState
from connector.logging import get_logger
from connector.rules import Policy, assess, load_deadline_rules, mask_nir
from connector.settings import Settings
from connector.store import Store
from connector.store.models import Titulaire, TrainingSession
from connector.store.repository import Repository, SourceUpsert

log = get_logger(__name__)

PARIS = ZoneInfo("Europe/Paris")
INCREMENTAL_CURSOR = "dendreo:incremental"
MONTH_CURSOR = "dendreo:month:"
#: the Passeport opened to training organisations on this date
PASSEPORT_OPENING = dt.date(2025, 4, 28)
EVALUATION_LOOKBACK_DAYS = 35


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, cur = [], month_start(first)
    while cur <= last:
        out.append(cur)
        cur = month_end(cur) + dt.timedelta(days=1)
    return out


@dataclass
class SyncReport:
    mode: str
    months: list[str] = field(default_factory=list)
    sessions_read: int = 0
    sessions_derived: int = 0
    titulaires_created: int = 0
    titulaires_updated: int = 0
    transitions: Counter = field(default_factory=Counter)
    requests: int = 0
    wall_s: float = 0.0

    def as_dict(self) -> dict:
        return {
            "mode": self.mode,
            "months": self.months,
            "sessions_read": self.sessions_read,
            "sessions_derived": self.sessions_derived,
            "titulaires_created": self.titulaires_created,
            "titulaires_updated": self.titulaires_updated,
            "transitions": dict(self.transitions),
            "requests": self.requests,
            "wall_s": round(self.wall_s, 2),
        }


@dataclass
class _Batch:
    """Records read from Dendreo in one unit of work, before they are stored."""

    sessions: dict[str, Record] = field(default_factory=dict)
    laps: dict[str, Record] = field(default_factory=dict)
    lams: dict[str, Record] = field(default_factory=dict)
    evaluations: dict[str, Record] = field(default_factory=dict)
    participants: dict[str, Record] = field(default_factory=dict)
    entreprises: dict[str, Record] = field(default_factory=dict)
    modules: dict[str, Record] = field(default_factory=dict)
    formateurs: dict[str, Record] = field(default_factory=dict)


class Poller:
    def __init__(self, client: DendreoClient, store: Store, settings: Settings, *, run_id: str | None = None, now: dt.datetime | None = None):
        self.client = client
        self.store = store
        self.settings = settings
        self.mapping = settings.mapping
        self.run_id = run_id
        self.now = (now or dt.datetime.now(PARIS)).astimezone(PARIS)
        self.today = self.now.date()
        self.deadline_rules = load_deadline_rules(settings.rules.deadline_rules_file)
        self.policy = Policy(
            failed_jdr_as_adf=settings.rules.failed_jdr_as_adf,
            unknown_result_jdr=settings.rules.unknown_result_jdr,
            absent_is_excluded=settings.rules.absent_is_excluded,
        )
        self._fields = {kind: m.fields_for(self.mapping, kind) for kind in m.RECORD_KINDS}
        self._nir_field = m.split_path(self.mapping.nir)
        self._stages: dict[str, str] = {}
        self._read_this_run: dict[str, set[str]] = defaultdict(set)

    # -- entry point -----------------------------------------------------------------------------

    def sync(self, first_month: dt.date | None = None, last_month: dt.date | None = None) -> SyncReport:
        started = time.perf_counter()
        requests_before = self.client.requests
        self._load_stages()
        with self.store.transaction(self.run_id) as repo:
            incremental_since = repo.get_cursor(INCREMENTAL_CURSOR)
            month_cursors = repo.cursors(MONTH_CURSOR)
        if first_month or last_month:
            last = last_month or self.today
            first = first_month or month_start(last)
            report = self._sync_windows(months_between(first, last), set_incremental=False)
        elif incremental_since is None:
            first = month_start(self.today) - dt.timedelta(days=1)
            for _ in range(self.settings.dendreo.first_sync_months - 1):
                first = month_start(first) - dt.timedelta(days=1)
            months = [mo for mo in months_between(month_start(first), self.today) if MONTH_CURSOR + mo.strftime("%Y-%m") not in month_cursors]
            report = self._sync_windows(months, set_incremental=True)
        else:
            report = self._sync_incremental(dt.date.fromisoformat(incremental_since[:10]), month_cursors)
        report.requests = self.client.requests - requests_before
        report.wall_s = time.perf_counter() - started
        log.info("sync.done", **report.as_dict())
        return report

    # -- window mode -----------------------------------------------------------------------------

    def _sync_windows(self, months: Sequence[dt.date], *, set_incremental: bool) -> SyncReport:
        report = SyncReport(mode="window", months=[mo.strftime("%Y-%m") for mo in months])
        for index, first in enumerate(months):
            last = month_end(first)
            batch = _Batch()
            sessions = self.client.get(
                "actions_de_formation",
                ended_after=first.isoformat(),
                ended_before=last.isoformat(),
                include="participants,modules",
            )
            for s in sessions:  # filters may be ignored: re-check on the client side
                end = values.date(s.get("date_fin"))
                if end is not None and first <= end <= last:
                    batch.sessions[str(s["id_action_de_formation"])] = s
            self._read_children(batch, list(batch.sessions))
            with self.store.transaction(self.run_id) as repo:
                self._store_batch(repo, batch)
                self._derive(repo, set(batch.sessions), report, full_sessions=set(batch.sessions))
                repo.set_cursor(MONTH_CURSOR + first.strftime("%Y-%m"), self.now.isoformat())
                if set_incremental and index == len(months) - 1:
                    repo.set_cursor(INCREMENTAL_CURSOR, self.today.isoformat())
            report.sessions_read += len(batch.sessions)
            log.info("sync.month", month=first.strftime("%Y-%m"), sessions=len(batch.sessions), requests=self.client.requests)
        if set_incremental and not months:
            with self.store.transaction(self.run_id) as repo:
                repo.set_cursor(INCREMENTAL_CURSOR, self.today.isoformat())
        return report

    # -- incremental mode ------------------------------------------------------------------------

    def _sync_incremental(self, last_sync: dt.date, month_cursors: dict[str, str]) -> SyncReport:
        report = SyncReport(mode="incremental")
        since = last_sync - dt.timedelta(days=self.settings.dendreo.overlap_days)
        earliest = min(
            (dt.date.fromisoformat(k.removeprefix(MONTH_CURSOR) + "-01") for k in month_cursors),
            default=month_start(self.today),
        )
        batch = _Batch()
        recent_from = min(since, self.today - dt.timedelta(days=EVALUATION_LOOKBACK_DAYS))
        recent = self.client.get(
            "actions_de_formation",
            ended_after=recent_from.isoformat(),
            ended_before=self.today.isoformat(),
            include="participants,modules",
        )
        edited = self.client.get(
            "actions_de_formation",
            updated_after=since.isoformat(),
            ended_after=earliest.isoformat(),
            ended_before=self.today.isoformat(),
            include="participants,modules",
        )
        for s in recent:
            end = values.date(s.get("date_fin"))
            if end is not None and recent_from <= end <= self.today:
                batch.sessions[str(s["id_action_de_formation"])] = s
        for s in edited:
            if self._edited_since(s, since) and (values.date(s.get("date_fin")) or dt.date.min) >= earliest:
                batch.sessions[str(s["id_action_de_formation"])] = s
        self._read_children(batch, list(batch.sessions))
        changed: dict[str, list[Record]] = {}
        for resource in ("laps", "participants", "entreprises", "modules", "formateurs", "lams"):
            changed[resource] = [r for r in self.client.get(resource, updated_after=since.isoformat()) if self._edited_since(r, since)]
        with self.store.transaction(self.run_id) as repo:
            known_sessions = repo.session_by_dendreo_ids({str(r.get("id_action_de_formation")) for r in changed["laps"] + changed["lams"]})
            for lap in changed["laps"]:
                if str(lap.get("id_action_de_formation")) in known_sessions or str(lap.get("id_action_de_formation")) in batch.sessions:
                    batch.laps[str(lap["id_lap"])] = lap
            for lam in changed["lams"]:
                if str(lam.get("id_action_de_formation")) in known_sessions or str(lam.get("id_action_de_formation")) in batch.sessions:
                    batch.lams[str(lam["id_lam"])] = lam
            for resource, key in (("participants", "id_participant"), ("entreprises", "id_entreprise"), ("modules", "id_module"), ("formateurs", "id_formateur")):
                known = repo.known_source_ids(resource, (str(r[key]) for r in changed[resource]))
                target = getattr(batch, resource)
                for record in changed[resource]:
                    if str(record[key]) in known:
                        target[str(record[key])] = self._minimal(resource, record)
            result = self._store_batch(repo, batch)
            affected = set(batch.sessions)
            affected |= {str(lap.get("id_action_de_formation")) for lap in batch.laps.values()}
            affected |= {str(lam.get("id_action_de_formation")) for lam in batch.lams.values()}
            affected |= repo.session_ids_referencing("laps", "id_participant", result.get("participants", []))
            affected |= repo.session_ids_referencing("laps", "id_entreprise", result.get("entreprises", []))
            affected |= repo.session_ids_referencing("lams", "id_module", result.get("modules", []))
            affected |= repo.sessions_with_trainers(result.get("formateurs", []))
            self._derive(repo, affected, report, full_sessions=set(batch.sessions))
            repo.set_cursor(INCREMENTAL_CURSOR, self.today.isoformat())
        report.sessions_read = len(batch.sessions)
        return report

    @staticmethod
    def _edited_since(record: Record, since: dt.date) -> bool:
        edited = values.date(record.get("date_edit")) or values.date(record.get("date_add"))
        return edited is None or edited >= since

    # -- reading ---------------------------------------------------------------------------------

    def _load_stages(self) -> None:
        for stage in self.client.get("etapes"):
            self._stages[str(stage.get("id_etape_process"))] = values.text(stage.get("intitule")) or ""

    def _read_children(self, batch: _Batch, session_ids: list[str]) -> None:
        """Laps, lams, evaluations of the sessions, and the catalogue records they need."""
        if not session_ids:
            return
        for lap in self.client.get_by_ids("laps", session_ids, id_param="id_action_de_formation"):
            if str(lap.get("id_action_de_formation")) in batch.sessions:
                batch.laps[str(lap["id_lap"])] = lap
        for lam in self.client.get_by_ids("lams", session_ids, id_param="id_action_de_formation"):
            if str(lam.get("id_action_de_formation")) in batch.sessions:
                batch.lams[str(lam["id_lam"])] = lam
        for ev in self.client.get_by_ids("evaluations", session_ids, id_param="id_action_de_formation"):
            if str(ev.get("id_action_de_formation")) in batch.sessions:
                key = f"{ev.get('id_action_de_formation')}:{ev.get('id_participant')}:{ev.get('id_module')}"
                batch.evaluations[key] = ev
        participant_fields = self._fields["participant"] | {"nom", "prenom"}
        missing_participants: set[str] = set()
        for session in batch.sessions.values():
            for entry in session.get("participants") or []:
                pid = str(entry.get("id_participant"))
                if participant_fields - set(entry):
                    missing_participants.add(pid)
                else:
                    batch.participants[pid] = self._minimal("participants", entry)
        if missing_participants:
            for record in self.client.get_by_ids("participants", missing_participants):
                batch.participants[str(record["id_participant"])] = self._minimal("participants", record)
        self._read_catalogue(batch, "entreprises", "id_entreprise", {values.fk(lap.get("id_entreprise")) for lap in batch.laps.values()})
        module_ids = {values.fk(lam.get("id_module")) for lam in batch.lams.values()}
        module_ids |= {values.fk(mod.get("id_module")) for s in batch.sessions.values() for mod in s.get("modules") or []}
        self._read_catalogue(batch, "modules", "id_module", module_ids)
        trainer_ids = {values.fk(f.get("id_formateur")) for lam in batch.lams.values() for f in lam.get("formateurs") or []}
        self._read_catalogue(batch, "formateurs", "id_formateur", trainer_ids)

    def _read_catalogue(self, batch: _Batch, resource: str, key: str, ids: Iterable[str | None]) -> None:
        """Read records not read yet in this run and not already stored (edits arrive via updated_after)."""
        wanted = {i for i in ids if i} - self._read_this_run[resource]
        if not wanted:
            return
        with self.store.transaction() as repo:
            wanted -= repo.known_source_ids(resource, wanted)
        target = getattr(batch, resource)
        for record in self.client.get_by_ids(resource, wanted):
            target[str(record[key])] = self._minimal(resource, record)
        self._read_this_run[resource] |= wanted

    def _minimal(self, resource: str, record: Record) -> Record:
        keep = {
            "participants": self._fields["participant"] | {"id_participant", "nom", "prenom", "date_edit"},
            "entreprises": self._fields["entreprise"] | {"id_entreprise", "raison_sociale", "siret", "date_edit"},
            "formateurs": self._fields["formateur"] | {"id_formateur", "nom", "prenom", "date_edit"},
        }.get(resource)
        if keep is None:
            return record
        return {k: v for k, v in record.items() if k in keep}

    # -- storing ---------------------------------------------------------------------------------

    def _store_batch(self, repo: Repository, batch: _Batch) -> dict[str, list[str]]:
        items: list[SourceUpsert] = []
        cipher = repo.cipher
        nir_kind, nir_field = self._nir_field

        def add(resource: str, dendreo_id: str, data: Record, session_id: str | None = None) -> None:
            data = dict(data)
            secret = None
            if resource == "participants" and nir_kind == "participant":
                secret = values.text(data.pop(nir_field, None))
            payload = m.content_hash(data)
            digest = cipher.lookup_hash(payload + "|" + (secret or "")) if secret else payload
            items.append(SourceUpsert(resource, dendreo_id, data, digest, secret, session_id))

        for sid, session in batch.sessions.items():
            add("sessions", sid, {k: v for k, v in session.items() if k != "participants"})
        for lid, lap in batch.laps.items():
            add("laps", lid, lap, str(lap.get("id_action_de_formation")))
        for lid, lam in batch.lams.items():
            add("lams", lid, lam, str(lam.get("id_action_de_formation")))
        for key, ev in batch.evaluations.items():
            add("evaluations", key, ev, str(ev.get("id_action_de_formation")))
        for resource in ("participants", "entreprises", "modules", "formateurs"):
            for rid, record in getattr(batch, resource).items():
                add(resource, rid, record)
        result = repo.upsert_sources(items)
        changed = set(result.inserted) | set(result.changed)
        out: dict[str, list[str]] = defaultdict(list)
        for item in items:
            if item.dendreo_id in changed:
                out[item.resource].append(item.dendreo_id)
        return out

    # -- deriving titulaires ---------------------------------------------------------------------

    def _derive(self, repo: Repository, session_ids: set[str], report: SyncReport, *, full_sessions: set[str]) -> None:
        """Re-run the rules on the sessions' titulaires from the stored records."""
        session_ids = {s for s in session_ids if s}
        if not session_ids:
            return
        sessions = repo.sources("sessions", session_ids)
        laps_by_session: dict[str, list] = defaultdict(list)
        for rec in repo.sources_of_sessions("laps", sessions):
            laps_by_session[rec.session_dendreo_id].append(rec.data)
        lams_by_session: dict[str, list] = defaultdict(list)
        for rec in repo.sources_of_sessions("lams", sessions):
            lams_by_session[rec.session_dendreo_id].append(rec.data)
        evals: dict[tuple[str, str], list] = defaultdict(list)
        for rec in repo.sources_of_sessions("evaluations", sessions):
            evals[(rec.session_dendreo_id, str(rec.data.get("id_participant")))].append(rec.data)
        participants = repo.sources("participants", {str(lap.get("id_participant")) for laps in laps_by_session.values() for lap in laps})
        entreprises = repo.sources("entreprises", {values.fk(lap.get("id_entreprise")) or "" for laps in laps_by_session.values() for lap in laps})
        module_ids = {values.fk(lam.get("id_module")) or "" for lams in lams_by_session.values() for lam in lams}
        module_ids |= {values.fk(mod.get("id_module")) or "" for s in sessions.values() for mod in s.data.get("modules") or []}
        modules = repo.sources("modules", module_ids)
        formateurs = repo.sources("formateurs", {str(f.get("id_formateur")) for lams in lams_by_session.values() for lam in lams for f in lam.get("formateurs") or []})
        rows = repo.session_by_dendreo_ids(sessions)
        titulaires = repo.titulaires_of_sessions(r.id for r in rows.values())

        for sid, rec in sessions.items():
            report.sessions_derived += 1
            session = rec.data
            stage = self._stages.get(str(session.get("id_etape_process")), "")
            module_order = [values.fk(lam.get("id_module")) for lam in sorted(lams_by_session[sid], key=lambda r: int(r.get("id_lam") or 0))]
            module_order += [values.fk(mod.get("id_module")) for mod in session.get("modules") or []]
            seen: list[str] = []
            for mid in module_order:
                if mid and mid not in seen and mid in modules:
                    seen.append(mid)
            trainers_by_module: dict[str, list] = defaultdict(list)
            for lam in lams_by_session[sid]:
                for f in lam.get("formateurs") or []:
                    if str(f.get("id_formateur")) in formateurs:
                        trainers_by_module[str(lam.get("id_module"))].append(formateurs[str(f.get("id_formateur"))].data)
            facts = m.training_facts(
                m.SessionSources(session=session, stage_name=stage, modules=[modules[i].data for i in seen], trainers_by_module=trainers_by_module),
                self.mapping,
            )
            snapshot = m.training_snapshot(facts)
            row = rows.get(sid)
            if row is None:
                row = TrainingSession(dendreo_id=sid, number=facts.session_number, name=facts.name[:300])
                repo.s.add(row)
                repo.s.flush()
                rows[sid] = row
            row.number, row.name, row.start, row.end, row.stage = facts.session_number, facts.name[:300], facts.start, facts.end, stage
            row.training, row.training_hash = snapshot, m.content_hash(snapshot)

            end_dt = self._parse_dt(session.get("date_fin"))
            done = stage in self.mapping.done_stages and end_dt is not None and end_dt < self.now
            existing = {t.participant_id: t for t in titulaires.get(row.id, [])}
            if not done and not facts.session_cancelled:
                for t in existing.values():
                    if t.state not in PORTAL_STATES:
                        self._set_state(repo, t, TitulaireState.EXCLUDED, ["session not completed in Dendreo (stage or end date)"], report)
                continue
            laps_by_participant: dict[str, Record] = {}
            for lap in sorted(laps_by_session[sid], key=lambda r: int(r.get("id_lap") or 0)):
                pid = str(lap.get("id_participant"))
                if pid not in laps_by_participant or str(lap.get("status")) in self.mapping.active_lap_statuses:
                    laps_by_participant[pid] = lap
            for pid, lap in laps_by_participant.items():
                prec = participants.get(pid)
                nir = repo.decrypt(prec.secret) if prec is not None else None
                ent = entreprises.get(values.fk(lap.get("id_entreprise")) or "")
                learner = m.learner_facts(
                    lap=lap,
                    participant=prec.data if prec else None,
                    entreprise=ent.data if ent else None,
                    nir=nir,
                    evaluations=evals.get((sid, pid), []),
                    mapping=self.mapping,
                )
                verdict = assess(facts, learner, today=self.today, deadline_rules=self.deadline_rules, policy=self.policy)
                display = " ".join(x for x in (values.text((prec.data if prec else {}).get("prenom")), values.text((prec.data if prec else {}).get("nom"))) if x)
                self._apply(repo, row, existing.get(pid), pid, str(lap.get("id_lap")), display, learner, verdict, report)
            if sid in full_sessions:
                for pid, t in existing.items():
                    if pid not in laps_by_participant:
                        self._vanished(repo, t, report)

    def _parse_dt(self, value) -> dt.datetime | None:
        text = values.text(value)
        if not text:
            return None
        try:
            parsed = dt.datetime.fromisoformat(text if len(text) > 10 else text + " 23:59:59")
        except ValueError:
            return None
        return parsed.replace(tzinfo=PARIS)

    def _field_hashes(self, repo: Repository, row, verdict: Assessment, learner) -> dict[str, str]:
        fields = {
            "training": row.training_hash,
            "type": verdict.declaration_type or "",
            "nir": verdict.nir13 or learner.nir or "",
            "birth_name": verdict.birth_name or learner.birth_name or "",
            "employer_present": str(learner.employer_present),
            "employer_siret": learner.employer_siret or "",
            "employer_reference": learner.employer_reference or "",
            "validity_start": str(verdict.validity_start or ""),
            "validity_end": str(verdict.validity_end or ""),
        }
        return {k: repo.cipher.lookup_hash(k + ":" + v)[:16] for k, v in fields.items()}

    def _apply(self, repo: Repository, row, t, pid: str, lap_id: str, display: str, learner, verdict: Assessment, report: SyncReport) -> None:
        hashes = self._field_hashes(repo, row, verdict, learner)
        source_hash = m.content_hash(hashes)
        reasons = list(verdict.reasons)
        if t is None:
            t = Titulaire(session_id=row.id, participant_id=pid, lap_id=lap_id, state=str(verdict.state), display_name=display[:200])
            self._fill(repo, t, learner, verdict, hashes, source_hash)
            repo.s.add(t)
            repo.s.flush()
            repo.add_event(titulaire=t, from_state=None, to_state=str(verdict.state), reason="; ".join(reasons) or "read from Dendreo")
            report.titulaires_created += 1
            report.transitions[f"new->{verdict.state}"] += 1
            return
        if t.state in (TitulaireState.DECLARED, TitulaireState.CHANGED_AFTER_DECLARATION):
            if t.declared_hash and source_hash != t.declared_hash:
                changed = sorted(k for k, v in hashes.items() if (t.declared_fields or {}).get(k) != v)
                self._set_state(
                    repo,
                    t,
                    TitulaireState.CHANGED_AFTER_DECLARATION,
                    [
                        f"changed in Dendreo after declaration {t.reference or ''} ({', '.join(changed)}): the portal has no edit; "
                        "delete the titulaire there and let it be declared again, or revert the change in Dendreo"
                    ],
                    report,
                )
            elif t.state == TitulaireState.CHANGED_AFTER_DECLARATION:
                self._set_state(repo, t, TitulaireState.DECLARED, ["Dendreo matches the declaration again"], report)
            return
        if t.state in PORTAL_STATES and t.state != TitulaireState.PLANNED:
            return  # submitting / in doubt: the submitter owns it until reconciled
        if t.state == TitulaireState.REJECTED and t.source_hash == source_hash:
            return  # rejected by the portal; waits for a fix in Dendreo
        if t.source_hash == source_hash and t.state == verdict.state and t.reasons == reasons:
            return
        t.display_name = display[:200]
        t.lap_id = lap_id
        self._fill(repo, t, learner, verdict, hashes, source_hash)
        t.declaration_id = None
        report.titulaires_updated += 1
        reason = "; ".join(reasons) or ("data fixed in Dendreo" if t.state in (TitulaireState.INVALID, TitulaireState.REJECTED) else "data changed in Dendreo")
        if t.state != verdict.state:
            report.transitions[f"{t.state}->{verdict.state}"] += 1
        repo.transition(t, verdict.state, reason)

    def _fill(self, repo: Repository, t, learner, verdict: Assessment, hashes: dict, source_hash: str) -> None:
        nir = verdict.nir13
        t.nir_encrypted = repo.cipher.encrypt(nir) if nir else None
        t.nir_hash = repo.cipher.lookup_hash(nir) if nir else None
        t.nir_masked = mask_nir(nir or learner.nir) if (nir or learner.nir) else None
        t.birth_name = verdict.birth_name
        t.declaration_type = str(verdict.declaration_type) if verdict.declaration_type else None
        t.employer_present = learner.employer_present
        t.employer_siret = (learner.employer_siret or "").replace(" ", "")[:20] or None
        t.employer_reference = (learner.employer_reference or "")[:255] or None
        t.validity_start, t.validity_end = verdict.validity_start, verdict.validity_end
        t.deadline, t.optional = verdict.deadline, verdict.optional
        t.reasons, t.warnings = list(verdict.reasons), list(verdict.warnings)
        t.field_hashes, t.source_hash = hashes, source_hash

    def _set_state(self, repo: Repository, t, state: TitulaireState, reasons: list[str], report: SyncReport) -> None:
        if t.state == state and t.reasons == reasons:
            return
        report.transitions[f"{t.state}->{state}"] += 1
        t.reasons = reasons
        if t.state != state:
            repo.transition(t, state, "; ".join(reasons))

    def _vanished(self, repo: Repository, t, report: SyncReport) -> None:
        if t.state in (TitulaireState.DECLARED,):
            self._set_state(repo, t, TitulaireState.CHANGED_AFTER_DECLARATION, [f"removed from the session in Dendreo after declaration {t.reference or ''}"], report)
        elif t.state not in PORTAL_STATES:
            self._set_state(repo, t, TitulaireState.EXCLUDED, ["removed from the session in Dendreo"], report)

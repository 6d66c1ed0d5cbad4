"""Ready titulaires → portal declarations, exactly once.

The protocol, per batch (≤ 50 titulaires of one session and type):

1. **planned** — a Declaration row and its titulaires' `planned` state are committed.
2. The safe steps fill the form up to the recap page (retried; nothing is recorded yet).
3. **submitting** — committed with the attempt id *before* the final click.
4. The final click. A reference on the confirmation page → **declared** (reference stored).
   Field errors → **rejected** with the portal's messages, per titulaire where it says which
   (the others go back to ready and are declared without them). Anything else — timeout, HTTP
   error, crash, a login page — → **in_doubt**.
5. Before any new submission every in-doubt declaration is reconciled against the portal
   history → declared with the reference found, or back to ready. The final click is never
   repeated without that.

A run holds the store's run lock, so a manual backfill and the scheduled run never overlap. A
run that died leaves `planned` (nothing sent: back to ready) or `submitting` (outcome unknown:
in doubt, reconciled) — the next run starts by putting those right.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from connector.domain import TitulaireState
from connector.errors import ConnectorError, PortalError, PortalLoginRequired, PortalRejected, PortalUnavailable
from connector.logging import get_logger, redact_text
from connector.portal import evidence
from connector.portal.form import FormChannel
from connector.portal.labels import Labels, load_labels
from connector.portal.pages import DeclarationForm, HistoryPage
from connector.portal.payload import DeclarationPayload, build_payload
from connector.portal.planner import Candidate, PlannedBatch, plan_batches
from connector.portal.reconcile import Wanted, find_in_history
from connector.portal.session import PortalBrowser
from connector.settings import Settings
from connector.store import Store
from connector.store.models import Declaration, DeclarationItem, utcnow
from connector.store.repository import new_id

log = get_logger(__name__)

MAX_ROUNDS = 3


@dataclass
class SubmitReport:
    dry_run: bool = False
    declarations: int = 0
    declared: int = 0
    rejected: int = 0
    in_doubt: int = 0
    reconciled_declared: int = 0
    reconciled_ready: int = 0
    recovered: int = 0
    failed_batches: int = 0
    logins: int = 0
    would_declare: list[dict] = field(default_factory=list)
    stopped: str | None = None
    wall_s: float = 0.0

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "would_declare"}
        out["wall_s"] = round(self.wall_s, 2)
        if self.dry_run:
            out["would_declare"] = self.would_declare
        return out


class _StopRun(Exception):
    """The portal cannot be used any more in this run (login, maintenance); nothing is lost."""

    def __init__(self, error: PortalError) -> None:
        super().__init__(str(error))
        self.error = error


class Submitter:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        run_id: str | None = None,
        today: dt.date | None = None,
        dry_run: bool = False,
        limit: int | None = None,
        labels: Labels | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.run_id = run_id or new_id()
        self.today = today or dt.date.today()
        self.dry_run = dry_run
        self.limit = limit
        self.labels = labels or load_labels(settings.portal.labels_file)
        self.report = SubmitReport(dry_run=dry_run)
        self._sent = 0
        self._counter_lock = threading.Lock()

    # -- entry point -----------------------------------------------------------------------------

    def run(self) -> SubmitReport:
        started = time.perf_counter()
        try:
            if self.dry_run:
                self._dry_run()
            else:
                lock = self.store.run_lock("submit")
                lock.acquire(self.run_id)
                try:
                    self._run_locked(lock)
                finally:
                    lock.release()
        finally:
            self.report.wall_s = time.perf_counter() - started
        log.info("submit.done", **{k: v for k, v in self.report.as_dict().items() if k != "would_declare"})
        return self.report

    def _run_locked(self, lock) -> None:
        evidence.purge(self.settings.data_dir, self.settings.portal.evidence_days)
        self._recover_interrupted()
        with PortalBrowser(self.settings, self.labels) as portal:
            try:
                self._reconcile_all(portal)
                for _ in range(MAX_ROUNDS):
                    batches = self._plan()
                    if not batches:
                        break
                    lock.renew()
                    outcomes = self._run_batches(portal, batches, lock)
                    # in-doubt batches are settled before anything else is planned
                    self._reconcile_all(portal)
                    if not {"in_doubt", "rejected"} & set(outcomes):
                        break
                    if self.limit is not None and self._sent >= self.limit:
                        break
            except _StopRun as stop:
                self.report.stopped = str(stop.error)
                raise stop.error from None
            finally:
                self.report.logins += portal.logins

    def _run_batches(self, portal: PortalBrowser, batches: list[PlannedBatch], lock) -> list[str]:
        """Submit the batches, on `portal.parallel_batches` browsers at once.

        Batches hold different titulaires, so running them side by side cannot declare anyone
        twice; a batch that ends in doubt is reconciled after the round, before any new plan.
        """
        queue: collections.deque[PlannedBatch] = collections.deque(batches)
        outcomes: list[str] = []
        errors: list[BaseException] = []
        guard = threading.Lock()

        def work(browser: PortalBrowser) -> None:
            while not errors:
                with guard:
                    if not queue:
                        return
                    batch = queue.popleft()
                try:
                    outcome = self._submit(browser, batch)
                except BaseException as exc:  # noqa: BLE001 — handed to the main thread
                    with guard:
                        errors.append(exc)
                    return
                with guard:
                    outcomes.append(outcome)
                lock.renew()

        def extra_worker() -> None:
            try:
                with PortalBrowser(self.settings, self.labels) as browser:
                    browser.share_login(portal)
                    try:
                        work(browser)
                    finally:
                        with guard:
                            self.report.logins += browser.logins
            except BaseException as exc:  # noqa: BLE001
                with guard:
                    errors.append(exc)

        workers = min(self.settings.portal.parallel_batches, len(batches))
        threads = [threading.Thread(target=extra_worker, name=f"submit-{i}") for i in range(1, workers)]
        for thread in threads:
            thread.start()
        work(portal)
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return outcomes

    # -- planning --------------------------------------------------------------------------------

    def _plan(self) -> list[PlannedBatch]:
        with self.store.transaction(self.run_id) as repo:
            candidates = [
                Candidate(t.id, s.id, s.number, t.declaration_type or "ADF", t.deadline) for t, s in repo.ready_candidates()
            ]
        batches = plan_batches(candidates, self.settings.portal.batch_size)
        if self.limit is None:
            return batches
        room = self.limit - self._sent
        limited = []
        for batch in batches:
            if room <= 0:
                break
            ids = batch.titulaire_ids[:room]
            limited.append(PlannedBatch(batch.plan_key, batch.session_id, batch.session_number, batch.declaration_type, ids, batch.deadline))
            room -= len(ids)
        return limited

    # -- one batch -------------------------------------------------------------------------------

    def _submit(self, portal: PortalBrowser, batch: PlannedBatch) -> str:
        with self.store.transaction(self.run_id) as repo:
            titulaires = [t for t in repo.titulaires_by_ids(batch.titulaire_ids) if t.state == TitulaireState.READY]
            if not titulaires:
                return "skipped"
            session = repo.session(batch.session_id)
            try:
                payload = build_payload(session, batch.declaration_type, titulaires, repo.cipher, today=self.today)
            except ConnectorError as exc:
                for t in titulaires:
                    t.reasons = [str(exc)]
                    repo.transition(t, TitulaireState.INVALID, str(exc))
                return "invalid"
            decl = Declaration(
                session_id=session.id,
                declaration_type=batch.declaration_type,
                channel="form",
                plan_key=batch.plan_key,
                attempt=repo.next_attempt(batch.plan_key),
                state="planned",
                attempt_id=new_id(),
                run_id=self.run_id,
                titulaire_count=len(titulaires),
                training=payload.training,
            )
            repo.s.add(decl)
            repo.s.flush()
            for position, t in enumerate(titulaires, start=1):
                repo.s.add(DeclarationItem(declaration_id=decl.id, titulaire_id=t.id, position=position))
                t.declaration_id = decl.id
                repo.transition(t, TitulaireState.PLANNED, f"planned in {decl.plan_key} (attempt {decl.attempt})", declaration=decl)
            decl_id = decl.id
        log.info("batch.start", plan_key=batch.plan_key, titulaires=len(payload.titulaires))

        context, page = portal.new_context()
        tracing = self._start_tracing(context)
        form = DeclarationForm(page, self.labels, portal.base_url)
        outcome = "failed"
        try:
            try:
                payload = FormChannel(portal).prepare(form, payload, on_rows_rejected=lambda rows: self._reject_rows(decl_id, rows))
            except PortalRejected as exc:
                self._evidence(context, page, decl_id, tracing)
                self._rejected(decl_id, payload, exc)
                outcome = "rejected"
                return outcome
            except (PortalLoginRequired, PortalUnavailable) as exc:
                self._evidence(context, page, decl_id, tracing)
                self._abandon(decl_id, f"nothing sent: {exc}")
                raise _StopRun(exc) from None
            except Exception as exc:  # browser crash, unexpected page: nothing was sent
                self._evidence(context, page, decl_id, tracing)
                self._abandon(decl_id, f"nothing sent: {type(exc).__name__}: {redact_text(str(exc))[:300]}")
                self.report.failed_batches += 1
                return outcome

            with self.store.transaction(self.run_id) as repo:
                decl = repo.s.get(Declaration, decl_id)
                decl.state, decl.submitted_at = "submitting", utcnow()
                for t in repo.titulaires_in_state(TitulaireState.PLANNED, declaration_id=decl_id):
                    repo.transition(t, TitulaireState.SUBMITTING, f"final click of {decl.plan_key}, attempt {decl.attempt_id}", declaration=decl)

            try:
                reference = form.confirm(self.settings.browser.confirm_timeout_s * 1000)
            except PortalRejected as exc:
                self._evidence(context, page, decl_id, tracing)
                self._rejected(decl_id, payload, exc, from_state=TitulaireState.SUBMITTING)
                outcome = "rejected"
                return outcome
            except Exception as exc:  # noqa: BLE001 — whatever happened after the click, the outcome is unknown
                self._evidence(context, page, decl_id, tracing)
                self._in_doubt(decl_id, f"{type(exc).__name__}: {redact_text(str(exc))[:300]}")
                outcome = "in_doubt"
                return outcome
            self._declared(decl_id, reference)
            outcome = "declared"
            with self._counter_lock:
                self._sent += len(payload.titulaires)
            return outcome
        finally:
            if tracing and outcome == "declared":
                try:
                    context.tracing.stop()
                except Exception:  # noqa: BLE001
                    pass
            try:
                context.close()
            except Exception:  # noqa: BLE001 — a dead browser is relaunched for the next batch
                pass
            log.info("batch.end", plan_key=batch.plan_key, outcome=outcome)

    # -- state changes ---------------------------------------------------------------------------

    def _declared(self, decl_id: int, reference: str, titulaire_ids: set[int] | None = None, *, reason: str | None = None) -> None:
        with self.store.transaction(self.run_id) as repo:
            decl = repo.s.get(Declaration, decl_id)
            decl.state, decl.reference, decl.finished_at = "declared", reference, utcnow()
            count = 0
            for state in (TitulaireState.SUBMITTING, TitulaireState.IN_DOUBT):
                for t in repo.titulaires_in_state(state, declaration_id=decl_id):
                    if titulaire_ids is not None and t.id not in titulaire_ids:
                        continue
                    t.reference, t.declared_at = reference, utcnow()
                    t.declared_hash, t.declared_fields, t.reasons = t.source_hash, dict(t.field_hashes or {}), []
                    repo.transition(t, TitulaireState.DECLARED, reason or f"declared: reference {reference}", declaration=decl)
                    count += 1
        with self._counter_lock:
            self.report.declared += count
            self.report.declarations += 1

    def _rejected(self, decl_id: int, payload: DeclarationPayload, exc: PortalRejected, *, from_state=TitulaireState.PLANNED) -> None:
        row_ids = exc.row_ids or [t.titulaire_id for t in payload.titulaires]
        with self.store.transaction(self.run_id) as repo:
            decl = repo.s.get(Declaration, decl_id)
            decl.state, decl.finished_at, decl.error = "rejected", utcnow(), redact_text(str(exc))[:4000]
            per_titulaire = {row_ids[i]: msgs for i, msgs in exc.per_row.items() if i < len(row_ids)}
            general = [redact_text(m) for m in exc.general]
            for t in repo.titulaires_in_state(from_state, declaration_id=decl_id):
                own = [f"portal: {redact_text(m)}" for m in per_titulaire.get(t.id, [])]
                if own or general:
                    t.reasons = own + [f"portal: {m}" for m in general]
                    repo.transition(t, TitulaireState.REJECTED, "; ".join(t.reasons), declaration=decl)
                    with self._counter_lock:
                        self.report.rejected += 1
                else:
                    t.declaration_id = None
                    repo.transition(
                        t, TitulaireState.READY, "declaration refused because of other titulaires; declared again without them", declaration=decl
                    )

    def _reject_rows(self, decl_id: int, rows: dict[int, list[str]]) -> None:
        """The portal refused these titulaires at the titulaires step; they leave the batch."""
        with self.store.transaction(self.run_id) as repo:
            decl = repo.s.get(Declaration, decl_id)
            for t in repo.titulaires_by_ids(rows):
                if t.state != TitulaireState.PLANNED or t.declaration_id != decl_id:
                    continue
                t.reasons = [f"portal: {redact_text(m)}" for m in rows[t.id]]
                repo.transition(t, TitulaireState.REJECTED, "; ".join(t.reasons), declaration=decl)
                decl.titulaire_count -= 1
        with self._counter_lock:
            self.report.rejected += len(rows)

    def _abandon(self, decl_id: int, reason: str) -> None:
        with self.store.transaction(self.run_id) as repo:
            decl = repo.s.get(Declaration, decl_id)
            decl.state, decl.finished_at, decl.error = "abandoned", utcnow(), reason
            for t in repo.titulaires_in_state(TitulaireState.PLANNED, declaration_id=decl_id):
                t.declaration_id = None
                repo.transition(t, TitulaireState.READY, reason, declaration=decl)

    def _in_doubt(self, decl_id: int, reason: str) -> None:
        with self.store.transaction(self.run_id) as repo:
            decl = repo.s.get(Declaration, decl_id)
            decl.state, decl.error = "in_doubt", reason
            for t in repo.titulaires_in_state(TitulaireState.SUBMITTING, declaration_id=decl_id):
                t.reasons = [f"outcome of the final click unknown ({reason}); will be checked in the portal history"]
                repo.transition(t, TitulaireState.IN_DOUBT, t.reasons[0], declaration=decl)
                with self._counter_lock:
                    self.report.in_doubt += 1

    def _recover_interrupted(self) -> None:
        """Put right what a killed run left: planned → ready, submitting → in doubt."""
        with self.store.transaction(self.run_id) as repo:
            for decl in repo.declarations_in_state("planned"):
                decl.state, decl.error = "abandoned", "the run stopped before the final click"
                for t in repo.titulaires_in_state(TitulaireState.PLANNED, declaration_id=decl.id):
                    t.declaration_id = None
                    repo.transition(t, TitulaireState.READY, "previous run stopped before the final click; nothing was sent", declaration=decl)
                    self.report.recovered += 1
            for decl in repo.declarations_in_state("submitting"):
                decl.state, decl.error = "in_doubt", "the run stopped around the final click"
                for t in repo.titulaires_in_state(TitulaireState.SUBMITTING, declaration_id=decl.id):
                    t.reasons = ["previous run stopped around the final click; outcome unknown, will be checked in the portal history"]
                    repo.transition(t, TitulaireState.IN_DOUBT, t.reasons[0], declaration=decl)
                    self.report.recovered += 1

    # -- reconciliation --------------------------------------------------------------------------

    def _reconcile_all(self, portal: PortalBrowser) -> None:
        with self.store.transaction(self.run_id) as repo:
            pending = [(d.id, d.declaration_type, dict(d.training)) for d in repo.declarations_in_state("in_doubt")]
        if not pending:
            return
        context, page = portal.new_context()
        try:
            portal.ensure_logged_in(context, page)
            history = HistoryPage(page, self.labels, portal.base_url)
            for decl_id, kind, training in pending:
                self._reconcile_one(history, decl_id, kind, training)
        except (PortalLoginRequired, PortalUnavailable) as exc:
            raise _StopRun(type(exc)(f"In-doubt declarations cannot be checked, so nothing new is sent: {exc}")) from None
        finally:
            context.close()

    def _reconcile_one(self, history: HistoryPage, decl_id: int, kind: str, training: dict) -> None:
        with self.store.transaction(self.run_id) as repo:
            doubtful = repo.titulaires_in_state(TitulaireState.IN_DOUBT, declaration_id=decl_id)
            wanted = [Wanted(t.id, repo.cipher.decrypt(t.nir_encrypted), t.birth_name or "") for t in doubtful if t.nir_encrypted]
            known = repo.declared_references()
        if not wanted:
            with self.store.transaction(self.run_id) as repo:
                repo.s.get(Declaration, decl_id).state = "abandoned"
            return
        found = find_in_history(
            history,
            kind=kind,
            training_name=training.get("NOM_FORMATION", ""),
            date_from=training.get("DATE_DEBUT_FORMATION", ""),
            date_to=training.get("DATE_FIN_FORMATION", ""),
            wanted=wanted,
            known_references=known,
        )
        references = sorted(set(found.values()))
        for reference in references:
            ids = {tid for tid, ref in found.items() if ref == reference}
            self._declared(decl_id, reference, ids, reason=f"found in the portal history after an uncertain submission: reference {reference}")
            self.report.reconciled_declared += len(ids)
        with self.store.transaction(self.run_id) as repo:
            decl = repo.s.get(Declaration, decl_id)
            rest = repo.titulaires_in_state(TitulaireState.IN_DOUBT, declaration_id=decl_id)
            for t in rest:
                t.declaration_id, t.reasons = None, []
                repo.transition(t, TitulaireState.READY, "not in the portal history: the uncertain submission did not reach the portal; will be declared again", declaration=decl)
                self.report.reconciled_ready += 1
            if not references:
                decl.state, decl.finished_at = "not_recorded", utcnow()
            elif rest:
                decl.error = f"{len(rest)} titulaire(s) of this batch were not found in the portal declaration"
        log.info("reconciled", declaration=decl_id, found=len(found), back_to_ready=len(wanted) - len(found))

    # -- dry run ---------------------------------------------------------------------------------

    def _dry_run(self) -> None:
        with PortalBrowser(self.settings, self.labels) as portal:
            for batch in self._plan():
                with self.store.transaction(self.run_id) as repo:
                    titulaires = repo.titulaires_by_ids(batch.titulaire_ids)
                    session = repo.session(batch.session_id)
                    payload = build_payload(session, batch.declaration_type, titulaires, repo.cipher, today=self.today)
                    number, name = session.number, session.name
                context, page = portal.new_context()
                entry = {"session": number, "training": name, "type": batch.declaration_type, "titulaires": len(payload.titulaires)}
                try:
                    FormChannel(portal).prepare(DeclarationForm(page, self.labels, portal.base_url), payload)
                    entry["result"] = "recap reached; not confirmed (dry run)"
                except PortalRejected as exc:
                    entry["result"] = "the portal would refuse it"
                    entry["errors"] = [redact_text(m) for m in exc.general] + [
                        f"titulaire {i + 1}: {redact_text(m)}" for i, msgs in exc.per_row.items() for m in msgs
                    ]
                except PortalError as exc:
                    entry["result"] = f"stopped: {exc}"
                    self.report.would_declare.append(entry)
                    break
                finally:
                    context.close()
                self.report.would_declare.append(entry)
                self._sent += len(payload.titulaires)

    # -- evidence --------------------------------------------------------------------------------

    def _start_tracing(self, context) -> bool:
        mode = self.settings.browser.trace
        if mode == "off":
            return False
        try:
            context.tracing.start(screenshots=mode == "full", snapshots=mode == "full")
            return True
        except Exception:  # noqa: BLE001
            return False

    def _evidence(self, context, page, decl_id: int, tracing: bool) -> None:
        directory = evidence.evidence_root(self.settings.data_dir) / f"declaration-{decl_id}-{self.run_id}"
        saved: Path | None = evidence.capture(context, page, directory, tracing=tracing)
        if saved is not None:
            with self.store.transaction(self.run_id) as repo:
                repo.s.get(Declaration, decl_id).evidence_dir = str(saved)

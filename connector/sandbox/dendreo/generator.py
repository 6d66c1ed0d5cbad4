"""A deterministic fake Dendreo account: sessions, learners, trainers, companies, results.

`generate(seed=…, sessions=…, months=…, today=…)` builds the same dataset for the same arguments.
What it seeds, and why (see docs/dendreo-sandbox.md for the full list):

* **Stages** per training centre with duplicate names ("Réalisation" is both "3" and "13").
  Past sessions are mostly "Réalisation" (about 85 % of all sessions), a few "Echec"/"Annulée",
  recent ones sometimes still "En cours"; future and running sessions are "Planifiée"/"En cours".
* **Modules**, one per training preset (CACES and asbestos split into one module per RS code),
  codes in custom fields with mixed separators; a few carry only `c_preset_pp`; the non-SST
  modules carry no Passeport data at all.
* **People and companies** whose NIR / birth name / SIRET the portal sandbox's deterministic
  registers (connector.sandbox.identities) know — except the `invalid_share` of learners seeded
  with one data problem each, recorded in `dataset.seeded_problems`.

A learner with a seeded problem has exactly one enrolment, active and present, in a completed
("Réalisation", past) session of a module that carries Passeport data, so the connector is
expected to report every one of them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from stdnum.fr import nir as stdnum_nir

from connector.reference import presets, rs_certifications
from connector.sandbox.dendreo.data import (
    Clock,
    DendreoDataset,
    Entreprise,
    Etape,
    Evaluation,
    Formateur,
    Lam,
    Lap,
    Module,
    Participant,
    Session,
    add_months,
    paris_now,
)
from connector.sandbox.dendreo.names import (
    FEMALE_FIRST_NAMES,
    LONG_NAME_PARTS,
    MALE_FIRST_NAMES,
    SURNAMES,
    TOWNS,
    company_name,
)
from connector.sandbox.identities import (
    corrupt_nir_key,
    corrupt_siret,
    fake_nir,
    fake_siret,
    name_fingerprint,
    normalise_name,
)

#: kinds of data problem seeded on learners, in the order they are handed out
PROBLEM_KINDS: tuple[str, ...] = (
    "nir_bad_key",  # 15-character NIR whose key does not match
    "nir_missing",  # no NIR and no refusal recorded
    "birth_name_too_long",  # birth name over the portal's 30 characters (NIR registered for it)
    "nir_unknown",  # valid NIR that the people register does not know
    "name_mismatch",  # NIR registered for another birth name than the one Dendreo gives
    "siret_checksum",  # employer SIRET with a broken Luhn checksum
    "siret_unknown",  # employer SIRET well formed but unknown to the companies register
)

PLANNED, RUNNING, DONE, FAILED, CANCELLED = "Planifiée", "En cours", "Réalisation", "Echec", "Annulée"

#: training centre → stage name → id_etape_process: the same names exist once per centre
STAGE_IDS: dict[str, dict[str, str]] = {
    "1": {PLANNED: "1", RUNNING: "2", DONE: "3", FAILED: "4", CANCELLED: "5"},
    "2": {PLANNED: "11", RUNNING: "12", DONE: "13", FAILED: "14", CANCELLED: "15"},
}
_STAGE_COLOURS = {PLANNED: "#9e9e9e", RUNNING: "#2196f3", DONE: "#4caf50", FAILED: "#f44336", CANCELLED: "#795548"}

QUALIFICATIONS: tuple[str, ...] = (
    "ENSEIGNANT",
    "FORMATEUR_D_ADULTES_FORMATION_SPECIALISEE",
    "INGENIEUR",
    "PREVENTEUR",
    "PSYCHOLOGUE",
    "RESPONSABLE_QHSE",
    "ANCIEN_PROFESSIONNEL",
)

MODES = ("presentiel", "mixte", "elearning_async", "elearning_sync")

#: first id of each resource (distinct ranges make id mix-ups visible)
FIRST_PARTICIPANT_ID = 1001
FIRST_ENTREPRISE_ID = 201

_CODE_SEPARATORS = ("/", ",", ";", " ", ", ", " / ", "; ")
_EMAIL_DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "yahoo.fr", "sfr.fr", "wanadoo.fr")


@dataclass(frozen=True)
class ModuleSpec:
    """One catalogue module the generator creates, and how often sessions use it."""

    intitule: str
    preset: str | None  # key in training_presets.json
    hours: int
    category: str
    weight: float
    price: int
    rs: str = ""  # the one RS code of a certifying module
    #: "codes": codes in custom fields; "preset": only c_preset_pp; "none": no Passeport data
    data: str = "codes"
    modes: tuple[str, ...] = ("presentiel",)

    @property
    def days(self) -> int:
        return max(1, math.ceil(self.hours / 7))

    @property
    def declaration(self) -> str | None:
        return presets()[self.preset].declaration if self.preset and self.data != "none" else None


def _category_of(rs_code: str) -> str:
    match = re.search(r"catégorie (\S+)", rs_certifications().get(rs_code, ""))
    return match.group(1) if match else rs_code


def catalogue() -> list[ModuleSpec]:
    """The modules of the sandbox account, in id order."""
    p = presets()
    specs = [
        ModuleSpec(p["sst"].intitule, "sst", 14, "1", 20, 250),
        ModuleSpec(p["gestes-postures"].intitule, "gestes-postures", 7, "5", 10, 180, modes=("presentiel", "mixte", "elearning_async")),
        ModuleSpec(p["prap"].intitule, "prap", 14, "5", 3, 390, modes=("presentiel", "mixte")),
        ModuleSpec(p["epi-extincteurs"].intitule, "epi-extincteurs", 4, "2", 7, 150),
        ModuleSpec(p["evacuation"].intitule, "evacuation", 4, "2", 4, 150, data="preset"),
        ModuleSpec(p["habilitation-b0-h0v"].intitule, "habilitation-b0-h0v", 7, "3", 8, 220, modes=("presentiel", "mixte")),
        ModuleSpec(p["habilitation-b1v"].intitule, "habilitation-b1v", 21, "3", 4, 590),
        ModuleSpec(p["habilitation-b2"].intitule, "habilitation-b2", 21, "3", 2, 650, data="preset"),
    ]
    for key, codes_hours_weights in (
        ("caces-r489", (("RS6866", 14, 2), ("RS6867", 14, 2), ("RS6869", 21, 5), ("RS6870", 21, 2))),
        ("caces-r486", (("RS7000", 14, 2), ("RS7001", 14, 2))),
        ("caces-r482", (("RS7040", 14, 1), ("RS7044", 21, 1))),
    ):
        for rs, hours, weight in codes_hours_weights:
            intitule = f"{p[key].intitule} — catégorie {_category_of(rs)}"
            specs.append(ModuleSpec(intitule, key, hours, "4", weight, 45 * hours, rs=rs))
    specs += [
        ModuleSpec(f"{p['amiante-ss4'].intitule} — opérateur", "amiante-ss4", 35, "5", 2, 1100, rs="RS6417"),
        ModuleSpec(f"{p['amiante-ss4'].intitule} — encadrement technique", "amiante-ss4", 35, "5", 1, 1400, rs="RS6418"),
        ModuleSpec(p["aipr-operateur"].intitule, "aipr-operateur", 7, "5", 3, 260, data="preset", modes=("presentiel", "elearning_sync")),
        ModuleSpec(p["travail-hauteur"].intitule, "travail-hauteur", 7, "5", 4, 240),
        ModuleSpec(p["echafaudage-r408"].intitule, "echafaudage-r408", 21, "5", 2, 620),
        ModuleSpec(p["risque-chimique"].intitule, "risque-chimique", 7, "5", 2, 260, modes=MODES),
        ModuleSpec("Conduite de réunion", None, 14, "6", 3, 690, data="none", modes=("presentiel", "mixte", "elearning_sync")),
        ModuleSpec("Anglais professionnel", None, 30, "7", 3, 1200, data="none", modes=("elearning_async", "elearning_sync", "mixte")),
    ]
    return specs


def demo_dataset(today: dt.date, *, clock: Clock | None = None) -> DendreoDataset:
    """A small account for the demo: 30 sessions over the last 3 months, fixed seed."""
    return generate(seed=2025, sessions=30, months=3, today=today, clock=clock)


def generate(
    *,
    seed: int,
    sessions: int,
    months: int,
    today: dt.date,
    invalid_share: float = 0.05,
    refused_nir_share: float = 0.01,
    self_funded_share: float = 0.04,
    repeat_learner_share: float = 0.12,
    clock: Clock | None = None,
) -> DendreoDataset:
    """A Dendreo account with `sessions` sessions ending over the last `months` months.

    About 3 % of the sessions are running or in the future. `invalid_share` of the learners carry
    one data problem each (`dataset.seeded_problems`), `refused_nir_share` refused to give a NIR
    (`dataset.refused_nir`), `self_funded_share` of the enrolments have no employer
    (id_entreprise "0"), and `repeat_learner_share` of the enrolments are learners seen before.
    Every timestamp is strictly before `today`. The dataset's clock (date_edit of later updates,
    the API's 12-month default) is `clock`, else Paris time shifted to read `today`.
    """
    if sessions < 0 or months < 1:
        raise ValueError("sessions must be ≥ 0 and months ≥ 1")
    if not 0 <= invalid_share <= 1:
        raise ValueError("invalid_share must be between 0 and 1")
    return _Generator(
        rng=random.Random(seed),
        today=today,
        months=months,
        dataset=DendreoDataset(clock=clock or clock_from(today)),
        refused_nir_share=refused_nir_share,
        self_funded_share=self_funded_share,
        repeat_learner_share=repeat_learner_share,
    ).run(sessions, invalid_share)


def clock_from(today: dt.date) -> Clock:
    """Paris time shifted by whole days so that it reads `today` now and keeps running."""
    offset = today - paris_now().date()
    return lambda: paris_now() + offset


@dataclass
class _SessionPlan:
    spec_index: int
    debut: dt.date
    fin: dt.date
    order: float


class _Generator:
    def __init__(
        self,
        *,
        rng: random.Random,
        today: dt.date,
        months: int,
        dataset: DendreoDataset,
        refused_nir_share: float,
        self_funded_share: float,
        repeat_learner_share: float,
    ) -> None:
        self.rng = rng
        self.today = today
        self.yesterday = today - dt.timedelta(days=1)
        self.window_start = add_months(today, -months)
        self.ds = dataset
        self.refused_nir_share = refused_nir_share
        self.self_funded_share = self_funded_share
        self.repeat_learner_share = repeat_learner_share
        self.specs = catalogue()
        self.module_ids: list[str] = []
        self.formateur_ids: list[str] = []
        self.company_ids: list[str] = []
        self.company_cum_weights: list[float] = []
        self.bad_companies: dict[str, list[str]] = {"siret_checksum": [], "siret_unknown": []}
        self.learners: list[str] = []
        self._slugs: dict[str, str] = {}

    def run(self, sessions: int, invalid_share: float) -> DendreoDataset:
        self._etapes()
        self._modules()
        self._formateurs(min(40, max(6, sessions // 50)))
        self._entreprises(min(400, max(12, sessions // 6)))
        self._sessions(sessions)
        self._seed_problems(invalid_share)
        return self.ds

    # -- timestamps ----------------------------------------------------------------------------

    def _stamp(self, day: dt.date, *, afternoon: bool = False) -> str:
        """A Dendreo datetime on `day` (capped before today): mornings for creations, afternoons
        for edits, so that an edit on the creation day still comes after it."""
        day = min(day, self.yesterday)
        seconds = self.rng.randrange(13 * 3600, 19 * 3600) if afternoon else self.rng.randrange(7 * 3600, 12 * 3600)
        hours, rest = divmod(seconds, 3600)
        return f"{day.isoformat()} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"

    def _catalogue_dates(self) -> tuple[str, str]:
        added = self.window_start - dt.timedelta(days=self.rng.randint(60, 900))
        edited = min(added + dt.timedelta(days=self.rng.randint(0, 45)), self.window_start - dt.timedelta(days=1))
        return self._stamp(added), self._stamp(edited, afternoon=True)

    # -- catalogue -----------------------------------------------------------------------------

    def _etapes(self) -> None:
        for centre, stages in STAGE_IDS.items():
            for order, (name, stage_id) in enumerate(stages.items(), start=1):
                self.ds.add(
                    Etape(
                        id_etape_process=stage_id,
                        intitule=name,
                        ordre=str(order),
                        couleur=_STAGE_COLOURS[name],
                        id_centre_de_formation=centre,
                    )
                )

    def _codes(self, codes: tuple[str, ...]) -> str:
        """Codes joined the way people type them: one separator per module, sometimes mixed."""
        if self.rng.random() < 0.3:
            out = codes[0] if codes else ""
            for code in codes[1:]:
                out += self.rng.choice(_CODE_SEPARATORS) + code
            return out
        return self.rng.choice(_CODE_SEPARATORS).join(codes)

    def _modules(self) -> None:
        for number, spec in enumerate(self.specs, start=1):
            added, edited = self._catalogue_dates()
            custom = {name: "" for name in Module.API_FIELDS if name.startswith("c_")}
            if spec.data != "none":
                preset = presets()[spec.preset]  # type: ignore[index]
                custom["c_preset_pp"] = preset.key
                if spec.data == "codes":
                    custom.update(
                        c_competences_rome=self._codes(preset.rome),
                        c_formacode=self.rng.choice(("/", ", ")).join(preset.formacode),
                        c_nsf=self.rng.choice(("/", ", ")).join(preset.nsf),
                        c_code_rs=spec.rs,
                        c_certifiante="1" if preset.certifiante else "0",
                        c_type_declaration=preset.declaration or "",
                        c_type_jdr=preset.type_jdr or "",
                        c_validite_mois=str(preset.validite_mois) if preset.validite_mois else "",
                    )
            module = Module(
                id_module=str(number),
                intitule=spec.intitule,
                numero_complet=f"FOR{number:04d}",
                id_categorie_module=spec.category,
                duree_heures=f"{spec.hours:.2f}",
                competences_list="",
                eligible_cpf="1" if spec.rs else "0",
                date_add=added,
                date_edit=edited,
                **custom,
            )
            self.ds.add(module)
            self.module_ids.append(module.id_module)

    def _formateurs(self, count: int) -> None:
        for number in range(1, count + 1):
            female = self.rng.random() < 0.4
            prenom = self.rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
            nom = self.rng.choice(SURNAMES)
            added, edited = self._catalogue_dates()
            self.ds.add(
                Formateur(
                    id_formateur=str(number),
                    civilite="Mme" if female else "M.",
                    nom=nom,
                    prenom=prenom,
                    email=f"{self._slug(prenom)}.{self._slug(nom)}@formation-sandbox.fr",
                    statut=self.rng.choice(("salarie", "independant", "independant", "sous_traitant")),
                    c_qualification_pp="" if self.rng.random() < 0.15 else self.rng.choice(QUALIFICATIONS),
                    date_add=added,
                    date_edit=edited,
                )
            )
            self.formateur_ids.append(str(number))

    def _entreprises(self, count: int) -> None:
        bad_each = max(2, count // 80)
        kinds = ["siret_checksum"] * bad_each + ["siret_unknown"] * bad_each + [""] * count
        self.rng.shuffle(kinds)
        cumulative = 0.0
        for index, kind in enumerate(kinds):
            company_id = str(FIRST_ENTREPRISE_ID + index)
            if kind == "siret_checksum":
                siret = corrupt_siret(fake_siret(self.rng))
            elif kind == "siret_unknown":
                siret = fake_siret(self.rng, exists=False)
            else:
                siret = fake_siret(self.rng)
                if self.rng.random() < 0.05:  # typed with spaces, as on a Kbis
                    siret = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
            postcode, town = self.rng.choice(TOWNS)
            added, edited = self._catalogue_dates()
            self.ds.add(
                Entreprise(
                    id_entreprise=company_id,
                    raison_sociale=company_name(self.rng, index),
                    siret=siret,
                    code_postal=postcode,
                    ville=town,
                    id_externe=f"CLI{index:05d}" if self.rng.random() < 0.2 else "",
                    date_add=added,
                    date_edit=edited,
                )
            )
            if kind:
                self.bad_companies[kind].append(company_id)
            else:
                # a few companies send many learners
                cumulative += 1 / (len(self.company_ids) + 1) ** 0.8
                self.company_ids.append(company_id)
                self.company_cum_weights.append(cumulative)

    def _company(self) -> str:
        point = self.rng.random() * self.company_cum_weights[-1]
        return self.company_ids[bisect.bisect_left(self.company_cum_weights, point)]

    # -- sessions ------------------------------------------------------------------------------

    def _plan(self, count: int) -> list[_SessionPlan]:
        weights = list(itertools.accumulate(spec.weight for spec in self.specs))
        span = max(1, (self.yesterday - self.window_start).days + 1)
        plans = []
        for _ in range(count):
            spec_index = bisect.bisect_left(weights, self.rng.random() * weights[-1])
            days = self.specs[spec_index].days
            roll = self.rng.random()
            if roll < 0.01 and days >= 2:  # running today
                debut = self.today - dt.timedelta(days=self.rng.randint(0, days - 2))
            elif roll < 0.03:  # planned
                debut = self.today + dt.timedelta(days=self.rng.randint(1, 75))
            else:
                fin = self.yesterday - dt.timedelta(days=self.rng.randrange(span))
                debut = fin - dt.timedelta(days=days - 1)
            plans.append(_SessionPlan(spec_index, debut, debut + dt.timedelta(days=days - 1), self.rng.random()))
        plans.sort(key=lambda p: (p.debut, p.order))
        return plans

    def _stage(self, plan: _SessionPlan) -> str:
        if plan.debut > self.today:
            return PLANNED
        if plan.fin >= self.today:
            return RUNNING
        roll = self.rng.random()
        if roll < 0.86:
            return DONE
        if roll < 0.90:  # recent sessions are sometimes not closed in Dendreo yet
            return RUNNING if (self.today - plan.fin).days <= 30 else DONE
        if roll < 0.94:
            return FAILED
        return CANCELLED

    def _group_size(self) -> int:
        roll = self.rng.random()
        for threshold, low, high in ((0.04, 1, 3), (0.78, 4, 14), (0.91, 15, 30), (0.965, 31, 60), (0.99, 61, 99)):
            if roll < threshold:
                return self.rng.randint(low, high)
        return self.rng.randint(100, 120)

    def _sessions(self, count: int) -> None:
        per_year: dict[int, int] = {}
        next_lap = itertools.count(1)
        for session_number, plan in enumerate(self._plan(count), start=1):
            spec = self.specs[plan.spec_index]
            sid = str(session_number)
            per_year[plan.debut.year] = per_year.get(plan.debut.year, 0) + 1
            stage = self._stage(plan)
            centre = "1" if self.rng.random() < 0.65 else "2"
            intra = self.rng.random() < 0.3
            client = self._company() if intra else "0"
            mode = spec.modes[0] if len(spec.modes) == 1 or self.rng.random() < 0.7 else self.rng.choice(spec.modes[1:])
            intitule = spec.intitule
            if intra and self.rng.random() < 0.4:
                intitule = f"{intitule} — {self.ds.entreprises[client].raison_sociale}"
            created_day = min(plan.debut - dt.timedelta(days=self.rng.randint(7, 60)), self.yesterday)
            if plan.fin < self.today:
                edited_day = plan.fin + dt.timedelta(days=self.rng.randint(0, 6))
            else:
                edited_day = created_day + dt.timedelta(days=self.rng.randint(0, 5))
            session = Session(
                id_action_de_formation=sid,
                numero_complet=f"ADF_{plan.debut.year}{per_year[plan.debut.year]:04d}",
                intitule=intitule,
                type="intra" if intra else "inter",
                date_debut=f"{plan.debut.isoformat()} 00:00:00",
                date_fin=f"{plan.fin.isoformat()} 23:59:59",
                id_etape_process=STAGE_IDS[centre][stage],
                mode_organisation=mode,
                categorie_module_id=spec.category,
                id_centre_de_formation=centre,
                id_entreprise=client,
                nb_heures=f"{spec.hours:.2f}",
                lieu="" if mode.startswith("elearning") else self.rng.choice(TOWNS)[1],
                total_participants="0",
                id_externe=f"EXT-{sid}" if self.rng.random() < 0.1 else "",
                date_add=self._stamp(created_day),
                date_edit=self._stamp(max(edited_day, created_day), afternoon=True),
            )
            self.ds.add(session)
            self.ds.add(
                Lam(
                    id_lam=sid,
                    id_action_de_formation=sid,
                    id_module=self.module_ids[plan.spec_index],
                    date_debut=session.date_debut,
                    date_fin=session.date_fin,
                    nb_heures=session.nb_heures,
                    formateurs=tuple(self.rng.sample(self.formateur_ids, 2 if self.rng.random() < 0.2 else 1)),
                    date_add=session.date_add,
                    date_edit=self._stamp(created_day + dt.timedelta(days=self.rng.randint(0, 2)), afternoon=True),
                )
            )
            self._learners(session, spec, stage, plan, created_day, edited_day, next_lap)

    def _learners(
        self,
        session: Session,
        spec: ModuleSpec,
        stage: str,
        plan: _SessionPlan,
        created_day: dt.date,
        edited_day: dt.date,
        next_lap: Iterator[int],
    ) -> None:
        rng = self.rng
        sid = session.id_action_de_formation
        past = plan.fin < self.today
        evaluated = past and spec.declaration == "JDR" and stage not in (CANCELLED, PLANNED)
        price = "0.0000" if session.type == "intra" else f"{spec.price:.4f}"
        lead = max(0, (min(plan.debut, self.yesterday) - created_day).days)
        in_session: set[str] = set()
        active = 0
        for _ in range(self._group_size()):
            if session.type == "intra":
                employer = session.id_entreprise
            else:
                employer = "0" if rng.random() < self.self_funded_share else self._company()
            added_day = created_day + dt.timedelta(days=rng.randint(0, lead))
            pid = None
            if self.learners and rng.random() < self.repeat_learner_share:
                candidate = rng.choice(self.learners)
                pid = None if candidate in in_session else candidate
            if pid is None:
                pid = self._new_participant(employer, added_day)
            in_session.add(pid)
            status = "0" if rng.random() < 0.03 else "1"
            if not past:
                presence, percent = "", 0.0
            elif stage == CANCELLED:
                presence, percent = "NON", 0.0
            elif rng.random() < 0.94:
                presence, percent = "OUI", 100.0 if rng.random() < 0.9 else rng.randint(70, 99)
            else:
                presence, percent = "NON", 0.0 if rng.random() < 0.7 else rng.randint(10, 60)
            lap = Lap(
                id_lap=str(next(next_lap)),
                id_action_de_formation=sid,
                id_participant=pid,
                id_entreprise=employer,
                status=status,
                presence=presence,
                total_heures_presence=f"{spec.hours * percent / 100:.2f}",
                presence_percent=f"{percent:.2f}",
                prix=price,
                date_add=self._stamp(added_day),
                date_edit=self._stamp(max(edited_day if past else added_day, added_day), afternoon=True),
            )
            self.ds.add(lap)
            active += status == "1"
            if evaluated and status == "1":
                roll = rng.random()
                validated = "" if presence != "OUI" else ("1" if roll < 0.86 else "0" if roll < 0.96 else "")
                self.ds.add(
                    Evaluation(
                        id_participant=pid,
                        id_action_de_formation=sid,
                        id_module=self.module_ids[plan.spec_index],
                        id_evaluation=lap.id_lap,
                        validated=validated,
                        date_add=lap.date_edit,
                        date_edit=lap.date_edit,
                    )
                )
        session.total_participants = str(active)

    # -- people --------------------------------------------------------------------------------

    def _slug(self, name: str) -> str:
        slug = self._slugs.get(name)
        if slug is None:
            slug = self._slugs[name] = re.sub(r"[^a-z0-9]+", "-", normalise_name(name).lower()).strip("-")
        return slug

    def _new_participant(self, employer: str, added_day: dt.date) -> str:
        rng = self.rng
        pid = str(FIRST_PARTICIPANT_ID + len(self.ds.participants))
        female = rng.random() < 0.45
        prenom = rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
        birth_name = rng.choice(SURNAMES)
        nom, c_nom_naissance = birth_name, ""
        if female and rng.random() < 0.25:  # married: usage name differs, birth name kept apart
            nom, c_nom_naissance = rng.choice(SURNAMES), birth_name
        elif rng.random() < 0.3:
            c_nom_naissance = birth_name
        if rng.random() < 0.5:
            c_nom_naissance = c_nom_naissance.upper()
        email = "" if rng.random() < 0.08 else f"{self._slug(prenom)}.{self._slug(nom)}{rng.randint(1, 99)}@{rng.choice(_EMAIL_DOMAINS)}"
        if rng.random() < 0.3:
            nom = nom.upper()
        elif rng.random() < 0.02:
            nom += " "  # typed with a trailing space
        nir15 = fake_nir(rng, birth_name=birth_name, registered=True, sex=2 if female else 1)
        refused = rng.random() < self.refused_nir_share
        self.ds.add(
            Participant(
                id_participant=pid,
                civilite="Mme" if female else "M.",
                nom=nom,
                prenom=prenom,
                email=email,
                date_de_naissance=self._birth_date(nir15),
                id_entreprise=employer,
                id_externe=f"STG{pid}" if rng.random() < 0.1 else "",
                c_nir="" if refused else self._nir_as_typed(nir15),
                c_nom_naissance=c_nom_naissance,
                c_refus_nir="1" if refused else ("0" if rng.random() < 0.7 else ""),
                date_add=self._stamp(added_day),
                date_edit=self._stamp(added_day + dt.timedelta(days=rng.randint(0, 3)), afternoon=True),
            )
        )
        if refused:
            self.ds.refused_nir.add(pid)
        self.learners.append(pid)
        return pid

    def _nir_as_typed(self, nir15: str) -> str:
        roll = self.rng.random()
        if roll < 0.75:
            return nir15
        if roll < 0.90:
            n = nir15
            return f"{n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:10]} {n[10:13]} {n[13:]}"
        return nir15[:13]

    def _birth_date(self, nir15: str) -> str:
        """The birth date the NIR encodes (year and month), unknown for a few people."""
        if self.rng.random() < 0.05:
            return ""
        year = int(nir15[1:3])
        century = 2000 if year < 10 else 1900  # fake_nir draws 1950–1999 or 2000–2006
        return f"{century + year:04d}-{nir15[3:5]}-{self.rng.randint(1, 28):02d}"

    # -- seeded problems -----------------------------------------------------------------------

    def _seed_problems(self, invalid_share: float) -> None:
        """Plant one problem on `invalid_share` of the learners, spread evenly over the kinds,
        choosing among learners the connector will validate (see the module docstring)."""
        declarable = {self.module_ids[i] for i, spec in enumerate(self.specs) if spec.data != "none"}
        done_ids = {ids[DONE] for ids in STAGE_IDS.values()}
        today_text = self.today.isoformat()
        candidates = []
        for pid, participant in self.ds.participants.items():
            laps = self.ds.laps_by_participant[pid]
            if len(laps) != 1 or pid in self.ds.refused_nir:
                continue
            lap = laps[0]
            session = self.ds.sessions[lap.id_action_de_formation]
            module = self.ds.lams_by_session[session.id_action_de_formation][0].id_module
            completed = session.id_etape_process in done_ids and session.date_fin[:10] < today_text
            if lap.status == "1" and lap.presence == "OUI" and completed and module in declarable:
                candidates.append(pid)
        self.rng.shuffle(candidates)
        wanted = min(len(candidates), round(invalid_share * len(self.ds.participants)))
        for index, pid in enumerate(candidates[:wanted]):
            kind = PROBLEM_KINDS[index % len(PROBLEM_KINDS)]
            self._plant(kind, self.ds.participants[pid], self.ds.laps_by_participant[pid][0])
            self.ds.seeded_problems[pid] = kind
            for evaluation in self.ds.evaluations_by_participant.get(pid, ()):
                evaluation.validated = "1"

    def _plant(self, kind: str, person: Participant, lap: Lap) -> None:
        rng = self.rng
        birth_name = (person.c_nom_naissance or person.nom).strip()
        sex = 1 if person.civilite == "M." else 2
        if kind == "nir_bad_key":
            person.c_nir = corrupt_nir_key(_nir15(person.c_nir))
        elif kind == "nir_missing":
            person.c_nir, person.c_refus_nir = "", "0"
        elif kind == "birth_name_too_long":
            usage_name = rng.choice(SURNAMES)
            long_name = f"{usage_name} {rng.choice(LONG_NAME_PARTS)}"
            while len(long_name) <= 30:
                long_name += "-" + rng.choice(SURNAMES)
            person.nom, person.c_nom_naissance = usage_name, long_name
            person.c_nir = fake_nir(rng, birth_name=long_name, registered=True, sex=sex)
            person.date_de_naissance = self._birth_date(person.c_nir)
        elif kind == "nir_unknown":
            person.c_nir = fake_nir(rng, birth_name=birth_name, registered=False, sex=sex)
            person.date_de_naissance = self._birth_date(person.c_nir)
        elif kind == "name_mismatch":
            person.c_nom_naissance = ""
            if sex == 2:  # married woman known only by her usage name
                fingerprint = name_fingerprint(birth_name)
                person.nom = rng.choice([s for s in SURNAMES if name_fingerprint(s) != fingerprint])
            else:  # birth name typed with a doubled letter
                person.nom = _typo(birth_name)
        else:
            company = rng.choice(self.bad_companies[kind])
            lap.id_entreprise = person.id_entreprise = company


def _nir15(typed: str) -> str:
    compact = typed.replace(" ", "")
    return compact if len(compact) == 15 else compact + stdnum_nir.calc_check_digits(compact)


def _typo(name: str) -> str:
    """`name` with one letter doubled, chosen so that the register's name fingerprint changes
    (doubling F, P or Z adds a multiple of 10 to it)."""
    for index in range(len(name) - 1, -1, -1):
        letter = normalise_name(name[index])
        if "A" <= letter <= "Z" and ord(letter) % 10:
            return name[: index + 1] + name[index] + name[index + 1 :]
    raise ValueError(f"no letter to double in {name!r}")

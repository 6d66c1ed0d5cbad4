"""The Dendreo sandbox's records, held in memory, and the mutations tests use.

Every value is kept exactly as Dendreo serialises it: a string ("150", "0.0000", "0"/"1", "" for
empty, "0" for a missing foreign key, naive Europe/Paris datetimes "YYYY-MM-DD HH:MM:SS"). Records
are slotted dataclasses (about 30,000 laps fit in a few tens of MB); `to_api()` renders the JSON
object Dendreo would return, custom fields (`c_*`) included.

Mutations (`update_participant`, `update_lap`, …, `enrol`) stamp `date_edit` with the dataset's
clock, which tests can replace, so "a learner changed in Dendreo" is visible to `updated_after`.
All access goes through `lock` because the HTTP server reads from its own thread.
"""

from __future__ import annotations

import calendar
import datetime as dt
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

Clock = Callable[[], dt.datetime]

PARIS = ZoneInfo("Europe/Paris")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def paris_now() -> dt.datetime:
    """Dendreo's clock: naive Europe/Paris local time."""
    return dt.datetime.now(PARIS).replace(tzinfo=None)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` shifted by whole calendar months (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class UnknownRecord(KeyError):
    """No record of that resource has that id."""


@dataclass(slots=True, kw_only=True)
class Record:
    """Base of every resource record: its API fields are `API_FIELDS`, in Dendreo's order."""

    #: custom fields added after generation (`c_*` keys not in the schema)
    extra: dict[str, str] | None = None

    KEY: ClassVar[str] = ""
    API_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: fields an update may not change (ids, and the foreign keys the indexes are built on)
    FIXED: ClassVar[frozenset[str]] = frozenset()

    @property
    def id(self) -> str:
        return getattr(self, self.KEY)

    def to_api(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.API_FIELDS}
        if self.extra:
            out.update(self.extra)
        return out

    def custom_fields(self) -> dict[str, str]:
        out = {name: getattr(self, name) for name in self.API_FIELDS if name.startswith("c_")}
        if self.extra:
            out.update(self.extra)
        return out


@dataclass(slots=True, kw_only=True)
class Etape(Record):
    id_etape_process: str
    intitule: str
    ordre: str
    couleur: str
    id_centre_de_formation: str

    KEY: ClassVar[str] = "id_etape_process"
    API_FIELDS: ClassVar[tuple[str, ...]] = ("id_etape_process", "intitule", "ordre", "couleur", "id_centre_de_formation")
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_etape_process"})


@dataclass(slots=True, kw_only=True)
class Session(Record):
    """An action de formation (ADF)."""

    id_action_de_formation: str
    numero_complet: str
    intitule: str
    type: str
    date_debut: str
    date_fin: str
    id_etape_process: str
    mode_organisation: str
    categorie_module_id: str
    id_centre_de_formation: str
    id_entreprise: str
    nb_heures: str
    lieu: str
    total_participants: str
    id_externe: str
    date_add: str
    date_edit: str

    KEY: ClassVar[str] = "id_action_de_formation"
    API_FIELDS: ClassVar[tuple[str, ...]] = (
        "id_action_de_formation", "numero_complet", "intitule", "type", "date_debut", "date_fin",
        "id_etape_process", "mode_organisation", "categorie_module_id", "id_centre_de_formation",
        "id_entreprise", "nb_heures", "lieu", "total_participants", "id_externe", "date_add", "date_edit",
    )
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_action_de_formation", "date_add"})


@dataclass(slots=True, kw_only=True)
class Lap(Record):
    """A participant's enrolment in a session (lien action–participant)."""

    id_lap: str
    id_action_de_formation: str
    id_participant: str
    id_entreprise: str
    status: str
    presence: str
    total_heures_presence: str
    presence_percent: str
    prix: str
    date_add: str
    date_edit: str

    KEY: ClassVar[str] = "id_lap"
    API_FIELDS: ClassVar[tuple[str, ...]] = (
        "id_lap", "id_action_de_formation", "id_participant", "id_entreprise", "status", "presence",
        "total_heures_presence", "presence_percent", "prix", "date_add", "date_edit",
    )
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_lap", "id_action_de_formation", "id_participant", "date_add"})


@dataclass(slots=True, kw_only=True)
class Participant(Record):
    id_participant: str
    civilite: str
    nom: str
    prenom: str
    email: str
    date_de_naissance: str
    id_entreprise: str
    id_externe: str
    c_nir: str
    c_nom_naissance: str
    c_refus_nir: str
    date_add: str
    date_edit: str

    KEY: ClassVar[str] = "id_participant"
    API_FIELDS: ClassVar[tuple[str, ...]] = (
        "id_participant", "civilite", "nom", "prenom", "email", "date_de_naissance", "id_entreprise",
        "id_externe", "c_nir", "c_nom_naissance", "c_refus_nir", "date_add", "date_edit",
    )
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_participant", "date_add"})


@dataclass(slots=True, kw_only=True)
class Module(Record):
    """A catalogue product; Passeport data lives in its custom fields."""

    id_module: str
    intitule: str
    numero_complet: str
    id_categorie_module: str
    duree_heures: str
    competences_list: str
    eligible_cpf: str
    c_competences_rome: str
    c_formacode: str
    c_nsf: str
    c_code_rs: str
    c_certifiante: str
    c_type_declaration: str
    c_type_jdr: str
    c_validite_mois: str
    c_preset_pp: str
    date_add: str
    date_edit: str

    KEY: ClassVar[str] = "id_module"
    API_FIELDS: ClassVar[tuple[str, ...]] = (
        "id_module", "intitule", "numero_complet", "id_categorie_module", "duree_heures", "competences_list",
        "eligible_cpf", "c_competences_rome", "c_formacode", "c_nsf", "c_code_rs", "c_certifiante",
        "c_type_declaration", "c_type_jdr", "c_validite_mois", "c_preset_pp", "date_add", "date_edit",
    )
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_module", "date_add"})


@dataclass(slots=True, kw_only=True)
class Lam(Record):
    """A module scheduled in a session (lien action–module), with its trainers."""

    id_lam: str
    id_action_de_formation: str
    id_module: str
    date_debut: str
    date_fin: str
    nb_heures: str
    formateurs: tuple[str, ...]
    date_add: str
    date_edit: str

    KEY: ClassVar[str] = "id_lam"
    API_FIELDS: ClassVar[tuple[str, ...]] = (
        "id_lam", "id_action_de_formation", "id_module", "date_debut", "date_fin", "nb_heures", "formateurs",
        "date_add", "date_edit",
    )
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_lam", "id_action_de_formation", "date_add"})

    def to_api(self) -> dict[str, Any]:
        out = Record.to_api(self)
        out["formateurs"] = [{"id_formateur": f} for f in self.formateurs]
        return out


@dataclass(slots=True, kw_only=True)
class Formateur(Record):
    id_formateur: str
    civilite: str
    nom: str
    prenom: str
    email: str
    statut: str
    c_qualification_pp: str
    date_add: str
    date_edit: str

    KEY: ClassVar[str] = "id_formateur"
    API_FIELDS: ClassVar[tuple[str, ...]] = (
        "id_formateur", "civilite", "nom", "prenom", "email", "statut", "c_qualification_pp", "date_add", "date_edit",
    )
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_formateur", "date_add"})


@dataclass(slots=True, kw_only=True)
class Entreprise(Record):
    id_entreprise: str
    raison_sociale: str
    siret: str
    code_postal: str
    ville: str
    id_externe: str
    date_add: str
    date_edit: str

    KEY: ClassVar[str] = "id_entreprise"
    API_FIELDS: ClassVar[tuple[str, ...]] = (
        "id_entreprise", "raison_sociale", "siret", "code_postal", "ville", "id_externe", "date_add", "date_edit",
    )
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_entreprise", "date_add"})


@dataclass(slots=True, kw_only=True)
class Evaluation(Record):
    """Results of one participant on one module of one session (one result per record here)."""

    id_participant: str
    id_action_de_formation: str
    id_module: str
    id_evaluation: str
    validated: str
    date_add: str
    date_edit: str

    KEY: ClassVar[str] = "key"
    API_FIELDS: ClassVar[tuple[str, ...]] = ("id_participant", "id_action_de_formation", "id_module", "date_add", "date_edit")
    FIXED: ClassVar[frozenset[str]] = frozenset({"id_participant", "id_action_de_formation", "id_module", "id_evaluation", "date_add"})

    @property
    def key(self) -> str:
        return evaluation_key(self.id_action_de_formation, self.id_participant, self.id_module)

    def to_api(self) -> dict[str, Any]:
        out = Record.to_api(self)
        out["evaluations"] = [{"id_evaluation": self.id_evaluation, "intitule": "Évaluation finale", "validated": self.validated}]
        return out


def evaluation_key(id_action_de_formation: str, id_participant: str, id_module: str) -> str:
    return f"{id_action_de_formation}:{id_participant}:{id_module}"


#: resource name (the `.php` script) → record class
RESOURCE_TYPES: dict[str, type[Record]] = {
    "etapes": Etape,
    "actions_de_formation": Session,
    "laps": Lap,
    "participants": Participant,
    "modules": Module,
    "lams": Lam,
    "formateurs": Formateur,
    "entreprises": Entreprise,
    "evaluations": Evaluation,
}


class DendreoDataset:
    """Every record of one Dendreo account, with the indexes the API filters need.

    `seeded_problems` maps id_participant → kind of data problem the generator planted (never
    served over the API); `refused_nir` holds the participants who refused to give a NIR.
    """

    def __init__(self, *, clock: Clock = paris_now) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.etapes: dict[str, Etape] = {}
        self.sessions: dict[str, Session] = {}
        self.laps: dict[str, Lap] = {}
        self.participants: dict[str, Participant] = {}
        self.modules: dict[str, Module] = {}
        self.lams: dict[str, Lam] = {}
        self.formateurs: dict[str, Formateur] = {}
        self.entreprises: dict[str, Entreprise] = {}
        self.evaluations: dict[str, Evaluation] = {}
        self.seeded_problems: dict[str, str] = {}
        self.refused_nir: set[str] = set()
        self.laps_by_session: dict[str, list[Lap]] = {}
        self.laps_by_participant: dict[str, list[Lap]] = {}
        self.lams_by_session: dict[str, list[Lam]] = {}
        self.evaluations_by_session: dict[str, list[Evaluation]] = {}
        self.evaluations_by_participant: dict[str, list[Evaluation]] = {}

    # -- reading -------------------------------------------------------------------------------

    def collection(self, resource: str) -> Mapping[str, Record]:
        """The records of one resource (`actions_de_formation`, `laps`, …) by id."""
        try:
            attribute = _COLLECTIONS[resource]
        except KeyError:
            raise UnknownRecord(f"unknown resource {resource!r}") from None
        return getattr(self, attribute)

    def get(self, resource: str, record_id: str) -> Record:
        try:
            return self.collection(resource)[str(record_id)]
        except KeyError:
            raise UnknownRecord(f"no {resource} record with id {record_id!r}") from None

    def now_text(self) -> str:
        return self.clock().strftime(DATETIME_FORMAT)

    def stats(self) -> dict[str, int]:
        return {resource: len(self.collection(resource)) for resource in RESOURCE_TYPES}

    def active_laps(self, id_action_de_formation: str) -> Iterator[Lap]:
        return (lap for lap in self.laps_by_session.get(id_action_de_formation, ()) if lap.status == "1")

    # -- adding (the generator, and tests adding a learner) -------------------------------------

    def add(self, record: Record) -> Record:
        with self.lock:
            collection = self.collection(_RESOURCE_OF[type(record)])
            if record.id in collection:
                raise ValueError(f"duplicate {type(record).__name__} id {record.id!r}")
            collection[record.id] = record  # type: ignore[index]
            if isinstance(record, Lap):
                self.laps_by_session.setdefault(record.id_action_de_formation, []).append(record)
                self.laps_by_participant.setdefault(record.id_participant, []).append(record)
            elif isinstance(record, Lam):
                self.lams_by_session.setdefault(record.id_action_de_formation, []).append(record)
            elif isinstance(record, Evaluation):
                self.evaluations_by_session.setdefault(record.id_action_de_formation, []).append(record)
                self.evaluations_by_participant.setdefault(record.id_participant, []).append(record)
        return record

    def next_id(self, resource: str) -> str:
        collection = self.collection(resource)
        return str(max((int(k) for k in collection if k.isdigit()), default=0) + 1)

    def add_participant(self, *, nom: str, prenom: str, **fields: str) -> Participant:
        """A new person, stamped now; unspecified fields are empty ("0" for id_entreprise)."""
        with self.lock:
            now = self.now_text()
            values = {name: "" for name in Participant.API_FIELDS}
            values.update(id_participant=self.next_id("participants"), id_entreprise="0", c_refus_nir="0", date_add=now, date_edit=now)
            values.update(nom=nom, prenom=prenom, **{k: _text(v) for k, v in fields.items()})
            return self.add(Participant(**values))  # type: ignore[return-value]

    def enrol(self, id_action_de_formation: str, id_participant: str, **fields: str) -> Lap:
        """A new active LAP of an existing participant in an existing session, stamped now."""
        with self.lock:
            session = self.get("actions_de_formation", id_action_de_formation)
            participant = self.get("participants", id_participant)
            now = self.now_text()
            values = dict(
                id_lap=self.next_id("laps"),
                id_action_de_formation=session.id,
                id_participant=participant.id,
                id_entreprise=participant.id_entreprise,  # type: ignore[attr-defined]
                status="1",
                presence="OUI",
                total_heures_presence=session.nb_heures,  # type: ignore[attr-defined]
                presence_percent="100.00",
                prix="0.0000",
                date_add=now,
                date_edit=now,
            )
            values.update({k: _text(v) for k, v in fields.items()})
            lap = self.add(Lap(**values))
            self._recount(session.id)
            return lap  # type: ignore[return-value]

    # -- updating ------------------------------------------------------------------------------

    def update(self, resource: str, record_id: str, **fields: Any) -> Record:
        """Change fields of one record and stamp `date_edit` with the clock (unless given).

        Values are stored as Dendreo strings (None → ""). Unknown `c_*` fields become custom
        fields; other unknown fields, ids and indexed foreign keys raise ValueError.
        """
        with self.lock:
            record = self.get(resource, record_id)
            for name in fields:
                if name in record.FIXED:
                    raise ValueError(f"{resource}.{name} cannot be changed")
                if name not in record.API_FIELDS and name not in _EXTRA_FIELDS.get(type(record), ()) and not name.startswith("c_"):
                    raise ValueError(f"{resource} has no field {name!r}")
            for name, value in fields.items():
                if name == "formateurs":
                    record.formateurs = tuple(_text(v) for v in value)  # type: ignore[attr-defined]
                elif name in record.API_FIELDS or name in _EXTRA_FIELDS.get(type(record), ()):
                    setattr(record, name, _text(value))
                else:
                    record.extra = {**(record.extra or {}), name: _text(value)}
            if "date_edit" not in fields:
                record.date_edit = self.now_text()  # type: ignore[attr-defined]
            if isinstance(record, Lap) and "status" in fields:
                self._recount(record.id_action_de_formation)
            return record

    def update_etape(self, record_id: str, **fields: Any) -> Etape:
        return self.update("etapes", record_id, **fields)  # type: ignore[return-value]

    def update_session(self, record_id: str, **fields: Any) -> Session:
        return self.update("actions_de_formation", record_id, **fields)  # type: ignore[return-value]

    def update_lap(self, record_id: str, **fields: Any) -> Lap:
        return self.update("laps", record_id, **fields)  # type: ignore[return-value]

    def update_participant(self, record_id: str, **fields: Any) -> Participant:
        return self.update("participants", record_id, **fields)  # type: ignore[return-value]

    def update_module(self, record_id: str, **fields: Any) -> Module:
        return self.update("modules", record_id, **fields)  # type: ignore[return-value]

    def update_lam(self, record_id: str, **fields: Any) -> Lam:
        return self.update("lams", record_id, **fields)  # type: ignore[return-value]

    def update_formateur(self, record_id: str, **fields: Any) -> Formateur:
        return self.update("formateurs", record_id, **fields)  # type: ignore[return-value]

    def update_entreprise(self, record_id: str, **fields: Any) -> Entreprise:
        return self.update("entreprises", record_id, **fields)  # type: ignore[return-value]

    def update_evaluation(self, id_action_de_formation: str, id_participant: str, id_module: str, **fields: Any) -> Evaluation:
        key = evaluation_key(id_action_de_formation, id_participant, id_module)
        return self.update("evaluations", key, **fields)  # type: ignore[return-value]

    def _recount(self, id_action_de_formation: str) -> None:
        session = self.sessions[id_action_de_formation]
        session.total_participants = str(sum(1 for _ in self.active_laps(id_action_de_formation)))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


_COLLECTIONS = {
    "etapes": "etapes",
    "actions_de_formation": "sessions",
    "laps": "laps",
    "participants": "participants",
    "modules": "modules",
    "lams": "lams",
    "formateurs": "formateurs",
    "entreprises": "entreprises",
    "evaluations": "evaluations",
}
_RESOURCE_OF = {cls: resource for resource, cls in RESOURCE_TYPES.items()}
#: updatable attributes that are rendered differently from their name
_EXTRA_FIELDS: dict[type[Record], tuple[str, ...]] = {Evaluation: ("validated",)}

"""What a Dendreo GET answers: filters, the 12-month default, SHOW vs INDEX, include, fields.

Pure functions of the dataset and the query parameters; HTTP concerns (auth, throttling, faults)
live in app.py. Behaviour, per docs/dendreo-sandbox.md:

* `id` / `id_externe` (comma-separated) select records; exactly one value is a SHOW.
* `id_action_de_formation`, `id_participant` (comma-separated) filter laps, lams and evaluations.
* `created_after/before` (date_add), `updated_after/before` (date_edit), and on sessions and lams
  `started_after/before` (date_debut), `ended_after/before` (date_fin): YYYY-MM-DD, inclusive by
  date; anything else is a 422.
* actions_de_formation without any id, started_* or ended_* filter lists only the sessions that
  started in the last 12 months.
* Unknown parameters (`limit`, `nb_jours`, `show`, typos) are ignored, as Dendreo does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connector.sandbox.dendreo.data import DendreoDataset, Lam, Lap, Participant, Record, Session, add_months

#: parameter → (record field, comparison) for the date filters
DATE_FILTERS: dict[str, tuple[str, str]] = {
    "created_after": ("date_add", ">="),
    "created_before": ("date_add", "<="),
    "updated_after": ("date_edit", ">="),
    "updated_before": ("date_edit", "<="),
}
WINDOW_FILTERS: dict[str, tuple[str, str]] = {
    "started_after": ("date_debut", ">="),
    "started_before": ("date_debut", "<="),
    "ended_after": ("date_fin", ">="),
    "ended_before": ("date_fin", "<="),
}
DEFAULT_WINDOW_MONTHS = 12

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ResourceSpec:
    name: str
    #: foreign keys filterable with comma-separated ids (each backed by an index when indexed)
    fk_filters: tuple[str, ...] = ()
    window_filters: bool = False
    includes: tuple[str, ...] = ()
    default_window: bool = False
    has_ids: bool = True


RESOURCES: dict[str, ResourceSpec] = {
    spec.name: spec
    for spec in (
        ResourceSpec("etapes"),
        ResourceSpec("actions_de_formation", window_filters=True, includes=("participants", "modules"), default_window=True),
        ResourceSpec("laps", fk_filters=("id_action_de_formation", "id_participant"), includes=("participant",)),
        ResourceSpec("participants"),
        ResourceSpec("modules"),
        ResourceSpec("lams", fk_filters=("id_action_de_formation",), window_filters=True, includes=("module",)),
        ResourceSpec("formateurs"),
        ResourceSpec("entreprises"),
        ResourceSpec("evaluations", fk_filters=("id_action_de_formation", "id_participant"), has_ids=False),
    )
}


class QueryError(Exception):
    """A request Dendreo refuses: `status` and the JSON `body` it answers."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


def _ids(value: str | None) -> list[str] | None:
    if value is None:
        return None
    seen: dict[str, None] = {}
    for part in value.split(","):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def _date_params(params: Mapping[str, str], spec: ResourceSpec) -> list[tuple[str, str, str]]:
    """(field, comparison, YYYY-MM-DD) for every date filter present; 422 on a malformed date."""
    filters = dict(DATE_FILTERS)
    if spec.window_filters:
        filters.update(WINDOW_FILTERS)
    errors, out = [], []
    for name in filters:
        value = params.get(name)
        if value is None:
            continue
        try:
            if not _DATE.fullmatch(value):
                raise ValueError
            dt.date.fromisoformat(value)
        except ValueError:
            errors.append(f"Le paramètre {name} doit être une date au format YYYY-MM-DD ('{value}' reçu).")
            continue
        out.append((*filters[name], value))
    if errors:
        raise QueryError(422, {"status": "failure", "errors": errors})
    return out


def _candidates(dataset: DendreoDataset, spec: ResourceSpec, params: Mapping[str, str]) -> tuple[Iterable[Record], bool]:
    """Records to filter, and whether the request is a SHOW (exactly one id asked)."""
    collection = dataset.collection(spec.name)
    if spec.has_ids:
        ids = _ids(params.get("id"))
        if ids is not None:
            return [collection[i] for i in ids if i in collection], len(ids) == 1
        externals = _ids(params.get("id_externe"))
        if externals is not None and spec.name in ("actions_de_formation", "participants", "entreprises"):
            wanted = set(externals)
            return [r for r in collection.values() if r.id_externe in wanted], len(externals) == 1  # type: ignore[attr-defined]
    index_of = {
        ("laps", "id_action_de_formation"): dataset.laps_by_session,
        ("laps", "id_participant"): dataset.laps_by_participant,
        ("lams", "id_action_de_formation"): dataset.lams_by_session,
        ("evaluations", "id_action_de_formation"): dataset.evaluations_by_session,
        ("evaluations", "id_participant"): dataset.evaluations_by_participant,
    }
    for fk in spec.fk_filters:
        ids = _ids(params.get(fk))
        if ids is not None:
            index = index_of[(spec.name, fk)]
            return [record for i in ids for record in index.get(i, ())], False
    return collection.values(), False


def select(dataset: DendreoDataset, resource: str, params: Mapping[str, str], *, today: dt.date) -> tuple[list[dict[str, Any]], bool]:
    """The JSON objects a GET on `resource` answers, and whether it is a SHOW."""
    spec = RESOURCES[resource]
    date_filters = _date_params(params, spec)
    fk_sets = [(fk, set(ids)) for fk in spec.fk_filters if (ids := _ids(params.get(fk))) is not None]
    if spec.default_window and not any(p in params for p in ("id", "id_externe", *WINDOW_FILTERS)):
        date_filters.append(("date_debut", ">=", add_months(today, -DEFAULT_WINDOW_MONTHS).isoformat()))
    includes = [name for name in _ids(params.get("include")) or () if name in spec.includes]
    fields = _ids(params.get("fields"))
    records, show = _candidates(dataset, spec, params)
    out = []
    for record in records:
        if any(getattr(record, fk) not in ids for fk, ids in fk_sets):
            continue
        if not all(_date_matches(record, field, op, value) for field, op, value in date_filters):
            continue
        obj = record.to_api()
        if fields is not None:
            obj = {k: v for k, v in obj.items() if k in fields}
        for name in includes:
            obj[name] = _embed(dataset, record, name)
        out.append(obj)
    return out, show


def _date_matches(record: Record, field: str, op: str, value: str) -> bool:
    day = getattr(record, field, None)
    if day is None:  # the resource has no such date: Dendreo ignores the filter
        return True
    return day[:10] >= value if op == ">=" else day[:10] <= value


def _embed(dataset: DendreoDataset, record: Record, name: str) -> Any:
    if isinstance(record, Session) and name == "participants":
        laps = dataset.laps_by_session.get(record.id, ())
        return [_session_participant(lap, dataset.participants.get(lap.id_participant)) for lap in laps]
    if isinstance(record, Session) and name == "modules":
        out = []
        for lam in dataset.lams_by_session.get(record.id, ()):
            module = dataset.modules.get(lam.id_module)
            out.append({"id_lam": lam.id_lam, "id_module": lam.id_module, "intitule": module.intitule if module else ""})
        return out
    if isinstance(record, Lap) and name == "participant":
        participant = dataset.participants.get(record.id_participant)
        return participant.to_api() if participant else None
    if isinstance(record, Lam) and name == "module":
        module = dataset.modules.get(record.id_module)
        return module.to_api() if module else None
    raise AssertionError(f"no embedding {name} on {type(record).__name__}")  # pragma: no cover


def _session_participant(lap: Lap, participant: Participant | None) -> dict[str, str]:
    """One entry of a session's `participants` (one per LAP, whatever its status)."""
    out = {"id_lap": lap.id_lap, "id_participant": lap.id_participant, "id_entreprise": lap.id_entreprise}
    if participant is not None:
        out.update(civilite=participant.civilite, nom=participant.nom, prenom=participant.prenom, email=participant.email)
        out.update(participant.custom_fields())
    return out

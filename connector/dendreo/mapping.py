"""Dendreo records → TrainingFacts / LearnerFacts, driven by the mapping settings.

Every Passeport value is read from a configurable path `<record>.<field>` (record one of
session, participant, lap, entreprise, module, formateur), with the defaults documented in
settings.MappingSettings. Codes missing on a module are completed from its preset
(training_presets.json) when `complete_from_preset` is on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from connector.dendreo import values
from connector.domain import LearnerFacts, TrainingFacts
from connector.reference import Preset, presets
from connector.rules.validation import split_codes
from connector.settings import MappingSettings

Record = Mapping[str, Any]

MODALITES = {
    "presentiel": "PRESENTIEL",
    "mixte": "MIXTE",
    "elearning_async": "A_DISTANCE",
    "elearning_sync": "A_DISTANCE",
    "distanciel": "A_DISTANCE",
    "a_distance": "A_DISTANCE",
}

#: record kinds a mapping path may start with
RECORD_KINDS = ("session", "participant", "lap", "entreprise", "module", "formateur")


def split_path(path: str) -> tuple[str, str]:
    kind, _, field = path.partition(".")
    if kind not in RECORD_KINDS or not field:
        raise ValueError(f"mapping path '{path}' must look like <record>.<field> with record in {', '.join(RECORD_KINDS)}")
    return kind, field


def fields_for(mapping: MappingSettings, kind: str) -> set[str]:
    """Fields of one record kind that the mapping reads (to keep source records minimal)."""
    paths = [
        mapping.nir,
        mapping.refused_nir,
        *mapping.birth_name,
        mapping.employer_siret,
        mapping.employer_reference or "",
        mapping.rome_codes,
        mapping.formacodes,
        mapping.nsf_codes,
        mapping.rs_code,
        mapping.certifying,
        mapping.declaration_type,
        mapping.jdr_type,
        mapping.validity_months,
        mapping.preset,
        mapping.declarable,
        mapping.trainer_qualification,
    ]
    return {split_path(p)[1] for p in paths if p and split_path(p)[0] == kind}


def _get(ctx: Mapping[str, Record | None], path: str | None) -> str | None:
    if not path:
        return None
    kind, field = split_path(path)
    record = ctx.get(kind)
    if not record:
        return None
    return values.text(record.get(field))


@dataclass(frozen=True)
class SessionSources:
    """Everything read from Dendreo about one session, non-personal part."""

    session: Record
    stage_name: str
    modules: list[Record]  # catalogue records of the session's modules, in lam order
    trainers_by_module: dict[str, list[Record]]


def module_preset(module: Record, mapping: MappingSettings) -> Preset | None:
    key = _get({"module": module}, mapping.preset) or mapping.module_presets.get(str(module.get("id_module", "")))
    return presets().get(key) if key else None


def _module_has_data(module: Record, mapping: MappingSettings) -> bool:
    ctx = {"module": module}
    paths = (
        mapping.rome_codes,
        mapping.formacodes,
        mapping.nsf_codes,
        mapping.rs_code,
        mapping.certifying,
        mapping.declaration_type,
        mapping.preset,
        mapping.declarable,
    )
    return any(_get(ctx, p) for p in paths if split_path(p)[0] == "module") or bool(
        mapping.module_presets.get(str(module.get("id_module", "")))
    )


def choose_module(modules: list[Record], mapping: MappingSettings) -> Record | None:
    """The session's module that carries Passeport data (first one), else its first module."""
    for module in modules:
        if _module_has_data(module, mapping):
            return module
    return modules[0] if modules else None


def training_facts(src: SessionSources, mapping: MappingSettings) -> TrainingFacts:
    session = src.session
    module = choose_module(src.modules, mapping)
    trainers = src.trainers_by_module.get(str(module.get("id_module"))) if module else None
    trainers = trainers or [t for ts in src.trainers_by_module.values() for t in ts]
    qualification = None
    for trainer in trainers:
        qualification = _get({"formateur": trainer}, mapping.trainer_qualification)
        if qualification:
            break
    ctx: dict[str, Record | None] = {"session": session, "module": module}
    preset = module_preset(module, mapping) if module else None
    complete = mapping.complete_from_preset and preset is not None

    def codes(path: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
        found = tuple(split_codes(_get(ctx, path) or ""))
        return found or (fallback if complete else ())

    certifying = values.flag(_get(ctx, mapping.certifying))
    if certifying is None and complete:
        certifying = preset.certifiante
    declaration_type = (_get(ctx, mapping.declaration_type) or "").upper() or None
    if declaration_type is None and complete:
        declaration_type = preset.declaration
    jdr_type = (_get(ctx, mapping.jdr_type) or "").upper() or None
    if jdr_type is None and complete:
        jdr_type = preset.type_jdr
    validity = values.integer(_get(ctx, mapping.validity_months))
    if validity is None and complete:
        validity = preset.validite_mois
    rs_code = _get(ctx, mapping.rs_code)
    if rs_code is None and complete and len(preset.rs) == 1:
        rs_code = preset.rs[0]
    name = values.text(session.get("intitule")) or (values.text(module.get("intitule")) if module else None) or ""
    return TrainingFacts(
        session_number=values.text(session.get("numero_complet")) or str(session.get("id_action_de_formation")),
        name=name,
        start=values.date(session.get("date_debut")),
        end=values.date(session.get("date_fin")),
        modalite=MODALITES.get((values.text(session.get("mode_organisation")) or "").lower()),
        rome_codes=codes(mapping.rome_codes, preset.rome if preset else ()),
        trainer_qualification=(qualification or "").upper() or None,
        certifying=certifying,
        rs_code=rs_code.upper() if rs_code else None,
        # a certifying training declares its RS code only: the preset's Formacodes/NSF are not used
        formacodes=codes(mapping.formacodes, preset.formacode if preset and not certifying else ()),
        nsf_codes=codes(mapping.nsf_codes, preset.nsf if preset and not certifying else ()),
        declaration_type=declaration_type,
        jdr_type=jdr_type,
        jdr_name=name or None,
        validity_months=validity,
        preset_key=preset.key if preset else None,
        declarable=values.flag(_get(ctx, mapping.declarable)),
        has_passeport_data=module is not None and _module_has_data(module, mapping),
        session_cancelled=src.stage_name in mapping.failed_stages,
    )


def learner_facts(
    *,
    lap: Record,
    participant: Record | None,
    entreprise: Record | None,
    nir: str | None,
    evaluations: list[Record],
    mapping: MappingSettings,
) -> LearnerFacts:
    ctx = {"lap": lap, "participant": participant, "entreprise": entreprise}
    birth_name = next((v for v in (_get(ctx, p) for p in mapping.birth_name) if v), None)
    employer_present = values.fk(lap.get("id_entreprise")) is not None and entreprise is not None
    attended: bool | None
    if mapping.attendance_rule == "presence":
        presence = values.flag(lap.get("presence"))
        attended = True if presence is None else presence
    elif mapping.attendance_rule == "percent":
        percent = values.number(lap.get("presence_percent"))
        attended = None if percent is None else percent >= mapping.min_presence_percent
    else:
        attended = True
    verdicts = [values.flag(e.get("validated")) for ev in evaluations for e in ev.get("evaluations") or []]
    verdicts = [v for v in verdicts if v is not None]
    passed = (True if any(verdicts) else False) if verdicts else None
    return LearnerFacts(
        nir=nir,
        birth_name=birth_name,
        employer_siret=_get(ctx, mapping.employer_siret) if employer_present else None,
        employer_present=employer_present,
        employer_reference=_get(ctx, mapping.employer_reference) if employer_present else None,
        enrolled=str(lap.get("status", "")).strip() in mapping.active_lap_statuses,
        attended=attended,
        passed=passed,
        refused_nir=bool(values.flag(_get(ctx, mapping.refused_nir))),
    )


def content_hash(obj: Any) -> str:
    """Stable hash of a JSON-able value (records, training facts)."""
    payload = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def training_snapshot(facts: TrainingFacts) -> dict[str, Any]:
    data = asdict(facts)
    for key in ("start", "end"):
        data[key] = data[key].isoformat() if data[key] else None
    return data

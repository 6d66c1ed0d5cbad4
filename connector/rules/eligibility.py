"""One titulaire's verdict: EXCLUDED (not to be declared), INVALID (every reason) or READY.

Decisions, in order (the first exclusion wins; validation then collects every reason):

1. Scope: the explicit Dendreo flag ``declarable`` wins: False excludes ("marked not declarable
   in Dendreo"); True keeps the training in scope even against its preset. Otherwise a preset
   without declaration excludes with the preset's remark, and a training with no Passeport data
   and no preset is "not a health-and-safety training". Then a failed or cancelled session.
2. Learner: removed from the session, refused NIR, absent (policy).
3. Type: ADF training → ADF; JDR training → JDR when passed, ADF when failed (policy); with no
   result recorded → JDR (policy), else INVALID until a result is recorded in Dendreo.
4. Reference date outside the Passeport per the deadline rules (before 28/04/2025) → EXCLUDED.
5. Every training and titulaire field → INVALID with all reasons, or READY.

Validity starts on the training end (the earliest date the portal allows; Dendreo holds no
certificate issue date) and, for a training with a validity in months, ends on the same day that
many months later, clamped to the month's end (29/02/2024 + 12 months → 28/02/2025).
The deadline is set on READY and INVALID titulaires alike, so urgent problems sort first.
A JDR's name defaults to the training name when Dendreo has none.

`Assessment.extra` carries, for a JDR, "jdr_type" and "jdr_name", and, when the employer is
present, "employer_siret" (14 digits) and "employer_reference" (when given), all normalised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from connector.domain import Assessment, DeclarationType, LearnerFacts, TitulaireState, TrainingFacts
from connector.reference import presets
from connector.rules._dates import add_months
from connector.rules.deadlines import DeadlineRules
from connector.rules.validation import (
    FREE_TEXT_MAX,
    check_birth_name,
    check_jdr_type,
    check_nir,
    check_siret,
    check_text,
    check_training,
    check_validity,
)

NOT_SST = "not a health-and-safety training"
MARKED_NOT_DECLARABLE = "marked not declarable in Dendreo"
SESSION_CANCELLED = "session failed or cancelled in Dendreo"
REMOVED = "removed from the session"
REFUSED_NIR = "not declarable: no NIR (learner refused)"
ABSENT = "absent"
FAILED_NOT_DECLARED = "failed the evaluation (policy: failed JDR trainings are not declared)"


@dataclass(frozen=True)
class Policy:
    """The choices the portal leaves to the organisation. Defaults:

    * ``failed_jdr_as_adf=True``: a learner who failed a JDR training's evaluation is declared with
      an ADF (attendance), the common practice; False excludes them.
    * ``unknown_result_jdr=True``: a JDR training with no evaluation recorded counts as passed
      (JDR); False makes the titulaire INVALID until a result is recorded.
    * ``absent_is_excluded=True``: a learner marked absent is excluded; False declares them anyway.
    """

    failed_jdr_as_adf: bool = True
    unknown_result_jdr: bool = True
    absent_is_excluded: bool = True


def assess(
    training: TrainingFacts,
    learner: LearnerFacts,
    *,
    today: dt.date,
    deadline_rules: DeadlineRules,
    policy: Policy = Policy(),
) -> Assessment:
    excluded = _out_of_scope(training) or _learner_excluded(learner, policy)
    if excluded:
        return _excluded(excluded)
    declaration_type, type_reasons = _declaration_type(training, learner, policy)
    if declaration_type is None and not type_reasons:
        return _excluded(FAILED_NOT_DECLARED)

    validity_start = training.end
    reference_date = validity_start if declaration_type is DeclarationType.JDR else training.end
    verdict = deadline_rules.deadline_for(reference_date) if reference_date else None
    if verdict and not verdict.declarable:
        return _excluded(verdict.note or f"not declarable (deadline rule '{verdict.rule_name}')")

    portal_training = check_training(training, today=today)
    nir = check_nir(learner.nir)
    birth_name = check_birth_name(learner.birth_name)
    reasons = [*type_reasons, *portal_training.reasons, *nir.reasons, *birth_name.reasons]
    warnings = list(portal_training.warnings)
    if learner.attended is None:
        warnings.append("attendance not recorded in Dendreo; declared as attended")
    extra: dict[str, str] = {}

    if learner.employer_present:
        siret = check_siret(learner.employer_siret)
        employer_reference = check_text(
            learner.employer_reference, label="employer reference", max_len=FREE_TEXT_MAX, required=False
        )
        reasons += [*siret.reasons, *employer_reference.reasons]
        extra |= _present(employer_siret=siret.value, employer_reference=employer_reference.value)

    validity_end = None
    if training.validity_months is not None and training.validity_months <= 0:
        reasons.append(f"validity of {training.validity_months} months: expected a positive number of months")
    elif validity_start and training.validity_months:
        validity_end = add_months(validity_start, training.validity_months)
    if validity_start and training.end:
        reasons += check_validity(validity_start, validity_end, training_end=training.end)

    if declaration_type is DeclarationType.JDR:
        jdr_type = check_jdr_type(training.jdr_type)
        jdr_name = check_text(training.jdr_name or training.name, label="JDR name", max_len=FREE_TEXT_MAX, required=True)
        reasons += [*jdr_type.reasons, *jdr_name.reasons]
        extra |= _present(jdr_type=jdr_type.value, jdr_name=jdr_name.value)

    return Assessment(
        state=TitulaireState.INVALID if reasons else TitulaireState.READY,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        declaration_type=declaration_type,
        nir13=nir.value,
        birth_name=birth_name.value,
        validity_start=validity_start,
        validity_end=validity_end,
        deadline=verdict.deadline if verdict else None,
        optional=verdict.optional if verdict else False,
        extra=extra,
    )


def _excluded(reason: str) -> Assessment:
    return Assessment(state=TitulaireState.EXCLUDED, reasons=(reason,))


def _present(**values: str | None) -> dict[str, str]:
    return {key: str(value) for key, value in values.items() if value is not None}


def _out_of_scope(training: TrainingFacts) -> str | None:
    if training.declarable is False:
        return MARKED_NOT_DECLARABLE
    if training.declarable is not True:
        preset = presets().get(training.preset_key or "")
        if preset is not None and preset.declaration is None:
            return f"not declarable (preset '{preset.key}'): {preset.remarque or preset.intitule}"
        if not training.has_passeport_data and not training.preset_key:
            return NOT_SST
    if training.session_cancelled:
        return SESSION_CANCELLED
    return None


def _learner_excluded(learner: LearnerFacts, policy: Policy) -> str | None:
    if not learner.enrolled:
        return REMOVED
    if learner.refused_nir:
        return REFUSED_NIR
    if learner.attended is False and policy.absent_is_excluded:
        return ABSENT
    return None


def _declaration_type(
    training: TrainingFacts, learner: LearnerFacts, policy: Policy
) -> tuple[DeclarationType | None, list[str]]:
    """The type to declare and the reasons it is unknown; (None, []) means "do not declare"."""
    raw = (training.declaration_type or "").strip().upper()
    if not raw:
        return None, ["declaration type (ADF or JDR) is not set for this training in Dendreo"]
    if raw not in DeclarationType.__members__:
        return None, [f"declaration type {raw!r} is neither ADF nor JDR"]
    if raw == DeclarationType.ADF:
        return DeclarationType.ADF, []
    if learner.passed is True:
        return DeclarationType.JDR, []
    if learner.passed is False:
        return (DeclarationType.ADF, []) if policy.failed_jdr_as_adf else (None, [])
    if policy.unknown_result_jdr:
        return DeclarationType.JDR, []
    return None, ["no evaluation result recorded in Dendreo (needed to declare a JDR, or an ADF when failed)"]

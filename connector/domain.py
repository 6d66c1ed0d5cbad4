"""Plain typed objects shared by the rules, the store and the portal channels.

Nothing here does I/O. The Dendreo mapping builds `TrainingFacts` and `LearnerFacts`; the rules
turn them into an `Assessment`; the store keeps the result per titulaire (one learner in one
session).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class TitulaireState(StrEnum):
    """A titulaire's life; see docs/architecture.md for the transitions."""

    READY = "ready"
    INVALID = "invalid"
    EXCLUDED = "excluded"
    PLANNED = "planned"
    SUBMITTING = "submitting"
    DECLARED = "declared"
    REJECTED = "rejected"
    IN_DOUBT = "in_doubt"
    CHANGED_AFTER_DECLARATION = "changed_after_declaration"


#: States the poller may recompute freely: nothing has been sent to the portal for them.
RECOMPUTABLE_STATES = frozenset(
    {TitulaireState.READY, TitulaireState.INVALID, TitulaireState.EXCLUDED, TitulaireState.REJECTED}
)
#: States in which the portal has, or may have, the titulaire: never recomputed silently.
PORTAL_STATES = frozenset(
    {
        TitulaireState.PLANNED,
        TitulaireState.SUBMITTING,
        TitulaireState.DECLARED,
        TitulaireState.IN_DOUBT,
        TitulaireState.CHANGED_AFTER_DECLARATION,
    }
)


class DeclarationType(StrEnum):
    ADF = "ADF"  # attestation de formation
    JDR = "JDR"  # justificatif de réussite


class JdrType(StrEnum):
    DIPLOME = "DIPLOME"
    TITRE = "TITRE"
    HABILITATION = "HABILITATION"
    CERTIFICAT = "CERTIFICAT"


class Modalite(StrEnum):
    A_DISTANCE = "A_DISTANCE"
    PRESENTIEL = "PRESENTIEL"
    MIXTE = "MIXTE"


class TrainerQualification(StrEnum):
    ENSEIGNANT = "ENSEIGNANT"
    FORMATEUR_D_ADULTES_FORMATION_SPECIALISEE = "FORMATEUR_D_ADULTES_FORMATION_SPECIALISEE"
    INGENIEUR = "INGENIEUR"
    PREVENTEUR = "PREVENTEUR"
    PSYCHOLOGUE = "PSYCHOLOGUE"
    RESPONSABLE_QHSE = "RESPONSABLE_QHSE"
    ANCIEN_PROFESSIONNEL = "ANCIEN_PROFESSIONNEL"


@dataclass(frozen=True)
class TrainingFacts:
    """What the source says about one session's training, before any validation.

    Values are raw-ish strings/tuples as mapped from Dendreo (and completed from a preset where
    the configuration says so); the rules decide what is valid.
    """

    session_number: str
    name: str
    start: dt.date | None
    end: dt.date | None
    modalite: str | None = None
    rome_codes: tuple[str, ...] = ()
    trainer_qualification: str | None = None
    certifying: bool | None = None
    rs_code: str | None = None
    formacodes: tuple[str, ...] = ()
    nsf_codes: tuple[str, ...] = ()
    #: declaration type the training yields when passed (ADF or JDR); None = unknown
    declaration_type: str | None = None
    jdr_type: str | None = None
    jdr_name: str | None = None
    validity_months: int | None = None
    preset_key: str | None = None
    #: explicit "declarable" flag from the source: True, False, or None when not said
    declarable: bool | None = None
    #: True when the source carries any Passeport data at all (codes, flags, type)
    has_passeport_data: bool = False
    #: session stage says failed/cancelled
    session_cancelled: bool = False


@dataclass(frozen=True)
class LearnerFacts:
    """What the source says about one learner in one session."""

    nir: str | None
    birth_name: str | None
    employer_siret: str | None
    employer_present: bool = True
    employer_reference: str | None = None
    #: LAP active in the session (False = removed from the session)
    enrolled: bool = True
    #: attended the training per the attendance rule; None = unknown
    attended: bool | None = True
    #: passed the evaluation; None = no evaluation recorded
    passed: bool | None = None
    #: the learner explicitly refused to give a NIR
    refused_nir: bool = False


@dataclass(frozen=True)
class Assessment:
    """The rules' verdict on one titulaire."""

    state: TitulaireState  # READY, INVALID or EXCLUDED
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    declaration_type: DeclarationType | None = None
    #: the 13-character NIR the portal takes (key checked and removed); None when invalid/absent
    nir13: str | None = None
    birth_name: str | None = None
    validity_start: dt.date | None = None
    validity_end: dt.date | None = None
    deadline: dt.date | None = None
    #: True when declaring is allowed but not mandatory (transition period)
    optional: bool = False
    extra: dict[str, str] = field(default_factory=dict)

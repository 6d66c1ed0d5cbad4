"""What one declaration carries, as the portal's field codes and string values.

The same codes as the official mass-import file (NOM_FORMATION, NIR, …), so the form channel and
the file channel send identical data. Values are the file's strings: dates dd/mm/yyyy,
multi-values joined with "/", enumerations as their codes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from connector.domain import TrainingFacts
from connector.errors import ConnectorError
from connector.rules.validation import check_training
from connector.store.crypto import NirCipher
from connector.store.models import Titulaire, TrainingSession


def fr_date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


@dataclass(frozen=True)
class TitulaireRow:
    titulaire_id: int
    values: dict[str, str]

    @property
    def birth_name(self) -> str:
        return self.values["NOM_TITULAIRE"]

    @property
    def nir(self) -> str:
        return self.values["NIR"]


@dataclass(frozen=True)
class DeclarationPayload:
    kind: str  # ADF or JDR
    training: dict[str, str]
    titulaires: tuple[TitulaireRow, ...]

    @property
    def training_name(self) -> str:
        return self.training["NOM_FORMATION"]

    def without(self, titulaire_ids: set[int]) -> DeclarationPayload:
        return dataclasses.replace(self, titulaires=tuple(t for t in self.titulaires if t.titulaire_id not in titulaire_ids))

    def __repr__(self) -> str:  # never print NIRs
        return f"DeclarationPayload(kind={self.kind!r}, training={self.training_name!r}, titulaires={len(self.titulaires)})"


def training_facts_of(session: TrainingSession) -> TrainingFacts:
    data = dict(session.training)
    for key in ("start", "end"):
        data[key] = dt.date.fromisoformat(data[key]) if data.get(key) else None
    for key in ("rome_codes", "formacodes", "nsf_codes"):
        data[key] = tuple(data.get(key) or ())
    known = {f.name for f in dataclasses.fields(TrainingFacts)}
    return TrainingFacts(**{k: v for k, v in data.items() if k in known})


def training_fields(session: TrainingSession, kind: str, *, today: dt.date) -> dict[str, str]:
    facts = training_facts_of(session)
    checked = check_training(facts, today=today)
    if checked.value is None:
        raise ConnectorError(f"Session {session.number}: training data no longer valid: {'; '.join(checked.reasons)}")
    t = checked.value
    cert = t.certification
    formation = {
        "NOM_FORMATION": t.name,
        "DATE_DEBUT_FORMATION": fr_date(t.start),
        "DATE_FIN_FORMATION": fr_date(t.end),
        "MODALITE_DISPENSE": str(t.modalite) if t.modalite else "",
        "QUALIFICATION_FORMATEUR": str(t.trainer_qualification) if t.trainer_qualification else "",
        "FORMATION_CERTIFIANTE": "OUI" if cert.certifying else "NON",
        "CERTIFICATION_VISEE": cert.rs_code or "",
        "DOMAINE_FORMATION": "/".join(cert.formacodes),
        "SPECIALITE_FORMATION": "/".join(cert.nsf_codes),
    }
    fields = {"COMPETENCE_TRANSFERABLE": "/".join(t.rome_codes), **formation}
    if kind == "JDR":
        fields.update(
            {
                "TYPE_JDR": (facts.jdr_type or "").upper(),
                "NOM_JDR": facts.jdr_name or t.name,
                "NOM_OPTION_SPECIALITE": "",
                "MODE_OBTENTION": "",
                "PRESENCE_FORMATION": "OUI",
            }
        )
    return fields


def titulaire_values(t: Titulaire, cipher: NirCipher, kind: str) -> dict[str, str]:
    if t.nir_encrypted is None or not t.birth_name or t.validity_start is None:
        raise ConnectorError(f"titulaire {t.id} is not complete enough to declare")
    values = {
        "NIR": cipher.decrypt(t.nir_encrypted),
        "NOM_TITULAIRE": t.birth_name,
        "PRESENCE_EMPLOYEUR": "OUI" if t.employer_present else "NON",
        "SIRET_EMPLOYEUR": (t.employer_siret or "") if t.employer_present else "",
        "REFERENCE_EMPLOYEUR": (t.employer_reference or "") if t.employer_present else "",
        "DATE_DEBUT_VALIDITE": fr_date(t.validity_start),
        "DATE_FIN_VALIDITE": fr_date(t.validity_end),
    }
    if kind == "JDR":
        values.update({"RESULTAT_OBTENU": "", "MENTION_OBTENUE": "", "LIEN_PREUVE": "", "IDENTIFIANT_PREUVE": ""})
    return values


def build_payload(
    session: TrainingSession, kind: str, titulaires: Sequence[Titulaire], cipher: NirCipher, *, today: dt.date
) -> DeclarationPayload:
    return DeclarationPayload(
        kind=kind,
        training=training_fields(session, kind, today=today),
        titulaires=tuple(TitulaireRow(t.id, titulaire_values(t, cipher, kind)) for t in titulaires),
    )

"""The portal's validation rules (portal.md, "Fields and rules"), as pure functions.

Values are the strings of the file format (see `fields`). Each check returns at most one error per
field, the first rule the value breaks, as the DSFR shows one message under a field. The web form
and the mass import share these functions; only the way errors are shown differs.

Sandbox choices where portal.md is silent (documented in docs/portal-sandbox.md):
* a code repeated inside a multi-value field is an error;
* DATE_DEBUT_VALIDITE is "not after today" like the training dates; DATE_FIN_VALIDITE may be in
  the future (a certificate valid 24 months);
* NOM_OPTION_SPECIALITE ≤ 255 and LIEN_PREUVE ≤ 2000 characters; RESULTAT_OBTENU, MENTION_OBTENUE,
  LIEN_PREUVE and IDENTIFIANT_PREUVE are optional;
* the same NIR twice in one declaration is an error on the second titulaire.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from connector.reference import formacodes, nsf_codes, rome_competences, rs_certifications
from connector.sandbox import identities

from .fields import FIELDS, FORMATION_CODES, MAX_TITULAIRES_PER_FORM, Kind

_DATE_RE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_NIR_RE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}")
_SIRET_RE = re.compile(r"[0-9]{14}")

#: pseudo field code of errors about the list of titulaires as a whole
TITULAIRES = "TITULAIRES"
REQUIRED = "Champ obligatoire."


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str
    #: 1-based position of the titulaire the error is about (None: the training part)
    position: int | None = None


@dataclass(frozen=True)
class Registers:
    """The national registers the portal checks titulaires against (sandbox: `identities`)."""

    person_known: Callable[[str, str], bool] = identities.person_known
    company_exists: Callable[[str], bool] = identities.company_exists


def parse_date(value: str) -> date | None:
    """A strict dd/mm/yyyy date, or None."""
    match = _DATE_RE.fullmatch(value.strip())
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def split_codes(value: str) -> list[str]:
    value = value.strip()
    return [part.strip() for part in value.split("/")] if value else []


@dataclass
class _Checker:
    values: Mapping[str, str]
    today: date
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, code: str) -> str:
        return (self.values.get(code) or "").strip()

    def error(self, code: str, message: str) -> None:
        self.errors.setdefault(code, message)

    def text(self, code: str, *, required: bool = False) -> str:
        value = self.value(code)
        limit = FIELDS[code].max_length
        if not value:
            if required:
                self.error(code, REQUIRED)
        elif limit is not None and len(value) > limit:
            self.error(code, f"{limit} caractères au maximum ({len(value)} saisis).")
        return value

    def choice(self, code: str, *, required: bool = False) -> str | None:
        """The enumeration value when valid; None when empty or invalid."""
        value = self.value(code)
        allowed = [v for v, _ in FIELDS[code].choices]
        if not value:
            if required:
                self.error(code, REQUIRED)
            return None
        if value not in allowed:
            self.error(code, f"Valeur non autorisée « {value} » : valeurs possibles {', '.join(allowed)}.")
            return None
        return value

    def date(self, code: str, *, required: bool, not_after_today: bool) -> date | None:
        raw = self.value(code)
        if not raw:
            if required:
                self.error(code, REQUIRED)
            return None
        parsed = parse_date(raw)
        if parsed is None:
            self.error(code, "Date invalide : format attendu jj/mm/aaaa.")
            return None
        if not_after_today and parsed > self.today:
            self.error(code, f"La date ne peut pas être postérieure à aujourd'hui ({format_date(self.today)}).")
        return parsed

    def must_be_empty(self, code: str, why: str) -> None:
        if self.value(code):
            self.error(code, f"Doit rester vide {why}.")

    def codes(
        self,
        code: str,
        *,
        what: str,
        plural: str,
        pattern: str,
        reference: Mapping[str, str],
        count: tuple[int, int],
        required_message: str = REQUIRED,
    ) -> None:
        raw = self.value(code)
        limit = FIELDS[code].max_length
        low, high = count
        if not raw:
            self.error(code, required_message)
            return
        if limit is not None and len(raw) > limit:
            self.error(code, f"{limit} caractères au maximum ({len(raw)} saisis).")
            return
        parts = split_codes(raw)
        if "" in parts:
            self.error(code, "Valeur vide entre deux « / ».")
            return
        if not low <= len(parts) <= high:
            expected = f"un seul {what} attendu" if low == high == 1 else f"de {low} à {high} {plural} attendus"
            self.error(code, f"Nombre de codes incorrect : {expected} ({len(parts)} saisis).")
            return
        malformed = [p for p in parts if not re.fullmatch(pattern, p)]
        if malformed:
            self.error(code, f"« {malformed[0]} » n'est pas un {what} valide.")
            return
        unknown = [p for p in parts if p not in reference]
        if unknown:
            self.error(code, f"{what[0].upper() + what[1:]} inconnu : {', '.join(unknown)}.")
            return
        repeated = sorted({p for p in parts if parts.count(p) > 1})
        if repeated:
            self.error(code, f"Code en double : {', '.join(repeated)}.")


def check_training(kind: Kind, training: Mapping[str, str], today: date) -> list[FieldError]:
    """Every rule on the declaration-level fields of an ADF or a JDR."""
    c = _Checker(training, today)
    with_training = True
    if kind == "JDR":
        c.choice("TYPE_JDR", required=True)
        c.text("NOM_JDR", required=True)
        c.text("NOM_OPTION_SPECIALITE")
        c.choice("MODE_OBTENTION")
    c.codes(
        "COMPETENCE_TRANSFERABLE",
        what="code de compétence ROME",
        plural="codes de compétence ROME",
        pattern=r"[0-9]{6}",
        reference=rome_competences(),
        count=(3, 10),
    )
    if kind == "JDR":
        presence = c.choice("PRESENCE_FORMATION", required=True)
        if presence == "NON":
            with_training = False
            for code in FORMATION_CODES:
                c.must_be_empty(code, "lorsque le justificatif n'a pas été obtenu à l'issue d'une formation")
    if with_training:
        _check_formation(c)
    return [FieldError(code, message) for code, message in c.errors.items()]


def _check_formation(c: _Checker) -> None:
    c.text("NOM_FORMATION", required=True)
    start = c.date("DATE_DEBUT_FORMATION", required=True, not_after_today=True)
    end = c.date("DATE_FIN_FORMATION", required=True, not_after_today=True)
    if start and end and end < start:
        c.error(
            "DATE_FIN_FORMATION",
            f"La date de fin de la formation doit être postérieure ou égale à la date de début ({format_date(start)}).",
        )
    c.choice("MODALITE_DISPENSE")
    c.choice("QUALIFICATION_FORMATEUR")
    certifying = c.choice("FORMATION_CERTIFIANTE", required=True)
    if certifying == "OUI":
        c.codes(
            "CERTIFICATION_VISEE",
            what="code RS",
            plural="codes RS",
            pattern=r"RS[0-9]{1,7}",
            reference=rs_certifications(),
            count=(1, 1),
            required_message="Obligatoire pour une formation certifiante.",
        )
        c.must_be_empty("DOMAINE_FORMATION", "pour une formation certifiante")
        c.must_be_empty("SPECIALITE_FORMATION", "pour une formation certifiante")
    elif certifying == "NON":
        c.must_be_empty("CERTIFICATION_VISEE", "pour une formation non certifiante")
        c.codes(
            "DOMAINE_FORMATION",
            what="Formacode",
            plural="Formacodes",
            pattern=r"[0-9]{5}",
            reference=formacodes(),
            count=(1, 5),
            required_message="Obligatoire pour une formation non certifiante.",
        )
        c.codes(
            "SPECIALITE_FORMATION",
            what="code NSF",
            plural="codes NSF",
            pattern=r"[0-9]{3}[a-z]?",
            reference=nsf_codes(),
            count=(1, 3),
            required_message="Obligatoire pour une formation non certifiante.",
        )


def training_end(kind: Kind, training: Mapping[str, str]) -> date | None:
    """DATE_FIN_FORMATION when the declaration has a training part, else None."""
    if kind == "JDR" and (training.get("PRESENCE_FORMATION") or "").strip() == "NON":
        return None
    return parse_date(training.get("DATE_FIN_FORMATION") or "")


def check_titulaire(
    kind: Kind,
    titulaire: Mapping[str, str],
    *,
    training_end_date: date | None,
    today: date,
    registers: Registers,
    position: int | None = None,
) -> list[FieldError]:
    """Format rules of one titulaire, then the registers for the values whose format is right."""
    c = _Checker(titulaire, today)
    nir = c.value("NIR")
    if not nir:
        c.error("NIR", REQUIRED)
    elif len(nir) != 13:
        c.error("NIR", f"Le NIR doit comporter 13 caractères, sans la clé ({len(nir)} saisis).")
    elif not _NIR_RE.fullmatch(nir):
        c.error("NIR", "Le NIR ne comporte que des chiffres (2A ou 2B pour la Corse).")
    c.text("NOM_TITULAIRE", required=True)
    employer = c.choice("PRESENCE_EMPLOYEUR", required=True)
    siret = c.value("SIRET_EMPLOYEUR")
    if employer == "OUI":
        if not siret:
            c.error("SIRET_EMPLOYEUR", "Obligatoire lorsque l'employeur est présent.")
        elif not _SIRET_RE.fullmatch(siret):
            c.error("SIRET_EMPLOYEUR", "Le SIRET comporte 14 chiffres.")
        c.text("REFERENCE_EMPLOYEUR")
    elif employer == "NON":
        c.must_be_empty("SIRET_EMPLOYEUR", "lorsque l'employeur n'est pas présent")
        c.must_be_empty("REFERENCE_EMPLOYEUR", "lorsque l'employeur n'est pas présent")
    start = c.date("DATE_DEBUT_VALIDITE", required=True, not_after_today=True)
    end = c.date("DATE_FIN_VALIDITE", required=False, not_after_today=False)
    if start and training_end_date and start < training_end_date:
        c.error(
            "DATE_DEBUT_VALIDITE",
            "La date de début de validité doit être postérieure ou égale à la date de fin de la formation "
            f"({format_date(training_end_date)}).",
        )
    if start and end and end < start:
        c.error(
            "DATE_FIN_VALIDITE",
            f"La date de fin de validité doit être postérieure ou égale à la date de début de validité ({format_date(start)}).",
        )
    if kind == "JDR":
        c.text("RESULTAT_OBTENU")
        c.text("MENTION_OBTENUE")
        c.text("IDENTIFIANT_PREUVE")
        link = c.text("LIEN_PREUVE")
        if link and not _is_http_url(link):
            c.error("LIEN_PREUVE", "Adresse invalide : elle doit commencer par https:// ou http://.")
    if "NIR" not in c.errors and "NOM_TITULAIRE" not in c.errors and not registers.person_known(
        nir, c.value("NOM_TITULAIRE")
    ):
        c.error("NIR", "NIR et nom de naissance inconnus")
    if employer == "OUI" and "SIRET_EMPLOYEUR" not in c.errors and not registers.company_exists(siret):
        c.error("SIRET_EMPLOYEUR", "SIRET inconnu")
    return [FieldError(code, message, position) for code, message in c.errors.items()]


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def check_titulaires(
    kind: Kind,
    titulaires: Sequence[Mapping[str, str]],
    training: Mapping[str, str],
    *,
    today: date,
    registers: Registers,
    max_titulaires: int = MAX_TITULAIRES_PER_FORM,
) -> list[FieldError]:
    """The web form's titulaires step: 1 to 50 titulaires, each valid, no NIR twice."""
    errors: list[FieldError] = []
    if not titulaires:
        errors.append(FieldError(TITULAIRES, "Au moins un titulaire est obligatoire."))
    elif len(titulaires) > max_titulaires:
        errors.append(
            FieldError(TITULAIRES, f"{max_titulaires} titulaires au maximum par déclaration ({len(titulaires)} saisis).")
        )
    end = training_end(kind, training)
    first_position_of_nir: dict[str, int] = {}
    for position, titulaire in enumerate(titulaires, start=1):
        row_errors = check_titulaire(
            kind, titulaire, training_end_date=end, today=today, registers=registers, position=position
        )
        nir = (titulaire.get("NIR") or "").strip()
        if nir and not any(e.code == "NIR" for e in row_errors):
            if nir in first_position_of_nir:
                row_errors.insert(
                    0, FieldError("NIR", f"Ce NIR figure déjà pour le titulaire {first_position_of_nir[nir]}.", position)
                )
            else:
                first_position_of_nir[nir] = position
        errors.extend(row_errors)
    return errors

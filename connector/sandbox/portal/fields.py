"""The declaration's fields: file column code, form input name, label, hint and choices.

One table serves the web form (labels, widgets), the validation messages and the mass-import
file (column codes and order). Values are always kept as the strings of the file format:
dates ``dd/mm/yyyy``, multi-value codes separated by ``/``, enumerations as their codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["ADF", "JDR"]
KINDS: tuple[Kind, ...] = ("ADF", "JDR")
KIND_LABELS = {"ADF": "Attestation de formation (ADF)", "JDR": "Justificatif de réussite (JDR)"}

YES_NO = (("OUI", "Oui"), ("NON", "Non"))


@dataclass(frozen=True)
class Field:
    code: str
    label: str
    widget: Literal["text", "date", "select", "radio", "textarea"] = "text"
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None

    @property
    def name(self) -> str:
        """The form input name (titulaire inputs are prefixed with ``titulaires-N-``)."""
        return self.code.lower()

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)


DATE_HINT = "Format attendu : jj/mm/aaaa"

_FIELDS = (
    # training part
    Field("NOM_FORMATION", "Nom de la formation", max_length=250),
    Field("DATE_DEBUT_FORMATION", "Date de début de la formation", "date", DATE_HINT),
    Field("DATE_FIN_FORMATION", "Date de fin de la formation", "date", DATE_HINT),
    Field(
        "MODALITE_DISPENSE",
        "Modalité de dispense",
        "select",
        "Facultative",
        (("A_DISTANCE", "À distance"), ("PRESENTIEL", "Présentiel"), ("MIXTE", "Mixte")),
    ),
    Field(
        "COMPETENCE_TRANSFERABLE",
        "Compétences transférables",
        hint="3 à 10 codes de compétences ROME 4.0 (6 chiffres) séparés par « / ». Exemple : 100016/400094/404181",
        max_length=70,
    ),
    Field(
        "QUALIFICATION_FORMATEUR",
        "Qualification du formateur",
        "select",
        "Facultative",
        (
            ("ENSEIGNANT", "Enseignant"),
            ("FORMATEUR_D_ADULTES_FORMATION_SPECIALISEE", "Formateur d'adultes (formation spécialisée)"),
            ("INGENIEUR", "Ingénieur"),
            ("PREVENTEUR", "Préventeur"),
            ("PSYCHOLOGUE", "Psychologue"),
            ("RESPONSABLE_QHSE", "Responsable QHSE"),
            ("ANCIEN_PROFESSIONNEL", "Ancien professionnel"),
        ),
    ),
    Field("FORMATION_CERTIFIANTE", "Formation certifiante", "radio", choices=YES_NO),
    Field(
        "CERTIFICATION_VISEE",
        "Certification visée",
        hint="Formation certifiante uniquement : un code RS. Exemple : RS6869",
        max_length=9,
    ),
    Field(
        "DOMAINE_FORMATION",
        "Domaine de formation",
        hint="Formation non certifiante uniquement : 1 à 5 Formacodes séparés par « / ». Exemple : 42819/31776",
        max_length=30,
    ),
    Field(
        "SPECIALITE_FORMATION",
        "Spécialité de formation",
        hint="Formation non certifiante uniquement : 1 à 3 codes NSF séparés par « / ». Exemple : 344r",
        max_length=15,
    ),
    # JDR-only declaration fields
    Field(
        "TYPE_JDR",
        "Type de justificatif",
        "select",
        choices=(("DIPLOME", "Diplôme"), ("TITRE", "Titre"), ("HABILITATION", "Habilitation"), ("CERTIFICAT", "Certificat")),
    ),
    Field("NOM_JDR", "Nom du justificatif", max_length=255),
    Field("NOM_OPTION_SPECIALITE", "Option ou spécialité", hint="Facultative", max_length=255),
    Field(
        "MODE_OBTENTION",
        "Mode d'obtention",
        "select",
        "Facultatif",
        (("PAR_ADMISSION", "Par admission"), ("PAR_SCORING", "Par scoring")),
    ),
    Field(
        "PRESENCE_FORMATION",
        "Présence d'une formation",
        "radio",
        "Le justificatif a-t-il été obtenu à l'issue d'une formation ? Si non, laissez vides les champs de la formation.",
        YES_NO,
    ),
    # per titulaire
    Field("NIR", "NIR", hint="13 caractères, sans la clé", max_length=13),
    Field(
        "NOM_TITULAIRE",
        "Nom de naissance",
        hint="Tel qu'il figure sur la pièce d'identité, sans modification ni troncature",
        max_length=30,
    ),
    Field("PRESENCE_EMPLOYEUR", "Présence de l'employeur", "radio", choices=YES_NO),
    Field("SIRET_EMPLOYEUR", "SIRET de l'employeur", hint="14 chiffres, si l'employeur est présent", max_length=14),
    Field("REFERENCE_EMPLOYEUR", "Référence employeur", hint="Facultative, si l'employeur est présent", max_length=255),
    Field("DATE_DEBUT_VALIDITE", "Date de début de validité", "date", DATE_HINT),
    Field("DATE_FIN_VALIDITE", "Date de fin de validité", "date", "Facultative. " + DATE_HINT),
    Field("RESULTAT_OBTENU", "Résultat obtenu", "textarea", "Facultatif", max_length=1000),
    Field("MENTION_OBTENUE", "Mention obtenue", hint="Facultative", max_length=255),
    Field("LIEN_PREUVE", "Lien vers la preuve", hint="Facultatif. Adresse commençant par https:// ou http://", max_length=2000),
    Field("IDENTIFIANT_PREUVE", "Identifiant de la preuve", hint="Facultatif", max_length=255),
)

FIELDS: dict[str, Field] = {f.code: f for f in _FIELDS}

#: the fields describing the training itself (for a JDR: filled only when PRESENCE_FORMATION = OUI)
FORMATION_CODES = (
    "NOM_FORMATION",
    "DATE_DEBUT_FORMATION",
    "DATE_FIN_FORMATION",
    "MODALITE_DISPENSE",
    "QUALIFICATION_FORMATEUR",
    "FORMATION_CERTIFIANTE",
    "CERTIFICATION_VISEE",
    "DOMAINE_FORMATION",
    "SPECIALITE_FORMATION",
)

#: declaration-level fields, in the order of the web form and of the file
TRAINING_CODES: dict[Kind, tuple[str, ...]] = {
    "ADF": (
        "NOM_FORMATION",
        "DATE_DEBUT_FORMATION",
        "DATE_FIN_FORMATION",
        "MODALITE_DISPENSE",
        "COMPETENCE_TRANSFERABLE",
        "QUALIFICATION_FORMATEUR",
        "FORMATION_CERTIFIANTE",
        "CERTIFICATION_VISEE",
        "DOMAINE_FORMATION",
        "SPECIALITE_FORMATION",
    ),
    "JDR": (
        "TYPE_JDR",
        "NOM_JDR",
        "NOM_OPTION_SPECIALITE",
        "MODE_OBTENTION",
        "COMPETENCE_TRANSFERABLE",
        "PRESENCE_FORMATION",
        *FORMATION_CODES,
    ),
}

#: per-titulaire fields; for a JDR the result and its proof are the titulaire's own, as in the file
TITULAIRE_CODES: dict[Kind, tuple[str, ...]] = {
    "ADF": (
        "NIR",
        "NOM_TITULAIRE",
        "PRESENCE_EMPLOYEUR",
        "SIRET_EMPLOYEUR",
        "REFERENCE_EMPLOYEUR",
        "DATE_DEBUT_VALIDITE",
        "DATE_FIN_VALIDITE",
    ),
    "JDR": (
        "NIR",
        "NOM_TITULAIRE",
        "PRESENCE_EMPLOYEUR",
        "SIRET_EMPLOYEUR",
        "REFERENCE_EMPLOYEUR",
        "DATE_DEBUT_VALIDITE",
        "DATE_FIN_VALIDITE",
        "RESULTAT_OBTENU",
        "MENTION_OBTENUE",
        "LIEN_PREUVE",
        "IDENTIFIANT_PREUVE",
    ),
}

#: mass-import file header, column by column
FILE_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "ADF": (
        "ID_DECLARATION",
        "REFERENCE_DECLARATION",
        "ID_UNIQUE_PARTENAIRE",
        "NOM_FORMATION",
        "DATE_DEBUT_FORMATION",
        "DATE_FIN_FORMATION",
        "MODALITE_DISPENSE",
        "COMPETENCE_TRANSFERABLE",
        "QUALIFICATION_FORMATEUR",
        "FORMATION_CERTIFIANTE",
        "CERTIFICATION_VISEE",
        "DOMAINE_FORMATION",
        "SPECIALITE_FORMATION",
        "NIR",
        "NOM_TITULAIRE",
        "PRESENCE_EMPLOYEUR",
        "SIRET_EMPLOYEUR",
        "REFERENCE_EMPLOYEUR",
        "DATE_DEBUT_VALIDITE",
        "DATE_FIN_VALIDITE",
    ),
    "JDR": (
        "ID_DECLARATION",
        "REFERENCE_DECLARATION",
        "ID_UNIQUE_PARTENAIRE",
        "TYPE_JDR",
        "NOM_JDR",
        "NOM_OPTION_SPECIALITE",
        "MODE_OBTENTION",
        "COMPETENCE_TRANSFERABLE",
        "PRESENCE_FORMATION",
        "NOM_FORMATION",
        "DATE_DEBUT_FORMATION",
        "DATE_FIN_FORMATION",
        "MODALITE_DISPENSE",
        "QUALIFICATION_FORMATEUR",
        "FORMATION_CERTIFIANTE",
        "CERTIFICATION_VISEE",
        "DOMAINE_FORMATION",
        "SPECIALITE_FORMATION",
        "NIR",
        "NOM_TITULAIRE",
        "PRESENCE_EMPLOYEUR",
        "SIRET_EMPLOYEUR",
        "REFERENCE_EMPLOYEUR",
        "DATE_DEBUT_VALIDITE",
        "DATE_FIN_VALIDITE",
        "RESULTAT_OBTENU",
        "MENTION_OBTENUE",
        "LIEN_PREUVE",
        "IDENTIFIANT_PREUVE",
    ),
}

MAX_TITULAIRES_PER_FORM = 50
MAX_TITULAIRES_PER_FILE_DECLARATION = 500


def titulaire_input_name(position: int, code: str) -> str:
    """``titulaires-3-nir``: the input of field `code` for the titulaire at 1-based `position`."""
    return f"titulaires-{position}-{code.lower()}"

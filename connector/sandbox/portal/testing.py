"""Driving the sandbox portal over HTTP without a browser: for tests, benchmarks and the demo.

`PortalHttpClient` logs in, carries the session's CSRF token and walks the declaration steps;
the builders make valid declarations and import files from fake identities (never real people).
"""

from __future__ import annotations

import html as html_lib
import random
import re
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from connector.sandbox.identities import fake_nir, fake_siret

from .fields import FILE_COLUMNS, TITULAIRE_CODES, Kind, titulaire_input_name
from .settings import DEFAULT_ACCOUNT

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_REFERENCE = re.compile(r"Référence de la déclaration : <strong>(DEC-\d{4}-\d{6})</strong>")


class PortalHttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        siret: str = DEFAULT_ACCOUNT.siret,
        nom: str = DEFAULT_ACCOUNT.nom,
        prenom: str = DEFAULT_ACCOUNT.prenom,
        password: str = DEFAULT_ACCOUNT.password.get_secret_value(),
        timeout: float = 30.0,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self.credentials = {"siret": siret, "nom": nom, "prenom": prenom, "mot_de_passe": password}
        self.csrf = ""

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PortalHttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # session --------------------------------------------------------------------------------

    def login(self, **overrides: str) -> httpx.Response:
        page = self.http.get("/connexion")
        data = {**self.credentials, **overrides, "csrf_token": csrf_token(page.text), "next": "/"}
        response = self.http.post("/connexion", data=data, follow_redirects=True)
        if response.status_code == 200 and response.url.path == "/":
            self.csrf = csrf_token(response.text)
        return response

    def post(self, path: str, data: Mapping[str, str] | Iterable[tuple[str, str]] = (), **kwargs: Any) -> httpx.Response:
        """A form POST carrying the session's CSRF token."""
        items = list(data.items()) if isinstance(data, Mapping) else list(data)
        return self.http.post(path, data=dict([*items, ("csrf_token", self.csrf)]), **kwargs)

    # web declaration ------------------------------------------------------------------------

    def start(self, kind: Kind) -> str:
        """Creates a draft; returns its base path ``/declarations/brouillon/{id}``."""
        response = self.post("/declarations/nouvelle", {"type_declaration": kind})
        assert response.status_code == 303, response.text
        return response.headers["location"].removesuffix("/formation")

    def submit_training(self, draft: str, training: Mapping[str, str]) -> httpx.Response:
        return self.post(f"{draft}/formation", {code.lower(): value for code, value in training.items()})

    def submit_titulaires(self, draft: str, titulaires: list[Mapping[str, str]]) -> httpx.Response:
        return self.post(f"{draft}/titulaires", titulaire_form(titulaires))

    def confirm(self, draft: str) -> httpx.Response:
        return self.post(f"{draft}/recapitulatif")

    def declare(self, kind: Kind, training: Mapping[str, str], titulaires: list[Mapping[str, str]]) -> str:
        """The whole web declaration; returns the reference shown on the confirmation page."""
        draft = self.start(kind)
        for response in (self.submit_training(draft, training), self.submit_titulaires(draft, titulaires)):
            assert response.status_code == 303, error_summary(response.text)
        response = self.confirm(draft)
        assert response.status_code == 303, response.text
        return reference_on(self.http.get(response.headers["location"]).text)

    # mass import ----------------------------------------------------------------------------

    def upload(self, kind: Kind, content: bytes, file_name: str = "declarations.csv") -> httpx.Response:
        return self.http.post(
            "/import",
            data={"csrf_token": self.csrf, "type_fichier": kind},
            files={"fichier": (file_name, content, "text/csv")},
        )

    # sandbox control ------------------------------------------------------------------------

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        response = self.http.post("/_sandbox/faults", json=faults)
        response.raise_for_status()
        return response.json()

    def recorded(self) -> list[dict[str, Any]]:
        response = self.http.get("/_sandbox/declarations")
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.http.post("/_sandbox/reset").raise_for_status()


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise AssertionError("no csrf_token in the page")
    return match.group(1)


def reference_on(html: str) -> str:
    match = _REFERENCE.search(html)
    if not match:
        raise AssertionError("no declaration reference in the page")
    return match.group(1)


def error_summary(html: str) -> list[str]:
    """The items of the page's error summary ("Votre saisie comporte des erreurs")."""
    block = re.search(r'id="resume-erreurs".*?</ul>', html, re.S)
    items = re.findall(r"<li><a [^>]*>(.*?)</a></li>", block.group(0), re.S) if block else []
    return [html_lib.unescape(item) for item in items]


def titulaire_form(titulaires: list[Mapping[str, str]]) -> dict[str, str]:
    return {
        titulaire_input_name(position, code): value
        for position, titulaire in enumerate(titulaires, start=1)
        for code, value in titulaire.items()
    }


# builders -----------------------------------------------------------------------------------


def adf_training(**overrides: str) -> dict[str, str]:
    """A valid, non-certifying ADF training ("Gestes et postures") that ended on 03/03/2026."""
    return {
        "NOM_FORMATION": "Gestes et postures au travail",
        "DATE_DEBUT_FORMATION": "02/03/2026",
        "DATE_FIN_FORMATION": "03/03/2026",
        "MODALITE_DISPENSE": "PRESENTIEL",
        "COMPETENCE_TRANSFERABLE": "100016/400094/404181",
        "QUALIFICATION_FORMATEUR": "PREVENTEUR",
        "FORMATION_CERTIFIANTE": "NON",
        "CERTIFICATION_VISEE": "",
        "DOMAINE_FORMATION": "31776",
        "SPECIALITE_FORMATION": "344r",
        **overrides,
    }


def jdr_training(**overrides: str) -> dict[str, str]:
    """A valid JDR (CACES R489 certificate, certifying) after a training ended on 13/03/2026."""
    return {
        "TYPE_JDR": "CERTIFICAT",
        "NOM_JDR": "CACES R489 catégorie 3",
        "NOM_OPTION_SPECIALITE": "",
        "MODE_OBTENTION": "PAR_ADMISSION",
        "COMPETENCE_TRANSFERABLE": "100016/400094/404181",
        "PRESENCE_FORMATION": "OUI",
        "NOM_FORMATION": "CACES R489 chariots élévateurs",
        "DATE_DEBUT_FORMATION": "09/03/2026",
        "DATE_FIN_FORMATION": "13/03/2026",
        "MODALITE_DISPENSE": "PRESENTIEL",
        "QUALIFICATION_FORMATEUR": "ANCIEN_PROFESSIONNEL",
        "FORMATION_CERTIFIANTE": "OUI",
        "CERTIFICATION_VISEE": "RS6869",
        "DOMAINE_FORMATION": "",
        "SPECIALITE_FORMATION": "",
        **overrides,
    }


_BIRTH_NAMES = ("MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "LEFEVRE", "MOREAU", "GIRARD")


def titulaire(
    rng: random.Random,
    kind: Kind = "ADF",
    *,
    registered: bool = True,
    employer: bool = True,
    company_exists: bool = True,
    **overrides: str,
) -> dict[str, str]:
    """A titulaire with a fake NIR (13 characters) the people register knows (or not)."""
    name = overrides.get("NOM_TITULAIRE") or rng.choice(_BIRTH_NAMES)
    row = {
        "NIR": fake_nir(rng, birth_name=name, registered=registered)[:13],
        "NOM_TITULAIRE": name,
        "PRESENCE_EMPLOYEUR": "OUI" if employer else "NON",
        "SIRET_EMPLOYEUR": fake_siret(rng, exists=company_exists) if employer else "",
        "REFERENCE_EMPLOYEUR": "",
        "DATE_DEBUT_VALIDITE": "13/03/2026" if kind == "JDR" else "03/03/2026",
        "DATE_FIN_VALIDITE": "",
    }
    if kind == "JDR":
        row.update(
            {"RESULTAT_OBTENU": "Admis", "MENTION_OBTENUE": "", "LIEN_PREUVE": "", "IDENTIFIANT_PREUVE": ""}
        )
    row.update(overrides)
    return {code: row.get(code, "") for code in TITULAIRE_CODES[kind]}


def import_file(
    kind: Kind,
    rows: Iterable[Mapping[str, str]],
    *,
    newline: str = "\r\n",
    bom: bool = False,
    header: Iterable[str] | None = None,
) -> bytes:
    """An import file: `rows` map column codes to values (missing columns are empty)."""
    columns = FILE_COLUMNS[kind]
    lines = ["|".join(header or columns)]
    lines += ["|".join(row.get(c, "") for c in columns) for row in rows]
    text = newline.join(lines) + newline
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def import_row(
    id_declaration: str, id_unique_partenaire: str, training: Mapping[str, str], titulaire_row: Mapping[str, str]
) -> dict[str, str]:
    return {
        "ID_DECLARATION": id_declaration,
        "ID_UNIQUE_PARTENAIRE": id_unique_partenaire,
        **training,
        **titulaire_row,
    }

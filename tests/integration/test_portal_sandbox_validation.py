"""The sandbox portal's web declaration over real HTTP: every rule of portal.md, the registers,
sessions, CSRF and the fault controls."""

from __future__ import annotations

import html as html_lib
import random
import re
import threading
import time
from datetime import date

import pytest

from connector.sandbox.identities import corrupt_siret, fake_nir, fake_siret
from connector.sandbox.portal import PortalSandboxSettings, create_portal_app
from connector.sandbox.portal.testing import (
    PortalHttpClient,
    adf_training,
    error_summary,
    jdr_training,
    titulaire,
)
from connector.sandbox.server import serve_in_thread

TODAY = date(2026, 5, 15)


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory):
    settings = PortalSandboxSettings(
        db_path=tmp_path_factory.mktemp("portal") / "portal.sqlite3", today=TODAY, inspection_enabled=True
    )
    with serve_in_thread(create_portal_app(settings), name="portal-sandbox") as server:
        yield server.url


@pytest.fixture
def client(portal_url):
    with PortalHttpClient(portal_url) as c:
        c.reset()
        assert c.login().status_code == 200
        yield c


@pytest.fixture
def rng():
    return random.Random(20260515)


def _training(kind, **overrides):
    return adf_training(**overrides) if kind == "ADF" else jdr_training(**overrides)


def _field_error(html: str, name: str) -> str:
    """The message shown under input `name` (the first radio for a radio group), after checking
    that the input is marked invalid and described by it."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(name)}(?:-oui)?"[^>]*>', html)
    assert tag, f"no input {name}"
    assert 'aria-invalid="true"' in tag.group(0)
    assert f"{name}-error" in re.search(r'aria-describedby="([^"]*)"', tag.group(0)).group(1)
    message = re.search(rf'<p class="fr-error-text" id="{re.escape(name)}-error">(.*?)</p>', html, re.S)
    assert message, f"no error message for {name}"
    return html_lib.unescape(message.group(1))


# training step -------------------------------------------------------------------------------

TRAINING_ERRORS = [
    ("ADF", {"NOM_FORMATION": ""}, "NOM_FORMATION", "Champ obligatoire"),
    ("ADF", {"NOM_FORMATION": "x" * 251}, "NOM_FORMATION", "250 caractères au maximum"),
    ("ADF", {"DATE_DEBUT_FORMATION": ""}, "DATE_DEBUT_FORMATION", "Champ obligatoire"),
    ("ADF", {"DATE_DEBUT_FORMATION": "2026-03-02"}, "DATE_DEBUT_FORMATION", "format attendu jj/mm/aaaa"),
    ("ADF", {"DATE_DEBUT_FORMATION": "31/02/2026"}, "DATE_DEBUT_FORMATION", "Date invalide"),
    ("ADF", {"DATE_FIN_FORMATION": "16/05/2026"}, "DATE_FIN_FORMATION", "postérieure à aujourd'hui (15/05/2026)"),
    ("ADF", {"DATE_FIN_FORMATION": "01/03/2026"}, "DATE_FIN_FORMATION", "postérieure ou égale à la date de début"),
    ("ADF", {"MODALITE_DISPENSE": "SUR_SITE"}, "MODALITE_DISPENSE", "Valeur non autorisée"),
    ("ADF", {"QUALIFICATION_FORMATEUR": "COACH"}, "QUALIFICATION_FORMATEUR", "Valeur non autorisée"),
    ("ADF", {"COMPETENCE_TRANSFERABLE": ""}, "COMPETENCE_TRANSFERABLE", "Champ obligatoire"),
    ("ADF", {"COMPETENCE_TRANSFERABLE": "100016/400094"}, "COMPETENCE_TRANSFERABLE", "de 3 à 10"),
    (
        "ADF",
        {"COMPETENCE_TRANSFERABLE": "/".join(["100016"] * 11)},
        "COMPETENCE_TRANSFERABLE",
        "70 caractères au maximum",
    ),
    ("ADF", {"COMPETENCE_TRANSFERABLE": "100016/400094/999999"}, "COMPETENCE_TRANSFERABLE", "inconnu : 999999"),
    ("ADF", {"COMPETENCE_TRANSFERABLE": "100016/400094/K1705"}, "COMPETENCE_TRANSFERABLE", "n'est pas un code"),
    ("ADF", {"COMPETENCE_TRANSFERABLE": "100016/400094/100016"}, "COMPETENCE_TRANSFERABLE", "Code en double"),
    ("ADF", {"COMPETENCE_TRANSFERABLE": "100016//400094"}, "COMPETENCE_TRANSFERABLE", "Valeur vide"),
    ("ADF", {"FORMATION_CERTIFIANTE": ""}, "FORMATION_CERTIFIANTE", "Champ obligatoire"),
    ("ADF", {"FORMATION_CERTIFIANTE": "PEUT-ETRE"}, "FORMATION_CERTIFIANTE", "Valeur non autorisée"),
    (
        "ADF",
        {"FORMATION_CERTIFIANTE": "OUI", "DOMAINE_FORMATION": "", "SPECIALITE_FORMATION": ""},
        "CERTIFICATION_VISEE",
        "Obligatoire pour une formation certifiante",
    ),
    (
        "ADF",
        {"FORMATION_CERTIFIANTE": "OUI", "CERTIFICATION_VISEE": "RS1/RS2", "DOMAINE_FORMATION": "", "SPECIALITE_FORMATION": ""},
        "CERTIFICATION_VISEE",
        "un seul code RS",
    ),
    (
        "ADF",
        {"FORMATION_CERTIFIANTE": "OUI", "CERTIFICATION_VISEE": "RS6869/RS6", "DOMAINE_FORMATION": "", "SPECIALITE_FORMATION": ""},
        "CERTIFICATION_VISEE",
        "9 caractères au maximum",
    ),
    (
        "ADF",
        {"FORMATION_CERTIFIANTE": "OUI", "CERTIFICATION_VISEE": "RS9999999", "DOMAINE_FORMATION": "", "SPECIALITE_FORMATION": ""},
        "CERTIFICATION_VISEE",
        "Code RS inconnu",
    ),
    (
        "ADF",
        {"FORMATION_CERTIFIANTE": "OUI", "CERTIFICATION_VISEE": "RS6869", "SPECIALITE_FORMATION": ""},
        "DOMAINE_FORMATION",
        "Doit rester vide pour une formation certifiante",
    ),
    (
        "ADF",
        {"FORMATION_CERTIFIANTE": "OUI", "CERTIFICATION_VISEE": "RS6869", "DOMAINE_FORMATION": ""},
        "SPECIALITE_FORMATION",
        "Doit rester vide pour une formation certifiante",
    ),
    ("ADF", {"CERTIFICATION_VISEE": "RS6869"}, "CERTIFICATION_VISEE", "Doit rester vide pour une formation non certifiante"),
    ("ADF", {"DOMAINE_FORMATION": ""}, "DOMAINE_FORMATION", "Obligatoire pour une formation non certifiante"),
    ("ADF", {"DOMAINE_FORMATION": "31776/42819/42866/42875/42829/42817"}, "DOMAINE_FORMATION", "30 caractères au maximum"),
    ("ADF", {"DOMAINE_FORMATION": "31776/99999"}, "DOMAINE_FORMATION", "Formacode inconnu : 99999"),
    ("ADF", {"SPECIALITE_FORMATION": ""}, "SPECIALITE_FORMATION", "Obligatoire pour une formation non certifiante"),
    ("ADF", {"SPECIALITE_FORMATION": "344r/230p/230r/230u"}, "SPECIALITE_FORMATION", "15 caractères au maximum"),
    ("ADF", {"SPECIALITE_FORMATION": "999z"}, "SPECIALITE_FORMATION", "Code NSF inconnu"),
    ("JDR", {"TYPE_JDR": ""}, "TYPE_JDR", "Champ obligatoire"),
    ("JDR", {"TYPE_JDR": "PERMIS"}, "TYPE_JDR", "Valeur non autorisée"),
    ("JDR", {"NOM_JDR": ""}, "NOM_JDR", "Champ obligatoire"),
    ("JDR", {"NOM_JDR": "x" * 256}, "NOM_JDR", "255 caractères au maximum"),
    ("JDR", {"NOM_OPTION_SPECIALITE": "x" * 256}, "NOM_OPTION_SPECIALITE", "255 caractères au maximum"),
    ("JDR", {"MODE_OBTENTION": "PAR_TIRAGE"}, "MODE_OBTENTION", "Valeur non autorisée"),
    ("JDR", {"COMPETENCE_TRANSFERABLE": "100016"}, "COMPETENCE_TRANSFERABLE", "de 3 à 10"),
    ("JDR", {"PRESENCE_FORMATION": ""}, "PRESENCE_FORMATION", "Champ obligatoire"),
    (
        "JDR",
        {"PRESENCE_FORMATION": "NON", "NOM_FORMATION": "CACES", "DATE_DEBUT_FORMATION": "", "DATE_FIN_FORMATION": ""},
        "NOM_FORMATION",
        "Doit rester vide lorsque le justificatif n'a pas été obtenu à l'issue d'une formation",
    ),
    ("JDR", {"DATE_DEBUT_FORMATION": "17/05/2026"}, "DATE_DEBUT_FORMATION", "postérieure à aujourd'hui"),
]


@pytest.mark.parametrize(("kind", "overrides", "code", "message"), TRAINING_ERRORS)
def test_training_step_rejects_each_rule_breach_next_to_the_field_and_in_the_summary(
    client, kind, overrides, code, message
):
    draft = client.start(kind)
    response = client.submit_training(draft, _training(kind, **overrides))

    assert response.status_code == 400
    assert message in _field_error(response.text, code.lower())
    summary = error_summary(response.text)
    assert 'role="alert"' in response.text and "Votre saisie comporte des erreurs" in response.text
    assert any(message in item for item in summary), summary
    assert client.http.get(f"{draft}/titulaires").status_code == 303  # cannot go on
    assert client.recorded() == []


def test_summary_items_are_prefixed_with_the_field_label_and_link_to_the_field(client):
    draft = client.start("ADF")
    response = client.submit_training(draft, adf_training(NOM_FORMATION="", FORMATION_CERTIFIANTE=""))

    assert error_summary(response.text) == [
        "Nom de la formation : Champ obligatoire.",
        "Formation certifiante : Champ obligatoire.",
    ]
    assert 'href="#nom_formation"' in response.text
    assert 'href="#formation_certifiante-oui"' in response.text


@pytest.mark.parametrize(
    ("kind", "training"),
    [
        ("ADF", adf_training()),
        ("ADF", adf_training(FORMATION_CERTIFIANTE="OUI", CERTIFICATION_VISEE="RS6869", DOMAINE_FORMATION="", SPECIALITE_FORMATION="")),
        ("ADF", adf_training(MODALITE_DISPENSE="", QUALIFICATION_FORMATEUR="", DATE_FIN_FORMATION="15/05/2026")),
        ("ADF", adf_training(COMPETENCE_TRANSFERABLE="100016/400094/404181/100240/100960/101300/102382/102690/103309/103505")),
        ("ADF", adf_training(DOMAINE_FORMATION="31776/42819/42866/42875/42829", SPECIALITE_FORMATION="344r/230p/344")),
        ("JDR", jdr_training()),
        (
            "JDR",
            jdr_training(
                PRESENCE_FORMATION="NON",
                **dict.fromkeys(
                    ["NOM_FORMATION", "DATE_DEBUT_FORMATION", "DATE_FIN_FORMATION", "MODALITE_DISPENSE",
                     "QUALIFICATION_FORMATEUR", "FORMATION_CERTIFIANTE", "CERTIFICATION_VISEE"],
                    "",
                ),
            ),
        ),
    ],
    ids=["adf", "adf-certifying", "adf-optional-empty-ends-today", "adf-10-rome", "adf-5-formacodes-3-nsf", "jdr", "jdr-without-training"],
)
def test_training_step_accepts_valid_trainings_at_the_limits(client, kind, training):
    draft = client.start(kind)
    response = client.submit_training(draft, training)

    assert response.status_code == 303, error_summary(response.text)
    assert response.headers["location"] == f"{draft}/titulaires"


# titulaires step ----------------------------------------------------------------------------


def _titulaire_errors(rng):
    unknown_company = fake_siret(rng, exists=False)
    bad_luhn = corrupt_siret(fake_siret(rng))
    other_name_nir = fake_nir(rng, birth_name="MARTIN")[:13]
    while _registered_for(other_name_nir, "PETIT"):
        other_name_nir = fake_nir(rng, birth_name="MARTIN")[:13]
    return [
        ("ADF", {"NIR": ""}, "NIR", "Champ obligatoire"),
        ("ADF", {"NIR": fake_nir(rng, birth_name="MARTIN"), "NOM_TITULAIRE": "MARTIN"}, "NIR", "13 caractères, sans la clé (15 saisis)"),
        ("ADF", {"NIR": "1850375AB0123"}, "NIR", "que des chiffres"),
        ("ADF", {"NIR": fake_nir(rng, birth_name="MARTIN", registered=False)[:13], "NOM_TITULAIRE": "MARTIN"}, "NIR", "NIR et nom de naissance inconnus"),
        ("ADF", {"NIR": other_name_nir, "NOM_TITULAIRE": "PETIT"}, "NIR", "NIR et nom de naissance inconnus"),
        ("ADF", {"NOM_TITULAIRE": "", "NIR": "1850375120123"}, "NOM_TITULAIRE", "Champ obligatoire"),
        ("ADF", {"NOM_TITULAIRE": "A" * 31}, "NOM_TITULAIRE", "30 caractères au maximum"),
        ("ADF", {"PRESENCE_EMPLOYEUR": ""}, "PRESENCE_EMPLOYEUR", "Champ obligatoire"),
        ("ADF", {"PRESENCE_EMPLOYEUR": "PEUT-ETRE"}, "PRESENCE_EMPLOYEUR", "Valeur non autorisée"),
        ("ADF", {"SIRET_EMPLOYEUR": ""}, "SIRET_EMPLOYEUR", "Obligatoire lorsque l'employeur est présent"),
        ("ADF", {"SIRET_EMPLOYEUR": "1234567820001"}, "SIRET_EMPLOYEUR", "14 chiffres"),
        ("ADF", {"SIRET_EMPLOYEUR": unknown_company}, "SIRET_EMPLOYEUR", "SIRET inconnu"),
        ("ADF", {"SIRET_EMPLOYEUR": bad_luhn}, "SIRET_EMPLOYEUR", "SIRET inconnu"),
        ("ADF", {"REFERENCE_EMPLOYEUR": "r" * 256}, "REFERENCE_EMPLOYEUR", "255 caractères au maximum"),
        ("ADF", {"PRESENCE_EMPLOYEUR": "NON"}, "SIRET_EMPLOYEUR", "Doit rester vide lorsque l'employeur n'est pas présent"),
        (
            "ADF",
            {"PRESENCE_EMPLOYEUR": "NON", "SIRET_EMPLOYEUR": "", "REFERENCE_EMPLOYEUR": "MAT-1"},
            "REFERENCE_EMPLOYEUR",
            "Doit rester vide lorsque l'employeur n'est pas présent",
        ),
        ("ADF", {"DATE_DEBUT_VALIDITE": ""}, "DATE_DEBUT_VALIDITE", "Champ obligatoire"),
        ("ADF", {"DATE_DEBUT_VALIDITE": "3/3/2026"}, "DATE_DEBUT_VALIDITE", "format attendu jj/mm/aaaa"),
        ("ADF", {"DATE_DEBUT_VALIDITE": "16/05/2026"}, "DATE_DEBUT_VALIDITE", "postérieure à aujourd'hui"),
        ("ADF", {"DATE_DEBUT_VALIDITE": "02/03/2026"}, "DATE_DEBUT_VALIDITE", "date de fin de la formation (03/03/2026)"),
        ("ADF", {"DATE_FIN_VALIDITE": "02/03/2026"}, "DATE_FIN_VALIDITE", "date de début de validité (03/03/2026)"),
        ("ADF", {"DATE_FIN_VALIDITE": "30/02/2028"}, "DATE_FIN_VALIDITE", "Date invalide"),
        ("JDR", {"LIEN_PREUVE": "ftp://preuves.example/1"}, "LIEN_PREUVE", "https://"),
        ("JDR", {"LIEN_PREUVE": "www.example.fr/preuve"}, "LIEN_PREUVE", "https://"),
        ("JDR", {"RESULTAT_OBTENU": "r" * 1001}, "RESULTAT_OBTENU", "1000 caractères au maximum"),
        ("JDR", {"MENTION_OBTENUE": "m" * 256}, "MENTION_OBTENUE", "255 caractères au maximum"),
        ("JDR", {"IDENTIFIANT_PREUVE": "i" * 256}, "IDENTIFIANT_PREUVE", "255 caractères au maximum"),
    ]


def _registered_for(nir13: str, name: str) -> bool:
    from connector.sandbox.identities import person_known

    return person_known(nir13, name)


TITULAIRE_ERRORS = _titulaire_errors(random.Random(7))


@pytest.mark.parametrize(
    ("kind", "overrides", "code", "message"),
    TITULAIRE_ERRORS,
    ids=[f"{k}-{c}-{m[:28]}" for k, _, c, m in TITULAIRE_ERRORS],
)
def test_titulaires_step_rejects_each_rule_breach_on_the_right_titulaire(client, rng, kind, overrides, code, message):
    draft = client.start(kind)
    assert client.submit_training(draft, _training(kind)).status_code == 303
    rows = [titulaire(rng, kind), titulaire(rng, kind, **overrides)]

    response = client.submit_titulaires(draft, rows)

    assert response.status_code == 400
    assert message in _field_error(response.text, f"titulaires-2-{code.lower()}")
    assert any(item.startswith("Titulaire 2 – ") and message in item for item in error_summary(response.text))
    assert not any(item.startswith("Titulaire 1 – ") for item in error_summary(response.text))
    assert client.http.get(f"{draft}/recapitulatif").status_code == 303
    assert client.recorded() == []


def test_unknown_nir_and_birth_name_pair_is_reported_with_the_register_message(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    unknown = titulaire(rng, registered=False, NOM_TITULAIRE="DURAND")

    response = client.submit_titulaires(draft, [unknown])

    assert "Titulaire 1 – NIR : NIR et nom de naissance inconnus" in error_summary(response.text)


def test_same_nir_twice_in_one_declaration_is_rejected_on_the_second(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    first = titulaire(rng)

    response = client.submit_titulaires(draft, [first, {**first}])

    assert error_summary(response.text) == ["Titulaire 2 – NIR : Ce NIR figure déjà pour le titulaire 1."]


def test_titulaire_values_are_kept_when_the_page_comes_back_with_errors(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    good = titulaire(rng, REFERENCE_EMPLOYEUR="MAT-42")

    response = client.submit_titulaires(draft, [good, titulaire(rng, NIR="")])

    assert f'value="{good["NIR"]}"' in response.text and 'value="MAT-42"' in response.text
    assert 'id="titulaires-1-presence_employeur-oui" name="titulaires-1-presence_employeur" value="OUI" checked' in response.text
    assert client.http.get(f"{draft}/titulaires").text.count('value="MAT-42"') == 1


def test_a_declaration_needs_at_least_one_titulaire(client):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())

    response = client.submit_titulaires(draft, [{code: "" for code in titulaire(random.Random(1))}])

    assert response.status_code == 400
    assert error_summary(response.text) == ["Titulaires : Au moins un titulaire est obligatoire."]


def test_fifty_titulaires_are_accepted_and_recorded(client, rng):
    rows = [titulaire(rng, NOM_TITULAIRE=f"NOM{i:02d}") for i in range(50)]

    reference = client.declare("ADF", adf_training(), rows)

    (recorded,) = client.recorded()
    assert recorded["reference"] == reference and len(recorded["titulaires"]) == 50


def test_fifty_one_titulaires_are_rejected_without_javascript_indexed_fields(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    rows = [titulaire(rng, NOM_TITULAIRE=f"NOM{i:02d}") for i in range(51)]

    response = client.submit_titulaires(draft, rows)

    assert response.status_code == 400
    assert "Titulaires : 50 titulaires au maximum par déclaration (51 saisis)." in error_summary(response.text)


def test_sparse_row_indexes_posted_without_javascript_are_read_in_order(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    first, second = titulaire(rng, NOM_TITULAIRE="MARTIN"), titulaire(rng, NOM_TITULAIRE="PETIT")
    form = {f"titulaires-{index}-{code.lower()}": value for index, row in ((7, second), (3, first)) for code, value in row.items()}

    assert client.post(f"{draft}/titulaires", form).status_code == 303
    recap = client.http.get(f"{draft}/recapitulatif").text
    assert recap.index("MARTIN") < recap.index("PETIT")


def test_titulaires_page_offers_n_empty_rows_on_request(client):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())

    page = client.http.get(f"{draft}/titulaires?lignes=4").text

    assert "<legend class=\"fr-fieldset__legend pp-titulaire__legend\">Titulaire 4</legend>" in page
    assert "Titulaire 5</legend>" not in page


# recap and confirmation ----------------------------------------------------------------------


def test_confirmed_declaration_gets_a_reference_and_is_recorded_with_its_titulaires(client, rng):
    rows = [titulaire(rng), titulaire(rng, employer=False)]

    reference = client.declare("ADF", adf_training(), rows)

    assert re.fullmatch(r"DEC-2026-\d{6}", reference)
    (recorded,) = client.recorded()
    assert recorded["reference"] == reference
    assert recorded["training"] == adf_training()
    assert [t["NIR"] for t in recorded["titulaires"]] == [r["NIR"] for r in rows]


def test_jdr_declaration_records_result_and_proof_per_titulaire(client, rng):
    rows = [
        titulaire(rng, "JDR", RESULTAT_OBTENU="Admis", LIEN_PREUVE="https://preuves.example/abc", IDENTIFIANT_PREUVE="C-1"),
        titulaire(rng, "JDR", RESULTAT_OBTENU="Admis", MENTION_OBTENUE="Très bien"),
    ]

    client.declare("JDR", jdr_training(), rows)

    titulaires = client.recorded()[0]["titulaires"]
    assert titulaires[0]["LIEN_PREUVE"] == "https://preuves.example/abc"
    assert titulaires[1]["MENTION_OBTENUE"] == "Très bien"


def test_recap_shows_the_declaration_and_the_confirm_button(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    row = titulaire(rng)
    client.submit_titulaires(draft, [row])

    page = client.http.get(f"{draft}/recapitulatif").text

    assert "Étape 4 sur 4 – Récapitulatif" in page
    assert row["NIR"] in page and "Gestes et postures au travail" in page
    assert '<button class="fr-btn" type="submit">Confirmer la déclaration</button>' in page


def test_confirmation_rechecks_everything_and_records_nothing_when_a_step_became_invalid(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    client.submit_titulaires(draft, [titulaire(rng)])  # validity starts 03/03/2026
    assert client.submit_training(draft, adf_training(DATE_FIN_FORMATION="10/03/2026")).status_code == 303

    response = client.confirm(draft)

    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Titulaire 1 – Date de début de validité : La date de début de validité doit être postérieure ou égale "
        "à la date de fin de la formation (10/03/2026)."
    ]
    assert f'href="{draft}/titulaires#titulaires-1-date_debut_validite"' in response.text
    assert client.recorded() == []


def test_steps_cannot_be_skipped(client):
    draft = client.start("ADF")

    assert client.http.get(f"{draft}/titulaires").headers["location"] == f"{draft}/formation"
    assert client.confirm(draft).headers["location"] == f"{draft}/formation"
    assert client.recorded() == []


def test_a_confirmed_draft_cannot_be_confirmed_again(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    client.submit_titulaires(draft, [titulaire(rng)])
    assert client.confirm(draft).status_code == 303

    again = client.confirm(draft)

    assert again.status_code == 404 and "déjà été transmis" in again.text
    assert len(client.recorded()) == 1


def test_a_draft_belongs_to_its_login_session(client, portal_url, rng):
    draft = client.start("ADF")
    with PortalHttpClient(portal_url) as other:
        other.login()
        assert other.http.get(f"{draft}/formation").status_code == 404


def test_type_step_requires_a_type(client):
    response = client.post("/declarations/nouvelle", {})

    assert response.status_code == 400
    assert error_summary(response.text) == ["Type de déclaration : Choisissez un type de déclaration."]


# login, session, CSRF ----------------------------------------------------------------------


def test_pages_redirect_to_login_without_a_session(portal_url):
    with PortalHttpClient(portal_url) as anonymous:
        response = anonymous.http.get("/historique?nom=SST")

    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?next=%2Fhistorique%3Fnom%3DSST"


@pytest.mark.parametrize(
    "wrong", [{"mot_de_passe": "nope"}, {"nom": "DURAND"}, {"prenom": "Jean"}, {"siret": "12345678200028"}]
)
def test_login_refuses_wrong_credentials(portal_url, wrong):
    with PortalHttpClient(portal_url) as c:
        response = c.login(**wrong)

    assert response.status_code == 400
    assert error_summary(response.text) == [
        "Identifiants incorrects : vérifiez le SIRET, le nom, le prénom et le mot de passe."
    ]


def test_login_returns_to_the_page_asked_first(portal_url):
    with PortalHttpClient(portal_url) as c:
        page = c.http.get("/connexion?next=/historique")
        data = {**c.credentials, "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)}
        data["next"] = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
        response = c.http.post("/connexion", data=data)

    assert response.headers["location"] == "/historique"


def test_login_never_redirects_to_another_site(portal_url):
    with PortalHttpClient(portal_url) as c:
        c.http.get("/connexion")
        token = c.http.cookies["pp_csrf"]
        response = c.http.post("/connexion", data={**c.credentials, "csrf_token": token, "next": "//evil.example/"})

    assert response.headers["location"] == "/"


def test_expired_session_redirects_to_login_with_the_expiry_message(client):
    client.set_faults(session_lifetime_s=0.3)
    time.sleep(0.4)

    response = client.http.get("/historique")

    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?next=%2Fhistorique&motif=session-expiree"
    assert "Votre session a expiré" in client.http.get(response.headers["location"]).text


def test_expired_session_on_a_post_redirects_to_login_and_records_nothing(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    client.submit_titulaires(draft, [titulaire(rng)])
    client.set_faults(session_lifetime_s=0.2)
    time.sleep(0.3)

    response = client.confirm(draft)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/connexion?next=%2Fdeclarations%2Fbrouillon%2F")
    assert client.recorded() == []


def test_session_lifetime_counts_from_login(client):
    client.set_faults(session_lifetime_s=1.0)
    assert client.http.get("/").status_code == 200
    time.sleep(1.1)
    assert client.http.get("/").status_code == 303
    client.login()
    assert client.http.get("/").status_code == 200


def test_logout_ends_the_session(client):
    response = client.post("/deconnexion")

    assert response.headers["location"] == "/connexion?motif=deconnexion"
    assert client.http.get("/").headers["location"] == "/connexion?next=%2F"


@pytest.mark.parametrize("token", [None, "forged"])
def test_post_without_the_csrf_token_is_refused_with_403(client, token):
    data = {"type_declaration": "ADF"} | ({"csrf_token": token} if token else {})

    response = client.http.post("/declarations/nouvelle", data=data)

    assert response.status_code == 403
    assert "Requête refusée" in response.text


def test_login_without_the_csrf_token_is_refused_with_403(portal_url):
    with PortalHttpClient(portal_url) as c:
        response = c.http.post("/connexion", data=c.credentials)

    assert response.status_code == 403


def test_every_post_form_carries_a_csrf_token(client, rng):
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    client.submit_titulaires(draft, [titulaire(rng)])
    pages = ["/", "/declarations/nouvelle", f"{draft}/formation", f"{draft}/titulaires", f"{draft}/recapitulatif", "/import"]
    for path in pages:
        html = client.http.get(path).text
        forms = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert forms, path
        assert all('name="csrf_token"' in form for form in forms), path


# faults --------------------------------------------------------------------------------------


def _ready_draft(client, rng) -> str:
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    assert client.submit_titulaires(draft, [titulaire(rng)]).status_code == 303
    return draft


def test_fail_before_record_answers_500_records_nothing_and_keeps_the_draft(client, rng):
    draft = _ready_draft(client, rng)
    client.set_faults(fail_before_record_next=1)

    failed = client.confirm(draft)

    assert failed.status_code == 500 and "Erreur technique" in failed.text
    assert client.recorded() == []
    assert client.confirm(draft).status_code == 303
    assert len(client.recorded()) == 1


def test_fail_after_record_answers_500_but_the_declaration_exists(client, rng):
    draft = _ready_draft(client, rng)
    client.set_faults(fail_after_record_next=1)

    failed = client.confirm(draft)

    assert failed.status_code == 500 and "Erreur technique" in failed.text
    (recorded,) = client.recorded()
    assert recorded["reference"] in client.http.get("/historique").text
    assert client.confirm(draft).status_code == 404
    assert len(client.recorded()) == 1


def test_slow_confirmation_records_before_answering(client, rng):
    draft = _ready_draft(client, rng)
    client.set_faults(confirm_delay_s=1.0)
    seen_during_delay = []

    def watch():
        time.sleep(0.5)
        seen_during_delay.append(len(client.recorded()))

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    response = client.confirm(draft)
    elapsed = time.monotonic() - started
    watcher.join()

    assert response.status_code == 303
    assert elapsed >= 1.0
    assert seen_during_delay == [1]


def test_failure_probabilities_follow_the_seed(client, rng):
    def outcomes():
        client.set_faults(fault_seed=99, fail_before_record_probability=0.5)
        return [client.confirm(_ready_draft(client, rng)).status_code for _ in range(8)]

    first = outcomes()
    second = outcomes()

    assert first == second
    assert set(first) == {303, 500}
    assert len(client.recorded()) == 2 * first.count(303)


def test_maintenance_answers_503_everywhere_but_the_control_endpoint(client):
    client.set_faults(maintenance=True)

    pages = [client.http.get(p) for p in ("/", "/connexion", "/historique", "/import")]
    posted = client.post("/declarations/nouvelle", {"type_declaration": "ADF"})

    assert all(r.status_code == 503 and "Service en maintenance" in r.text for r in [*pages, posted])
    assert client.http.get("/_sandbox/faults").json()["maintenance"] is True
    client.set_faults(maintenance=False)
    assert client.http.get("/").status_code == 200


def test_latency_is_added_to_portal_pages_only(client):
    client.set_faults(latency_ms=400)

    started = time.monotonic()
    client.http.get("/")
    page_time = time.monotonic() - started
    started = time.monotonic()
    client.http.get("/_sandbox/faults")
    control_time = time.monotonic() - started

    assert page_time >= 0.4
    assert control_time < 0.4


def test_fault_control_refuses_unknown_or_invalid_values(client):
    assert client.http.post("/_sandbox/faults", json={"explode": True}).status_code == 422
    assert client.http.post("/_sandbox/faults", json={"latency_ms": -1}).status_code == 422
    assert client.http.post("/_sandbox/faults", content=b"not json").status_code == 422


def test_reset_restores_the_faults_of_the_settings(client):
    client.set_faults(maintenance=True, fail_after_record_next=3, latency_ms=5)

    client.reset()

    faults = client.http.get("/_sandbox/faults").json()
    assert faults["maintenance"] is False and faults["fail_after_record_next"] == 0 and faults["latency_ms"] == 0

"""The sandbox portal in a real headless Chromium: the pages the submitter will drive, found
by their accessible roles and labels as docs/portal-sandbox.md lists them."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from playwright.sync_api import Locator, Page, expect

from connector.sandbox.portal import PortalSandboxSettings, create_portal_app
from connector.sandbox.portal.testing import (
    PortalHttpClient,
    adf_training,
    import_file,
    import_row,
    titulaire,
)
from connector.sandbox.server import serve_in_thread

pytestmark = pytest.mark.browser

TODAY = date(2026, 5, 15)


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory):
    settings = PortalSandboxSettings(
        db_path=tmp_path_factory.mktemp("portal") / "portal.sqlite3", today=TODAY, inspection_enabled=True
    )
    with serve_in_thread(create_portal_app(settings), name="portal-sandbox") as server:
        yield server.url


@pytest.fixture
def control(portal_url):
    with PortalHttpClient(portal_url) as c:
        c.reset()
        yield c


@pytest.fixture
def rng():
    return random.Random(4242)


def log_in(page: Page, portal_url: str) -> None:
    page.goto(f"{portal_url}/")
    expect(page.get_by_role("heading", name="Connexion à l'espace déclarant")).to_be_visible()
    page.get_by_label("SIRET", exact=True).fill("12345678200010")
    page.get_by_label("Nom", exact=True).fill("DUPONT")
    page.get_by_label("Prénom", exact=True).fill("Marie")
    page.get_by_label("Mot de passe", exact=True).fill("sandbox")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Espace organisme de formation")).to_be_visible()


def fill_adf_training(page: Page, training: dict[str, str]) -> None:
    page.get_by_label("Nom de la formation", exact=True).fill(training["NOM_FORMATION"])
    page.get_by_label("Date de début de la formation", exact=True).fill(training["DATE_DEBUT_FORMATION"])
    page.get_by_label("Date de fin de la formation", exact=True).fill(training["DATE_FIN_FORMATION"])
    page.get_by_label("Modalité de dispense", exact=True).select_option(training["MODALITE_DISPENSE"])
    page.get_by_label("Compétences transférables", exact=True).fill(training["COMPETENCE_TRANSFERABLE"])
    page.get_by_label("Qualification du formateur", exact=True).select_option(label="Préventeur")
    page.get_by_role("group", name="Formation certifiante").get_by_label("Non", exact=True).check()
    page.get_by_label("Domaine de formation", exact=True).fill(training["DOMAINE_FORMATION"])
    page.get_by_label("Spécialité de formation", exact=True).fill(training["SPECIALITE_FORMATION"])


def fill_titulaire(row: Locator, person: dict[str, str]) -> None:
    row.get_by_label("NIR", exact=True).fill(person["NIR"])
    row.get_by_label("Nom de naissance", exact=True).fill(person["NOM_TITULAIRE"])
    employer = row.get_by_role("group", name="Présence de l'employeur")
    if person["PRESENCE_EMPLOYEUR"] == "OUI":
        employer.get_by_label("Oui", exact=True).check()
        row.get_by_label("SIRET de l'employeur", exact=True).fill(person["SIRET_EMPLOYEUR"])
        row.get_by_label("Référence employeur", exact=True).fill(person["REFERENCE_EMPLOYEUR"])
    else:
        employer.get_by_label("Non", exact=True).check()
    row.get_by_label("Date de début de validité", exact=True).fill(person["DATE_DEBUT_VALIDITE"])
    row.get_by_label("Date de fin de validité", exact=True).fill(person["DATE_FIN_VALIDITE"])


def titulaire_row(page: Page, position: int) -> Locator:
    return page.get_by_role("group", name=f"Titulaire {position}", exact=True)


def start_adf(page: Page) -> None:
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Déclarer une formation").click()
    expect(page.get_by_role("heading", name="Étape 1 sur 4 – Type de déclaration")).to_be_visible()
    page.get_by_label("Attestation de formation (ADF)").check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name="Étape 2 sur 4 – Formation")).to_be_visible()
    fill_adf_training(page, adf_training())
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name="Étape 3 sur 4 – Titulaires")).to_be_visible()


def test_declare_confirm_find_in_history_then_delete_titulaires_and_declaration(page, portal_url, control, rng):
    people = [
        titulaire(rng, REFERENCE_EMPLOYEUR="MAT-001"),
        titulaire(rng, employer=False),
        titulaire(rng, DATE_FIN_VALIDITE="03/03/2028"),
    ]
    log_in(page, portal_url)
    start_adf(page)

    fill_titulaire(titulaire_row(page, 1), people[0])
    for position, person in enumerate(people[1:], start=2):
        page.get_by_role("button", name="Ajouter un titulaire").click()
        fill_titulaire(titulaire_row(page, position), person)
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", name="Étape 4 sur 4 – Récapitulatif")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text(people[2]["NIR"])
    page.get_by_role("button", name="Confirmer la déclaration").click()

    expect(page.get_by_role("heading", name="Déclaration enregistrée")).to_be_visible()
    shown = page.get_by_text("Référence de la déclaration :").inner_text()
    reference = re.search(r"DEC-\d{4}-\d{6}", shown).group(0)
    assert [t["NIR"] for t in control.recorded()[0]["titulaires"]] == [p["NIR"] for p in people]

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Historique des déclarations").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Gestes et postures au travail")
    row.get_by_role("link", name=f"Voir la déclaration {reference}").click()

    expect(page.get_by_role("heading", name=f"Déclaration {reference}")).to_be_visible()
    for person in people:
        expect(page.get_by_role("table")).to_contain_text(person["NIR"][:5] + "*****" + person["NIR"][-3:])
    expect(page.get_by_role("button", name="Supprimer la déclaration")).to_have_count(0)

    for remaining in (3, 2, 1):
        page.get_by_role("link", name="Supprimer le titulaire").first.click()
        expect(page.get_by_role("heading", name="Supprimer le titulaire")).to_be_visible()
        page.get_by_role("button", name="Confirmer la suppression").click()
        expect(page.get_by_role("status")).to_have_text("Le titulaire a été supprimé.")
        expect(page.get_by_role("table")).to_contain_text(f"Titulaires ({remaining - 1})")

    page.get_by_role("button", name="Supprimer la déclaration").click()
    page.get_by_role("button", name="Confirmer la suppression").click()

    expect(page.get_by_role("status")).to_contain_text("La déclaration a été supprimée.")
    expect(page.get_by_role("row").filter(has_text=reference)).to_have_count(0)
    assert control.recorded() == []


def test_errors_show_in_the_summary_and_next_to_the_field(page, portal_url, control, rng):
    log_in(page, portal_url)
    start_adf(page)
    fill_titulaire(titulaire_row(page, 1), titulaire(rng, registered=False))

    page.get_by_role("button", name="Continuer").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="Votre saisie comporte des erreurs")).to_be_visible()
    expect(summary.get_by_role("listitem")).to_have_text(["Titulaire 1 – NIR : NIR et nom de naissance inconnus"])
    nir = titulaire_row(page, 1).get_by_label("NIR", exact=True)
    expect(nir).to_have_attribute("aria-invalid", "true")
    expect(nir).to_have_accessible_description(re.compile("NIR et nom de naissance inconnus"))
    summary.get_by_role("link").click()
    expect(nir).to_be_focused()
    assert control.recorded() == []


def test_rows_are_added_up_to_fifty_and_renumbered_when_one_is_removed(page, portal_url, control, rng):
    log_in(page, portal_url)
    start_adf(page)
    add = page.get_by_role("button", name="Ajouter un titulaire")
    expect(titulaire_row(page, 1).get_by_role("button", name="Retirer")).to_be_disabled()

    for _ in range(49):
        add.click()

    expect(page.locator("fieldset.pp-titulaire")).to_have_count(50)
    expect(add).to_be_disabled()
    titulaire_row(page, 2).get_by_label("Nom de naissance", exact=True).fill("DEUXIEME")
    titulaire_row(page, 3).get_by_label("Nom de naissance", exact=True).fill("TROISIEME")
    titulaire_row(page, 2).get_by_role("button", name="Retirer").click()
    expect(page.locator("fieldset.pp-titulaire")).to_have_count(49)
    expect(add).to_be_enabled()
    expect(titulaire_row(page, 2).get_by_label("Nom de naissance", exact=True)).to_have_value("TROISIEME")
    assert titulaire_row(page, 2).get_by_label("Nom de naissance", exact=True).get_attribute("name") == "titulaires-2-nom_titulaire"


def test_fifty_titulaires_filled_through_the_add_button_are_declared(page, portal_url, control, rng):
    people = [titulaire(rng) for _ in range(50)]
    log_in(page, portal_url)
    start_adf(page)

    for n, person in enumerate(people, start=1):
        if n > 1:
            page.click("#ajouter-titulaire")
        page.fill(f"#titulaires-{n}-nir", person["NIR"])
        page.fill(f"#titulaires-{n}-nom_titulaire", person["NOM_TITULAIRE"])
        page.check(f"#titulaires-{n}-presence_employeur-oui")
        page.fill(f"#titulaires-{n}-siret_employeur", person["SIRET_EMPLOYEUR"])
        page.fill(f"#titulaires-{n}-date_debut_validite", person["DATE_DEBUT_VALIDITE"])
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="Confirmer la déclaration").click()

    expect(page.get_by_role("heading", name="Déclaration enregistrée")).to_be_visible()
    assert [t["NIR"] for t in control.recorded()[0]["titulaires"]] == [p["NIR"] for p in people]


def test_jdr_without_training_hides_the_training_fields(page, portal_url, control):
    log_in(page, portal_url)
    page.goto(f"{portal_url}/declarations/nouvelle")
    page.get_by_label("Justificatif de réussite (JDR)").check()
    page.get_by_role("button", name="Continuer").click()
    training = page.get_by_role("group", name="Formation suivie")
    expect(training).to_be_visible()

    page.get_by_role("group", name="Présence d'une formation").get_by_label("Non", exact=True).check()
    expect(training).to_be_hidden()
    page.get_by_label("Type de justificatif", exact=True).select_option("HABILITATION")
    page.get_by_label("Nom du justificatif", exact=True).fill("Habilitation électrique B0")
    page.get_by_label("Compétences transférables", exact=True).fill("100016/400094/404181")
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", name="Étape 3 sur 4 – Titulaires")).to_be_visible()
    expect(titulaire_row(page, 1).get_by_label("Lien vers la preuve", exact=True)).to_be_visible()


def test_mass_import_shows_its_report_and_offers_the_csv(page, portal_url, control, rng, tmp_path):
    rows = [
        import_row("SESSION-1", "ID-1", adf_training(), titulaire(rng)),
        import_row("SESSION-1", "ID-2", adf_training(), titulaire(rng, registered=False)),
    ]
    log_in(page, portal_url)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Import en masse").click()
    expect(page.get_by_role("heading", name="Import en masse", level=1)).to_be_visible()

    page.get_by_role("group", name="Type de fichier").get_by_label("Attestation de formation (ADF)").check()
    page.get_by_label("Fichier CSV").set_input_files(
        files=[{"name": "sessions-mai.csv", "mimeType": "text/csv", "buffer": import_file("ADF", rows)}]
    )
    page.get_by_role("button", name="Importer le fichier").click()

    expect(page.get_by_role("heading", name=re.compile(r"Rapport d'import n° \d+"))).to_be_visible()
    report = page.get_by_role("table")
    expect(report.get_by_role("row").filter(has_text="ID-1")).to_contain_text("ACCEPTE")
    expect(report.get_by_role("row").filter(has_text="ID-2")).to_contain_text("NIR et nom de naissance inconnus")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le rapport (CSV)").click()
    saved = tmp_path / "rapport.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "LIGNE|ID_DECLARATION|ID_UNIQUE_PARTENAIRE|STATUT|MESSAGE|REFERENCE_DECLARATION"
    assert lines[2].startswith("3|SESSION-1|ID-2|REJETE|")


def test_expired_session_sends_the_browser_to_login_with_a_message(page, portal_url, control):
    log_in(page, portal_url)
    control.set_faults(session_lifetime_s=0)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Historique des déclarations").click()

    expect(page.get_by_role("heading", name="Connexion à l'espace déclarant")).to_be_visible()
    expect(page.get_by_text("Votre session a expiré")).to_be_visible()
    control.set_faults(session_lifetime_s=1800)
    page.get_by_label("SIRET", exact=True).fill("12345678200010")
    page.get_by_label("Nom", exact=True).fill("DUPONT")
    page.get_by_label("Prénom", exact=True).fill("Marie")
    page.get_by_label("Mot de passe", exact=True).fill("sandbox")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Historique des déclarations")).to_be_visible()


def test_maintenance_page_is_shown_in_the_browser(page, portal_url, control):
    control.set_faults(maintenance=True)

    response = page.goto(f"{portal_url}/connexion")

    assert response.status == 503
    expect(page.get_by_role("heading", name="Service en maintenance")).to_be_visible()

"""The sandbox portal's history over real HTTP: listing, search, detail with masked NIRs,
deletion rules; and the state: restarts, concurrent confirmations."""

from __future__ import annotations

import html as html_lib
import random
import re
import threading
from datetime import date

import pytest

from connector.sandbox.portal import PortalSandboxSettings, create_portal_app
from connector.sandbox.portal.testing import (
    PortalHttpClient,
    adf_training,
    import_file,
    import_row,
    jdr_training,
    titulaire,
)
from connector.sandbox.server import serve_in_thread

TODAY = date(2026, 5, 15)


def _settings(db_path, **extra):
    return PortalSandboxSettings(db_path=db_path, today=TODAY, inspection_enabled=True, **extra)


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory):
    settings = _settings(tmp_path_factory.mktemp("portal") / "portal.sqlite3")
    with serve_in_thread(create_portal_app(settings), name="portal-sandbox") as server:
        yield server.url


@pytest.fixture
def client(portal_url):
    with PortalHttpClient(portal_url) as c:
        c.reset()
        c.login()
        yield c


@pytest.fixture
def rng():
    return random.Random(1515)


def _rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return [html_lib.unescape(re.sub(r"<[^>]+>", " ", row)) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_history_lists_each_declaration_with_its_summary(client, rng):
    reference = client.declare("ADF", adf_training(), [titulaire(rng), titulaire(rng)])

    (row,) = _rows(client.http.get("/historique").text)

    assert reference in row and "ADF" in row and "Gestes et postures au travail" in row
    assert "du 02/03/2026 au 03/03/2026" in row
    assert re.search(r"\b2\b", row)
    assert "15/05/2026" in row  # declared on the sandbox's day


def test_history_rows_have_an_eye_button_named_after_the_reference(client, rng):
    reference = client.declare("ADF", adf_training(), [titulaire(rng)])

    page = client.http.get("/historique").text

    assert re.search(
        rf'<a [^>]*href="/historique/{reference}"[^>]*>.*?<span class="fr-sr-only">Voir la déclaration {reference}</span></a>',
        page,
        re.S,
    )


def test_jdr_without_training_is_dated_by_its_validity(client, rng):
    training = jdr_training(PRESENCE_FORMATION="NON", **dict.fromkeys(
        ["NOM_FORMATION", "DATE_DEBUT_FORMATION", "DATE_FIN_FORMATION", "MODALITE_DISPENSE",
         "QUALIFICATION_FORMATEUR", "FORMATION_CERTIFIANTE", "CERTIFICATION_VISEE"], ""))
    rows = [titulaire(rng, "JDR", DATE_DEBUT_VALIDITE="02/04/2026"), titulaire(rng, "JDR", DATE_DEBUT_VALIDITE="05/04/2026")]

    client.declare("JDR", training, rows)

    (row,) = _rows(client.http.get("/historique").text)
    assert "CACES R489 catégorie 3" in row and "du 02/04/2026 au 05/04/2026" in row


def test_history_search_by_name_and_date_range(client, rng):
    gestes = client.declare("ADF", adf_training(), [titulaire(rng)])
    incendie = client.declare(
        "ADF",
        adf_training(NOM_FORMATION="Équipier de première intervention", DATE_DEBUT_FORMATION="10/04/2026", DATE_FIN_FORMATION="10/04/2026"),
        [titulaire(rng, DATE_DEBUT_VALIDITE="10/04/2026")],
    )

    def found(**params):
        return [r.split()[0] for r in _rows(client.http.get("/historique", params=params).text) if "DEC-" in r]

    assert found(nom="equipier") == [incendie]
    assert found(nom="GESTES") == [gestes]
    assert found(du="01/04/2026") == [incendie]
    assert found(au="31/03/2026") == [gestes]
    assert found(du="01/03/2026", au="30/04/2026") == [incendie, gestes]
    assert found(nom="amiante") == []


def test_history_search_rejects_a_malformed_date(client):
    response = client.http.get("/historique", params={"du": "2026-04-01"})

    assert response.status_code == 400
    assert "Date de début (à partir du) : Date invalide" in html_lib.unescape(response.text)


def test_history_is_paginated(client, rng):
    rows = [import_row(f"S{i:02d}", f"P{i:02d}", adf_training(), titulaire(rng)) for i in range(51)]
    client.upload("ADF", import_file("ADF", rows))

    first = client.http.get("/historique").text
    second = client.http.get("/historique", params={"page": 2}).text

    assert len(_rows(first)) == 50 and "Page 1 sur 2" in first and "Page suivante" in first
    assert len(_rows(second)) == 1 and "Page précédente" in second


def test_detail_lists_titulaires_with_masked_nir_and_birth_name(client, rng):
    person = titulaire(rng, NOM_TITULAIRE="LEFEVRE")
    reference = client.declare("ADF", adf_training(), [person])

    page = client.http.get(f"/historique/{reference}").text

    masked = person["NIR"][:5] + "*****" + person["NIR"][-3:]
    assert masked in page and "LEFEVRE" in page
    assert person["NIR"] not in page
    assert f"Déclaration {reference}" in page


def test_deleting_a_titulaire_needs_a_confirmation(client, rng):
    reference = client.declare("ADF", adf_training(), [titulaire(rng), titulaire(rng)])
    first_id = client.recorded()[0]["titulaires"][0]["id"]
    path = f"/historique/{reference}/titulaires/{first_id}/suppression"

    confirmation = client.http.get(path)
    assert "Confirmer la suppression" in confirmation.text
    assert len(client.recorded()[0]["titulaires"]) == 2

    response = client.post(path)

    assert response.headers["location"] == f"/historique/{reference}?info=titulaire-supprime"
    assert "Le titulaire a été supprimé." in client.http.get(response.headers["location"]).text
    assert len(client.recorded()[0]["titulaires"]) == 1


def test_titulaire_page_offers_the_delete_button(client, rng):
    reference = client.declare("ADF", adf_training(), [titulaire(rng)])
    titulaire_id = client.recorded()[0]["titulaires"][0]["id"]

    page = client.http.get(f"/historique/{reference}/titulaires/{titulaire_id}").text

    assert '<button class="fr-btn pp-btn-danger" type="submit">Supprimer le titulaire</button>' in page


def test_a_declaration_with_titulaires_cannot_be_deleted(client, rng):
    reference = client.declare("ADF", adf_training(), [titulaire(rng)])

    assert "Supprimer la déclaration" not in client.http.get(f"/historique/{reference}").text
    assert client.http.get(f"/historique/{reference}/suppression").headers["location"] == f"/historique/{reference}"
    response = client.post(f"/historique/{reference}/suppression")

    assert response.status_code == 409
    assert len(client.recorded()) == 1


def test_a_declaration_without_titulaires_can_be_deleted(client, rng):
    reference = client.declare("ADF", adf_training(), [titulaire(rng)])
    titulaire_id = client.recorded()[0]["titulaires"][0]["id"]
    client.post(f"/historique/{reference}/titulaires/{titulaire_id}/suppression")

    detail = client.http.get(f"/historique/{reference}").text
    assert "Supprimer la déclaration</button>" in detail
    assert "Confirmer la suppression" in client.http.get(f"/historique/{reference}/suppression").text
    response = client.post(f"/historique/{reference}/suppression")

    assert response.status_code == 303
    assert "La déclaration a été supprimée." in client.http.get(response.headers["location"]).text
    assert client.recorded() == []
    assert client.http.get(f"/historique/{reference}").status_code == 404


def test_a_confirmed_declaration_cannot_be_edited(client, rng):
    reference = client.declare("ADF", adf_training(), [titulaire(rng)])

    assert client.post(f"/historique/{reference}", {"nom_formation": "Autre"}).status_code == 405
    assert "Modifier" not in client.http.get(f"/historique/{reference}").text


def test_another_account_sees_none_of_my_declarations(tmp_path, rng):
    from connector.sandbox.portal.settings import DEFAULT_ACCOUNT, PortalAccount

    other = PortalAccount(siret="12345678200028", nom="MARTIN", prenom="Paul", password="autre")
    settings = _settings(tmp_path / "portal.sqlite3", accounts=[DEFAULT_ACCOUNT, other])
    with serve_in_thread(create_portal_app(settings)) as server, PortalHttpClient(server.url) as mine, PortalHttpClient(
        server.url, siret=other.siret, nom=other.nom, prenom=other.prenom, password="autre"
    ) as theirs:
        mine.login()
        theirs.login()
        reference = mine.declare("ADF", adf_training(), [titulaire(rng)])

        assert reference not in theirs.http.get("/historique").text
        assert theirs.http.get(f"/historique/{reference}").status_code == 404
        assert theirs.http.get(f"/declarations/{reference}/confirmation").status_code == 404


# state ---------------------------------------------------------------------------------------


def test_declarations_and_the_reference_counter_survive_a_restart(tmp_path, rng):
    db = tmp_path / "portal.sqlite3"
    with serve_in_thread(create_portal_app(_settings(db))) as server, PortalHttpClient(server.url) as c:
        c.login()
        first = c.declare("ADF", adf_training(), [titulaire(rng)])

    with serve_in_thread(create_portal_app(_settings(db))) as server, PortalHttpClient(server.url) as c:
        c.login()
        assert first in c.http.get("/historique").text
        second = c.declare("ADF", adf_training(), [titulaire(rng)])

    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_inspection_endpoints_are_hidden_unless_enabled(tmp_path):
    settings = PortalSandboxSettings(db_path=tmp_path / "portal.sqlite3", today=TODAY)
    with serve_in_thread(create_portal_app(settings)) as server, PortalHttpClient(server.url) as c:
        assert c.http.get("/_sandbox/declarations").status_code == 404
        assert c.http.post("/_sandbox/reset").status_code == 404
        assert c.http.get("/_sandbox/faults").status_code == 200


def _ready_draft(client, rng) -> str:
    draft = client.start("ADF")
    client.submit_training(draft, adf_training())
    assert client.submit_titulaires(draft, [titulaire(rng)]).status_code == 303
    return draft


def _at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_clients_confirming_at_once_get_distinct_references(client, portal_url, rng):
    with PortalHttpClient(portal_url) as other:
        other.login()
        drafts = [(client, _ready_draft(client, rng)), (other, _ready_draft(other, rng))]
        client.set_faults(confirm_delay_s=0.2)

        responses = _at_once(*[lambda c=c, d=d: c.confirm(d) for c, d in drafts])

    assert [r.status_code for r in responses] == [303, 303]
    references = {r.headers["location"] for r in responses}
    assert len(references) == 2
    assert len(client.recorded()) == 2


def test_one_draft_confirmed_twice_at_once_is_recorded_once(client, rng):
    draft = _ready_draft(client, rng)

    responses = _at_once(lambda: client.confirm(draft), lambda: client.confirm(draft))

    assert sorted(r.status_code for r in responses) == [303, 404]
    assert len(client.recorded()) == 1

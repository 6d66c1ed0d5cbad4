"""The sandbox portal's mass import over real HTTP: whole-file and per-row rejections, double
declarations across files, the report page and its CSV."""

from __future__ import annotations

import html as html_lib
import random
import re
from datetime import date

import pytest

from connector.sandbox.portal import PortalSandboxSettings, create_portal_app
from connector.sandbox.portal.fields import FILE_COLUMNS
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


def _serve(tmp_path_factory, **settings):
    return serve_in_thread(
        create_portal_app(
            PortalSandboxSettings(
                db_path=tmp_path_factory.mktemp("portal") / "portal.sqlite3",
                today=TODAY,
                inspection_enabled=True,
                **settings,
            )
        ),
        name="portal-sandbox",
    )


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory):
    with _serve(tmp_path_factory) as server:
        yield server.url


@pytest.fixture
def client(portal_url):
    with PortalHttpClient(portal_url) as c:
        c.reset()
        c.login()
        yield c


@pytest.fixture
def rng():
    return random.Random(909)


def _adf_rows(rng, id_declaration="SESSION-1", count=2, prefix=None, training=None, **titulaire_overrides):
    prefix = prefix or id_declaration
    return [
        import_row(id_declaration, f"{prefix}-{i}", training or adf_training(), titulaire(rng, **titulaire_overrides))
        for i in range(1, count + 1)
    ]


def _report(client, response):
    """(import id, report page html, CSV report rows as dicts)."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    page = client.http.get(location).text
    csv = client.http.get(f"{location}/rapport.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8").split("\r\n")
    assert lines[-1] == ""
    header = lines[0].split("|")
    return int(location.rsplit("/", 1)[1]), page, [dict(zip(header, line.split("|"), strict=True)) for line in lines[1:-1]]


# accepted files ------------------------------------------------------------------------------


def test_valid_adf_file_creates_one_declaration_per_id_declaration(client, rng):
    rows = _adf_rows(rng, "SESSION-A", 2) + _adf_rows(rng, "SESSION-B", 3, training=adf_training(NOM_FORMATION="PRAP"))

    _, page, report = _report(client, client.upload("ADF", import_file("ADF", rows)))

    assert "Fichier traité" in page
    assert [r["STATUT"] for r in report] == ["ACCEPTE"] * 5
    assert [r["LIGNE"] for r in report] == ["2", "3", "4", "5", "6"]
    recorded = client.recorded()
    assert [(d["id_declaration"], len(d["titulaires"])) for d in recorded] == [("SESSION-A", 2), ("SESSION-B", 3)]
    assert {r["REFERENCE_DECLARATION"] for r in report} == {d["reference"] for d in recorded}
    history = client.http.get("/historique").text
    assert all(d["reference"] in history for d in recorded)


@pytest.mark.parametrize(("newline", "bom"), [("\r\n", False), ("\n", False), ("\r\n", True), ("\n", True)])
def test_crlf_or_lf_with_or_without_bom_are_accepted(client, rng, newline, bom):
    content = import_file("ADF", _adf_rows(rng), newline=newline, bom=bom)

    _, _, report = _report(client, client.upload("ADF", content))

    assert [r["STATUT"] for r in report] == ["ACCEPTE", "ACCEPTE"]


def test_valid_jdr_file_records_result_and_proof_per_titulaire(client, rng):
    rows = [
        import_row("CACES-1", "J-1", jdr_training(), titulaire(rng, "JDR", LIEN_PREUVE="https://preuves.example/1")),
        import_row("CACES-1", "J-2", jdr_training(), titulaire(rng, "JDR", MENTION_OBTENUE="Bien")),
    ]

    _, _, report = _report(client, client.upload("JDR", import_file("JDR", rows)))

    assert [r["STATUT"] for r in report] == ["ACCEPTE", "ACCEPTE"]
    (declaration,) = client.recorded()
    assert declaration["type"] == "JDR"
    assert [t["LIEN_PREUVE"] for t in declaration["titulaires"]] == ["https://preuves.example/1", ""]
    assert declaration["titulaires"][1]["MENTION_OBTENUE"] == "Bien"


def test_five_hundred_titulaires_for_one_id_declaration_are_accepted(client, rng):
    rows = _adf_rows(rng, "BIG", 500)

    _, _, report = _report(client, client.upload("ADF", import_file("ADF", rows)))

    assert {r["STATUT"] for r in report} == {"ACCEPTE"}
    assert len(client.recorded()[0]["titulaires"]) == 500


# whole-file rejections -----------------------------------------------------------------------


def _header_without(column):
    return [c for c in FILE_COLUMNS["ADF"] if c != column]


def _swap(columns, a, b):
    columns = list(columns)
    i, j = columns.index(a), columns.index(b)
    columns[i], columns[j] = columns[j], columns[i]
    return columns


def _whole_file_cases(rng):
    good = _adf_rows(rng, "S1", 2)
    different_training = good[:1] + [{**good[1], "NOM_FORMATION": "Autre intitulé"}]
    same_partner_id = good[:1] + [{**good[1], "ID_UNIQUE_PARTENAIRE": good[0]["ID_UNIQUE_PARTENAIRE"]}]
    adf = import_file("ADF", good)
    short_row = adf.replace(b"|" + good[1]["NIR"].encode(), good[1]["NIR"].encode())
    lines = adf.split(b"\r\n")
    long_row = b"\r\n".join([lines[0], lines[1] + b"|en trop", *lines[2:]])
    return [
        ("empty file", b"", "ADF", "Le fichier est vide"),
        ("header only", import_file("ADF", []), "ADF", "aucune ligne de titulaire"),
        ("missing column", import_file("ADF", good, header=_header_without("MODALITE_DISPENSE")), "ADF", "19 colonnes au lieu de 20"),
        (
            "columns out of order",
            import_file("ADF", good, header=_swap(FILE_COLUMNS["ADF"], "NIR", "NOM_TITULAIRE")),
            "ADF",
            "colonne 14 « NOM_TITULAIRE » au lieu de « NIR »",
        ),
        ("lower-case header", adf.replace(b"ID_DECLARATION|", b"id_declaration|", 1), "ADF", "en-tête invalide"),
        ("JDR header sent as ADF", import_file("JDR", []) + b"x\r\n", "ADF", "c'est l'en-tête d'un fichier JDR"),
        ("ADF file sent as JDR", adf, "JDR", "c'est l'en-tête d'un fichier ADF"),
        ("row with a missing column", short_row, "ADF", "Ligne 3 : 19 colonnes au lieu de 20"),
        ("row with an extra column", long_row, "ADF", "Ligne 2 : 21 colonnes au lieu de 20"),
        ("not utf-8", import_file("ADF", good).replace("Gestes".encode(), "Gest\xe9s".encode("latin-1")), "ADF", "n'est pas encodé en UTF-8"),
        ("blank line inside", adf.replace(b"\r\n", b"\r\n\r\n", 2), "ADF", "ligne vide"),
        ("rows of one ID_DECLARATION differ", import_file("ADF", different_training), "ADF", "diffèrent de la ligne 2 (colonnes NOM_FORMATION)"),
        ("ID_UNIQUE_PARTENAIRE twice", import_file("ADF", same_partner_id), "ADF", "déjà présent ligne 2 du fichier"),
        ("ID_DECLARATION missing", import_file("ADF", [{**good[0], "ID_DECLARATION": ""}]), "ADF", "ID_DECLARATION : champ obligatoire"),
        (
            "REFERENCE_DECLARATION filled",
            import_file("ADF", [{**r, "REFERENCE_DECLARATION": "DEC-2026-000001"} for r in good]),
            "ADF",
            "REFERENCE_DECLARATION doit rester vide",
        ),
        (
            "training in the future",
            import_file("ADF", _adf_rows(rng, "S2", 1, training=adf_training(DATE_FIN_FORMATION="20/05/2026"))),
            "ADF",
            "DATE_FIN_FORMATION : La date ne peut pas être postérieure",
        ),
        (
            "unknown ROME code",
            import_file("ADF", _adf_rows(rng, "S3", 1, training=adf_training(COMPETENCE_TRANSFERABLE="100016/400094/999999"))),
            "ADF",
            "COMPETENCE_TRANSFERABLE : Code de compétence ROME inconnu : 999999",
        ),
        (
            "certifying without RS code",
            import_file("ADF", _adf_rows(rng, "S4", 1, training=adf_training(FORMATION_CERTIFIANTE="OUI", DOMAINE_FORMATION="", SPECIALITE_FORMATION=""))),
            "ADF",
            "CERTIFICATION_VISEE : Obligatoire pour une formation certifiante",
        ),
        ("501 titulaires for one ID_DECLARATION", import_file("ADF", _adf_rows(rng, "HUGE", 501)), "ADF", "501 titulaires, 500 au maximum"),
    ]


WHOLE_FILE_CASES = _whole_file_cases(random.Random(4))


@pytest.mark.parametrize(("content", "kind", "message"), [c[1:] for c in WHOLE_FILE_CASES], ids=[c[0] for c in WHOLE_FILE_CASES])
def test_a_file_level_breach_rejects_the_whole_file_and_records_nothing(client, content, kind, message):
    _, page, report = _report(client, client.upload(kind, content))

    assert "Fichier rejeté" in page and "aucune déclaration n'a été enregistrée" in page
    assert report and {r["STATUT"] for r in report} == {"FICHIER_REJETE"}
    assert any(message in r["MESSAGE"] for r in report), report
    assert client.recorded() == []


@pytest.mark.parametrize(
    ("file_name", "message"),
    [
        ("a" * 197 + ".csv", "Nom de fichier trop long"),
        ("déclarations@of.csv", "caractères interdits @"),
        ("export%202026.csv", "caractères interdits %"),
        ("declarations.txt", "extension .csv"),
    ],
)
def test_a_bad_file_name_rejects_the_whole_file(client, rng, file_name, message):
    response = client.upload("ADF", import_file("ADF", _adf_rows(rng)), file_name=file_name)

    _, _, report = _report(client, response)
    assert any(message in r["MESSAGE"] for r in report), report
    assert client.recorded() == []


def test_a_file_name_of_exactly_200_characters_is_accepted(client, rng):
    response = client.upload("ADF", import_file("ADF", _adf_rows(rng)), file_name="a" * 196 + ".csv")

    _, _, report = _report(client, response)
    assert {r["STATUT"] for r in report} == {"ACCEPTE"}


def test_a_file_over_the_size_limit_is_rejected(tmp_path_factory, rng):
    with _serve(tmp_path_factory, max_upload_bytes=2000) as server, PortalHttpClient(server.url) as c:
        c.login()
        content = import_file("ADF", _adf_rows(rng, count=12))
        assert len(content) > 2000

        _, page, report = _report(c, c.upload("ADF", content))

        assert "Fichier trop volumineux" in report[0]["MESSAGE"]
        assert c.recorded() == []


# per-row rejections --------------------------------------------------------------------------


def test_row_level_problems_reject_only_their_titulaire(client, rng):
    training = adf_training()
    rows = [
        import_row("S1", "P-1", training, titulaire(rng)),
        import_row("S1", "P-2", training, titulaire(rng, registered=False)),
        import_row("S1", "P-3", training, titulaire(rng, company_exists=False)),
        import_row("S1", "P-4", training, titulaire(rng, DATE_DEBUT_VALIDITE="01/03/2026")),
        import_row("S1", "P-5", training, {**titulaire(rng), "NIR": titulaire(rng)["NIR"] + "42"}),
        import_row("S1", "", training, titulaire(rng)),
        import_row("S1", "P-7", training, titulaire(rng, employer=False, REFERENCE_EMPLOYEUR="X")),
        import_row("S1", "P-8", training, titulaire(rng)),
    ]

    _, page, report = _report(client, client.upload("ADF", import_file("ADF", rows)))

    statuses = {r["LIGNE"]: (r["STATUT"], r["MESSAGE"]) for r in report}
    assert statuses["2"] == ("ACCEPTE", "")
    assert statuses["3"] == ("REJETE", "NIR : NIR et nom de naissance inconnus")
    assert statuses["4"] == ("REJETE", "SIRET_EMPLOYEUR : SIRET inconnu")
    assert statuses["5"][1].startswith("DATE_DEBUT_VALIDITE : La date de début de validité doit être postérieure")
    assert statuses["6"][1] == "NIR : Le NIR doit comporter 13 caractères, sans la clé (15 saisis)."
    assert statuses["7"][1] == "ID_UNIQUE_PARTENAIRE : Champ obligatoire."
    assert statuses["8"][1] == "REFERENCE_EMPLOYEUR : Doit rester vide lorsque l'employeur n'est pas présent."
    assert statuses["9"] == ("ACCEPTE", "")
    (declaration,) = client.recorded()
    assert [t["id_unique_partenaire"] for t in declaration["titulaires"]] == ["P-1", "P-8"]
    assert "REJETE" in page and "ACCEPTE" in page


def test_same_nir_twice_in_one_id_declaration_rejects_the_second_row(client, rng):
    person = titulaire(rng)
    rows = [import_row("S1", "P-1", adf_training(), person), import_row("S1", "P-2", adf_training(), person)]

    _, _, report = _report(client, client.upload("ADF", import_file("ADF", rows)))

    assert [r["STATUT"] for r in report] == ["ACCEPTE", "REJETE"]
    assert report[1]["MESSAGE"] == "NIR : déjà présent ligne 2 pour cette déclaration."


def test_an_id_declaration_whose_rows_are_all_rejected_creates_no_declaration(client, rng):
    rows = _adf_rows(rng, "GOOD", 1) + _adf_rows(rng, "BAD", 2, registered=False)

    _, _, report = _report(client, client.upload("ADF", import_file("ADF", rows)))

    assert [r["STATUT"] for r in report] == ["ACCEPTE", "REJETE", "REJETE"]
    assert [d["id_declaration"] for d in client.recorded()] == ["GOOD"]
    assert report[1]["REFERENCE_DECLARATION"] == ""


# double declarations across files ------------------------------------------------------------


def test_an_id_unique_partenaire_imported_before_is_rejected_as_a_double_declaration(client, rng):
    first = _adf_rows(rng, "S1", 2, prefix="P")
    _report(client, client.upload("ADF", import_file("ADF", first)))
    second = [import_row("S2", "P-2", adf_training(), titulaire(rng)), import_row("S2", "P-3", adf_training(), titulaire(rng))]

    _, _, report = _report(client, client.upload("ADF", import_file("ADF", second)))

    assert [(r["ID_UNIQUE_PARTENAIRE"], r["STATUT"]) for r in report] == [("P-2", "REJETE"), ("P-3", "ACCEPTE")]
    assert report[0]["MESSAGE"].startswith("Double déclaration")
    assert [len(d["titulaires"]) for d in client.recorded()] == [2, 1]


def test_the_same_file_imported_twice_records_its_declarations_once(client, rng):
    content = import_file("ADF", _adf_rows(rng, "S1", 3))
    _report(client, client.upload("ADF", content))

    _, page, report = _report(client, client.upload("ADF", content))

    assert {r["STATUT"] for r in report} == {"REJETE"}
    assert len(client.recorded()) == 1


def test_an_id_unique_partenaire_stays_used_after_its_titulaire_is_deleted(client, rng):
    rows = _adf_rows(rng, "S1", 1, prefix="KEEP")
    _report(client, client.upload("ADF", import_file("ADF", rows)))
    declaration = client.recorded()[0]
    path = f"/historique/{declaration['reference']}/titulaires/{declaration['titulaires'][0]['id']}/suppression"
    assert client.post(path).status_code == 303

    _, _, report = _report(client, client.upload("ADF", import_file("ADF", rows)))

    assert report[0]["STATUT"] == "REJETE" and report[0]["MESSAGE"].startswith("Double déclaration")


def test_a_rejected_row_leaves_its_id_unique_partenaire_free_for_a_corrected_file(client, rng):
    wrong = [import_row("S1", "FIX-1", adf_training(), titulaire(rng, registered=False))]
    _report(client, client.upload("ADF", import_file("ADF", wrong)))
    fixed = [import_row("S1", "FIX-1", adf_training(), titulaire(rng))]

    _, _, report = _report(client, client.upload("ADF", import_file("ADF", fixed)))

    assert report[0]["STATUT"] == "ACCEPTE"


def test_a_rejected_file_leaves_its_ids_free(client, rng):
    rows = _adf_rows(rng, "S1", 2)
    _report(client, client.upload("ADF", import_file("ADF", rows, header=_header_without("NIR"))))

    _, _, report = _report(client, client.upload("ADF", import_file("ADF", rows)))

    assert {r["STATUT"] for r in report} == {"ACCEPTE"}


# pages ---------------------------------------------------------------------------------------


def test_import_page_lists_the_imports_with_a_link_to_each_report(client, rng):
    import_id, _, _ = _report(client, client.upload("ADF", import_file("ADF", _adf_rows(rng)), file_name="lot-mai.csv"))

    page = html_lib.unescape(client.http.get("/import").text)

    assert "lot-mai.csv" in page
    assert f"Voir le rapport de l'import {import_id}" in page
    assert re.search(r'<th scope="col">Lignes acceptées</th>', page)


def test_upload_without_type_or_file_shows_errors(client):
    response = client.http.post("/import", data={"csrf_token": client.csrf}, files={"fichier": ("", b"", "text/csv")})

    assert response.status_code == 400
    assert "Type de fichier : Choisissez le type du fichier (ADF ou JDR)." in response.text
    assert "Fichier CSV : Sélectionnez un fichier." in response.text


def test_upload_without_csrf_token_is_refused(client, rng):
    response = client.http.post(
        "/import", data={"type_fichier": "ADF"}, files={"fichier": ("a.csv", import_file("ADF", _adf_rows(rng)), "text/csv")}
    )

    assert response.status_code == 403
    assert client.recorded() == []


def test_another_account_cannot_see_an_import_report(tmp_path_factory, rng):
    from connector.sandbox.portal.settings import DEFAULT_ACCOUNT, PortalAccount

    other = PortalAccount(siret="12345678200028", nom="MARTIN", prenom="Paul", password="autre")
    with _serve(tmp_path_factory, accounts=[DEFAULT_ACCOUNT, other]) as server:
        with PortalHttpClient(server.url) as mine, PortalHttpClient(
            server.url, siret=other.siret, nom="MARTIN", prenom="Paul", password="autre"
        ) as theirs:
            mine.login()
            theirs.login()
            location = mine.upload("ADF", import_file("ADF", _adf_rows(rng))).headers["location"]

            assert theirs.http.get(location).status_code == 404
            assert theirs.http.get(f"{location}/rapport.csv").status_code == 404
            assert "DEC-" not in theirs.http.get("/historique").text

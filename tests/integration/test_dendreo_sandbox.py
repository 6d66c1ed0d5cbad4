"""The Dendreo sandbox over real HTTP: every quirk of docs/dendreo-sandbox.md, seen by an httpx client."""

from __future__ import annotations

import datetime as dt
import json
import time

import httpx
import pytest

from connector.sandbox.dendreo import create_dendreo_app, generate
from connector.sandbox.dendreo.data import add_months
from connector.sandbox.server import serve_in_thread

TODAY = dt.date(2026, 3, 15)
KEY = "sandbox-key"
AUTH = {"Authorization": f'Token token="{KEY}"'}


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 3, 15, 10, 0, 0))


@pytest.fixture(scope="module")
def dataset(clock):
    return generate(seed=3, sessions=240, months=18, today=TODAY, clock=clock)


@pytest.fixture(scope="module")
def server(dataset):
    with serve_in_thread(create_dendreo_app(dataset, burst=100_000), name="dendreo-test") as running:
        yield running


@pytest.fixture
def api(server):
    with httpx.Client(base_url=f"{server.url}/acme/api/", headers=AUTH, timeout=30) as client:
        yield client


def start(dataset, **options):
    return serve_in_thread(create_dendreo_app(dataset, **options), name="dendreo-test")


# -- transport: auth, throttling, errors, faults -----------------------------------------------------


def test_request_without_key_is_refused_with_a_401_json_message(server):
    response = httpx.get(f"{server.url}/acme/api/etapes.php")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["message"]


def test_key_is_accepted_in_the_token_header_or_the_key_parameter_and_a_wrong_one_is_401(server):
    url = f"{server.url}/acme/api/etapes.php"
    assert httpx.get(url, headers=AUTH).status_code == 200
    assert httpx.get(url, params={"key": KEY}).status_code == 200
    assert httpx.get(url, headers={"Authorization": 'Token token="wrong"'}).status_code == 401
    assert httpx.get(url, params={"key": "wrong"}).status_code == 401


def test_a_resource_the_key_may_not_read_is_a_401_not_a_403(dataset):
    with start(dataset, denied_resources=("participants",)) as running:
        assert httpx.get(f"{running.url}/acme/api/participants.php", headers=AUTH).status_code == 401
        assert httpx.get(f"{running.url}/acme/api/laps.php", headers=AUTH, params={"id": "1"}).status_code == 200


def test_requests_beyond_the_burst_get_429_with_retry_after_on_some_only(dataset):
    with start(dataset, burst=3, window_s=60, retry_after_share=0.5, seed=1) as running:
        statuses, retry_after = [], []
        for _ in range(40):
            response = httpx.get(f"{running.url}/acme/api/etapes.php", headers=AUTH)
            statuses.append(response.status_code)
            if response.status_code == 429:
                retry_after.append(response.headers.get("Retry-After"))
        assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}
        present = [value for value in retry_after if value is not None]
        assert present and len(present) < len(retry_after)
        assert all(1 <= int(value) <= 60 for value in present)
        assert httpx.get(f"{running.url}/_sandbox/stats").json()["throttled"] == 37


def test_the_burst_is_a_rolling_window_that_frees_slots_as_time_passes(dataset):
    with start(dataset, burst=2, window_s=0.5) as running:
        url = f"{running.url}/acme/api/etapes.php"
        assert [httpx.get(url, headers=AUTH).status_code for _ in range(3)] == [200, 200, 429]
        time.sleep(0.6)
        assert httpx.get(url, headers=AUTH).status_code == 200


def test_unknown_resource_is_a_404_json(api):
    response = api.get("catalogue.php")
    assert response.status_code == 404 and response.json()["message"]


def test_a_malformed_date_filter_is_a_422_failure_with_errors(api):
    response = api.get("actions_de_formation.php", params={"ended_after": "15/03/2026"})
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "failure" and "ended_after" in body["errors"][0]


def test_fault_injection_serves_html_error_pages_as_text_html(dataset):
    with start(dataset, fault_html_rate=1.0) as running:
        responses = [httpx.get(f"{running.url}/acme/api/etapes.php", headers=AUTH) for _ in range(8)]
    assert {r.status_code for r in responses} == {200, 502}
    for response in responses:
        assert response.headers["content-type"].startswith("text/html")
        with pytest.raises(json.JSONDecodeError):
            response.json()


def test_fault_injection_answers_500_json(dataset):
    with start(dataset, fault_500_rate=1.0) as running:
        response = httpx.get(f"{running.url}/acme/api/etapes.php", headers=AUTH)
    assert response.status_code == 500 and response.json()["message"]


def test_latency_delays_every_answer(dataset):
    with start(dataset, latency_ms=200) as running:
        started = time.perf_counter()
        assert httpx.get(f"{running.url}/acme/api/etapes.php", headers=AUTH).status_code == 200
        assert time.perf_counter() - started >= 0.2


def test_stats_count_requests_by_resource_and_reset(dataset):
    with start(dataset) as running, httpx.Client(base_url=running.url, headers=AUTH) as client:
        client.get("/acme/api/etapes.php")
        client.get("/acme/api/laps.php", params={"id": "1"})
        client.get("/acme/api/laps.php", params={"id": "2"})
        stats = client.get("/_sandbox/stats").json()
        assert stats["requests"] == 3 and stats["by_resource"] == {"etapes": 1, "laps": 2} and stats["throttled"] == 0
        assert client.post("/_sandbox/stats/reset").json()["requests"] == 0


# -- values and shapes -------------------------------------------------------------------------------


def scalars(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from scalars(item)
    else:
        yield value


@pytest.mark.parametrize(
    "resource",
    ["etapes", "actions_de_formation", "laps", "participants", "modules", "lams", "formateurs", "entreprises", "evaluations"],
)
def test_every_scalar_is_a_string(api, resource):
    records = api.get(f"{resource}.php").json()
    assert isinstance(records, list) and records
    assert all(isinstance(value, str) for value in scalars(records))


def test_a_missing_foreign_key_is_the_string_zero(api, dataset):
    laps = api.get("laps.php").json()
    assert any(lap["id_entreprise"] == "0" for lap in laps)
    sessions = api.get("actions_de_formation.php").json()
    assert {s["id_entreprise"] for s in sessions if s["type"] == "inter"} == {"0"}


def test_datetimes_are_naive_and_second_grained(api):
    session = api.get("actions_de_formation.php").json()[0]
    for field in ("date_debut", "date_fin", "date_add", "date_edit"):
        dt.datetime.strptime(session[field], "%Y-%m-%d %H:%M:%S")


def test_stage_names_repeat_across_training_centres(api):
    stages = api.get("etapes.php").json()
    done = sorted(s["id_etape_process"] for s in stages if s["intitule"] == "Réalisation")
    assert done == ["13", "3"]


def test_lams_list_trainers_and_evaluations_nest_their_results(api):
    lam = api.get("lams.php").json()[0]
    assert lam["formateurs"] and set(lam["formateurs"][0]) == {"id_formateur"}
    evaluation = api.get("evaluations.php").json()[0]
    assert {"id_participant", "id_action_de_formation", "id_module", "evaluations"} <= set(evaluation)
    assert evaluation["evaluations"][0]["validated"] in ("1", "0", "")


# -- SHOW and INDEX ----------------------------------------------------------------------------------


def test_a_single_id_answers_an_object(api):
    body = api.get("participants.php", params={"id": "1001"}).json()
    assert isinstance(body, dict) and body["id_participant"] == "1001"


def test_a_single_id_answers_a_one_element_array_on_accounts_that_show_as_array(dataset):
    with start(dataset, show_as_array=True) as running:
        body = httpx.get(f"{running.url}/acme/api/participants.php", headers=AUTH, params={"id": "1001"}).json()
    assert isinstance(body, list) and [p["id_participant"] for p in body] == ["1001"]


def test_several_ids_answer_an_array_of_those_records(api):
    body = api.get("participants.php", params={"id": "1003,1001,1002,999999"}).json()
    assert sorted(p["id_participant"] for p in body) == ["1001", "1002", "1003"]


def test_id_externe_can_replace_id(api, dataset):
    person = next(p for p in dataset.participants.values() if p.id_externe)
    body = api.get("participants.php", params={"id_externe": person.id_externe}).json()
    assert body["id_participant"] == person.id_participant


def test_unknown_filters_and_limit_are_silently_ignored(api):
    everything = api.get("entreprises.php").json()
    assert api.get("entreprises.php", params={"limit": "5", "page": "2", "siret": "nope"}).json() == everything


# -- date windows --------------------------------------------------------------------------------------


def test_sessions_without_a_window_are_only_those_started_in_the_last_12_months(api, dataset):
    cutoff = add_months(TODAY, -12).isoformat()
    listed = api.get("actions_de_formation.php").json()
    expected = sorted(s.id_action_de_formation for s in dataset.sessions.values() if s.date_debut[:10] >= cutoff)
    assert sorted(s["id_action_de_formation"] for s in listed) == expected
    assert len(expected) < len(dataset.sessions)
    older = api.get("actions_de_formation.php", params={"ended_before": cutoff}).json()
    assert older and all(s["date_fin"][:10] <= cutoff for s in older)


def test_ended_after_and_ended_before_select_a_window_inclusive_by_date(api, dataset):
    first, last = "2025-11-01", "2025-11-30"
    listed = api.get("actions_de_formation.php", params={"ended_after": first, "ended_before": last}).json()
    expected = sorted(s.id_action_de_formation for s in dataset.sessions.values() if first <= s.date_fin[:10] <= last)
    assert sorted(s["id_action_de_formation"] for s in listed) == expected and expected
    edge = next(s for s in dataset.sessions.values() if s.date_fin[:10] == listed[0]["date_fin"][:10])
    same_day = api.get("actions_de_formation.php", params={"ended_after": edge.date_fin[:10], "ended_before": edge.date_fin[:10]}).json()
    assert edge.id_action_de_formation in {s["id_action_de_formation"] for s in same_day}


def test_started_filters_apply_to_sessions_and_lams(api):
    sessions = api.get("actions_de_formation.php", params={"started_after": "2026-01-01", "started_before": "2026-01-31"}).json()
    lams = api.get("lams.php", params={"started_after": "2026-01-01", "started_before": "2026-01-31"}).json()
    assert sessions and all("2026-01-01" <= s["date_debut"][:10] <= "2026-01-31" for s in sessions)
    assert sorted(lam["id_action_de_formation"] for lam in lams) == sorted(s["id_action_de_formation"] for s in sessions)


def test_laps_filter_by_several_sessions_and_participants(api, dataset):
    sessions = list(dataset.sessions)[:3]
    laps = api.get("laps.php", params={"id_action_de_formation": ",".join(sessions)}).json()
    assert sorted(lap["id_lap"] for lap in laps) == sorted(lap.id_lap for sid in sessions for lap in dataset.laps_by_session[sid])
    pid = laps[0]["id_participant"]
    mine = api.get("laps.php", params={"id_participant": pid}).json()
    assert {lap["id_participant"] for lap in mine} == {pid}
    evaluations = api.get("evaluations.php", params={"id_action_de_formation": ",".join(sessions)}).json()
    assert {e["id_action_de_formation"] for e in evaluations} <= set(sessions)


def test_updated_after_selects_records_edited_since_that_date(api, dataset):
    since = "2026-02-01"
    listed = api.get("laps.php", params={"updated_after": since}).json()
    assert listed and all(lap["date_edit"][:10] >= since for lap in listed)
    assert len(listed) == sum(lap.date_edit[:10] >= since for lap in dataset.laps.values())
    created = api.get("participants.php", params={"created_before": "2025-06-30"}).json()
    assert created and all(p["date_add"][:10] <= "2025-06-30" for p in created)


# -- include and fields ---------------------------------------------------------------------------------


def test_include_embeds_one_participant_per_lap_of_any_status_and_the_modules(api, dataset):
    lap = next(lap for lap in dataset.laps.values() if lap.status == "0")
    session = api.get("actions_de_formation.php", params={"id": lap.id_action_de_formation, "include": "participants,modules"}).json()
    entries = {p["id_lap"]: p for p in session["participants"]}
    assert set(entries) == {lap.id_lap for lap in dataset.laps_by_session[lap.id_action_de_formation]}
    entry = entries[lap.id_lap]
    identity = {"id_lap", "id_participant", "id_entreprise", "civilite", "nom", "prenom", "email"}
    assert identity | {"c_nir", "c_nom_naissance", "c_refus_nir"} <= set(entry)
    assert entry["nom"] == dataset.participants[lap.id_participant].nom
    (module,) = session["modules"]
    assert set(module) == {"id_lam", "id_module", "intitule"}
    assert int(session["total_participants"]) == sum(1 for lap in dataset.laps_by_session[lap.id_action_de_formation] if lap.status == "1")


def test_include_participant_on_laps_and_module_on_lams(api):
    lap = api.get("laps.php", params={"id": "1", "include": "participant"}).json()
    assert lap["participant"]["id_participant"] == lap["id_participant"]
    lam = api.get("lams.php", params={"id_action_de_formation": "1", "include": "module"}).json()[0]
    assert lam["module"]["id_module"] == lam["id_module"] and "c_competences_rome" in lam["module"]


def test_fields_restricts_the_keys_returned(api):
    records = api.get("participants.php", params={"fields": "id_participant,c_nir"}).json()
    assert {tuple(sorted(r)) for r in records} == {("c_nir", "id_participant")}


# -- POST updates ----------------------------------------------------------------------------------------


def test_post_updates_a_participant_and_bumps_date_edit(api, dataset, clock):
    clock.now = dt.datetime(2026, 3, 16, 9, 15, 0)
    pid = next(pid for pid in dataset.participants if pid not in dataset.seeded_problems)
    response = api.post("participants.php", data={"id": pid, "c_nom_naissance": "Martin"})
    assert response.status_code == 200
    assert response.json()["c_nom_naissance"] == "Martin" and response.json()["date_edit"] == "2026-03-16 09:15:00"
    edited = api.get("participants.php", params={"updated_after": "2026-03-16"}).json()
    assert pid in {p["id_participant"] for p in edited}


def test_post_with_a_json_body_removes_a_learner_from_a_session(api, dataset, clock):
    clock.now = dt.datetime(2026, 3, 16, 10, 0, 0)
    lap = next(lap for lap in dataset.laps.values() if lap.status == "1")
    before = int(dataset.sessions[lap.id_action_de_formation].total_participants)
    response = api.post("laps.php", json={"id_lap": lap.id_lap, "status": "0"})
    assert response.status_code == 200 and response.json()["status"] == "0"
    shown = api.get("laps.php", params={"id": lap.id_lap}).json()
    assert shown["status"] == "0" and shown["date_edit"] == "2026-03-16 10:00:00"
    session = api.get("actions_de_formation.php", params={"id": lap.id_action_de_formation}).json()
    assert int(session["total_participants"]) == before - 1


def test_post_without_an_id_or_on_a_read_only_resource_is_refused(api):
    assert api.post("participants.php", data={"nom": "X"}).status_code == 422
    assert api.post("modules.php", data={"id": "1", "intitule": "X"}).status_code == 405
    assert api.post("laps.php", data={"id": "99999999", "status": "0"}).status_code == 404


# -- the connector's own client --------------------------------------------------------------------------


def test_the_connector_client_reads_the_sandbox(server):
    from connector.dendreo.client import DendreoClient
    from connector.settings import DendreoSettings

    settings = DendreoSettings(base_url=f"{server.url}/acme/api", api_key=KEY)
    with DendreoClient(settings) as client:
        assert len(client.get("participants", id="1001")) == 1
        assert len(client.get_by_ids("participants", ["1001", "1002", "0", ""])) == 2
        assert client.get("etapes")

"""The Dendreo sandbox generator: deterministic, big enough, and honest about its seeded problems."""

from __future__ import annotations

import collections
import datetime as dt
import re
import time

import pytest
from stdnum.fr import nir as stdnum_nir

from connector.reference import presets
from connector.sandbox.dendreo import PROBLEM_KINDS, demo_dataset, generate
from connector.sandbox.dendreo.data import RESOURCE_TYPES, DendreoDataset, add_months
from connector.sandbox.dendreo.generator import DONE, PLANNED, QUALIFICATIONS, RUNNING, STAGE_IDS
from connector.sandbox.identities import UNREGISTERED_ORDER_MIN, company_exists, person_known

TODAY = dt.date(2026, 7, 15)


@pytest.fixture(scope="module")
def big() -> DendreoDataset:
    started = time.perf_counter()
    dataset = generate(seed=7, sessions=2000, months=12, today=TODAY)
    print(f"\ngenerate(sessions=2000, months=12): {time.perf_counter() - started:.2f} s, {dataset.stats()}")
    return dataset


@pytest.fixture(scope="module")
def small() -> DendreoDataset:
    return generate(seed=11, sessions=150, months=6, today=TODAY, invalid_share=0.1)


def snapshot(dataset: DendreoDataset) -> dict:
    return {resource: [record.to_api() for record in dataset.collection(resource).values()] for resource in RESOURCE_TYPES}


def stage_name(dataset: DendreoDataset, session) -> str:
    return dataset.etapes[session.id_etape_process].intitule


def birth_name(participant) -> str:
    return (participant.c_nom_naissance or participant.nom).strip()


def nir13(typed: str) -> str:
    return typed.replace(" ", "")[:13]


# -- determinism and size ---------------------------------------------------------------------------


def test_same_seed_gives_the_same_dataset_and_another_seed_another_one():
    first = generate(seed=5, sessions=60, months=3, today=TODAY)
    again = generate(seed=5, sessions=60, months=3, today=TODAY)
    other = generate(seed=6, sessions=60, months=3, today=TODAY)
    assert snapshot(first) == snapshot(again)
    assert first.seeded_problems == again.seeded_problems
    assert snapshot(first)["participants"] != snapshot(other)["participants"]


def test_2000_sessions_hold_over_20000_learners_with_1_to_120_per_session(big):
    sizes = [len(big.laps_by_session.get(sid, ())) for sid in big.sessions]
    assert len(sizes) == 2000
    assert min(sizes) >= 1 and max(sizes) <= 120
    assert sum(sizes) > 20_000
    assert 4 <= sorted(sizes)[len(sizes) // 2] <= 14  # most sessions are small
    assert sum(s >= 50 for s in sizes) >= 20
    assert sum(s >= 100 for s in sizes) >= 2


def test_some_learners_take_several_sessions(big):
    assert len(big.participants) < len(big.laps)
    assert any(len(laps) > 1 for laps in big.laps_by_participant.values())


def test_demo_dataset_is_small_and_fixed():
    demo = demo_dataset(TODAY)
    assert len(demo.sessions) == 30
    assert snapshot(demo) == snapshot(demo_dataset(TODAY))


# -- sessions and stages --------------------------------------------------------------------------


def test_sessions_end_over_the_last_months_and_a_few_are_planned_or_running(big):
    window_start = add_months(TODAY, -12).isoformat()
    ends = [s.date_fin[:10] for s in big.sessions.values()]
    future = [e for e in ends if e >= TODAY.isoformat()]
    assert all(e >= window_start for e in ends)
    assert 0.01 * len(ends) <= len(future) <= 0.05 * len(ends)
    for session in big.sessions.values():
        if session.date_fin[:10] >= TODAY.isoformat():
            assert stage_name(big, session) in (PLANNED, RUNNING)


def test_done_sessions_are_the_majority_and_stage_names_repeat_per_centre(big):
    stages = collections.Counter(stage_name(big, s) for s in big.sessions.values())
    assert 0.80 <= stages[DONE] / len(big.sessions) <= 0.92
    assert stages["Echec"] > 0 and stages["Annulée"] > 0
    done_ids = sorted(e.id_etape_process for e in big.etapes.values() if e.intitule == DONE)
    assert done_ids == ["13", "3"]
    for session in big.sessions.values():
        assert session.id_etape_process in STAGE_IDS[session.id_centre_de_formation].values()


def test_session_fields_follow_dendreo_formats(big):
    numbers = set()
    for session in big.sessions.values():
        assert re.fullmatch(r"ADF_\d{4}\d{4}", session.numero_complet)
        assert session.numero_complet[4:8] == session.date_debut[:4]
        numbers.add(session.numero_complet)
        assert session.type in ("inter", "intra")
        assert session.mode_organisation in ("presentiel", "mixte", "elearning_async", "elearning_sync")
        assert (session.id_entreprise != "0") == (session.type == "intra")
        assert session.total_participants == str(sum(1 for _ in big.active_laps(session.id_action_de_formation)))
        assert len(big.lams_by_session[session.id_action_de_formation]) == 1
    assert len(numbers) == len(big.sessions)


def test_every_timestamp_is_before_today_and_edits_follow_creations(big):
    today = TODAY.isoformat()
    for resource in ("actions_de_formation", "laps", "participants", "modules", "lams", "formateurs", "entreprises", "evaluations"):
        for record in big.collection(resource).values():
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", record.date_add)
            assert record.date_add < today and record.date_edit < today
            assert record.date_add <= record.date_edit, (resource, record.id)


def test_past_sessions_are_edited_after_they_end(big):
    for session in big.sessions.values():
        if session.date_fin[:10] < (TODAY - dt.timedelta(days=1)).isoformat():
            assert session.date_edit[:10] >= session.date_fin[:10]


# -- catalogue --------------------------------------------------------------------------------------


def test_modules_cover_every_declarable_preset_and_split_caces_by_rs_code(big):
    by_preset = collections.defaultdict(list)
    for module in big.modules.values():
        by_preset[module.c_preset_pp].append(module)
    declarable = {key for key, preset in presets().items() if preset.declaration}
    assert declarable <= set(by_preset)
    for key in ("caces-r489", "caces-r486", "caces-r482", "amiante-ss4"):
        modules = by_preset[key]
        assert len(modules) >= 2
        for module in modules:
            assert module.c_certifiante == "1"
            assert module.c_code_rs in presets()[key].rs
            assert module.intitule.startswith(presets()[key].intitule)
        assert len({m.c_code_rs for m in modules}) == len(modules)


def test_some_modules_carry_only_their_preset_and_non_sst_modules_nothing(big):
    preset_only = [m for m in big.modules.values() if m.c_preset_pp and not m.c_competences_rome]
    assert len(preset_only) >= 2
    for module in preset_only:
        assert module.c_formacode == module.c_nsf == module.c_type_declaration == module.c_certifiante == ""
    bare = {m.intitule: m for m in big.modules.values() if not m.c_preset_pp}
    assert {"Conduite de réunion", "Anglais professionnel"} <= set(bare)
    for module in bare.values():
        assert all(value == "" for value in module.custom_fields().values())


def test_rome_codes_are_the_preset_codes_joined_with_mixed_separators(big):
    separators = set()
    for module in big.modules.values():
        if module.c_competences_rome:
            codes = re.split(r"[/,; ]+", module.c_competences_rome)
            assert tuple(codes) == presets()[module.c_preset_pp].rome
            separators.update(re.findall(r"[/,; ]+", module.c_competences_rome))
            assert module.c_type_declaration == presets()[module.c_preset_pp].declaration
    assert {"/", ",", ";", " "} & separators and len(separators) >= 3


def test_trainer_qualifications_come_from_the_portal_enum_or_are_empty(big):
    values = [f.c_qualification_pp for f in big.formateurs.values()]
    assert set(values) <= set(QUALIFICATIONS) | {""}
    assert "" in values and len(set(values)) >= 3


# -- people, companies and seeded problems -----------------------------------------------------------


def test_every_nir_is_valid_except_the_seeded_invalid_ones(big):
    formats = collections.Counter()
    for pid, participant in big.participants.items():
        compact = participant.c_nir.replace(" ", "")
        if big.seeded_problems.get(pid) == "nir_bad_key":
            assert len(compact) == 15 and not stdnum_nir.is_valid(compact)
        elif big.seeded_problems.get(pid) == "nir_missing" or pid in big.refused_nir:
            assert compact == ""
        elif len(compact) == 13:
            formats["13 characters"] += 1
            assert stdnum_nir.is_valid(compact + stdnum_nir.calc_check_digits(compact))
        else:
            formats["spaced" if " " in participant.c_nir else "plain"] += 1
            assert stdnum_nir.is_valid(compact), participant.c_nir
    assert set(formats) == {"plain", "spaced", "13 characters"}


def test_clean_learners_are_known_to_the_portal_registers(big):
    for pid, participant in big.participants.items():
        if pid in big.seeded_problems or pid in big.refused_nir:
            continue
        assert person_known(nir13(participant.c_nir), birth_name(participant)), pid
        assert len(birth_name(participant)) <= 30
        for lap in big.laps_by_participant[pid]:
            if lap.id_entreprise != "0":
                assert company_exists(big.entreprises[lap.id_entreprise].siret.replace(" ", ""))


def test_seeded_problems_match_the_registers(big):
    for pid, kind in big.seeded_problems.items():
        participant = big.participants[pid]
        compact = participant.c_nir.replace(" ", "")
        siret = big.entreprises[big.laps_by_participant[pid][0].id_entreprise].siret if kind.startswith("siret") else ""
        if kind == "nir_missing":
            assert compact == "" and participant.c_refus_nir != "1"
        elif kind == "nir_bad_key":
            assert not stdnum_nir.is_valid(compact)
        elif kind == "birth_name_too_long":
            assert len(birth_name(participant)) > 30 and person_known(nir13(compact), birth_name(participant))
        elif kind == "nir_unknown":
            assert stdnum_nir.is_valid(compact) and int(compact[10:13]) >= UNREGISTERED_ORDER_MIN
            assert not person_known(nir13(compact), birth_name(participant))
        elif kind == "name_mismatch":
            assert int(compact[10:13]) < UNREGISTERED_ORDER_MIN
            assert not person_known(nir13(compact), birth_name(participant))
        elif kind == "siret_checksum":
            assert not company_exists(siret) and not siret.startswith("9")
        elif kind == "siret_unknown":
            assert not company_exists(siret) and siret.startswith("9")
        else:
            pytest.fail(f"unknown problem kind {kind}")
        if not kind.startswith("siret"):
            employer = big.laps_by_participant[pid][0].id_entreprise
            assert employer == "0" or company_exists(big.entreprises[employer].siret.replace(" ", ""))


def test_invalid_share_sets_how_many_learners_carry_a_problem_spread_over_every_kind(big, small):
    assert len(big.seeded_problems) == round(0.05 * len(big.participants))
    assert len(small.seeded_problems) == round(0.1 * len(small.participants))
    kinds = collections.Counter(big.seeded_problems.values())
    assert set(kinds) == set(PROBLEM_KINDS)
    assert max(kinds.values()) - min(kinds.values()) <= 1
    assert generate(seed=7, sessions=50, months=3, today=TODAY, invalid_share=0).seeded_problems == {}


def test_problem_learners_have_one_active_present_enrolment_in_a_completed_declarable_session(big):
    done_ids = {"3", "13"}
    for pid in big.seeded_problems:
        (lap,) = big.laps_by_participant[pid]
        session = big.sessions[lap.id_action_de_formation]
        module = big.modules[big.lams_by_session[session.id_action_de_formation][0].id_module]
        assert lap.status == "1" and lap.presence == "OUI"
        assert session.id_etape_process in done_ids and session.date_fin[:10] < TODAY.isoformat()
        assert module.c_preset_pp
        assert pid not in big.refused_nir


def test_refused_nir_learners_have_an_empty_nir_and_the_refusal_flag(big):
    assert big.refused_nir
    for pid in big.refused_nir:
        assert big.participants[pid].c_nir == "" and big.participants[pid].c_refus_nir == "1"


def test_some_married_women_keep_their_birth_name_apart(big):
    married = [p for p in big.participants.values() if p.c_nom_naissance and normalised(p.c_nom_naissance) != normalised(p.nom)]
    assert len(married) > 100
    assert all(p.civilite == "Mme" for p in married if len(p.c_nom_naissance) <= 30)


def normalised(name: str) -> str:
    return name.strip().upper()


def test_names_include_accents_hyphens_and_apostrophes(big):
    names = {p.nom.strip() for p in big.participants.values()}
    assert any("'" in n for n in names) and any("-" in n for n in names) and any(re.search(r"[éèëêïîôü]", n) for n in names)


def test_companies_number_a_few_hundred_with_a_few_unknown_or_broken_sirets(big):
    assert 200 <= len(big.entreprises) <= 450
    broken = [e for e in big.entreprises.values() if not company_exists(e.siret.replace(" ", ""))]
    assert 4 <= len(broken) <= 20


def test_laps_include_removed_absent_and_self_funded_enrolments(big):
    laps = list(big.laps.values())
    assert 0 < sum(lap.status == "0" for lap in laps) < 0.06 * len(laps)
    assert 0 < sum(lap.presence == "NON" for lap in laps) < 0.15 * len(laps)
    assert 0 < sum(lap.id_entreprise == "0" for lap in laps) < 0.08 * len(laps)


def test_evaluations_exist_only_for_jdr_sessions_and_are_mostly_validated(big):
    validated = collections.Counter()
    for evaluation in big.evaluations.values():
        module = big.modules[evaluation.id_module]
        assert presets()[module.c_preset_pp].declaration == "JDR"
        validated[evaluation.validated] += 1
    assert validated["1"] > 0.7 * sum(validated.values())
    assert validated["0"] > 0 and validated[""] > 0


# -- mutations ------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def test_updates_stamp_date_edit_with_the_injected_clock():
    clock = FakeClock(dt.datetime(2026, 7, 15, 9, 30, 0))
    dataset = generate(seed=1, sessions=20, months=2, today=TODAY, clock=clock)
    pid = next(iter(dataset.participants))
    dataset.update_participant(pid, c_nir="", c_nom_naissance="DURAND")
    assert dataset.participants[pid].c_nom_naissance == "DURAND"
    assert dataset.participants[pid].date_edit == "2026-07-15 09:30:00"
    clock.now = dt.datetime(2026, 7, 16, 8, 0, 0)
    dataset.update_module("1", c_competences_rome="100016/400094/404181", c_nouveau_champ="x")
    assert dataset.modules["1"].date_edit == "2026-07-16 08:00:00"
    assert dataset.modules["1"].to_api()["c_nouveau_champ"] == "x"


def test_removing_a_learner_keeps_the_lap_and_recounts_the_session():
    dataset = generate(seed=1, sessions=20, months=2, today=TODAY)
    lap = next(lap for lap in dataset.laps.values() if lap.status == "1")
    session = dataset.sessions[lap.id_action_de_formation]
    before = int(session.total_participants)
    dataset.update_lap(lap.id_lap, status="0")
    assert dataset.laps[lap.id_lap].status == "0"
    assert session.total_participants == str(before - 1)


def test_updates_refuse_ids_and_unknown_fields():
    dataset = generate(seed=1, sessions=5, months=1, today=TODAY)
    lap_id = next(iter(dataset.laps))
    with pytest.raises(ValueError):
        dataset.update_lap(lap_id, id_action_de_formation="999")
    with pytest.raises(ValueError):
        dataset.update_lap(lap_id, colour="blue")
    with pytest.raises(KeyError):
        dataset.update_participant("nope", nom="X")


def test_a_new_learner_can_be_enrolled_in_an_existing_session():
    clock = FakeClock(dt.datetime(2026, 7, 15, 11, 0, 0))
    dataset = generate(seed=1, sessions=5, months=1, today=TODAY, clock=clock)
    sid = next(iter(dataset.sessions))
    before = int(dataset.sessions[sid].total_participants)
    person = dataset.add_participant(nom="Nouveau", prenom="Léa", c_nir="295117511111111")
    lap = dataset.enrol(sid, person.id_participant)
    assert lap in dataset.laps_by_session[sid] and lap.date_add == "2026-07-15 11:00:00"
    assert dataset.sessions[sid].total_participants == str(before + 1)


def test_without_a_clock_the_dataset_lives_on_the_day_it_was_generated_for():
    dataset = generate(seed=1, sessions=5, months=1, today=TODAY)
    assert dataset.clock().date() == TODAY

import datetime as dt

import pytest

from connector.portal.planner import Candidate, plan_batches


def _cands(session_id, number, n, decl="ADF", deadline=None, start_id=1):
    return [Candidate(start_id + i, session_id, number, decl, deadline) for i in range(n)]


def test_120_learners_make_three_declarations_of_50_50_20():
    batches = plan_batches(_cands(1, "ADF_1", 120))
    assert [len(b.titulaire_ids) for b in batches] == [50, 50, 20]
    assert [b.plan_key for b in batches] == ["ADF_1/ADF/1", "ADF_1/ADF/2", "ADF_1/ADF/3"]


def test_a_session_with_adf_and_jdr_titulaires_gives_one_declaration_per_type():
    batches = plan_batches(_cands(1, "S", 3, "JDR") + _cands(1, "S", 2, "ADF", start_id=10))
    assert sorted((b.declaration_type, len(b.titulaire_ids)) for b in batches) == [("ADF", 2), ("JDR", 3)]


def test_planning_is_deterministic_whatever_the_input_order():
    cands = _cands(1, "A", 70) + _cands(2, "B", 30, start_id=500)
    assert plan_batches(cands) == plan_batches(list(reversed(cands)))


def test_earliest_deadlines_go_first_and_no_deadline_goes_last():
    late = _cands(1, "LATE", 2, deadline=dt.date(2027, 3, 31))
    early = _cands(2, "EARLY", 2, deadline=dt.date(2026, 12, 31), start_id=100)
    none = _cands(3, "NONE", 2, start_id=200)
    assert [b.session_number for b in plan_batches(none + late + early)] == ["EARLY", "LATE", "NONE"]


def test_a_smaller_configured_batch_size_is_honoured():
    assert [len(b.titulaire_ids) for b in plan_batches(_cands(1, "S", 25), size=10)] == [10, 10, 5]


@pytest.mark.parametrize("size", [0, 51])
def test_batch_sizes_outside_the_portal_limit_are_refused(size):
    with pytest.raises(ValueError):
        plan_batches(_cands(1, "S", 1), size=size)

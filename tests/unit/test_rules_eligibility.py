"""One titulaire's verdict: scope, learner exclusions, ADF/JDR, every validation reason, deadline."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from stdnum import luhn
from stdnum.fr.nir import calc_check_digits

from connector.domain import DeclarationType, LearnerFacts, TitulaireState, TrainingFacts
from connector.rules import Policy, assess, load_deadline_rules

D = dt.date
TODAY = D(2026, 6, 15)
RULES = load_deadline_rules()
NIR13 = "2900699999123"  # synthetic
NIR15 = NIR13 + calc_check_digits(NIR13)
SIREN = "12345678" + luhn.calc_check_digit("12345678")
SIRET = SIREN + "0001" + luhn.calc_check_digit(SIREN + "0001")

ADF_TRAINING = TrainingFacts(
    session_number="S-1",
    name="Gestes et postures",
    start=D(2026, 3, 2),
    end=D(2026, 3, 3),
    modalite="PRESENTIEL",
    rome_codes=("100016", "400094", "404181"),
    certifying=False,
    formacodes=("31776",),
    nsf_codes=("344r",),
    declaration_type="ADF",
    preset_key="gestes-postures",
    has_passeport_data=True,
)
JDR_TRAINING = dataclasses.replace(
    ADF_TRAINING,
    name="Sauveteur Secouriste du Travail",
    rome_codes=("115650", "400635", "114955"),
    formacodes=("42866",),
    declaration_type="JDR",
    jdr_type="CERTIFICAT",
    jdr_name=None,
    validity_months=24,
    preset_key="sst",
)
LEARNER = LearnerFacts(nir=NIR15, birth_name="Martin", employer_siret=SIRET)


def training(**changes) -> TrainingFacts:
    return dataclasses.replace(ADF_TRAINING, **changes)


def jdr(**changes) -> TrainingFacts:
    return dataclasses.replace(JDR_TRAINING, **changes)


def learner(**changes) -> LearnerFacts:
    return dataclasses.replace(LEARNER, **changes)


def run(t: TrainingFacts = ADF_TRAINING, lrn: LearnerFacts = LEARNER, **policy):
    return assess(t, lrn, today=TODAY, deadline_rules=RULES, policy=Policy(**policy))


def test_valid_adf_titulaire_is_ready_with_normalised_values_and_deadline():
    a = run()
    assert a.state is TitulaireState.READY
    assert a.reasons == () and a.warnings == ()
    assert a.declaration_type is DeclarationType.ADF
    assert a.nir13 == NIR13
    assert a.birth_name == "MARTIN"
    assert (a.validity_start, a.validity_end) == (D(2026, 3, 3), None)
    assert (a.deadline, a.optional) == (D(2026, 9, 30), False)
    assert a.extra == {"employer_siret": SIRET}


def test_policy_defaults_are_documented_values():
    assert Policy() == Policy(failed_jdr_as_adf=True, unknown_result_jdr=True, absent_is_excluded=True)


# -- exclusions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "lrn", "policy", "reason"),
    [
        pytest.param(
            training(has_passeport_data=False, preset_key=None, declarable=None), LEARNER, {},
            "not a health-and-safety training", id="no-passeport-data-no-preset",
        ),
        pytest.param(training(declarable=False), LEARNER, {}, "marked not declarable in Dendreo", id="declarable-false"),
        pytest.param(
            training(preset_key="conduite-reunion"), LEARNER, {},
            "not declarable (preset 'conduite-reunion'): Hors périmètre santé-sécurité au travail: non déclarable",
            id="preset-without-declaration",
        ),
        pytest.param(training(session_cancelled=True), LEARNER, {}, "session failed or cancelled in Dendreo", id="session-cancelled"),
        pytest.param(ADF_TRAINING, learner(enrolled=False), {}, "removed from the session", id="removed-from-session"),
        pytest.param(ADF_TRAINING, learner(refused_nir=True, nir=None), {}, "not declarable: no NIR (learner refused)", id="refused-nir"),
        pytest.param(ADF_TRAINING, learner(attended=False), {}, "absent", id="absent"),
        pytest.param(
            JDR_TRAINING, learner(passed=False), {"failed_jdr_as_adf": False},
            "failed the evaluation (policy: failed JDR trainings are not declared)", id="failed-jdr-not-declared",
        ),
        pytest.param(training(start=D(2025, 4, 1), end=D(2025, 4, 27)), LEARNER, {}, "ended before the Passeport opened (28/04/2025)", id="before-opening"),
    ],
)
def test_excluded_titulaires(t, lrn, policy, reason):
    a = run(t, lrn, **policy)
    assert a.state is TitulaireState.EXCLUDED
    assert a.reasons == (reason,)
    assert a.deadline is None and a.nir13 is None


@pytest.mark.parametrize(
    ("t", "lrn", "reason"),
    [
        pytest.param(
            training(has_passeport_data=False, preset_key=None, session_cancelled=True), learner(enrolled=False),
            "not a health-and-safety training", id="scope-before-cancelled-and-learner",
        ),
        pytest.param(training(declarable=False, session_cancelled=True), LEARNER, "marked not declarable in Dendreo", id="flag-before-cancelled"),
        pytest.param(training(session_cancelled=True), learner(enrolled=False), "session failed or cancelled in Dendreo", id="cancelled-before-learner"),
        pytest.param(ADF_TRAINING, learner(enrolled=False, refused_nir=True, attended=False), "removed from the session", id="removed-before-refused"),
        pytest.param(ADF_TRAINING, learner(refused_nir=True, attended=False), "not declarable: no NIR (learner refused)", id="refused-before-absent"),
        pytest.param(training(end=D(2025, 1, 31), rome_codes=()), learner(nir=None), "ended before the Passeport opened (28/04/2025)", id="date-before-validation"),
    ],
)
def test_first_exclusion_in_decision_order_wins(t, lrn, reason):
    assert run(t, lrn).reasons == (reason,)


@pytest.mark.parametrize(
    "t",
    [
        pytest.param(training(declarable=True, preset_key="conduite-reunion"), id="flag-true-overrides-non-declarable-preset"),
        pytest.param(training(declarable=True, has_passeport_data=False, preset_key=None), id="flag-true-without-any-data"),
        pytest.param(training(has_passeport_data=False), id="preset-without-other-data"),
        pytest.param(training(preset_key=None), id="data-without-preset"),
        pytest.param(training(preset_key="not-a-known-preset", has_passeport_data=False), id="unknown-preset-key"),
    ],
)
def test_trainings_in_scope_are_assessed(t):
    assert run(t).state is TitulaireState.READY


def test_in_scope_training_without_codes_is_invalid_not_excluded():
    a = run(training(declarable=True, has_passeport_data=False, preset_key=None, rome_codes=(), formacodes=(), nsf_codes=()))
    assert a.state is TitulaireState.INVALID
    assert len(a.reasons) == 3


def test_absent_learner_is_declared_when_policy_says_so():
    assert run(lrn=learner(attended=False), absent_is_excluded=False).state is TitulaireState.READY


def test_unknown_attendance_is_declared_with_a_warning():
    a = run(lrn=learner(attended=None))
    assert a.state is TitulaireState.READY
    assert a.warnings == ("attendance not recorded in Dendreo; declared as attended",)


# -- ADF or JDR -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declaration_type", "passed", "policy", "expected"),
    [
        pytest.param("ADF", True, {}, DeclarationType.ADF, id="adf-training-passed"),
        pytest.param("ADF", False, {}, DeclarationType.ADF, id="adf-training-failed"),
        pytest.param("ADF", None, {"unknown_result_jdr": False}, DeclarationType.ADF, id="adf-training-no-result"),
        pytest.param("adf", None, {}, DeclarationType.ADF, id="lowercase-type"),
        pytest.param("JDR", True, {}, DeclarationType.JDR, id="jdr-passed"),
        pytest.param("JDR", True, {"failed_jdr_as_adf": False, "unknown_result_jdr": False}, DeclarationType.JDR, id="jdr-passed-any-policy"),
        pytest.param("JDR", False, {}, DeclarationType.ADF, id="jdr-failed-declared-as-adf"),
        pytest.param("JDR", None, {}, DeclarationType.JDR, id="jdr-no-result-counts-as-passed"),
    ],
)
def test_declaration_type(declaration_type, passed, policy, expected):
    a = run(jdr(declaration_type=declaration_type), learner(passed=passed), **policy)
    assert a.state is TitulaireState.READY, a.reasons
    assert a.declaration_type is expected


def test_jdr_without_result_is_invalid_when_policy_does_not_assume_passed():
    a = run(JDR_TRAINING, learner(passed=None), unknown_result_jdr=False)
    assert a.state is TitulaireState.INVALID
    assert a.declaration_type is None
    assert a.reasons == ("no evaluation result recorded in Dendreo (needed to declare a JDR, or an ADF when failed)",)
    assert a.deadline == D(2026, 9, 30)


@pytest.mark.parametrize(
    ("declaration_type", "reason"),
    [
        pytest.param(None, "declaration type (ADF or JDR) is not set for this training in Dendreo", id="missing"),
        pytest.param("ATTESTATION", "declaration type 'ATTESTATION' is neither ADF nor JDR", id="unknown"),
    ],
)
def test_unknown_declaration_type_is_invalid(declaration_type, reason):
    a = run(training(declaration_type=declaration_type))
    assert a.state is TitulaireState.INVALID
    assert a.reasons == (reason,)


def test_jdr_carries_type_and_defaults_its_name_to_the_training_name():
    a = run(JDR_TRAINING, learner(passed=True))
    assert a.extra["jdr_type"] == "CERTIFICAT"
    assert a.extra["jdr_name"] == "Sauveteur Secouriste du Travail"


def test_jdr_name_from_dendreo_is_kept():
    assert run(jdr(jdr_name="Certificat SST"), learner(passed=True)).extra["jdr_name"] == "Certificat SST"


@pytest.mark.parametrize(
    ("t", "reason"),
    [
        pytest.param(jdr(jdr_type=None), "JDR type is not set in Dendreo", id="no-jdr-type"),
        pytest.param(jdr(jdr_type="BREVET"), "JDR type 'BREVET' is not one of", id="unknown-jdr-type"),
        pytest.param(jdr(jdr_name="N" * 256), "JDR name is 256 characters; the portal takes at most 255", id="jdr-name-too-long"),
    ],
)
def test_jdr_fields_are_required_and_checked(t, reason):
    a = run(t, learner(passed=True))
    assert a.state is TitulaireState.INVALID
    assert any(reason in r for r in a.reasons), a.reasons


def test_failed_jdr_declared_as_adf_needs_no_jdr_fields():
    a = run(jdr(jdr_type=None), learner(passed=False))
    assert a.state is TitulaireState.READY
    assert "jdr_type" not in a.extra


# -- validity and deadline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "months", "validity_end"),
    [
        pytest.param(D(2026, 3, 3), 24, D(2028, 3, 3), id="24-months-same-day"),
        pytest.param(D(2026, 3, 31), 11, D(2027, 2, 28), id="clamped-to-month-end"),
        pytest.param(D(2026, 3, 31), 12, D(2027, 3, 31), id="one-year"),
        pytest.param(D(2026, 3, 3), None, None, id="no-validity"),
    ],
)
def test_validity_starts_at_training_end_and_lasts_its_months(end, months, validity_end):
    a = run(jdr(end=end, validity_months=months), learner(passed=True))
    assert a.state is TitulaireState.READY
    assert (a.validity_start, a.validity_end) == (end, validity_end)


@pytest.mark.parametrize("months", [0, -6], ids=["zero", "negative"])
def test_non_positive_validity_is_invalid(months):
    a = run(jdr(validity_months=months), learner(passed=True))
    assert a.reasons == (f"validity of {months} months: expected a positive number of months",)


@pytest.mark.parametrize(
    ("end", "deadline", "optional"),
    [
        pytest.param(D(2025, 6, 30), None, True, id="transition-optional"),
        pytest.param(D(2025, 9, 2), D(2026, 9, 30), False, id="late-2025"),
        pytest.param(D(2026, 4, 1), D(2026, 12, 31), False, id="2026-Q2"),
    ],
)
def test_deadline_follows_the_training_end(end, deadline, optional):
    for t, lrn in ((training(start=end, end=end), LEARNER), (jdr(start=end, end=end), learner(passed=True))):
        a = run(t, lrn)
        assert a.state is TitulaireState.READY
        assert (a.deadline, a.optional) == (deadline, optional)


# -- validation: every reason ---------------------------------------------------------------------


def test_invalid_titulaire_lists_every_reason_and_keeps_its_deadline():
    t = training(end=D(2026, 3, 3), rome_codes=("100016", "400094"), formacodes=())
    lrn = learner(nir=NIR13 + "00", birth_name="Martin-" + "B" * 30, employer_siret=None)
    a = run(t, lrn)
    assert a.state is TitulaireState.INVALID
    assert len(a.reasons) == 5
    for fragment in ("2 ROME competency codes", "0 Formacodes", "NIR key 00", "birth name is 37 characters", "no employer SIRET"):
        assert any(fragment in r for r in a.reasons), fragment
    assert a.deadline == D(2026, 9, 30)
    assert a.nir13 is None and a.birth_name is None


def test_valid_fields_of_an_invalid_titulaire_are_kept():
    a = run(training(rome_codes=()))
    assert a.state is TitulaireState.INVALID
    assert (a.nir13, a.birth_name) == (NIR13, "MARTIN")


def test_training_in_the_future_is_invalid():
    a = run(training(start=D(2026, 6, 20), end=D(2026, 6, 21)))
    assert a.reasons == ("training start date 20/06/2026 is in the future", "training end date 21/06/2026 is in the future")
    assert a.deadline == D(2026, 12, 31)


def test_missing_end_date_is_invalid_without_deadline():
    a = run(training(end=None))
    assert a.reasons == ("training end date is missing in Dendreo",)
    assert (a.deadline, a.validity_start) == (None, None)


def test_missing_nir_is_invalid():
    assert run(lrn=learner(nir=None)).reasons == ("no NIR in Dendreo",)


def test_certifying_training_drops_formacodes_and_nsf_with_warnings():
    a = run(jdr(certifying=True, rs_code="RS6869", jdr_type="CERTIFICAT"), learner(passed=True))
    assert a.state is TitulaireState.READY
    assert len(a.warnings) == 2


# -- employer -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lrn", "state", "extra"),
    [
        pytest.param(learner(employer_present=False, employer_siret="garbage"), TitulaireState.READY, {}, id="absent-employer-siret-ignored"),
        pytest.param(learner(employer_present=False, employer_siret=None), TitulaireState.READY, {}, id="absent-employer-no-siret"),
        pytest.param(
            learner(employer_siret=" ".join((SIRET[:9], SIRET[9:])), employer_reference=" PO-42 "),
            TitulaireState.READY,
            {"employer_siret": SIRET, "employer_reference": "PO-42"},
            id="present-employer-normalised",
        ),
        pytest.param(learner(employer_siret=None), TitulaireState.INVALID, {}, id="present-employer-needs-siret"),
        pytest.param(learner(employer_siret=SIRET[:13]), TitulaireState.INVALID, {}, id="present-employer-bad-siret"),
        pytest.param(learner(employer_reference="R" * 256), TitulaireState.INVALID, {"employer_siret": SIRET}, id="reference-too-long"),
    ],
)
def test_employer(lrn, state, extra):
    a = run(lrn=lrn)
    assert a.state is state, a.reasons
    assert a.extra == extra


# -- no NIR in any reason -------------------------------------------------------------------------

BAD_NIRS = [
    NIR13 + "00",
    NIR13 + "0",
    NIR13[:12],
    NIR13[:6] + "X" + NIR13[7:],
    NIR13[:3] + "13" + NIR13[5:],
    " ".join([NIR13[:1], NIR13[1:3], NIR13[3:5], NIR13[5:7], NIR13[7:10], NIR13[10:13], "99"]),
]


@pytest.mark.parametrize("nir", BAD_NIRS, ids=["wrong-key", "14-chars", "12-chars", "letter", "month-13", "spaced-wrong-key"])
def test_no_reason_or_warning_of_an_assessment_contains_the_nir(nir):
    a = run(training(rome_codes=("100016",)), learner(nir=nir, birth_name="Martin2"))
    assert a.state is TitulaireState.INVALID
    text = " | ".join(a.reasons + a.warnings)
    compact = nir.replace(" ", "")
    assert compact not in text
    assert compact[:13] not in text
    assert NIR13[5:13] not in text

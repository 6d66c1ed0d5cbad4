"""Field rules of the portal, table by table. NIRs are synthetic (keys from stdnum), never real."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from stdnum import luhn
from stdnum.fr.nir import calc_check_digits

from connector.domain import JdrType, Modalite, TrainerQualification, TrainingFacts
from connector.rules import (
    CodeListRule,
    check_birth_name,
    check_certification,
    check_codes,
    check_jdr_type,
    check_modalite,
    check_nir,
    check_rome_codes,
    check_rs_code,
    check_siret,
    check_text,
    check_trainer_qualification,
    check_training,
    check_training_dates,
    check_training_name,
    check_validity,
    mask_nir,
    split_codes,
)
from connector.rules.validation import FORMACODE_RULE, NSF_RULE, ROME_RULE

D = dt.date
TODAY = D(2026, 6, 15)

# synthetic NIR bodies (13 characters): sex, year, month, department, commune, serial
MAINLAND = "1850399999001"
CORSICA_2A = "285032A004012"
CORSICA_2B = "185032B123045"


def key(nir13: str) -> str:
    return calc_check_digits(nir13)


def wrong_key(nir13: str) -> str:
    return f"{int(key(nir13)) % 97 + 1:02d}"


def siret_with_check_digit(body13: str) -> str:
    """A Luhn-valid SIRET whose SIREN part is Luhn-valid too."""
    siren = body13[:8] + luhn.calc_check_digit(body13[:8])
    nic4 = body13[9:13]
    return siren + nic4 + luhn.calc_check_digit(siren + nic4)


VALID_SIRET = siret_with_check_digit("1234567800012")
LA_POSTE_ESTABLISHMENT = "35600000010000"  # digit sum multiple of 5, not Luhn-valid


# -- split_codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("344r", ["344r"], id="single"),
        pytest.param("42866,42875", ["42866", "42875"], id="comma"),
        pytest.param("42866; 42875", ["42866", "42875"], id="semicolon-and-space"),
        pytest.param("100016/400094/404181", ["100016", "400094", "404181"], id="slash"),
        pytest.param("a b\tc\nd", ["a", "b", "c", "d"], id="any-whitespace"),
        pytest.param(" ,a;;/ b, ", ["a", "b"], id="runs-of-separators-and-edges"),
        pytest.param("", [], id="empty"),
        pytest.param(None, [], id="none"),
    ],
)
def test_split_codes_splits_on_commas_semicolons_slashes_and_whitespace(text, expected):
    assert split_codes(text) == expected


# -- NIR ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(MAINLAND + key(MAINLAND), MAINLAND, id="15-with-correct-key"),
        pytest.param(MAINLAND, MAINLAND, id="13-without-key"),
        pytest.param("1 85 03 99 999 001 " + key(MAINLAND), MAINLAND, id="15-with-spaces"),
        pytest.param("1.85.03.99.999.001", MAINLAND, id="13-with-dots"),
        pytest.param(f"  {MAINLAND}\t", MAINLAND, id="surrounding-whitespace"),
        pytest.param(CORSICA_2A + key(CORSICA_2A), CORSICA_2A, id="corsica-2A-correct-key"),
        pytest.param(CORSICA_2B + key(CORSICA_2B), CORSICA_2B, id="corsica-2B-correct-key"),
        pytest.param(CORSICA_2A.lower() + key(CORSICA_2A), CORSICA_2A, id="corsica-lowercase-2a"),
        pytest.param(CORSICA_2B, CORSICA_2B, id="corsica-13-without-key"),
        pytest.param("1852099999001", "1852099999001", id="fictitious-month-20"),
        pytest.param("1854299999001", "1854299999001", id="fictitious-month-42"),
        pytest.param("1855099999001", "1855099999001", id="fictitious-month-50"),
        pytest.param("1859999999001", "1859999999001", id="fictitious-month-99"),
        pytest.param("1851299999001", "1851299999001", id="month-12"),
    ],
)
def test_valid_nir_is_returned_as_the_13_characters_the_portal_takes(raw, expected):
    checked = check_nir(raw)
    assert checked.reasons == ()
    assert checked.value == expected


def test_corsica_key_is_computed_on_the_department_letters_not_as_digits():
    # 2A counts as 19 and 2B as 18: the 2A key on the same digits as 2B must be rejected
    swapped = CORSICA_2A.replace("2A", "2B")
    assert key(swapped) != key(CORSICA_2A)
    assert check_nir(swapped + key(CORSICA_2A)).reasons == (
        f"NIR key {key(CORSICA_2A)} does not match (expected {key(swapped)}): a digit is probably mistyped",
    )


INVALID_NIRS = [
    pytest.param(MAINLAND + wrong_key(MAINLAND), f"NIR key {wrong_key(MAINLAND)} does not match (expected {key(MAINLAND)})", id="wrong-key"),
    pytest.param(CORSICA_2A + wrong_key(CORSICA_2A), "does not match", id="corsica-2A-wrong-key"),
    pytest.param(CORSICA_2B + wrong_key(CORSICA_2B), "does not match", id="corsica-2B-wrong-key"),
    pytest.param(MAINLAND + "7", "NIR has 14 characters; expected 13 (without key) or 15 (with key)", id="14-chars"),
    pytest.param(MAINLAND[:12], "NIR has 12 characters", id="12-chars"),
    pytest.param(MAINLAND + key(MAINLAND) + "1", "NIR has 16 characters", id="16-chars"),
    pytest.param("1850399999O01", "characters other than digits", id="letter-O-for-zero"),
    pytest.param("185032C123045", "characters other than digits", id="department-2C"),
    pytest.param("18503A9999001", "characters other than digits", id="letter-outside-department"),
    pytest.param("1850399999-001", "characters other than digits", id="hyphen"),
    pytest.param("1851399999001", "NIR month 13 is not a birth month", id="month-13"),
    pytest.param("1850099999001", "NIR month 00 is not a birth month", id="month-00"),
    pytest.param("1854399999001", "NIR month 43 is not a birth month", id="month-43"),
    pytest.param("1854999999001", "NIR month 49 is not a birth month", id="month-49"),
]


@pytest.mark.parametrize(("raw", "reason"), INVALID_NIRS)
def test_invalid_nir_gives_a_precise_reason_and_no_value(raw, reason):
    checked = check_nir(raw)
    assert checked.value is None
    assert any(reason in r for r in checked.reasons), checked.reasons


@pytest.mark.parametrize("raw", [None, "", "   ", " . "], ids=["none", "empty", "blank", "only-separators"])
def test_missing_nir_is_a_reason(raw):
    assert check_nir(raw).reasons == ("no NIR in Dendreo",)


def test_wrong_length_and_letters_are_both_reported():
    reasons = check_nir("1850399X99").reasons
    assert len(reasons) == 2
    assert "10 characters" in reasons[0] and "other than digits" in reasons[1]


@pytest.mark.parametrize(("raw", "_reason"), INVALID_NIRS)
def test_no_reason_ever_contains_the_nir(raw, _reason):
    compact = raw.replace(" ", "").replace(".", "")
    reasons = " | ".join(check_nir(raw).reasons)
    assert compact not in reasons and compact.upper() not in reasons
    assert compact[:13] not in reasons
    assert compact[5:13] not in reasons  # department + commune + serial: the identifying part


# -- mask_nir -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nir", "masked"),
    [
        pytest.param(MAINLAND + key(MAINLAND), f"1 85 03 ** *** *** {key(MAINLAND)}", id="15-chars"),
        pytest.param("1 85 03 99 999 001 " + key(MAINLAND), f"1 85 03 ** *** *** {key(MAINLAND)}", id="15-with-spaces"),
        pytest.param(MAINLAND, "1 85 03 ** *** *01", id="13-chars"),
        pytest.param(CORSICA_2A, "2 85 03 ** *** *12", id="corsica"),
        pytest.param(MAINLAND + "7", "18503*******17", id="14-chars"),
        pytest.param("12345678901", "***********", id="short-fully-masked"),
        pytest.param("", "", id="empty"),
    ],
)
def test_mask_nir_shows_only_sex_year_month_and_last_two(nir, masked):
    assert mask_nir(nir) == masked


@pytest.mark.parametrize(
    "nir",
    [MAINLAND + key(MAINLAND), MAINLAND, CORSICA_2B + key(CORSICA_2B), MAINLAND + "7", MAINLAND + "77", "1" * 40, "123456789012"],
    ids=["15", "13", "corsica-15", "14", "16", "40", "12"],
)
def test_mask_nir_never_shows_more_than_seven_characters(nir):
    shown = [ch for ch in mask_nir(nir) if ch not in "* "]
    assert len(shown) <= 7


# -- birth name -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Dupont", "DUPONT", id="upper-cased"),
        pytest.param("  de   la \t Tour ", "DE LA TOUR", id="whitespace-trimmed-and-collapsed"),
        pytest.param("Lefèvre-Ébrard", "LEFÈVRE-ÉBRARD", id="accents-kept"),
        pytest.param("Müller", "MÜLLER", id="umlaut"),
        pytest.param("Œuvray", "ŒUVRAY", id="ligature"),
        pytest.param("d'Artagnan", "D'ARTAGNAN", id="apostrophe"),
        pytest.param("d\u2019Artagnan", "D'ARTAGNAN", id="typographic-apostrophe-normalised"),
        pytest.param("Le\u0301a", "LÉA", id="decomposed-accent-composed"),
        pytest.param("A" * 30, "A" * 30, id="30-chars"),
        pytest.param("E\u0301" * 30, "É" * 30, id="30-decomposed-accents-count-as-30"),
        pytest.param("X", "X", id="one-letter"),
    ],
)
def test_valid_birth_name_is_normalised_for_the_portal(raw, expected):
    checked = check_birth_name(raw)
    assert checked.reasons == ()
    assert checked.value == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param("A" * 31, "birth name is 31 characters; the portal takes at most 30 and forbids truncation", id="31-chars"),
        pytest.param("Martin-" + "B" * 30, "birth name is 37 characters", id="long-compound"),
        pytest.param("Dupont2", "birth name contains '2'", id="digit"),
        pytest.param("Dupont_Martin", "birth name contains '_'", id="underscore"),
        pytest.param("Dupont (Martin)", "birth name contains '(', ')'", id="parentheses"),
        pytest.param("Иванов", "only letters, spaces, hyphens and apostrophes", id="non-latin-letters"),
        pytest.param("--", "birth name has no letter", id="no-letter"),
        pytest.param(None, "no birth name in Dendreo", id="none"),
        pytest.param("   ", "no birth name in Dendreo", id="blank"),
    ],
)
def test_invalid_birth_name_gives_a_reason_and_is_never_truncated(raw, reason):
    checked = check_birth_name(raw)
    assert checked.value is None
    assert any(reason in r for r in checked.reasons), checked.reasons


def test_too_long_name_with_a_bad_character_reports_both():
    assert len(check_birth_name("Dupont2" + "A" * 30).reasons) == 2


# -- SIRET ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(VALID_SIRET, VALID_SIRET, id="14-digits"),
        pytest.param(f"{VALID_SIRET[:3]} {VALID_SIRET[3:6]} {VALID_SIRET[6:9]} {VALID_SIRET[9:]}", VALID_SIRET, id="with-spaces"),
        pytest.param("35600000000048", "35600000000048", id="la-poste-head-office"),
        pytest.param(LA_POSTE_ESTABLISHMENT, LA_POSTE_ESTABLISHMENT, id="la-poste-establishment-not-luhn"),
    ],
)
def test_valid_siret_is_returned_as_14_digits(raw, expected):
    checked = check_siret(raw)
    assert checked.reasons == ()
    assert checked.value == expected


def test_la_poste_case_really_bypasses_luhn():
    assert not luhn.is_valid(LA_POSTE_ESTABLISHMENT)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(VALID_SIRET[:13] + str((int(VALID_SIRET[13]) + 1) % 10), "fails its check digit", id="wrong-check-digit"),
        pytest.param("35600000010001", "fails its check digit", id="la-poste-bad-sum"),
        pytest.param(VALID_SIRET[:13], "employer SIRET has 13 digits; expected 14", id="13-digits"),
        pytest.param(VALID_SIRET + "0", "has 15 digits", id="15-digits"),
        pytest.param(VALID_SIRET[:13] + "X", "characters other than digits", id="letter"),
        pytest.param(None, "no employer SIRET in Dendreo", id="none"),
        pytest.param("  ", "no employer SIRET in Dendreo", id="blank"),
    ],
)
def test_invalid_siret_gives_a_reason(raw, reason):
    checked = check_siret(raw)
    assert checked.value is None
    assert any(reason in r for r in checked.reasons), checked.reasons


# -- code lists -----------------------------------------------------------------------------------

KNOWN_ROME = ["100016", "400094", "404181", "115650", "400635", "114955", "120864", "400610", "103885", "102382", "496733"]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        pytest.param(KNOWN_ROME[:3], tuple(KNOWN_ROME[:3]), id="3-codes"),
        pytest.param(KNOWN_ROME[:10], tuple(KNOWN_ROME[:10]), id="10-codes"),
        pytest.param([" 100016 ", "400094", "", "404181"], ("100016", "400094", "404181"), id="trimmed-and-empties-dropped"),
        pytest.param(["404181", "100016", "404181", "400094", "100016"], ("404181", "100016", "400094"), id="duplicates-dropped-order-kept"),
        pytest.param(KNOWN_ROME[:10] + [KNOWN_ROME[0]], tuple(KNOWN_ROME[:10]), id="11-with-a-duplicate-is-10"),
    ],
)
def test_rome_codes_accepted(codes, expected):
    checked = check_rome_codes(codes)
    assert checked.reasons == ()
    assert checked.warnings == ()
    assert checked.value == expected


@pytest.mark.parametrize(
    ("codes", "reason"),
    [
        pytest.param([], "0 ROME competency codes; the portal takes 3 to 10", id="none"),
        pytest.param(KNOWN_ROME[:2], "2 ROME competency codes; the portal takes 3 to 10", id="2-codes"),
        pytest.param(KNOWN_ROME[:11], "11 ROME competency codes; the portal takes 3 to 10", id="11-codes"),
        pytest.param(["100016", "100016", "400094"], "2 ROME competency codes", id="3-with-a-duplicate-is-2"),
        pytest.param(["K1705", *KNOWN_ROME[:3]], "ROME competency code K1705 malformed: expected 6 digits (ROME 4.0 competencies, not job codes", id="rome-job-code"),
        pytest.param(["10001", *KNOWN_ROME[:3]], "10001 malformed", id="5-digits"),
        pytest.param(["K1705", *KNOWN_ROME[:2]], "2 valid ROME competency codes", id="malformed-and-too-few"),
    ],
)
def test_rome_codes_rejected(codes, reason):
    checked = check_rome_codes(codes)
    assert checked.value is None
    assert any(reason in r for r in checked.reasons), checked.reasons


def test_unknown_rome_code_is_only_a_warning():
    checked = check_rome_codes(["999999", *KNOWN_ROME[:2]])
    assert checked.reasons == ()
    assert checked.value == ("999999", *KNOWN_ROME[:2])
    assert checked.warnings == ("ROME competency code 999999 is not in the connector's list; the portal will check it exists",)


@pytest.mark.parametrize(
    ("codes", "rule", "expected"),
    [
        pytest.param(["42866"], FORMACODE_RULE, ("42866",), id="1-formacode"),
        pytest.param(["42866", "42875", "42829", "42817", "42819"], FORMACODE_RULE, ("42866", "42875", "42829", "42817", "42819"), id="5-formacodes"),
        pytest.param(["344r"], NSF_RULE, ("344r",), id="1-nsf"),
        pytest.param(["344R", "255m", "230r"], NSF_RULE, ("344r", "255m", "230r"), id="3-nsf-lowercased"),
        pytest.param(["344r", "344R"], NSF_RULE, ("344r",), id="nsf-duplicate-after-lowercasing"),
    ],
)
def test_formacode_and_nsf_lists_accepted(codes, rule, expected):
    checked = check_codes(codes, rule)
    assert checked.reasons == ()
    assert checked.value == expected


@pytest.mark.parametrize(
    ("codes", "rule", "reason"),
    [
        pytest.param([], FORMACODE_RULE, "0 Formacodes; the portal takes 1 to 5", id="no-formacode"),
        pytest.param(["42866", "42875", "42829", "42817", "42819", "31776"], FORMACODE_RULE, "6 Formacodes; the portal takes 1 to 5", id="6-formacodes"),
        pytest.param(["4286"], FORMACODE_RULE, "Formacode 4286 malformed: expected 5 digits", id="4-digit-formacode"),
        pytest.param([], NSF_RULE, "0 NSF codes; the portal takes 1 to 3", id="no-nsf"),
        pytest.param(["344r", "255m", "230r", "311u"], NSF_RULE, "4 NSF codes; the portal takes 1 to 3", id="4-nsf"),
        pytest.param(["344"], NSF_RULE, "NSF code 344 malformed: expected 3 digits and a letter", id="nsf-without-letter"),
        pytest.param(["34r"], NSF_RULE, "NSF code 34r malformed", id="nsf-2-digits"),
    ],
)
def test_formacode_and_nsf_lists_rejected(codes, rule, reason):
    checked = check_codes(codes, rule)
    assert checked.value is None
    assert any(reason in r for r in checked.reasons), checked.reasons


def test_joined_length_limit_is_enforced():
    tight = CodeListRule("code", "2 digits", re.compile(r"[0-9]{2}"), 1, 5, 8)
    assert check_codes(["10", "11", "12"], tight).value == ("10", "11", "12")  # "10/11/12" = 8
    assert check_codes(["10", "11", "12", "13"], tight).reasons == ("codes take 11 characters; the portal takes at most 8",)


@pytest.mark.parametrize(("rule", "width"), [(ROME_RULE, 6), (FORMACODE_RULE, 5), (NSF_RULE, 4)], ids=["rome-70", "formacode-30", "nsf-15"])
def test_longest_accepted_list_fits_the_portal_field(rule, width):
    codes = [str(n).zfill(width - 1) + "a" if rule is NSF_RULE else str(n).zfill(width) for n in range(rule.max_count)]
    checked = check_codes(codes, rule)
    assert checked.reasons == ()
    assert len("/".join(checked.value)) <= rule.max_joined


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("RS6869", "RS6869", id="plain"),
        pytest.param(" rs6869 ", "RS6869", id="lowercase-and-spaces"),
        pytest.param("RS1234567", "RS1234567", id="9-chars"),
    ],
)
def test_rs_code_accepted(raw, expected):
    assert check_rs_code(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(None, "certifying training without an RS code in Dendreo; the portal needs exactly one", id="none"),
        pytest.param("RS6869, RS6870", "2 RS codes (RS6869, RS6870); the portal takes exactly one", id="two"),
        pytest.param("RS12345678", "RS code RS12345678 malformed", id="10-chars"),
        pytest.param("RX6869", "RS code RX6869 malformed", id="wrong-prefix"),
        pytest.param("RS", "RS code RS malformed", id="no-digits"),
        pytest.param("6869", "RS code 6869 malformed", id="no-prefix"),
    ],
)
def test_rs_code_rejected(raw, reason):
    checked = check_rs_code(raw)
    assert checked.value is None
    assert any(reason in r for r in checked.reasons), checked.reasons


# -- certifying or not ----------------------------------------------------------------------------


def test_certifying_keeps_the_rs_code_and_drops_formacodes_and_nsf_with_warnings():
    checked = check_certification(True, "RS6869", ["31784"], ["311u"])
    assert checked.reasons == ()
    assert checked.value.certifying is True
    assert checked.value.rs_code == "RS6869"
    assert checked.value.formacodes == () and checked.value.nsf_codes == ()
    assert checked.warnings == (
        "Formacodes dropped: a certifying training declares its RS code only",
        "NSF codes dropped: a certifying training declares its RS code only",
    )


def test_certifying_without_codes_to_drop_has_no_warning():
    assert check_certification(True, "RS6869", [], []).warnings == ()


def test_certifying_without_rs_code_is_invalid():
    checked = check_certification(True, None, ["31784"], ["311u"])
    assert checked.value is None
    assert checked.reasons == ("certifying training without an RS code in Dendreo; the portal needs exactly one",)


def test_not_certifying_keeps_formacodes_and_nsf_and_drops_the_rs_code_with_a_warning():
    checked = check_certification(False, "RS6869", ["42866"], ["344r"])
    assert checked.reasons == ()
    assert (checked.value.rs_code, checked.value.formacodes, checked.value.nsf_codes) == (None, ("42866",), ("344r",))
    assert checked.warnings == ("RS code RS6869 dropped: the training is not certifying",)


@pytest.mark.parametrize(
    ("formacodes", "nsf", "count"),
    [
        pytest.param([], ["344r"], 1, id="no-formacode"),
        pytest.param(["42866"], [], 1, id="no-nsf"),
        pytest.param([], [], 2, id="neither"),
    ],
)
def test_not_certifying_needs_formacodes_and_nsf(formacodes, nsf, count):
    checked = check_certification(False, None, formacodes, nsf)
    assert checked.value is None
    assert len(checked.reasons) == count


def test_certifying_unknown_is_invalid():
    assert check_certification(None, "RS6869", ["42866"], ["344r"]).reasons == (
        "certifying or not (OUI/NON) is not set for this training in Dendreo",
    )


# -- enumerations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "raw", "expected"),
    [
        pytest.param(check_modalite, "PRESENTIEL", Modalite.PRESENTIEL, id="modalite-exact"),
        pytest.param(check_modalite, "présentiel", Modalite.PRESENTIEL, id="modalite-accented-lowercase"),
        pytest.param(check_modalite, "à distance", Modalite.A_DISTANCE, id="modalite-words"),
        pytest.param(check_modalite, "Mixte", Modalite.MIXTE, id="modalite-mixte"),
        pytest.param(check_modalite, None, None, id="modalite-optional"),
        pytest.param(check_modalite, "  ", None, id="modalite-blank-is-empty"),
        pytest.param(check_trainer_qualification, "PREVENTEUR", TrainerQualification.PREVENTEUR, id="qualification-exact"),
        pytest.param(
            check_trainer_qualification,
            "Formateur d\u2019adultes formation spécialisée",
            TrainerQualification.FORMATEUR_D_ADULTES_FORMATION_SPECIALISEE,
            id="qualification-words",
        ),
        pytest.param(check_trainer_qualification, "responsable-qhse", TrainerQualification.RESPONSABLE_QHSE, id="qualification-hyphen"),
        pytest.param(check_trainer_qualification, None, None, id="qualification-optional"),
        pytest.param(check_jdr_type, "habilitation", JdrType.HABILITATION, id="jdr-type-lowercase"),
        pytest.param(check_jdr_type, "CERTIFICAT", JdrType.CERTIFICAT, id="jdr-type-exact"),
    ],
)
def test_enumerations_accepted(check, raw, expected):
    checked = check(raw)
    assert checked.reasons == ()
    assert checked.value == expected


@pytest.mark.parametrize(
    ("check", "raw", "reason"),
    [
        pytest.param(check_modalite, "hybride", "modalité 'hybride' is not one of A_DISTANCE, PRESENTIEL, MIXTE", id="modalite-unknown"),
        pytest.param(check_trainer_qualification, "FORMATEUR", "trainer qualification 'FORMATEUR' is not one of ENSEIGNANT", id="qualification-unknown"),
        pytest.param(check_jdr_type, None, "JDR type is not set in Dendreo", id="jdr-type-required"),
        pytest.param(check_jdr_type, "LICENCE", "JDR type 'LICENCE' is not one of DIPLOME, TITRE, HABILITATION, CERTIFICAT", id="jdr-type-unknown"),
    ],
)
def test_enumerations_rejected(check, raw, reason):
    checked = check(raw)
    assert checked.value is None
    assert any(reason in r for r in checked.reasons), checked.reasons


# -- texts and dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "reason"),
    [
        pytest.param("SST  initial ", "SST initial", None, id="trimmed"),
        pytest.param("N" * 250, "N" * 250, None, id="250-chars"),
        pytest.param("N" * 251, None, "training name is 251 characters; the portal takes at most 250", id="251-chars"),
        pytest.param("", None, "training name is missing", id="empty"),
        pytest.param(None, None, "training name is missing", id="none"),
    ],
)
def test_training_name(raw, expected, reason):
    checked = check_training_name(raw)
    assert checked.value == expected
    assert checked.reasons == ((reason,) if reason else ())


def test_optional_text_may_be_empty_but_not_too_long():
    assert check_text(None, label="employer reference", max_len=255, required=False).reasons == ()
    assert check_text("R" * 256, label="employer reference", max_len=255, required=False).reasons == (
        "employer reference is 256 characters; the portal takes at most 255",
    )


@pytest.mark.parametrize(
    ("start", "end", "reasons"),
    [
        pytest.param(D(2026, 3, 2), D(2026, 3, 3), (), id="start-before-end"),
        pytest.param(D(2026, 3, 3), D(2026, 3, 3), (), id="same-day"),
        pytest.param(D(2026, 6, 15), D(2026, 6, 15), (), id="ends-today"),
        pytest.param(D(2026, 3, 4), D(2026, 3, 3), ("training starts 04/03/2026, after its end 03/03/2026",), id="start-after-end"),
        pytest.param(D(2026, 6, 10), D(2026, 6, 16), ("training end date 16/06/2026 is in the future",), id="end-tomorrow"),
        pytest.param(
            D(2026, 6, 16),
            D(2026, 6, 17),
            ("training start date 16/06/2026 is in the future", "training end date 17/06/2026 is in the future"),
            id="both-future",
        ),
        pytest.param(None, D(2026, 3, 3), ("training start date is missing in Dendreo",), id="no-start"),
        pytest.param(D(2026, 3, 3), None, ("training end date is missing in Dendreo",), id="no-end"),
    ],
)
def test_training_dates(start, end, reasons):
    checked = check_training_dates(start, end, today=TODAY)
    assert checked.reasons == reasons
    assert checked.value == (None if reasons else (start, end))


@pytest.mark.parametrize(
    ("validity_start", "validity_end", "reasons"),
    [
        pytest.param(D(2026, 3, 3), None, (), id="starts-at-training-end-no-end"),
        pytest.param(D(2026, 3, 4), D(2026, 3, 4), (), id="one-day"),
        pytest.param(D(2026, 3, 2), None, ("validity starts 02/03/2026, before the training end 03/03/2026",), id="starts-before-training-end"),
        pytest.param(D(2026, 3, 3), D(2026, 3, 2), ("validity ends 02/03/2026, before it starts 03/03/2026",), id="ends-before-start"),
    ],
)
def test_validity_dates(validity_start, validity_end, reasons):
    assert check_validity(validity_start, validity_end, training_end=D(2026, 3, 3)) == reasons


# -- the whole training ---------------------------------------------------------------------------


def test_valid_training_is_normalised():
    facts = TrainingFacts(
        session_number="S-1",
        name=" Gestes et  postures ",
        start=D(2026, 3, 2),
        end=D(2026, 3, 3),
        modalite="presentiel",
        rome_codes=("100016", "400094", "404181"),
        trainer_qualification="preventeur",
        certifying=False,
        rs_code=None,
        formacodes=("31776",),
        nsf_codes=("344R",),
    )
    checked = check_training(facts, today=TODAY)
    assert checked.reasons == ()
    training = checked.value
    assert training.name == "Gestes et postures"
    assert (training.start, training.end) == (D(2026, 3, 2), D(2026, 3, 3))
    assert training.modalite is Modalite.PRESENTIEL
    assert training.trainer_qualification is TrainerQualification.PREVENTEUR
    assert training.rome_codes == ("100016", "400094", "404181")
    assert training.certification.nsf_codes == ("344r",)


def test_invalid_training_reports_every_field():
    facts = TrainingFacts(
        session_number="S-1",
        name="",
        start=D(2026, 3, 4),
        end=D(2026, 3, 3),
        modalite="hybride",
        rome_codes=("100016",),
        trainer_qualification="chef",
        certifying=None,
    )
    checked = check_training(facts, today=TODAY)
    assert checked.value is None
    assert len(checked.reasons) == 6
    for fragment in ("training name", "after its end", "modalité", "ROME", "trainer qualification", "certifying"):
        assert any(fragment in r for r in checked.reasons), fragment

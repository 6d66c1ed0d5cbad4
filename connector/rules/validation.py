"""The portal's field rules (portal.md "Fields and rules"), one small pure function per field.

Every `check_*` function returns a `Checked`: the value the portal takes (normalised), the
reasons that block a declaration and the warnings that do not. `value` is None whenever there is
a reason, and for an optional field left empty. Reasons are short English sentences for the
person who fixes the data in Dendreo; none ever contains a full NIR (see `mask_nir`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from stdnum.exceptions import ValidationError
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

from connector import reference
from connector.domain import JdrType, Modalite, TrainerQualification, TrainingFacts
from connector.rules._dates import french

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

TRAINING_NAME_MAX = 250
BIRTH_NAME_MAX = 30
#: NOM_JDR and REFERENCE_EMPLOYEUR
FREE_TEXT_MAX = 255


@dataclass(frozen=True)
class Checked(Generic[T]):
    """A field's verdict: the normalised value (None when there is a reason), reasons, warnings."""

    value: T | None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def _checked(value: T | None, reasons: Iterable[str] = (), warnings: Iterable[str] = ()) -> Checked[T]:
    reasons = tuple(reasons)
    return Checked(None if reasons else value, reasons, tuple(warnings))


def _digits(text: str) -> bool:
    """ASCII digits only (str.isdigit also accepts "²" and Arabic-Indic digits)."""
    return re.fullmatch(r"[0-9]+", text) is not None


_CODE_SEPARATORS = re.compile(r"[,;/\s]+")


def split_codes(text: str | None) -> list[str]:
    """Split a Dendreo custom field holding several codes: "344r; 255m / 230r" → ["344r", "255m", "230r"].

    Separators: commas, semicolons, slashes and any whitespace.
    """
    return [code for code in _CODE_SEPARATORS.split(text or "") if code]


# -- NIR ------------------------------------------------------------------------------------------

#: 01–12; 20–42 and 50–99 are the "fictitious months" of people whose birth month is unknown
_NIR_MONTHS = frozenset(range(1, 13)) | frozenset(range(20, 43)) | frozenset(range(50, 100))


def _compact_nir(raw: str) -> str:
    return "".join(raw.split()).replace(".", "").upper()


def mask_nir(nir: str) -> str:
    """A NIR safe to show: sex, birth year, birth month and the last 2 characters, nothing else.

    "185037512345642" → "1 85 03 ** *** *** 42"; a 13-character NIR → "1 85 03 ** *** *56". At
    most 7 characters are shown: the department, commune and serial (what identifies a person
    among those born the same month) are always hidden. A malformed value of 12 characters or
    more shows its first 5 and last 2; a shorter one is masked entirely.
    """
    c = _compact_nir(nir)
    if len(c) == 15:
        return f"{c[0]} {c[1:3]} {c[3:5]} ** *** *** {c[13:]}"
    if len(c) == 13:
        return f"{c[0]} {c[1:3]} {c[3:5]} ** *** *{c[11:]}"
    if len(c) >= 12:
        return c[:5] + "*" * (len(c) - 7) + c[-2:]
    return "*" * len(c)


def check_nir(raw: str | None) -> Checked[str]:
    """The 13-character NIR the portal takes.

    Spaces and dots are removed; 15 characters: the key is checked (Corsica 2A/2B via stdnum) and
    dropped; 13 characters: accepted as is (nothing to check the key against).
    """
    nir = _compact_nir(raw or "")
    if not nir:
        return _checked(None, ["no NIR in Dendreo"])
    reasons = []
    if len(nir) not in (13, 15):
        reasons.append(f"NIR has {len(nir)} characters; expected 13 (without key) or 15 (with key)")
    corsica_as_digits = nir[:5] + ("20" if nir[5:7] in ("2A", "2B") else nir[5:7]) + nir[7:]
    if not _digits(corsica_as_digits):
        reasons.append("NIR contains characters other than digits (only 2A or 2B, for Corsica, at positions 6-7)")
    elif len(nir) >= 5 and int(nir[3:5]) not in _NIR_MONTHS:
        reasons.append(f"NIR month {nir[3:5]} is not a birth month (01-12, or 20-42 / 50-99 when unknown)")
    if not reasons and len(nir) == 15:
        expected = stdnum_nir.calc_check_digits(nir[:13])
        if nir[13:] != expected:
            reasons.append(f"NIR key {nir[13:]} does not match (expected {expected}): a digit is probably mistyped")
    return _checked(nir[:13], reasons)


# -- birth name -----------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


def _latin_letter(ch: str) -> bool:
    return ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN ")


def check_birth_name(raw: str | None) -> Checked[str]:
    """The birth name as the portal takes it: at most 30 characters, never truncated.

    Normalised: trimmed, internal whitespace collapsed to one space, Unicode NFC (a decomposed "é"
    counts as one character), typographic apostrophes (’) turned into ', and upper-cased as
    national registers write names. Accents are kept (the portal forbids modification). Allowed:
    Latin letters (accents included), spaces, hyphens and apostrophes.
    """
    if raw is None or not raw.strip():
        return _checked(None, ["no birth name in Dendreo"])
    name = unicodedata.normalize("NFC", " ".join(raw.split())).translate(_APOSTROPHES).upper()
    reasons = []
    bad = sorted({ch for ch in name if not (_latin_letter(ch) or ch in " -'")})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        reasons.append(f"birth name contains {shown}; only letters, spaces, hyphens and apostrophes are allowed")
    elif not any(_latin_letter(ch) for ch in name):
        reasons.append("birth name has no letter")
    if len(name) > BIRTH_NAME_MAX:
        reasons.append(
            f"birth name is {len(name)} characters; the portal takes at most {BIRTH_NAME_MAX} and forbids truncation"
        )
    return _checked(name, reasons)


# -- SIRET ----------------------------------------------------------------------------------------


def check_siret(raw: str | None) -> Checked[str]:
    """The employer's 14-digit SIRET; spaces and dots allowed in the input, checksum via stdnum
    (which knows La Poste's establishments, whose SIRET do not follow the Luhn rule)."""
    if raw is None or not raw.strip():
        return _checked(None, ["no employer SIRET in Dendreo (required when the employer is present)"])
    siret = stdnum_siret.compact("".join(raw.split()))
    if not _digits(siret):
        return _checked(None, ["employer SIRET contains characters other than digits"])
    if len(siret) != 14:
        return _checked(None, [f"employer SIRET has {len(siret)} digits; expected 14"])
    try:
        stdnum_siret.validate(siret)
    except ValidationError:
        return _checked(None, [f"employer SIRET {siret} fails its check digit: a digit is probably mistyped"])
    return _checked(siret, [])


# -- code lists -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeListRule:
    """How the portal takes one "/"-separated list of codes."""

    label: str  # singular, e.g. "ROME competency code"
    shape: str  # e.g. "6 digits"
    pattern: re.Pattern[str]
    min_count: int
    max_count: int
    max_joined: int
    lowercase: bool = False


ROME_RULE = CodeListRule(
    "ROME competency code", "6 digits (ROME 4.0 competencies, not job codes like K1705)", re.compile(r"[0-9]{6}"), 3, 10, 70
)
FORMACODE_RULE = CodeListRule("Formacode", "5 digits", re.compile(r"[0-9]{5}"), 1, 5, 30)
NSF_RULE = CodeListRule(
    "NSF code", "3 digits and a letter, like 344r", re.compile(r"[0-9]{3}[a-z]"), 1, 3, 15, lowercase=True
)


def check_codes(codes: Iterable[str], rule: CodeListRule) -> Checked[tuple[str, ...]]:
    """Codes trimmed (lower-cased when the rule says so), de-duplicated in their first order."""
    given = [c.strip().lower() if rule.lowercase else c.strip() for c in codes if c.strip()]
    malformed = [c for c in given if not rule.pattern.fullmatch(c)]
    kept = tuple(dict.fromkeys(c for c in given if rule.pattern.fullmatch(c)))
    reasons = []
    if malformed:
        reasons.append(f"{rule.label} {', '.join(malformed)} malformed: expected {rule.shape}")
    if not rule.min_count <= len(kept) <= rule.max_count:
        reasons.append(
            f"{len(kept)} {'valid ' if malformed else ''}{rule.label}s; "
            f"the portal takes {rule.min_count} to {rule.max_count}"
        )
    joined = "/".join(kept)
    if len(joined) > rule.max_joined:
        reasons.append(f"{rule.label}s take {len(joined)} characters; the portal takes at most {rule.max_joined}")
    return _checked(kept, reasons)


def check_rome_codes(codes: Iterable[str]) -> Checked[tuple[str, ...]]:
    """3 to 10 ROME 4.0 competency codes. A code missing from the connector's SST list is only a
    warning: the list is partial and the portal checks existence itself."""
    checked = check_codes(codes, ROME_RULE)
    known = reference.rome_competences()
    warnings = [
        f"ROME competency code {code} is not in the connector's list; the portal will check it exists"
        for code in checked.value or ()
        if code not in known
    ]
    return _checked(checked.value, checked.reasons, warnings)


def check_rs_code(raw: str | None) -> Checked[str]:
    """Exactly one RS code ("RS" and digits, at most 9 characters), upper-cased."""
    codes = [c.upper() for c in split_codes(raw)]
    if not codes:
        return _checked(None, ["certifying training without an RS code in Dendreo; the portal needs exactly one"])
    if len(codes) > 1:
        return _checked(None, [f"{len(codes)} RS codes ({', '.join(codes)}); the portal takes exactly one"])
    if not re.fullmatch(r"RS[0-9]{1,7}", codes[0]):
        return _checked(None, [f"RS code {codes[0]} malformed: expected RS and digits, at most 9 characters"])
    return _checked(codes[0], [])


@dataclass(frozen=True)
class Certification:
    """FORMATION_CERTIFIANTE and the fields that depend on it, as the portal takes them."""

    certifying: bool
    rs_code: str | None
    formacodes: tuple[str, ...]
    nsf_codes: tuple[str, ...]


def check_certification(
    certifying: bool | None, rs_code: str | None, formacodes: Iterable[str], nsf_codes: Iterable[str]
) -> Checked[Certification]:
    """Certifying: exactly one RS code; Formacodes and NSF codes are dropped (warning).
    Not certifying: 1–5 Formacodes and 1–3 NSF codes; an RS code is dropped (warning)."""
    formacodes, nsf_codes = tuple(formacodes), tuple(nsf_codes)
    if certifying is None:
        return _checked(None, ["certifying or not (OUI/NON) is not set for this training in Dendreo"])
    if certifying:
        rs = check_rs_code(rs_code)
        warnings = [
            f"{label} dropped: a certifying training declares its RS code only"
            for label, codes in (("Formacodes", formacodes), ("NSF codes", nsf_codes))
            if codes
        ]
        return _checked(Certification(True, rs.value, (), ()), rs.reasons, warnings)
    forma, nsf = check_codes(formacodes, FORMACODE_RULE), check_codes(nsf_codes, NSF_RULE)
    warnings = [f"RS code {rs_code.strip()} dropped: the training is not certifying"] if rs_code and rs_code.strip() else []
    return _checked(Certification(False, None, forma.value or (), nsf.value or ()), forma.reasons + nsf.reasons, warnings)


# -- enumerations ---------------------------------------------------------------------------------


def _enum_key(raw: str) -> str:
    """"à distance" → "A_DISTANCE": accents dropped, upper-cased, spaces, hyphens and apostrophes as "_"."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", raw) if not unicodedata.combining(ch))
    return re.sub(r"[\s\-'\u2019]+", "_", plain.strip()).upper()


def _check_enum(raw: str | None, enum: type[E], label: str, *, required: bool) -> Checked[E]:
    if raw is None or not raw.strip():
        return _checked(None, [f"{label} is not set in Dendreo"] if required else [])
    try:
        return _checked(enum(_enum_key(raw)), [])
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        return _checked(None, [f"{label} {raw.strip()!r} is not one of {allowed}"])


def check_modalite(raw: str | None) -> Checked[Modalite]:
    """Optional; an unknown value is a reason (it was entered on purpose and must be fixed, not dropped)."""
    return _check_enum(raw, Modalite, "modalité", required=False)


def check_trainer_qualification(raw: str | None) -> Checked[TrainerQualification]:
    """Optional; an unknown value is a reason, as for the modalité."""
    return _check_enum(raw, TrainerQualification, "trainer qualification", required=False)


def check_jdr_type(raw: str | None) -> Checked[JdrType]:
    """Required for a JDR."""
    return _check_enum(raw, JdrType, "JDR type", required=True)


# -- texts and dates ------------------------------------------------------------------------------


def check_text(raw: str | None, *, label: str, max_len: int, required: bool) -> Checked[str]:
    """A free text, trimmed with internal whitespace collapsed; too long is a reason, never truncated."""
    text = " ".join((raw or "").split())
    if not text:
        return _checked(None, [f"{label} is missing"] if required else [])
    if len(text) > max_len:
        return _checked(None, [f"{label} is {len(text)} characters; the portal takes at most {max_len}"])
    return _checked(text, [])


def check_training_name(raw: str | None) -> Checked[str]:
    return check_text(raw, label="training name", max_len=TRAINING_NAME_MAX, required=True)


def check_training_dates(start: dt.date | None, end: dt.date | None, *, today: dt.date) -> Checked[tuple[dt.date, dt.date]]:
    """Both required, start ≤ end, neither after `today`."""
    reasons = []
    for label, day in (("start", start), ("end", end)):
        if day is None:
            reasons.append(f"training {label} date is missing in Dendreo")
        elif day > today:
            reasons.append(f"training {label} date {french(day)} is in the future")
    if start and end and start > end:
        reasons.append(f"training starts {french(start)}, after its end {french(end)}")
    return _checked((start, end), reasons)


def check_validity(validity_start: dt.date, validity_end: dt.date | None, *, training_end: dt.date) -> tuple[str, ...]:
    """training end ≤ validity start ≤ validity end (the end is optional)."""
    reasons = []
    if validity_start < training_end:
        reasons.append(f"validity starts {french(validity_start)}, before the training end {french(training_end)}")
    if validity_end is not None and validity_end < validity_start:
        reasons.append(f"validity ends {french(validity_end)}, before it starts {french(validity_start)}")
    return tuple(reasons)


# -- the whole training ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalTraining:
    """The training part of a declaration, normalised as the portal takes it."""

    name: str
    start: dt.date
    end: dt.date
    modalite: Modalite | None
    rome_codes: tuple[str, ...]
    trainer_qualification: TrainerQualification | None
    certification: Certification


def check_training(facts: TrainingFacts, *, today: dt.date) -> Checked[PortalTraining]:
    """Every training field; all reasons and warnings, in the portal's field order."""
    name = check_training_name(facts.name)
    dates = check_training_dates(facts.start, facts.end, today=today)
    modalite = check_modalite(facts.modalite)
    rome = check_rome_codes(facts.rome_codes)
    qualification = check_trainer_qualification(facts.trainer_qualification)
    certification = check_certification(facts.certifying, facts.rs_code, facts.formacodes, facts.nsf_codes)
    parts = (name, dates, modalite, rome, qualification, certification)
    reasons = [r for part in parts for r in part.reasons]
    warnings = [w for part in parts for w in part.warnings]
    if reasons:
        return _checked(None, reasons, warnings)
    assert name.value and dates.value and rome.value and certification.value  # no reason: all set
    return _checked(
        PortalTraining(
            name=name.value,
            start=dates.value[0],
            end=dates.value[1],
            modalite=modalite.value,
            rome_codes=rome.value,
            trainer_qualification=qualification.value,
            certification=certification.value,
        ),
        [],
        warnings,
    )

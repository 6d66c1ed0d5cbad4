"""Fake people and companies for the sandboxes, and the sandbox portal's registers.

Nothing here comes from real people: NIRs and SIRETs are generated with valid structure and
check digits. The portal sandbox checks titulaires against two **deterministic registers**, so
that the Dendreo sandbox generator can seed people and companies the portal will or will not
know, without any shared file between the two servers:

* **People register** — a pair (NIR, birth name) is known when the NIR's order number
  (characters 11–13 of the 13-character NIR) is below 900 **and** its last digit equals the
  birth name's fingerprint (sum of the code points of the name's letters A–Z, after removing
  accents and upper-casing, modulo 10). Order numbers 900–999 are never registered; a name with
  another fingerprint is a "NIR / birth-name mismatch" (one wrong name in ten matches by chance).
* **Companies register** — a SIRET exists when it is 14 digits with a valid Luhn checksum and
  its SIREN does not start with 9.
"""

from __future__ import annotations

import random
import unicodedata

from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

UNREGISTERED_ORDER_MIN = 900


def normalise_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


def name_fingerprint(name: str) -> int:
    return sum(ord(c) for c in normalise_name(name) if "A" <= c <= "Z") % 10


def person_known(nir13: str, birth_name: str) -> bool:
    """The sandbox people register: is this (NIR without key, birth name) pair known?"""
    if len(nir13) != 13 or not nir13[10:13].isdigit():
        return False
    order = int(nir13[10:13])
    return order < UNREGISTERED_ORDER_MIN and order % 10 == name_fingerprint(birth_name)


def company_exists(siret: str) -> bool:
    """The sandbox companies register: does this SIRET exist?"""
    return len(siret) == 14 and siret.isdigit() and luhn.is_valid(siret) and not siret.startswith("9")


def _departments() -> list[str]:
    return [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]


def fake_nir(rng: random.Random, *, birth_name: str, registered: bool = True, sex: int | None = None) -> str:
    """A valid 15-character NIR (with key). `registered` controls the people register's answer
    for (this NIR, birth_name)."""
    sex = sex or rng.choice((1, 2))
    year = rng.randint(50, 99) if rng.random() < 0.7 else rng.randint(0, 6)
    month = rng.randint(1, 12)
    dept = rng.choice(_departments())
    commune = rng.randint(1, 990)
    if registered:
        order = rng.randint(1, 89) * 10 + name_fingerprint(birth_name)
    else:
        order = rng.randint(UNREGISTERED_ORDER_MIN, 999)
    body = f"{sex}{year:02d}{month:02d}{dept}{commune:03d}{order:03d}"
    return body + stdnum_nir.calc_check_digits(body)


def fake_siret(rng: random.Random, *, exists: bool = True) -> str:
    """A 14-digit SIRET with a valid Luhn checksum; `exists` controls the companies register."""
    first = str(rng.randint(1, 8)) if exists else "9"
    siren_body = first + "".join(str(rng.randint(0, 9)) for _ in range(7))
    siren = siren_body + luhn.calc_check_digit(siren_body)
    nic_body = "".join(str(rng.randint(0, 9)) for _ in range(4))
    return siren + nic_body + luhn.calc_check_digit(siren + nic_body)


def corrupt_nir_key(nir15: str) -> str:
    """The same NIR with a wrong key (for seeding invalid data)."""
    key = int(nir15[13:])
    return nir15[:13] + f"{(key % 96) + 1:02d}"


def corrupt_siret(siret: str) -> str:
    """The same SIRET with a broken Luhn checksum."""
    last = (int(siret[-1]) + 1) % 10
    return siret[:-1] + str(last)

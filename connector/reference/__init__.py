"""Official code lists and per-training presets shipped with the connector.

Copied from the reference notes (ROME 4.0 SST competencies, Formacode, NSF, RS certifications,
the "fiches techniques" presets). Loaded once and cached.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


def _read_codes(filename: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    return {row["code"].strip(): row["libelle"].strip() for row in csv.DictReader(text.splitlines(), delimiter=";")}


@cache
def rome_competences() -> dict[str, str]:
    return _read_codes("rome_competences_sst.csv")


@cache
def formacodes() -> dict[str, str]:
    return _read_codes("formacode.csv")


@cache
def nsf_codes() -> dict[str, str]:
    return _read_codes("nsf.csv")


@cache
def rs_certifications() -> dict[str, str]:
    return _read_codes("certifications_rs.csv")


@dataclass(frozen=True)
class Preset:
    key: str
    intitule: str
    declaration: str | None  # "ADF", "JDR" or None (not declarable)
    type_jdr: str | None
    certifiante: bool
    nsf: tuple[str, ...]
    formacode: tuple[str, ...]
    rome: tuple[str, ...]
    rs: tuple[str, ...]
    validite_mois: int | None
    categorie_simulateur: int | None
    remarque: str


@cache
def presets() -> dict[str, Preset]:
    raw = json.loads(resources.files(__package__).joinpath("training_presets.json").read_text(encoding="utf-8"))
    out: dict[str, Preset] = {}
    for p in raw["presets"]:
        out[p["key"]] = Preset(
            key=p["key"],
            intitule=p["intitule"],
            declaration=p["declaration"],
            type_jdr=p["type_jdr"],
            certifiante=bool(p["certifiante"]),
            nsf=tuple(p["nsf"]),
            formacode=tuple(p["formacode"]),
            rome=tuple(p["rome"]),
            rs=tuple(p["rs"]),
            validite_mois=p["validite_mois"],
            categorie_simulateur=p["categorie_simulateur"],
            remarque=p["remarque"],
        )
    return out

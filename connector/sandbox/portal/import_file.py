"""Mass-import files (portal.md, "Mass import by file"): reading and checking, without I/O.

`analyse_file` sorts every problem into one of two kinds:

* **file-level** (`FileAnalysis.file_errors`): the whole file is rejected and nothing is
  recorded — file name, size, empty file, encoding, header, column count of a row, empty line
  inside the file, ID_DECLARATION missing or > 255 characters, REFERENCE_DECLARATION filled,
  training data differing between rows of one ID_DECLARATION, more than 500 titulaires for one
  ID_DECLARATION, an ID_UNIQUE_PARTENAIRE twice in the file, invalid training data;
* **row-level** (`ImportRow.status == "REJETE"`): only that titulaire is rejected — invalid
  titulaire field, unknown (NIR, birth name) pair, unknown SIRET, ID_UNIQUE_PARTENAIRE missing or
  > 255 characters, the same NIR twice in one ID_DECLARATION.

"Double déclaration" (an ID_UNIQUE_PARTENAIRE imported by an earlier file) needs the store: it is
decided when the import is recorded (`store.PortalStore.record_import`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .fields import FILE_COLUMNS, MAX_TITULAIRES_PER_FILE_DECLARATION, TITULAIRE_CODES, Kind
from .rules import Registers, check_titulaire, check_training, training_end

MAX_FILE_NAME_LENGTH = 200
FORBIDDEN_NAME_CHARACTERS = '@<>:"/\\|?*%'
MAX_ID_LENGTH = 255
#: file-level errors listed before "… and n more" (the file is rejected anyway)
MAX_LISTED_FILE_ERRORS = 50

ACCEPTED = "ACCEPTE"
REJECTED = "REJETE"


@dataclass(frozen=True)
class FileError:
    line: int | None
    message: str


@dataclass
class ImportRow:
    line: int
    id_declaration: str
    id_unique_partenaire: str
    titulaire: dict[str, str]
    status: str = ACCEPTED
    message: str = ""
    reference: str = ""


@dataclass
class DeclarationGroup:
    id_declaration: str
    training: dict[str, str]
    rows: list[ImportRow] = field(default_factory=list)


@dataclass
class FileAnalysis:
    kind: Kind
    file_errors: list[FileError] = field(default_factory=list)
    groups: list[DeclarationGroup] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.file_errors)

    @property
    def rows(self) -> list[ImportRow]:
        return sorted((row for group in self.groups for row in group.rows), key=lambda r: r.line)


def training_columns(kind: Kind) -> tuple[str, ...]:
    """The declaration-level columns: identical on every row of one ID_DECLARATION."""
    per_row = {"ID_DECLARATION", "ID_UNIQUE_PARTENAIRE", *TITULAIRE_CODES[kind]}
    return tuple(c for c in FILE_COLUMNS[kind] if c not in per_row)


def size_label(size: int) -> str:
    mb = 1024 * 1024
    return f"{size // mb} Mo" if size % mb == 0 else f"{size} octets"


def check_file_name(name: str) -> list[FileError]:
    errors = []
    if len(name) > MAX_FILE_NAME_LENGTH:
        errors.append(FileError(None, f"Nom de fichier trop long : {MAX_FILE_NAME_LENGTH} caractères au maximum ({len(name)})."))
    forbidden = sorted({c for c in name if c in FORBIDDEN_NAME_CHARACTERS})
    if forbidden:
        errors.append(
            FileError(None, f"Nom de fichier invalide : caractères interdits {' '.join(forbidden)} (interdits : @ < > : \" / \\ | ? * %).")
        )
    if not name.lower().endswith(".csv"):
        errors.append(FileError(None, "Le fichier doit porter l'extension .csv."))
    return errors


def analyse_file(
    kind: Kind, data: bytes, *, file_name: str, max_bytes: int, today: date, registers: Registers
) -> FileAnalysis:
    analysis = FileAnalysis(kind)
    errors = analysis.file_errors
    errors.extend(check_file_name(file_name))
    if len(data) > max_bytes:
        errors.append(FileError(None, f"Fichier trop volumineux : {size_label(max_bytes)} au maximum."))
        return analysis
    lines = _lines(data, errors)
    if lines is None or errors:
        return analysis
    columns = FILE_COLUMNS[kind]
    if not _header_ok(kind, lines[0], errors):
        return analysis
    if len(lines) == 1:
        errors.append(FileError(None, "Le fichier ne contient aucune ligne de titulaire."))
        return analysis
    records: list[tuple[int, dict[str, str]]] = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("|")
        if line == "":
            _add(errors, number, "ligne vide.")
        elif len(cells) != len(columns):
            _add(errors, number, f"{len(cells)} colonnes au lieu de {len(columns)}.")
        else:
            records.append((number, {c: v.strip() for c, v in zip(columns, cells, strict=True)}))
    if errors:
        return analysis
    _group(kind, records, analysis, today)
    if errors:
        analysis.groups.clear()
        return analysis
    _check_rows(kind, analysis, today, registers)
    return analysis


def _add(errors: list[FileError], line: int | None, message: str) -> None:
    if len(errors) < MAX_LISTED_FILE_ERRORS:
        errors.append(FileError(line, f"Ligne {line} : {message}" if line else message))
    elif len(errors) == MAX_LISTED_FILE_ERRORS:
        errors.append(FileError(None, "Autres erreurs non listées."))


def _lines(data: bytes, errors: list[FileError]) -> list[str] | None:
    if not data.strip(b"\xef\xbb\xbf \r\n\t"):
        errors.append(FileError(None, "Le fichier est vide."))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(FileError(line, f"Ligne {line} : le fichier n'est pas encodé en UTF-8."))
        return None
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def _header_ok(kind: Kind, header: str, errors: list[FileError]) -> bool:
    expected = FILE_COLUMNS[kind]
    got = header.split("|")
    if tuple(got) == expected:
        return True
    other: Kind = "JDR" if kind == "ADF" else "ADF"
    if tuple(got) == FILE_COLUMNS[other]:
        detail = f"c'est l'en-tête d'un fichier {other}, le type choisi est {kind}."
    elif len(got) != len(expected):
        detail = f"{len(got)} colonnes au lieu de {len(expected)}."
    else:
        index = next(i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e)
        detail = f"colonne {index + 1} « {got[index]} » au lieu de « {expected[index]} »."
    errors.append(FileError(1, f"Ligne 1 : en-tête invalide : {detail} En-tête attendu : {'|'.join(expected)}"))
    return False


def _group(kind: Kind, records: list[tuple[int, dict[str, str]]], analysis: FileAnalysis, today: date) -> None:
    errors = analysis.file_errors
    groups: dict[str, DeclarationGroup] = {}
    first_line: dict[str, int] = {}
    partner_lines: dict[str, int] = {}
    declaration_columns = training_columns(kind)
    for number, record in records:
        id_declaration = record["ID_DECLARATION"]
        if not id_declaration:
            _add(errors, number, "ID_DECLARATION : champ obligatoire.")
            continue
        if len(id_declaration) > MAX_ID_LENGTH:
            _add(errors, number, f"ID_DECLARATION : {MAX_ID_LENGTH} caractères au maximum.")
            continue
        partner_id = record["ID_UNIQUE_PARTENAIRE"]
        if partner_id:
            if partner_id in partner_lines:
                _add(
                    errors,
                    number,
                    f"ID_UNIQUE_PARTENAIRE « {partner_id} » déjà présent ligne {partner_lines[partner_id]} du fichier.",
                )
            else:
                partner_lines[partner_id] = number
        training = {c: record[c] for c in declaration_columns}
        group = groups.get(id_declaration)
        if group is None:
            group = groups[id_declaration] = DeclarationGroup(id_declaration, training)
            first_line[id_declaration] = number
        elif training != group.training:
            differing = [c for c in declaration_columns if training[c] != group.training[c]]
            _add(
                errors,
                number,
                f"les données de la déclaration ID_DECLARATION « {id_declaration} » diffèrent de la ligne "
                f"{first_line[id_declaration]} (colonnes {', '.join(differing)}).",
            )
        group.rows.append(
            ImportRow(
                line=number,
                id_declaration=id_declaration,
                id_unique_partenaire=partner_id,
                titulaire={c: record[c] for c in TITULAIRE_CODES[kind]},
            )
        )
    for id_declaration, group in groups.items():
        line = first_line[id_declaration]
        if len(group.rows) > MAX_TITULAIRES_PER_FILE_DECLARATION:
            _add(
                errors,
                None,
                f"ID_DECLARATION « {id_declaration} » : {len(group.rows)} titulaires, "
                f"{MAX_TITULAIRES_PER_FILE_DECLARATION} au maximum par déclaration.",
            )
        if group.training["REFERENCE_DECLARATION"]:
            _add(
                errors,
                line,
                "REFERENCE_DECLARATION doit rester vide : le portail attribue la référence "
                "(l'ajout de titulaires à une déclaration existante n'est pas proposé).",
            )
        for error in check_training(kind, group.training, today):
            _add(errors, line, f"ID_DECLARATION « {id_declaration} » : {error.code} : {error.message}")
    analysis.groups = list(groups.values())


def _check_rows(kind: Kind, analysis: FileAnalysis, today: date, registers: Registers) -> None:
    for group in analysis.groups:
        end = training_end(kind, group.training)
        nir_lines: dict[str, int] = {}
        for row in group.rows:
            messages = []
            if not row.id_unique_partenaire:
                messages.append("ID_UNIQUE_PARTENAIRE : Champ obligatoire.")
            elif len(row.id_unique_partenaire) > MAX_ID_LENGTH:
                messages.append(f"ID_UNIQUE_PARTENAIRE : {MAX_ID_LENGTH} caractères au maximum.")
            field_errors = check_titulaire(kind, row.titulaire, training_end_date=end, today=today, registers=registers)
            messages.extend(f"{e.code} : {e.message}" for e in field_errors)
            nir = row.titulaire["NIR"]
            if nir and not any(e.code == "NIR" for e in field_errors):
                if nir in nir_lines:
                    messages.insert(0, f"NIR : déjà présent ligne {nir_lines[nir]} pour cette déclaration.")
                else:
                    nir_lines[nir] = row.line
            if messages:
                row.status = REJECTED
                row.message = " ; ".join(_one_line(m) for m in messages)


def _one_line(message: str) -> str:
    """A report cell: no separator, no line break."""
    return re.sub(r"[|\r\n]+", " ", message)

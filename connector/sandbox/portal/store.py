"""The sandbox portal's state in one SQLite file: sessions, drafts, declarations, imports.

Every write is one ``BEGIN IMMEDIATE`` transaction on its own connection, so concurrent requests
(threads, or two processes on the same file) serialise on SQLite's write lock: two clients
confirming at once get two references from the counter, and confirming one draft twice records
it once. Reads use autocommit connections (WAL mode: readers never wait for the writer).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from connector.sandbox.identities import normalise_name

from .fields import Kind
from .import_file import ACCEPTED, REJECTED, FileAnalysis
from .rules import parse_date

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, csrf TEXT NOT NULL, siret TEXT NOT NULL, nom TEXT NOT NULL,
    prenom TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session_token TEXT NOT NULL, kind TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS declarations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, reference TEXT NOT NULL UNIQUE, siret TEXT NOT NULL,
    kind TEXT NOT NULL, training TEXT NOT NULL, display_name TEXT NOT NULL,
    date_debut TEXT, date_fin TEXT, declared_at TEXT NOT NULL,
    import_id INTEGER, id_declaration TEXT);
CREATE TABLE IF NOT EXISTS titulaires (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    declaration_id INTEGER NOT NULL REFERENCES declarations(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, nir TEXT NOT NULL, nom TEXT NOT NULL, data TEXT NOT NULL,
    id_unique_partenaire TEXT);
CREATE TABLE IF NOT EXISTS partner_ids (
    siret TEXT NOT NULL, id_unique_partenaire TEXT NOT NULL, import_id INTEGER NOT NULL,
    PRIMARY KEY (siret, id_unique_partenaire));
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT, siret TEXT NOT NULL, file_name TEXT NOT NULL,
    kind TEXT NOT NULL, imported_at TEXT NOT NULL, rejected_file INTEGER NOT NULL,
    file_errors TEXT NOT NULL, accepted INTEGER NOT NULL, rejected INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS import_rows (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE, line INTEGER NOT NULL,
    id_declaration TEXT NOT NULL, id_unique_partenaire TEXT NOT NULL, status TEXT NOT NULL,
    message TEXT NOT NULL, reference TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS titulaires_by_declaration ON titulaires(declaration_id);
CREATE INDEX IF NOT EXISTS import_rows_by_import ON import_rows(import_id);
"""


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str
    siret: str
    nom: str
    prenom: str
    created_at: float


@dataclass
class Draft:
    id: int
    kind: Kind
    training: dict[str, str] = field(default_factory=dict)
    titulaires: list[dict[str, str]] = field(default_factory=list)
    training_ok: bool = False
    titulaires_ok: bool = False


@dataclass(frozen=True)
class Titulaire:
    id: int
    position: int
    nir: str
    nom: str
    data: dict[str, str]
    id_unique_partenaire: str | None

    @property
    def masked_nir(self) -> str:
        """The first 5 and the last 3 of the 13 characters: ``18503*****123``."""
        return self.nir[:5] + "*" * (len(self.nir) - 8) + self.nir[-3:]


@dataclass(frozen=True)
class DeclarationSummary:
    reference: str
    kind: Kind
    display_name: str
    date_debut: date | None
    date_fin: date | None
    declared_at: datetime
    titulaire_count: int


@dataclass(frozen=True)
class Declaration:
    reference: str
    siret: str
    kind: Kind
    training: dict[str, str]
    display_name: str
    date_debut: date | None
    date_fin: date | None
    declared_at: datetime
    import_id: int | None
    id_declaration: str | None
    titulaires: list[Titulaire]


@dataclass(frozen=True)
class ImportRowRecord:
    line: int
    id_declaration: str
    id_unique_partenaire: str
    status: str
    message: str
    reference: str


@dataclass(frozen=True)
class ImportRecord:
    id: int
    file_name: str
    kind: Kind
    imported_at: datetime
    rejected_file: bool
    file_errors: list[dict[str, Any]]
    accepted: int
    rejected: int
    rows: list[ImportRowRecord]


@dataclass(frozen=True)
class NewDeclaration:
    """What the store needs to record one declaration."""

    kind: Kind
    training: dict[str, str]
    titulaires: list[dict[str, str]]
    id_unique_partenaires: list[str | None] | None = None


class PortalStore:
    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.create_function("pp_norm", 1, normalise_name, deterministic=True)
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # sessions -----------------------------------------------------------------------------

    def create_session(self, *, siret: str, nom: str, prenom: str, now: float) -> Session:
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), siret, nom, prenom, now)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO sessions (token, csrf, siret, nom, prenom, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session.token, session.csrf, siret, nom, prenom, now),
            )
        return session

    def purge_sessions(self, *, created_before: float) -> None:
        """Forgets sessions (and their drafts) too old to be valid."""
        with self._write() as conn:
            conn.execute(
                "DELETE FROM drafts WHERE session_token IN (SELECT token FROM sessions WHERE created_at < ?)",
                (created_before,),
            )
            conn.execute("DELETE FROM sessions WHERE created_at < ?", (created_before,))

    def get_session(self, token: str) -> Session | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM sessions WHERE token = ?", (token,)).fetchone()
        return Session(**dict(row)) if row else None

    def delete_session(self, token: str) -> None:
        """Ends a login session and the drafts it held."""
        with self._write() as conn:
            conn.execute("DELETE FROM drafts WHERE session_token = ?", (token,))
            conn.execute("DELETE FROM sessions WHERE token = ?", (token,))

    # drafts -------------------------------------------------------------------------------

    def create_draft(self, session_token: str, kind: Kind) -> Draft:
        draft = Draft(0, kind)
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO drafts (session_token, kind, data) VALUES (?, ?, ?)",
                (session_token, kind, _draft_json(draft)),
            )
        draft.id = cursor.lastrowid
        return draft

    def get_draft(self, draft_id: int, session_token: str) -> Draft | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, kind, data FROM drafts WHERE id = ? AND session_token = ?", (draft_id, session_token)
            ).fetchone()
        if row is None:
            return None
        return Draft(row["id"], row["kind"], **json.loads(row["data"]))

    def save_draft(self, draft: Draft, session_token: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE drafts SET data = ? WHERE id = ? AND session_token = ?",
                (_draft_json(draft), draft.id, session_token),
            )

    # declarations -------------------------------------------------------------------------

    def record_draft(
        self, draft_id: int, session_token: str, *, siret: str, declaration: NewDeclaration, declared_at: datetime
    ) -> str | None:
        """Records the draft as a declaration and consumes it, in one transaction.

        None when the draft no longer exists (already recorded by a concurrent or earlier request).
        """
        with self._write() as conn:
            exists = conn.execute(
                "SELECT 1 FROM drafts WHERE id = ? AND session_token = ?", (draft_id, session_token)
            ).fetchone()
            if not exists:
                return None
            reference = self._insert_declaration(conn, siret, declaration, declared_at)
            conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        return reference

    def _insert_declaration(
        self,
        conn: sqlite3.Connection,
        siret: str,
        declaration: NewDeclaration,
        declared_at: datetime,
        *,
        import_id: int | None = None,
        id_declaration: str | None = None,
    ) -> str:
        conn.execute("INSERT OR IGNORE INTO counters (name, value) VALUES ('declaration', 0)")
        (number,) = conn.execute(
            "UPDATE counters SET value = value + 1 WHERE name = 'declaration' RETURNING value"
        ).fetchone()
        reference = f"DEC-{declared_at.year}-{number:06d}"
        training = declaration.training
        display_name = training.get("NOM_FORMATION") or training.get("NOM_JDR") or ""
        start, end = _period(declaration)
        cursor = conn.execute(
            "INSERT INTO declarations (reference, siret, kind, training, display_name, date_debut, date_fin, "
            "declared_at, import_id, id_declaration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                reference,
                siret,
                declaration.kind,
                json.dumps(training, ensure_ascii=False),
                display_name,
                start.isoformat() if start else None,
                end.isoformat() if end else None,
                declared_at.isoformat(timespec="seconds"),
                import_id,
                id_declaration,
            ),
        )
        partner_ids = declaration.id_unique_partenaires or [None] * len(declaration.titulaires)
        conn.executemany(
            "INSERT INTO titulaires (declaration_id, position, nir, nom, data, id_unique_partenaire) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (cursor.lastrowid, position, t["NIR"], t["NOM_TITULAIRE"], json.dumps(t, ensure_ascii=False), partner)
                for position, (t, partner) in enumerate(zip(declaration.titulaires, partner_ids, strict=True), start=1)
            ],
        )
        return reference

    def list_declarations(
        self,
        siret: str,
        *,
        name_contains: str = "",
        start_from: date | None = None,
        end_until: date | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[DeclarationSummary], int]:
        """Most recent first, and the number of declarations matching the filters."""
        where = ["d.siret = ?"]
        params: list[Any] = [siret]
        if name_contains.strip():
            where.append("instr(pp_norm(d.display_name), pp_norm(?)) > 0")
            params.append(name_contains.strip())
        if start_from:
            where.append("d.date_debut >= ?")
            params.append(start_from.isoformat())
        if end_until:
            where.append("d.date_fin <= ?")
            params.append(end_until.isoformat())
        clause = " AND ".join(where)
        with self._connect() as conn:
            (total,) = conn.execute(f"SELECT count(*) FROM declarations d WHERE {clause}", params).fetchone()
            rows = conn.execute(
                "SELECT d.*, (SELECT count(*) FROM titulaires t WHERE t.declaration_id = d.id) AS titulaire_count "
                f"FROM declarations d WHERE {clause} ORDER BY d.id DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return [
            DeclarationSummary(
                reference=r["reference"],
                kind=r["kind"],
                display_name=r["display_name"],
                date_debut=_date(r["date_debut"]),
                date_fin=_date(r["date_fin"]),
                declared_at=datetime.fromisoformat(r["declared_at"]),
                titulaire_count=r["titulaire_count"],
            )
            for r in rows
        ], total

    def get_declaration(self, siret: str | None, reference: str) -> Declaration | None:
        """A declaration of this account (any account when siret is None)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM declarations WHERE reference = ?", (reference,)).fetchone()
            if row is None or (siret is not None and row["siret"] != siret):
                return None
            titulaires = conn.execute(
                "SELECT * FROM titulaires WHERE declaration_id = ? ORDER BY position", (row["id"],)
            ).fetchall()
        return _declaration(row, titulaires)

    def delete_titulaire(self, siret: str, reference: str, titulaire_id: int) -> bool:
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM titulaires WHERE id = ? AND declaration_id = "
                "(SELECT id FROM declarations WHERE reference = ? AND siret = ?)",
                (titulaire_id, reference, siret),
            )
        return cursor.rowcount == 1

    def delete_declaration(self, siret: str, reference: str) -> str:
        """"deleted", "not_found", or "has_titulaires" (a declaration is deleted once empty)."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT id FROM declarations WHERE reference = ? AND siret = ?", (reference, siret)
            ).fetchone()
            if row is None:
                return "not_found"
            if conn.execute("SELECT 1 FROM titulaires WHERE declaration_id = ?", (row["id"],)).fetchone():
                return "has_titulaires"
            conn.execute("DELETE FROM declarations WHERE id = ?", (row["id"],))
        return "deleted"

    # mass import --------------------------------------------------------------------------

    def record_import(
        self, siret: str, *, file_name: str, analysis: FileAnalysis, imported_at: datetime
    ) -> int:
        """Records an import and, for a file that passed the file-level rules, its declarations.

        Inside the transaction an ID_UNIQUE_PARTENAIRE already imported by this account turns the
        row into a "double déclaration"; an ID_DECLARATION whose rows are all rejected creates no
        declaration. Rejected rows leave their ID_UNIQUE_PARTENAIRE free for a later file.
        """
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO imports (siret, file_name, kind, imported_at, rejected_file, file_errors, accepted, rejected) "
                "VALUES (?, ?, ?, ?, ?, ?, 0, 0)",
                (
                    siret,
                    file_name,
                    analysis.kind,
                    imported_at.isoformat(timespec="seconds"),
                    int(analysis.rejected),
                    json.dumps([{"line": e.line, "message": e.message} for e in analysis.file_errors], ensure_ascii=False),
                ),
            )
            import_id = cursor.lastrowid
            if analysis.rejected:
                return import_id
            for group in analysis.groups:
                for row in group.rows:
                    if row.status == ACCEPTED and conn.execute(
                        "SELECT 1 FROM partner_ids WHERE siret = ? AND id_unique_partenaire = ?",
                        (siret, row.id_unique_partenaire),
                    ).fetchone():
                        row.status = REJECTED
                        row.message = "Double déclaration : ID_UNIQUE_PARTENAIRE déjà importé dans un fichier précédent."
                accepted = [row for row in group.rows if row.status == ACCEPTED]
                if not accepted:
                    continue
                reference = self._insert_declaration(
                    conn,
                    siret,
                    NewDeclaration(
                        kind=analysis.kind,
                        training={k: v for k, v in group.training.items() if k != "REFERENCE_DECLARATION"},
                        titulaires=[row.titulaire for row in accepted],
                        id_unique_partenaires=[row.id_unique_partenaire for row in accepted],
                    ),
                    imported_at,
                    import_id=import_id,
                    id_declaration=group.id_declaration,
                )
                conn.executemany(
                    "INSERT INTO partner_ids (siret, id_unique_partenaire, import_id) VALUES (?, ?, ?)",
                    [(siret, row.id_unique_partenaire, import_id) for row in accepted],
                )
                for row in accepted:
                    row.reference = reference
            rows = analysis.rows
            conn.executemany(
                "INSERT INTO import_rows (import_id, line, id_declaration, id_unique_partenaire, status, message, reference) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (import_id, r.line, r.id_declaration, r.id_unique_partenaire, r.status, r.message, r.reference)
                    for r in rows
                ],
            )
            accepted_count = sum(r.status == ACCEPTED for r in rows)
            conn.execute(
                "UPDATE imports SET accepted = ?, rejected = ? WHERE id = ?",
                (accepted_count, len(rows) - accepted_count, import_id),
            )
        return import_id

    def list_imports(self, siret: str) -> list[ImportRecord]:
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM imports WHERE siret = ? ORDER BY id DESC", (siret,)).fetchall()
        return [_import(r, []) for r in rows]

    def get_import(self, siret: str, import_id: int) -> ImportRecord | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM imports WHERE id = ? AND siret = ?", (import_id, siret)).fetchone()
            if row is None:
                return None
            lines = conn.execute(
                "SELECT line, id_declaration, id_unique_partenaire, status, message, reference "
                "FROM import_rows WHERE import_id = ? ORDER BY line",
                (import_id,),
            ).fetchall()
        return _import(row, [ImportRowRecord(**dict(r)) for r in lines])

    # inspection ---------------------------------------------------------------------------

    def all_declarations(self) -> list[dict[str, Any]]:
        """Every declaration of every account, with full titulaire data (the sandbox's own data)."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM declarations ORDER BY id").fetchall()
            titulaires = conn.execute("SELECT * FROM titulaires ORDER BY declaration_id, position").fetchall()
        by_declaration: dict[int, list[sqlite3.Row]] = {}
        for t in titulaires:
            by_declaration.setdefault(t["declaration_id"], []).append(t)
        out = []
        for row in rows:
            d = _declaration(row, by_declaration.get(row["id"], []))
            out.append(
                {
                    "reference": d.reference,
                    "siret": d.siret,
                    "type": d.kind,
                    "declared_at": d.declared_at.isoformat(),
                    "import_id": d.import_id,
                    "id_declaration": d.id_declaration,
                    "training": d.training,
                    "titulaires": [
                        {"id": t.id, "id_unique_partenaire": t.id_unique_partenaire, **t.data} for t in d.titulaires
                    ],
                }
            )
        return out

    def reset(self) -> None:
        """Forgets drafts, declarations, imports, imported ids and the reference counter (sessions stay)."""
        with self._write() as conn:
            for table in ("drafts", "titulaires", "declarations", "import_rows", "imports", "partner_ids", "counters"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM sqlite_sequence WHERE name IN ('drafts', 'titulaires', 'declarations', 'imports')")


def _draft_json(draft: Draft) -> str:
    return json.dumps(
        {
            "training": draft.training,
            "titulaires": draft.titulaires,
            "training_ok": draft.training_ok,
            "titulaires_ok": draft.titulaires_ok,
        },
        ensure_ascii=False,
    )


def _period(declaration: NewDeclaration) -> tuple[date | None, date | None]:
    """The dates shown and searched in the history: the training's, or for a JDR without
    training the span of the titulaires' validity start dates."""
    start = parse_date(declaration.training.get("DATE_DEBUT_FORMATION") or "")
    end = parse_date(declaration.training.get("DATE_FIN_FORMATION") or "")
    if start and end:
        return start, end
    validity = sorted(d for t in declaration.titulaires if (d := parse_date(t.get("DATE_DEBUT_VALIDITE") or "")))
    return (validity[0], validity[-1]) if validity else (None, None)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _declaration(row: sqlite3.Row, titulaires: list[sqlite3.Row]) -> Declaration:
    return Declaration(
        reference=row["reference"],
        siret=row["siret"],
        kind=row["kind"],
        training=json.loads(row["training"]),
        display_name=row["display_name"],
        date_debut=_date(row["date_debut"]),
        date_fin=_date(row["date_fin"]),
        declared_at=datetime.fromisoformat(row["declared_at"]),
        import_id=row["import_id"],
        id_declaration=row["id_declaration"],
        titulaires=[
            Titulaire(t["id"], t["position"], t["nir"], t["nom"], json.loads(t["data"]), t["id_unique_partenaire"])
            for t in titulaires
        ],
    )


def _import(row: sqlite3.Row, rows: list[ImportRowRecord]) -> ImportRecord:
    return ImportRecord(
        id=row["id"],
        file_name=row["file_name"],
        kind=row["kind"],
        imported_at=datetime.fromisoformat(row["imported_at"]),
        rejected_file=bool(row["rejected_file"]),
        file_errors=json.loads(row["file_errors"]),
        accepted=row["accepted"],
        rejected=row["rejected"],
        rows=rows,
    )

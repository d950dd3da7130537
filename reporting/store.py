"""reporting.db: the SQLite store every stage reads and writes, with a versioned schema.

Every write happens in a transaction, so a crash leaves the previous state or the new one. Commands that
write take the workspace lock first, so two runs at once wait for each other instead of interleaving.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .cells import nul_unescape_sql
from .errors import WorkspaceError
from .workbook_spec import FILL_SPEC, PERCENT, FillColumn

# Each entry moves the schema one version up; never edit a released entry, append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE rounds (
        name TEXT PRIMARY KEY, due TEXT, campaign TEXT NOT NULL DEFAULT '', generated_at TEXT
    );
    -- the tasks as sent in a round (a snapshot: the ledger may change later)
    CREATE TABLE round_tasks (
        round TEXT NOT NULL, task_id TEXT NOT NULL, seq INTEGER NOT NULL, area TEXT NOT NULL DEFAULT '',
        path TEXT NOT NULL DEFAULT '[]', text TEXT NOT NULL, lead TEXT NOT NULL DEFAULT '[]',
        responsible TEXT NOT NULL DEFAULT '[]', deadline TEXT, targets TEXT NOT NULL DEFAULT '[]',
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (round, task_id)
    );
    -- which unit answers for which task in a round, and as what (牵头 / 责任)
    CREATE TABLE assignments (
        round TEXT NOT NULL, unit TEXT NOT NULL, task_id TEXT NOT NULL, role TEXT NOT NULL,
        PRIMARY KEY (round, unit, task_id)
    );
    -- the roster as of the last generate
    CREATE TABLE units (
        name TEXT PRIMARY KEY, aliases TEXT NOT NULL DEFAULT '[]', category TEXT NOT NULL DEFAULT '',
        groups TEXT NOT NULL DEFAULT '[]', liaison TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT ''
    );
    -- 联络员信息 as the units last reported it
    CREATE TABLE liaisons (
        unit TEXT PRIMARY KEY, leader TEXT, liaison TEXT, post TEXT, mobile TEXT, email TEXT,
        submission_id INTEGER, updated_at TEXT
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY, command TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT
    );
    -- every file ever read from inbox/, by content hash
    CREATE TABLE files (
        hash TEXT PRIMARY KEY, name TEXT NOT NULL, inbox_path TEXT NOT NULL, archive_path TEXT NOT NULL,
        size INTEGER NOT NULL, mtime REAL, seen_at TEXT NOT NULL, run_id INTEGER,
        status TEXT NOT NULL, message TEXT NOT NULL DEFAULT '', format TEXT NOT NULL DEFAULT ''
    );
    -- one workbook read as a unit's return (a .zip may hold several)
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY, file_hash TEXT NOT NULL REFERENCES files(hash), member TEXT NOT NULL DEFAULT '',
        round TEXT NOT NULL, unit TEXT NOT NULL, recognized_by TEXT NOT NULL, read_at TEXT NOT NULL,
        run_id INTEGER, mtime REAL, verdict TEXT NOT NULL, errors INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0, superseded_by INTEGER, late INTEGER NOT NULL DEFAULT 0,
        note TEXT NOT NULL DEFAULT '', format TEXT NOT NULL DEFAULT '', member_hash TEXT, receipt TEXT
    );
    CREATE INDEX submissions_round_unit ON submissions (round, unit);
    -- one row of a return: normalised values and whether the row is accepted
    CREATE TABLE answers (
        submission_id INTEGER NOT NULL REFERENCES submissions(id), task_id TEXT NOT NULL,
        accepted INTEGER NOT NULL, status TEXT, progress REAL, measures TEXT, target_value TEXT,
        evidence TEXT, evidence_mode TEXT, problems TEXT, next_steps TEXT, sheet TEXT, row INTEGER,
        PRIMARY KEY (submission_id, task_id)
    );
    -- every cell read, raw and normalised, with its address: any figure traces back to a cell
    CREATE TABLE cells (
        submission_id INTEGER NOT NULL REFERENCES submissions(id), task_id TEXT, column_name TEXT NOT NULL,
        sheet TEXT NOT NULL, cell TEXT NOT NULL, raw TEXT, raw_type TEXT, normalized TEXT,
        verdict TEXT NOT NULL DEFAULT 'ok', message TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX cells_submission ON cells (submission_id);
    CREATE TABLE problems (
        submission_id INTEGER NOT NULL REFERENCES submissions(id), level TEXT NOT NULL, sheet TEXT,
        cell TEXT, task_id TEXT, value TEXT, message TEXT NOT NULL, fix TEXT NOT NULL DEFAULT '', column_name TEXT
    );
    -- where each inbox file was last seen, so an unchanged file is skipped without reading it again
    CREATE TABLE inbox_paths (
        path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime REAL NOT NULL, hash TEXT NOT NULL
    );
    CREATE TABLE attachments (
        submission_id INTEGER NOT NULL REFERENCES submissions(id), name TEXT NOT NULL,
        archive_path TEXT NOT NULL, size INTEGER NOT NULL, hash TEXT
    );
    """,
    # 2: a return's cells kept in its answers rows (answers.raw, see reporting/cells.py) instead of one row per
    # cell; the old table keeps only the cells outside those rows (联络员信息); `cells` is now a view (cells_view()).
    """
    CREATE TABLE fill_columns (idx INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, field TEXT NOT NULL);
    INSERT INTO fill_columns VALUES (0, '完成状态', 'status'), (1, '完成进度(%)', 'progress'),
        (2, '工作举措及成效', 'measures'), (3, '量化指标完成值', 'target_value'), (4, '佐证材料', 'evidence'),
        (5, '材料提供方式', 'evidence_mode'), (6, '存在问题', 'problems'), (7, '下一步计划', 'next_steps');
    ALTER TABLE answers ADD COLUMN raw TEXT;
    ALTER TABLE submissions ADD COLUMN columns TEXT;
    UPDATE submissions SET columns = (
        SELECT json_group_array(letter) FROM (
            SELECT (SELECT rtrim(MIN(c.cell), '0123456789') FROM cells c WHERE c.submission_id = submissions.id
                    AND c.task_id IS NOT NULL AND c.column_name = f.name) AS letter
            FROM fill_columns f ORDER BY f.idx));
    UPDATE answers SET raw = (
        SELECT json_group_array(json(entry)) FROM (
            SELECT CASE WHEN c.raw_type IS NULL THEN json('["", "empty"]')
                        ELSE json_array(COALESCE(c.raw, ''), c.raw_type) END AS entry
            FROM fill_columns f LEFT JOIN cells c ON c.submission_id = answers.submission_id
                 AND c.task_id = answers.task_id AND c.column_name = f.name
            ORDER BY f.idx));
    DELETE FROM cells WHERE task_id IS NOT NULL AND column_name IN (SELECT name FROM fill_columns);
    ALTER TABLE cells RENAME TO other_cells;
    CREATE INDEX problems_submission ON problems (submission_id);
    -- the view `cells` over answers and other_cells is made by cells_view() once the last migration has run
    """,
    # 3: the optional fill-in column 责任人 (answers.owner); raw cells kept so far get its entry (null: none).
    """
    ALTER TABLE answers ADD COLUMN owner TEXT;
    INSERT INTO fill_columns VALUES (8, '责任人', 'owner');
    UPDATE answers SET raw = json_insert(raw, '$[#]', NULL) WHERE raw IS NOT NULL;
    UPDATE submissions SET columns = json_insert(columns, '$[#]', NULL)
        WHERE columns IS NOT NULL AND json_array_length(columns) = 8;
    """,
    # 4: each problem's rule code (validate.ROW_RULES, collect_match.RETURN_RULES, the readers' STRUCTURE_NOTES);
    # problems stored before have none.
    """
    ALTER TABLE problems ADD COLUMN code TEXT NOT NULL DEFAULT '';
    """,
    # 5: a return held as 待确认 (hold: why; it replaces nothing until confirmed), a blank return (空表: answered,
    # never counted), and each return's own save time (document properties, else the file time), by which the
    # latest return of a unit is told.
    """
    ALTER TABLE submissions ADD COLUMN hold TEXT NOT NULL DEFAULT '';
    ALTER TABLE submissions ADD COLUMN blank INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE submissions ADD COLUMN saved_at REAL;
    UPDATE submissions SET saved_at = mtime;
    """,
    # 6: mail. One row per message sent (an attempt: 发送中 before it goes, 已发送 or 发送失败 after; a row left
    # 发送中 by a crash is shown as 可能已发送); one per message looked at in the mailbox, by folder, UIDVALIDITY
    # and UID; one per file that fetch added to inbox/, with the message and sender it came from.
    """
    CREATE TABLE mail_sent (
        id INTEGER PRIMARY KEY, round TEXT NOT NULL, kind TEXT NOT NULL, unit TEXT NOT NULL, key TEXT NOT NULL,
        address TEXT NOT NULL, message_id TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, eml TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL, created_at TEXT NOT NULL, sent_at TEXT, error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX mail_sent_key ON mail_sent (key);
    CREATE TABLE mail_fetched (
        account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
        message_id TEXT NOT NULL DEFAULT '', sender TEXT NOT NULL DEFAULT '', sent_at TEXT,
        subject TEXT NOT NULL DEFAULT '', size INTEGER, fetched_at TEXT NOT NULL, outcome TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (account, folder, uidvalidity, uid)
    );
    CREATE INDEX mail_fetched_message ON mail_fetched (message_id);
    CREATE TABLE mail_files (
        inbox_path TEXT PRIMARY KEY, account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL, message_id TEXT NOT NULL DEFAULT '', sender TEXT NOT NULL DEFAULT '',
        attachment TEXT NOT NULL, size INTEGER NOT NULL, hash TEXT NOT NULL
    );
    CREATE INDEX mail_files_hash ON mail_files (hash);
    """,
    # 7: 佐证材料 — the task each attached file was matched to (and how), and files sent in a zip of
    # evidence only, without a workbook, kept with the unit their name points to.
    """
    ALTER TABLE attachments ADD COLUMN task_id TEXT;
    ALTER TABLE attachments ADD COLUMN matched_by TEXT NOT NULL DEFAULT '';
    CREATE TABLE loose_evidence (
        file_hash TEXT NOT NULL REFERENCES files(hash), round TEXT NOT NULL, unit TEXT NOT NULL,
        name TEXT NOT NULL, archive_path TEXT NOT NULL, size INTEGER NOT NULL, hash TEXT
    );
    CREATE INDEX loose_evidence_round_unit ON loose_evidence (round, unit);
    """,
    # 8: why a file was refused, as a stable rule code (readers.base.FILE_RULES: zip.bomb, sheet.too_far, …).
    """
    ALTER TABLE files ADD COLUMN code TEXT NOT NULL DEFAULT '';
    """,
    # 9: raw text holding a NUL is kept escaped in answers.raw (cells.py); nothing to move, the view is remade.
    "",
    # 10: the files beside a return, found by their submission (collect asks for a unit's evidence names with
    # every return it stores: without the index each asking read every attachment of the round).
    """
    CREATE INDEX attachments_submission ON attachments (submission_id);
    """,
    # 11: what the report can say of each answer (quotes.py: whether and how much its work is quantified, whether
    # a 量化指标完成值 is given, the first clause of its problems and plans), worked out when the answer is stored so
    # the report picks and groups by SQL; NULL in rows stored before (quotes.fill_notes works them out).
    """
    ALTER TABLE answers ADD COLUMN quote INTEGER;
    ALTER TABLE answers ADD COLUMN target_given INTEGER;
    ALTER TABLE answers ADD COLUMN problem_key TEXT;
    ALTER TABLE answers ADD COLUMN plan_key TEXT;
    """,
    # 12: a return's 已完成 claims without a file (evidence.claim_without_file) kept as one row per return, the
    # claimed tasks' ids in a JSON array, instead of a problems row each (about 100 per return, most of what collect
    # wrote); evidence.problem_rows gives them back as the problems rows they were, after the return's own.
    """
    CREATE TABLE evidence_claims (
        submission_id INTEGER PRIMARY KEY REFERENCES submissions(id), task_ids TEXT NOT NULL
    );
    INSERT INTO evidence_claims (submission_id, task_ids)
        SELECT submission_id, json_group_array(task_id) FROM (
            SELECT submission_id, task_id FROM problems WHERE code = 'evidence.claim_without_file'
            ORDER BY submission_id, rowid)
        GROUP BY submission_id;
    DELETE FROM problems WHERE code = 'evidence.claim_without_file';
    """,
    # 13: counts kept per round (figures.py, "Kept counts"): each unit's tallies by deadline and each task's, with the
    # return they were counted from, brought up to date when the return that counts for a unit changes (collect,
    # confirm) so status, consolidate and the report read these small tables instead of every unit-task pair;
    # worked out from the pairs on first use (kept_rounds names the rounds kept; generating a round again drops it).
    """
    CREATE TABLE kept_rounds (round TEXT PRIMARY KEY);
    CREATE TABLE kept_units (
        round TEXT NOT NULL, unit TEXT NOT NULL, submission_id INTEGER, first INTEGER NOT NULL,
        lead_tasks INTEGER NOT NULL, areas TEXT NOT NULL, PRIMARY KEY (round, unit)
    );
    CREATE TABLE kept_unit_counts (
        round TEXT NOT NULL, unit TEXT NOT NULL, deadline TEXT NOT NULL, tasks INTEGER NOT NULL,
        answered INTEGER NOT NULL, completed INTEGER NOT NULL, ongoing INTEGER NOT NULL,
        not_started INTEGER NOT NULL, reported_nr INTEGER NOT NULL, progress INTEGER NOT NULL,
        PRIMARY KEY (round, unit, deadline)
    );
    CREATE TABLE kept_task_counts (
        round TEXT NOT NULL, task_id TEXT NOT NULL, tasks INTEGER NOT NULL,
        answered INTEGER NOT NULL, completed INTEGER NOT NULL, ongoing INTEGER NOT NULL,
        not_started INTEGER NOT NULL, reported_nr INTEGER NOT NULL, progress INTEGER NOT NULL,
        PRIMARY KEY (round, task_id)
    );
    -- the answers the report may quote (report_text.candidates) per task and merit tier
    CREATE TABLE kept_task_tiers (
        round TEXT NOT NULL, task_id TEXT NOT NULL, tier INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (round, task_id, tier)
    );
    CREATE TRIGGER kept_generated AFTER INSERT ON rounds BEGIN
        DELETE FROM kept_rounds WHERE round = NEW.name;
    END;
    CREATE INDEX assignments_task ON assignments (round, task_id, role);
    """,
    # 14: the units' problems and plans by first clause (quotes.py's problem_key and plan_key), counted per unit and
    # kept with the figures (figures.py), so the report groups them without reading every answer; dropping the
    # rounds kept makes them counted on first use.
    """
    CREATE TABLE kept_texts (
        round TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, unit TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (round, kind, key, unit)
    );
    DELETE FROM kept_rounds;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def cells_view() -> str:
    """The `cells` view: one row per cell read, as version 1 stored them (raw as read, normalised, verdict,
    the file's sheet and cell). Made from the fill-in columns' spec, a branch per column, and remade whenever
    the schema moves (a migration that adds a fill-in column adds it to fill_columns and answers)."""
    normalized = " ".join(f"WHEN '{c.field}' THEN {_normalized_text(c)}" for c in FILL_SPEC)
    numbers = ", ".join(f"'{c.header}'" for c in FILL_SPEC if c.kind == PERCENT)
    return f"""
    CREATE VIEW cells AS
    SELECT x.submission_id, x.task_id, x.column_name, x.sheet, x.cell,
        CASE x.kind WHEN 'null' THEN COALESCE(x.normalized, '') WHEN 'array' THEN
            iif(json_array_length(x.entry) > 2, {nul_unescape_sql("json_extract(x.entry, '$[0]')")},
                json_extract(x.entry, '$[0]'))
            ELSE x.entry END AS raw,
        CASE x.kind WHEN 'array' THEN json_extract(x.entry, '$[1]')
            WHEN 'null' THEN iif(x.normalized IS NULL, 'empty', iif(x.column_name IN ({numbers}), 'number', 'text'))
            ELSE iif(x.entry = '', 'empty', 'text') END AS raw_type,
        x.normalized,
        COALESCE((SELECT p.level FROM problems p WHERE p.submission_id = x.submission_id
                  AND p.cell = x.cell AND p.sheet = x.sheet AND p.level IN ('error', 'warning')
                  ORDER BY p.level = 'error' DESC, p.rowid LIMIT 1), 'ok')
            AS verdict,
        COALESCE((SELECT p.message FROM problems p WHERE p.submission_id = x.submission_id
                  AND p.cell = x.cell AND p.sheet = x.sheet AND p.level IN ('error', 'warning')
                  ORDER BY p.level = 'error' DESC, p.rowid LIMIT 1), '')
            AS message
    FROM (
        SELECT a.submission_id, a.task_id, f.name AS column_name, a.sheet,
            json_extract(s.columns, '$[' || f.idx || ']') || a.row AS cell,
            COALESCE(json_type(a.raw, '$[' || f.idx || ']'), 'null') AS kind,
            json_extract(a.raw, '$[' || f.idx || ']') AS entry,
            CASE f.field {normalized} END AS normalized
        FROM answers a JOIN submissions s ON s.id = a.submission_id CROSS JOIN fill_columns f
    ) x
    UNION ALL
    SELECT submission_id, task_id, column_name, sheet, cell, raw, raw_type, normalized, verdict, message
    FROM other_cells
    """


def _normalized_text(column: FillColumn) -> str:
    """A stored answer as the view shows it: text, a whole percentage without ".0"."""
    name = f"a.{column.field}"
    if column.kind == PERCENT:
        return f"iif({name} = CAST({name} AS INTEGER), CAST(CAST({name} AS INTEGER) AS TEXT), CAST({name} AS TEXT))"
    return name


def read_only(db_path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing store (worker processes); rows come back as sqlite3.Row."""
    conn = sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def connect(db_path: Path) -> sqlite3.Connection:
    """Open the store, creating or migrating it; rows come back as sqlite3.Row."""
    conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    _migrate(conn, db_path)
    return conn


def _migrate(conn: sqlite3.Connection, db_path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise WorkspaceError(f"{db_path.name} 由更新版本的工具创建（结构版本 {version}），请升级 reporting 后再用")
    for index in range(version, SCHEMA_VERSION):
        with transaction(conn):
            for statement in _statements(MIGRATIONS[index]):
                conn.execute(statement)
            if index + 1 == SCHEMA_VERSION:
                conn.execute("DROP VIEW IF EXISTS cells")
                conn.execute(cells_view())
            conn.execute(f"PRAGMA user_version = {index + 1}")


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration, each whole (a trigger's body holds semicolons of its own)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""
    if pending.strip(" \n;"):
        yield pending


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception (Ctrl-C included)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def loads(text: str | None):
    return json.loads(text) if text else []


@contextmanager
def workspace_lock(root: Path, wait_seconds: float = 10.0) -> Iterator[None]:
    """Hold the workspace lock; another run waits up to `wait_seconds`, then stops with a message."""
    path = root / ".reporting.lock"
    handle = open(path, "a+b")  # noqa: SIM115 - held across the yield, closed in finally
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                raise WorkspaceError("另一个 reporting 命令正在处理此工作目录，请等它结束后再运行")
            time.sleep(0.2)
        try:
            yield
        finally:
            _unlock(handle)
    finally:
        handle.close()


if sys.platform == "win32":  # pragma: no cover - coordinators run Windows, CI runs Linux
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

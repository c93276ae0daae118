"""SQLite errors, classified once: which ones mean the database file itself cannot be used
(full, corrupt, not SQLite, I/O, read-only, cannot be opened), and the one line naming the fix.

Used by the store pipeline (``storage_failure``: the crawl stops and exits 2), the crawl's
start-up (``ingest.crawl.exitstatus``) and every ``ingest`` command (``database_problem``).
Code outside ``ingest/store/`` catches ``DatabaseError`` rather than importing sqlite3.
"""

from __future__ import annotations

import os
import sqlite3

# What every SQLite failure raises: callers outside the store catch this name.
DatabaseError = sqlite3.Error

# SQLite result codes (families: SQLITE_IOERR_WRITE is SQLITE_IOERR) that mean the database
# file cannot be written or read, as opposed to one bad record: each with what to do about it.
STORAGE_FAILURES = {
    "SQLITE_FULL": "free space (or raise INGEST_DB_MAX_PAGES) and rerun",
    "SQLITE_CORRUPT": "restore it from a backup, or move it aside and rerun",
    "SQLITE_NOTADB": "restore it from a backup, or move it aside and rerun",
    "SQLITE_IOERR": "check the disk (dmesg) and rerun",
    "SQLITE_READONLY": "fix the permissions of the file and its folder, and rerun",
    "SQLITE_CANTOPEN": "check that the folder exists and is writable, and rerun",
}

# Errors raised without a result code (by the sqlite3 module, or older SQLite builds) are
# known by their message: fragment -> family. SQLite's own wording for each code.
_MESSAGE_FAMILIES = (
    ("malformed", "SQLITE_CORRUPT"),
    ("disk is full", "SQLITE_FULL"),
    ("not a database", "SQLITE_NOTADB"),
    ("readonly", "SQLITE_READONLY"),
    ("read-only", "SQLITE_READONLY"),
    ("unable to open", "SQLITE_CANTOPEN"),
    ("disk I/O error", "SQLITE_IOERR"),
)


def failure_family(exc: BaseException) -> str | None:
    """The STORAGE_FAILURES key ``exc`` belongs to, or None (not SQLite's, or about one
    statement or record: a constraint, a syntax error, a locked database)."""
    if not isinstance(exc, DatabaseError):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    if not name:
        text = str(exc)
        name = next((family for fragment, family in _MESSAGE_FAMILIES if fragment in text), "")
    return next((k for k in STORAGE_FAILURES if name == k or name.startswith(k + "_")), None)


def storage_failure(exc: BaseException, db_path: str | os.PathLike) -> str | None:
    """One line naming the database and the fix, when ``exc`` says the database file cannot
    be written or read; None for any other error (a bad record, a constraint)."""
    family = failure_family(exc)
    if family is None:
        return None
    return f"ingest: cannot write {db_path}: {exc}; {STORAGE_FAILURES[family]}"


# How a command or a crawl's start-up describes each family (where the database came from
# is the caller's: --db for a command, INGEST_DB for a crawl).
_PASS_ANOTHER = "(--db, -s INGEST_DB=PATH)"
_PROBLEMS = {
    "SQLITE_READONLY": "cannot write (read-only: {text}); fix the file's or folder's "
                       "permissions, or pass another database " + _PASS_ANOTHER,
    "SQLITE_CORRUPT": "not a usable SQLite database ({text}); restore it from a backup, or "
                      "pass another path " + _PASS_ANOTHER,
    "SQLITE_NOTADB": "not a usable SQLite database ({text}); restore it from a backup, or "
                     "pass another path " + _PASS_ANOTHER,
    "SQLITE_CANTOPEN": "cannot be opened ({text}); check that its folder exists and is "
                       "writable",
    "SQLITE_FULL": "cannot write ({text}); " + STORAGE_FAILURES["SQLITE_FULL"],
    "SQLITE_IOERR": "cannot be read or written ({text}); " + STORAGE_FAILURES["SQLITE_IOERR"],
}


def database_problem(exc: BaseException, where: str = "the database (INGEST_DB)") -> str:
    """A SQLite error as one line naming the fix, e.g. for a command's ``error:`` line."""
    family = failure_family(exc)
    if family is None:
        return f"{where}: {exc}"
    return f"{where}: " + _PROBLEMS[family].format(text=exc)

"""What every `ingest` command shares: one "no database" check, one progress display, and
one classification of SQLite errors (ingest/store/errors.py) with the crawl."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from ingest.cli import main
from ingest.crawl.exitstatus import startup_failure
from ingest.store.errors import database_problem, failure_family, storage_failure

# Every command that reads a crawl's database; DB stands for the --db value.
DB_COMMANDS = [
    ["export", "--db", "DB", "--format", "jsonl", "--out", "-"],
    ["stats", "--db", "DB"],
    ["runs", "--db", "DB"],
    ["frontier", "--db", "DB"],
    ["frontier", "reset", "--db", "DB", "https://example.com/a"],
    ["templates", "show", "--db", "DB"],
    ["templates", "keep", "--db", "DB", "example.com", "3f9a0c1d2e4b5a69"],
    ["reextract", "--db", "DB", "--jobs", "1"],
    ["serve", "--db", "DB"],
]


@pytest.mark.parametrize("args", DB_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_missing_database_is_one_line_and_is_not_created(tmp_path, args):
    db = tmp_path / "none.db"
    result = CliRunner().invoke(main, [str(db) if a == "DB" else a for a in args])
    assert result.exit_code == 1, result.output
    assert result.output.strip() == (f"Error: no database at {db}; crawl first (scrapy crawl "
                                     f"news) or pass --db PATH")
    assert not db.exists()


def test_one_classification_for_the_crawl_and_the_commands():
    """An error without a result code (known by SQLite's message) and one with it are the same
    family, and the crawl's line and a command's line both name that family's fix."""
    corrupt = sqlite3.DatabaseError("database disk image is malformed")
    assert failure_family(corrupt) == "SQLITE_CORRUPT"
    assert storage_failure(corrupt, "x.db").endswith("restore it from a backup, or move it "
                                                     "aside and rerun")
    assert "not a usable SQLite database" in database_problem(corrupt, "the database (--db)")
    assert startup_failure(corrupt)[0] == 2
    full = sqlite3.OperationalError("database or disk is full")
    assert failure_family(full) == "SQLITE_FULL"
    assert "free space" in database_problem(full)
    # one record's problem is not the database's
    constraint = sqlite3.IntegrityError("UNIQUE constraint failed: articles.canonical_url")
    assert failure_family(constraint) is None and storage_failure(constraint, "x.db") is None
    assert database_problem(constraint) == ("the database (INGEST_DB): UNIQUE constraint "
                                            "failed: articles.canonical_url")
    assert failure_family(ValueError("disk is full")) is None  # not SQLite's at all


def test_a_real_read_only_error_is_classified_by_its_code(tmp_path):
    db = tmp_path / "ro.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        con.execute("INSERT INTO t VALUES (1)")
    con.close()
    assert caught.value.sqlite_errorname.startswith("SQLITE_READONLY")
    assert failure_family(caught.value) == "SQLITE_READONLY"
    assert "fix the file's or folder's permissions" in database_problem(caught.value)

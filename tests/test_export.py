"""ingest.jobs.export and `ingest export`: round trips against the database, the JSON Schema,
Scrapy's feed export giving the same records, cursors, atomic output, flat memory."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tracemalloc
from pathlib import Path

import jsonschema
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ingest.cli import main
from ingest.items import ARTICLE_FIELDS
from ingest.jobs import export as export_mod
from ingest.jobs.demo import run_crawl, serve_directory
from ingest.jobs.export import ExportError, export, iter_records
from ingest.store import Store, utcnow_iso

from .conftest import DEMO_SITE
from .conftest import rows as db_rows
from .test_store import make_article

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "article.schema.json").read_text())


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for key in export_mod.NESTED_FIELDS:
            row[key] = json.loads(row[key])
        row["word_count"] = int(row["word_count"])
        for key, value in row.items():
            if value == "":
                row[key] = None  # CSV has no null: an empty cell is one
    return rows


def read_parquet(path) -> list[dict]:
    """The record as the other formats have it (the typed *_utc columns are checked apart)."""
    rows = pq.read_table(path).to_pylist()
    for row in rows:
        row["provenance"] = dict(row["provenance"])
        for name in export_mod.UTC_TIMESTAMP_FIELDS:
            del row[f"{name}_utc"]
    return rows


def record_only(records):
    """An export's records without the store's fields, to compare with a crawl's feed."""
    return [{k: v for k, v in r.items() if k not in export_mod.STORE_FIELDS} for r in records]


READERS = {"jsonl": read_jsonl, "csv": read_csv, "parquet": read_parquet}


def by_url(records):
    return {r["canonical_url"]: r for r in records}


def validate(records):
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for record in records:
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}"
                  for e in validator.iter_errors(record)]
        assert not errors, (record["url"], errors)


# --- against a real crawl of the demo site ---------------------------------------------------

@pytest.fixture(scope="module")
def exported(demo_crawl, tmp_path_factory):
    _, db, _ = demo_crawl
    out = tmp_path_factory.mktemp("exports")
    return {fmt: READERS[fmt](export(db, out / f"a.{fmt}", fmt).path) for fmt in READERS}


def test_schema_file_describes_the_record_contract():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert tuple(SCHEMA["properties"]) == ARTICLE_FIELDS + export_mod.STORE_FIELDS
    assert set(SCHEMA["required"]) == set(ARTICLE_FIELDS)


@pytest.mark.parametrize("fmt", list(READERS))
def test_export_round_trip_matches_database(demo_crawl, exported, fmt):
    _, db, _ = demo_crawl
    records = by_url(exported[fmt])
    articles = db_rows(db, "select * from articles")
    assert len(exported[fmt]) == len(articles) >= 7
    for art in articles:
        rec = records[art["canonical_url"]]
        for key in ("url", "site", "headline", "byline", "published_at", "modified_at",
                    "section", "summary", "language", "body_text", "word_count",
                    "content_hash", "fetched_at"):
            assert rec[key] == art[key], (fmt, art["canonical_url"], key)
        assert rec["tags"] == json.loads(art["tags"])
        assert rec["provenance"] == json.loads(art["provenance"])
        authors = db_rows(db, "select au.name, aa.role, au.url from article_authors aa join "
                              "authors au on au.id = aa.author_id where aa.article_id = ? "
                              "order by aa.position", art["id"])
        assert rec["authors"] == authors
        sections = db_rows(db, "select heading, paragraphs from sections where article_id = ? "
                               "order by position", art["id"])
        assert rec["sections"] == [{"heading": s["heading"],
                                    "paragraphs": json.loads(s["paragraphs"])}
                                   for s in sections]


def test_all_formats_give_the_same_records(exported):
    jsonl = by_url(exported["jsonl"])
    assert by_url(exported["parquet"]) == jsonl
    # CSV cannot tell null from "", so compare after the reader's empty -> None.
    for url, rec in by_url(exported["csv"]).items():
        assert rec == {k: (None if v == "" else v) for k, v in jsonl[url].items()}


def test_parquet_schema_is_typed(demo_crawl, tmp_path):
    import pyarrow as pa

    _, db, _ = demo_crawl
    schema = pq.read_schema(export(db, tmp_path / "a.parquet", "parquet").path)
    assert schema.field("word_count").type == pa.int64()
    assert schema.field("authors").type == pa.list_(
        pa.struct([("name", pa.string()), ("role", pa.string()), ("url", pa.string())]))
    assert pa.types.is_map(schema.field("provenance").type)
    assert schema.field("sections").type.value_type.field("paragraphs").type == \
        pa.list_(pa.string())


def test_jsonl_export_validates_against_schema(exported):
    validate(exported["jsonl"])


def test_scrapy_feed_export_gives_the_same_records(demo_crawl, exported):
    _, _, feed = demo_crawl
    fed = read_jsonl(feed)
    validate(fed)
    assert by_url(fed) == by_url(record_only(exported["jsonl"]))


def test_scrapy_csv_feed_gives_the_same_rows_as_ingest_export(demo_crawl, exported):
    _, _, feed = demo_crawl
    assert by_url(read_csv(feed.with_suffix(".csv"))) == by_url(record_only(exported["csv"]))


# --- cursors, filters, atomic output (synthetic databases) -------------------------------

@pytest.fixture
def db(tmp_path):
    path = tmp_path / "news.db"
    with Store(path) as st:
        for i in range(3):
            st.upsert_article(make_article(f"https://example.com/{i}", body=f"Story {i}."))
        st.upsert_article(make_article("https://other.org/x", body="Other.", site="other.org"))
    return path


def test_cursor_gives_only_new_and_changed(db, tmp_path):
    out = tmp_path / "out.jsonl"
    first = export(db, out, "jsonl", cursor="warehouse")
    assert first.rows == 4 and len(read_jsonl(out)) == 4
    second = export(db, out, "jsonl", cursor="warehouse")
    assert second.rows == 0 and read_jsonl(out) == []
    with Store(db) as st:
        st.upsert_article(make_article("https://example.com/1", body="Story 1, corrected."))
        st.upsert_article(make_article("https://example.com/2", body="Story 2.",
                                       fetched_at="2026-12-01T00:00:00+00:00"))  # unchanged
    third = export(db, out, "jsonl", cursor="warehouse")
    assert [r["canonical_url"] for r in read_jsonl(out)] == ["https://example.com/1"]
    assert read_jsonl(out)[0]["body_text"] == "Story 1, corrected."
    assert third.rows == 1
    # Another consumer has its own position; exports without a cursor give everything.
    assert export(db, tmp_path / "b.jsonl", "jsonl", cursor="search-index").rows == 4
    assert export(db, tmp_path / "c.jsonl", "jsonl").rows == 4
    state = db_rows(db, "select * from export_cursors where name = 'warehouse'")[0]
    assert state["rows"] == 1 and state["format"] == "jsonl"


def test_cursor_with_other_filters_is_refused(db, tmp_path):
    export(db, tmp_path / "a.csv", "csv", cursor="c", site="other.org")
    with pytest.raises(ExportError, match="same --since/--site"):
        export(db, tmp_path / "a.csv", "csv", cursor="c")


def test_site_and_since_filters(db, tmp_path):
    assert [r["site"] for r in read_jsonl(
        export(db, tmp_path / "a.jsonl", "jsonl", site="other.org").path)] == ["other.org"]
    with Store(db) as st:
        st.conn.execute("UPDATE articles SET updated_at = '2026-01-01T00:00:00+00:00'")
        st.conn.commit()
        st.upsert_article(make_article("https://example.com/0", body="Story 0 again."))
    since = export(db, tmp_path / "b.jsonl", "jsonl", since="2026-06-01").path
    assert [r["canonical_url"] for r in read_jsonl(since)] == ["https://example.com/0"]
    assert export(db, tmp_path / "c.jsonl", "jsonl", since="2025-12-31T18:00:00-05:00").rows == 4
    with pytest.raises(ExportError, match="ISO 8601"):
        export(db, tmp_path / "d.jsonl", "jsonl", since="last tuesday")


def test_failed_export_keeps_old_file_and_cursor(db, tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"
    export(db, out, "jsonl", cursor="c")
    before = out.read_bytes()
    with Store(db) as st:
        st.upsert_article(make_article("https://example.com/9", body="New story."))

    def broken(records, f):
        for i, record in enumerate(records):
            f.write(b"partial\n")
            if i == 0:
                raise OSError("disk full")
        return 0

    monkeypatch.setitem(export_mod.FORMATS, "jsonl", broken)
    with pytest.raises(OSError, match="disk full"):
        export(db, out, "jsonl", cursor="c")
    assert out.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["news.db", "out.jsonl"]  # no temporary left
    monkeypatch.undo()
    assert [r["canonical_url"] for r in read_jsonl(export(db, out, "jsonl", cursor="c").path)] \
        == ["https://example.com/9"]  # the failed run did not move the cursor


def test_empty_parquet_export_is_a_valid_file(db, tmp_path):
    export(db, tmp_path / "a.parquet", "parquet", cursor="p")
    result = export(db, tmp_path / "a.parquet", "parquet", cursor="p")
    assert result.rows == 0 and pq.read_table(result.path).num_rows == 0


def test_errors_name_the_fix(tmp_path):
    with pytest.raises(ExportError, match="crawl first"):
        export(tmp_path / "missing.db", tmp_path / "a.jsonl", "jsonl")
    with pytest.raises(ExportError, match="use one of jsonl, csv, parquet"):
        export(tmp_path / "missing.db", tmp_path / "a.x", "xml")


def test_memory_stays_flat_as_articles_grow(tmp_path):
    """Peak Python memory of an export of 3,000 articles is close to that of 500: rows are
    streamed. (bench/export_memory.py measures 100,000 articles by RSS.)"""
    from bench.export_memory import make_db

    peaks = {}
    for n in (500, 3000):
        path = make_db(tmp_path / f"{n}.db", n)
        tracemalloc.start()
        rows = export(path, tmp_path / f"{n}.jsonl", "jsonl").rows
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert rows == n
    assert peaks[3000] < peaks[500] * 1.5 + 256 * 1024, peaks


# --- the command ---------------------------------------------------------------------------

def test_cli_export_is_quiet_when_not_a_terminal(db, tmp_path):
    out = tmp_path / "a.csv"
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "csv",
                                       "--out", str(out), "--cursor", "nightly"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"4 articles -> {out} (cursor nightly now at change 4)"
    assert len(read_csv(out)) == 4
    bad = CliRunner().invoke(main, ["export", "--db", str(tmp_path / "none.db"),
                                    "--format", "jsonl", "--out", str(out)])
    assert bad.exit_code == 1 and "crawl first" in bad.output


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_cli_export_shows_progress_on_a_terminal(db, tmp_path):
    from .terminal import run_on_terminal

    returncode, shown = run_on_terminal(
        [sys.executable, "-m", "ingest.cli", "export", "--db", str(db), "--format", "jsonl",
         "--out", str(tmp_path / "a.jsonl")], cwd=ROOT, timeout=60)
    assert returncode == 0
    assert b"exporting jsonl" in shown and b"4/4" in shown, shown


# --- full-text search through real crawls: updated words in, old words out ----------------

def test_recrawl_of_changed_page_updates_search_and_cursor(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    db = tmp_path / "demo.db"
    page = site / "news" / "tiktok-trims-us-tiktok-shop-staff.html"
    with serve_directory(site) as base_url:
        assert run_crawl(base_url, db, capture_output=True).returncode == 0
        assert export(db, tmp_path / "1.jsonl", "jsonl", cursor="job").rows >= 7
        html = page.read_text()
        assert "layoffs" in html
        page.write_text(html.replace("layoffs", "furloughs"))
        # Tell the crawl the page changed the way a publisher does, by a sitemap date:
        # incremental crawls refetch an old stored article only then.
        changed = base_url + "news/tiktok-trims-us-tiktok-shop-staff.html"
        (site / "sitemap.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{changed}</loc><lastmod>{utcnow_iso()}</lastmod></url></urlset>\n")
        with open(site / "robots.txt", "a") as robots:
            robots.write(f"\nSitemap: {base_url}sitemap.xml\n")
        assert run_crawl(base_url, db, capture_output=True).returncode == 0

    def search(word):
        return [r["canonical_url"] for r in db_rows(
            db, "select a.canonical_url from articles_fts join articles a on "
                "a.id = articles_fts.rowid where articles_fts match ?", word)]

    assert search("furloughs") == [changed]
    assert changed not in search("layoffs")
    con = sqlite3.connect(db)
    con.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    con.close()
    second = read_jsonl(export(db, tmp_path / "2.jsonl", "jsonl", cursor="job").path)
    assert [r["canonical_url"] for r in second] == [changed]
    assert "furloughs" in second[0]["body_text"]
    with Store(db) as store:
        assert list(iter_records(store, after_seq=10**9)) == []


def test_parquet_without_pyarrow_names_the_extra(db, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    with pytest.raises(ExportError, match=r"news-ingest\[parquet\]"):
        export(db, tmp_path / "a.parquet", "parquet", cursor="p")
    assert not (tmp_path / "a.parquet").exists()
    with Store(db) as st:
        assert st.conn.execute("SELECT count(*) FROM export_cursors").fetchone()[0] == 0


# --- hostile values and careless targets (issue 16 items 11 and 4) ---------------------------

FORMULAS = ["=HYPERLINK(\"http://evil.example/\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
            "\tcmd", "\rcmd"]


@pytest.fixture
def formula_db(tmp_path):
    path = tmp_path / "news.db"
    with Store(path) as st:
        for i, text in enumerate(FORMULAS):
            art = make_article(f"https://example.com/f{i}", body=f"Body {i}.")
            art["headline"] = text
            art["section"] = text
            st.upsert_article(art)
    return path


def test_csv_export_guards_formula_cells_by_default(formula_db, tmp_path):
    out = tmp_path / "a.csv"
    result = CliRunner().invoke(main, ["export", "--db", str(formula_db), "--format", "csv",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert sorted(r["headline"] for r in rows) == sorted("'" + f for f in FORMULAS)
    assert all(r["section"] == r["headline"] for r in rows)
    assert all(not r["headline"].startswith(tuple("=+-@\t\r")) for r in rows)
    # Other formats keep the values as they are.
    jsonl = read_jsonl(export(formula_db, tmp_path / "a.jsonl", "jsonl").path)
    assert sorted(r["headline"] for r in jsonl) == sorted(FORMULAS)


def test_csv_formula_guard_can_be_turned_off(formula_db, tmp_path):
    out = tmp_path / "a.csv"
    result = CliRunner().invoke(main, ["export", "--db", str(formula_db), "--format", "csv",
                                       "--out", str(out), "--no-formula-guard"])
    assert result.exit_code == 0, result.output
    assert sorted(r["headline"] for r in read_csv(out)) == sorted(FORMULAS)


def _export_cli(db, out, fmt="jsonl", *extra):
    return subprocess.run(
        [sys.executable, "-m", "ingest.cli", "export", "--db", str(db), "--format", fmt,
         "--out", str(out), *extra], capture_output=True, cwd=ROOT, timeout=60)


def test_export_refuses_the_database_and_its_companions_by_inode(db, tmp_path):
    with Store(db) as st:  # leave a -wal beside it, as a crawl in progress does
        st.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    wal = Path(f"{db}-wal")
    keep = sqlite3.connect(db)  # holds the -wal and -shm open like a running crawl
    try:
        keep.execute("PRAGMA journal_mode=WAL")
        keep.execute("CREATE TABLE IF NOT EXISTS t_keep (x)")
        keep.commit()
        assert wal.exists()
        (tmp_path / "link.db").symlink_to(db)
        os.link(db, tmp_path / "hard.db")
        (tmp_path / "wal-link").symlink_to(wal)
        db_before = db.read_bytes()
        targets = [db, wal, Path(f"{db}-shm"), Path(f"{db}-journal"), tmp_path / "link.db",
                   tmp_path / "hard.db", tmp_path / "wal-link"]
        for target in targets:
            result = _export_cli(db, target)
            err = result.stderr.decode()
            assert result.returncode != 0, target
            assert "the database" in err and "give another file" in err, err
            assert len(err.strip().splitlines()) == 1, err
        assert db.read_bytes() == db_before
        assert not Path(f"{db}-journal").exists()
    finally:
        keep.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select count(*) from articles").fetchone()[0] == 4


def test_export_refuses_what_is_not_a_regular_file(db, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "dir").mkdir()
    for target, kind in [(fifo, "a FIFO"), (Path("/dev/null"), "a device"),
                         (tmp_path / "dir", "a directory")]:
        result = _export_cli(db, target)
        err = result.stderr.decode()
        assert result.returncode != 0 and kind in err and "not a file" in err, err
    assert sorted(os.listdir(tmp_path / "dir")) == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_to_standard_output(db, tmp_path, fmt):
    result = _export_cli(db, "-", fmt, "--cursor", "pipe")
    assert result.returncode == 0, result.stderr
    (tmp_path / f"out.{fmt}").write_bytes(result.stdout)
    assert len(READERS[fmt](tmp_path / f"out.{fmt}")) == 4
    assert "4 articles -> standard output" in result.stderr.decode()
    assert not (ROOT / "-").exists()
    again = _export_cli(db, "-", fmt, "--cursor", "pipe")  # the cursor moved
    assert again.returncode == 0 and len(again.stdout.splitlines()) == (1 if fmt == "csv"
                                                                        else 0)


def test_parquet_to_standard_output_is_refused(db):
    result = _export_cli(db, "-", "parquet")
    assert result.returncode != 0 and b"standard output" in result.stderr
    assert result.stdout == b""


def test_stale_part_files_of_killed_exports_are_cleaned_up(db, tmp_path):
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    # A killed export: a child writes its temporary file and dies by SIGKILL mid-export.
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from ingest.jobs import export as e\n"
        "def killed(records, f):\n"
        "    f.write(b'partial'); f.flush(); os.kill(os.getpid(), signal.SIGKILL)\n"
        "e.FORMATS['jsonl'] = killed\n"
        "e.export(sys.argv[1], sys.argv[2], 'jsonl')\n")
    child = subprocess.run([sys.executable, "-c", code, str(db), str(out_dir / "a.jsonl")],
                           cwd=ROOT, timeout=60)
    assert child.returncode == -9
    stale = [p for p in os.listdir(out_dir) if p.endswith(".part")]
    assert len(stale) == 1 and stale[0].startswith(".a.jsonl.")
    # Files that are not ours, and a temporary file a running export holds, stay.
    (out_dir / "notes.part").write_text("mine")
    (out_dir / "b.jsonl.part").write_text("mine too")
    import fcntl
    fd, held = export_mod.tempfile.mkstemp(dir=out_dir, prefix=".c.jsonl.", suffix=".part")
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert export(db, out_dir / "b.jsonl", "jsonl").rows == 4
    finally:
        os.close(fd)
    left = sorted(os.listdir(out_dir))
    assert left == sorted(["b.jsonl", "notes.part", "b.jsonl.part", Path(held).name])
# --- issue #15.11: store fields, publication-time filters, typed UTC timestamps -------------

@pytest.fixture
def dated_db(tmp_path):
    """Three articles with publication times in different offsets, one a copy of another."""
    path = tmp_path / "dated.db"
    with Store(path) as st:
        # 2025-07-02T04:00Z, 2025-07-01T20:00Z, 2025-07-03T00:00Z as instants.
        _, late_ny = st.upsert_article(make_article(
            "https://a.com/ny", body="New York story.", published_at="2025-07-01T23:00:00-05:00"))
        st.upsert_article(make_article(
            "https://a.com/pk", body="Karachi story.", published_at="2025-07-02T01:00:00+05:00"))
        _, copy = st.upsert_article(make_article(
            "https://b.com/copy", body="Copied story.", published_at="2025-07-03T00:00:00Z"))
        with st.transaction() as conn:
            conn.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (late_ny, copy))
    return path


@pytest.mark.parametrize("fmt", list(READERS))
def test_every_format_has_duplicate_of_and_store_times(dated_db, tmp_path, fmt):
    records = by_url(READERS[fmt](export(dated_db, tmp_path / f"a.{fmt}", fmt).path))
    stored = by_url(db_rows(dated_db, "select canonical_url, first_seen_at, updated_at "
                                      "from articles"))
    assert records["https://b.com/copy"]["duplicate_of"] == "https://a.com/ny"
    assert records["https://a.com/ny"]["duplicate_of"] is None
    for url, art in stored.items():
        assert records[url]["first_seen_at"] == art["first_seen_at"]
        assert records[url]["updated_at"] == art["updated_at"]


def test_published_filters_compare_instants_not_strings(dated_db, tmp_path):
    def urls(**kw):
        out = export(dated_db, tmp_path / "p.jsonl", "jsonl", **kw).path
        return sorted(r["canonical_url"] for r in read_jsonl(out))

    # As strings "2025-07-01T23:00-05:00" < "2025-07-02"; as an instant it is 04:00Z on the 2nd.
    assert urls(published_since="2025-07-02") == ["https://a.com/ny", "https://b.com/copy"]
    assert urls(published_until="2025-07-02") == ["https://a.com/pk"]
    assert urls(published_since="2025-07-02T00:00:00+00:00",
                published_until="2025-07-02T12:00:00+00:00") == ["https://a.com/ny"]
    # --since/--until stay on stored time: everything was stored just now.
    assert len(urls(since="2025-01-01")) == 3 and urls(until="2025-01-01") == []
    with pytest.raises(ExportError, match="--published-since 'soon' is not a date"):
        export(dated_db, tmp_path / "x.jsonl", "jsonl", published_since="soon")


def test_cli_publication_and_stored_time_options(dated_db, tmp_path):
    out = tmp_path / "cli.csv"
    result = CliRunner().invoke(main, ["export", "--db", str(dated_db), "--format", "csv",
                                       "--out", str(out), "--published-until", "2025-07-02"])
    assert result.exit_code == 0, result.output
    assert [r["canonical_url"] for r in read_csv(out)] == ["https://a.com/pk"]
    helptext = CliRunner().invoke(main, ["export", "--help"]).output
    assert "Stored time" in helptext and "Publication time" in helptext


def test_parquet_has_typed_utc_timestamps_beside_the_strings(dated_db, tmp_path):
    import datetime as dt

    import pyarrow as pa

    table = pq.read_table(export(dated_db, tmp_path / "t.parquet", "parquet").path)
    for name in export_mod.UTC_TIMESTAMP_FIELDS:
        assert table.schema.field(f"{name}_utc").type == pa.timestamp("us", tz="UTC"), name
        assert table.schema.field(name).type == pa.string(), name
    rows = {r["canonical_url"]: r for r in table.to_pylist()}
    ny = rows["https://a.com/ny"]
    assert ny["published_at"] == "2025-07-01T23:00:00-05:00"  # the publisher's offset kept
    assert ny["published_at_utc"] == dt.datetime(2025, 7, 2, 4, 0, tzinfo=dt.timezone.utc)
    order = [r["canonical_url"] for r in sorted(rows.values(),
                                                key=lambda r: r["published_at_utc"])]
    assert order == ["https://a.com/pk", "https://a.com/ny", "https://b.com/copy"]

"""README "Querying the data" runs as written against a real crawl of the demo site: the
sqlite3 queries, and Datasette started by `ingest serve` on 127.0.0.1 with the project's
metadata, full-text search through its JSON API, facets on site, section and author."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SECTION = README.split("## Querying the data", 1)[1].split("\n## ", 1)[0]
SQLITE_QUERIES = re.findall(r'^sqlite3 data/demo\.db "(.+)"$', SECTION, re.M)
DATASETTE_URLS = re.findall(r"^(http://127\.0\.0\.1:8001/\S+)$", SECTION, re.M)


def test_readme_has_five_real_example_queries():
    assert len(SQLITE_QUERIES) >= 5
    assert len(DATASETTE_URLS) >= 3


@pytest.mark.parametrize("sql", SQLITE_QUERIES)
def test_readme_sqlite_query_returns_rows(demo_crawl, sql):
    _, db, _ = demo_crawl
    con = sqlite3.connect(db)
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    assert rows, sql


def test_readme_sqlite_queries_through_the_sqlite3_shell(demo_crawl):
    """The same commands as typed, where the sqlite3 shell is installed."""
    import shutil

    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("no sqlite3 shell on this machine (the queries ran through Python above)")
    _, db, _ = demo_crawl
    for sql in SQLITE_QUERIES:
        out = subprocess.run([shell, str(db), sql], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and out.stdout.strip(), (sql, out.stderr)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


@pytest.fixture(scope="module")
def datasette(demo_crawl):
    _, db, _ = demo_crawl
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest.cli", "serve", "--db", str(db), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base + "/-/versions.json", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise AssertionError("ingest serve did not start: "
                                         + proc.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        yield base, Path(db).stem
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _json(url: str):
    status, body = _get(url)
    assert status == 200, url
    return json.loads(body)


def test_full_text_search_through_datasette_json_api(datasette):
    base, name = datasette
    rows = _json(f"{base}/{name}/articles.json?_search=layoffs&_shape=array&_col=headline")
    assert [r["headline"] for r in rows] == \
        ["TikTok trims US TikTok Shop staff amid e-commerce challenges"]
    assert _json(f"{base}/{name}/articles.json?_search=zeppelinology&_shape=array") == []


def test_datasette_has_the_projects_metadata_and_facets(datasette):
    from ingest.store.schema_docs import TABLES

    base, name = datasette
    meta = _json(f"{base}/-/metadata.json")
    tables = meta["databases"][name]["tables"]
    assert tables["articles"]["columns"]["published_at"] == \
        TABLES["articles"].columns["published_at"]
    page = _json(f"{base}/{name}/latest_articles.json?_size=1")
    facets = page["facet_results"]
    assert {"site", "section", "authors"} <= set(facets)
    assert "Dolapo Omole" in [f["value"] for f in facets["authors"]["results"]]
    searched = _json(f"{base}/{name}/latest_articles.json?_search=layoffs&_shape=array")
    assert len(searched) == 1 and json.loads(searched[0]["authors"]) == ["Dolapo Omole"]
    status, html = _get(f"{base}/{name}/articles")
    assert TABLES["articles"].description.encode() in html


@pytest.mark.parametrize("url", DATASETTE_URLS)
def test_readme_datasette_urls_answer_with_rows(datasette, url):
    base, name = datasette
    path = url.removeprefix("http://127.0.0.1:8001").replace("/demo", f"/{name}", 1)
    status, body = _get(base + path)
    assert status == 200
    if ".json" in path:
        assert json.loads(body), url
    else:
        assert b"<table" in body, url  # an HTML page with rows
        if "_search=layoffs" in path:
            assert b"TikTok trims US TikTok Shop staff" in body
        if "_facet_array=authors" in path:
            assert b"Dolapo Omole" in body and b"facet" in body


def test_serve_without_datasette_names_the_extra(demo_crawl, monkeypatch):
    from click.testing import CliRunner

    from ingest.cli import main

    _, db, _ = demo_crawl
    monkeypatch.setitem(sys.modules, "datasette.cli", None)
    result = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert result.exit_code == 1 and "news-ingest[serve]" in result.output
    missing = CliRunner().invoke(main, ["serve", "--db", str(db) + ".missing"])
    assert missing.exit_code == 1 and "crawl first" in missing.output

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# In CI the property tests draw the same examples every run (a failure there is reproducible,
# and a pass is not luck); locally they explore new ones each run.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
# The demo site ships inside the package (ingest/demo_site) so that `ingest demo` works
# from an installed copy; its pages are still our golden fixtures.
DEMO_SITE = Path(__file__).resolve().parent.parent / "ingest" / "demo_site"
# Golden fixtures are extracted as if fetched from this host at this time.
GOLDEN_BASE = "http://futureoftech.test/"
FROZEN_FETCHED_AT = "2026-11-27T00:00:00+00:00"


def rows(db, sql, *args) -> list[dict]:
    """Query a test's SQLite file as an analyst would: each row a dict."""
    import sqlite3

    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, args)]
    finally:
        con.close()


def golden_cases():
    """(page path, url, expected) for every page that has expected JSON beside it."""
    cases = []
    for expected_path in sorted(DEMO_SITE.rglob("*.expected.json")):
        page = expected_path.with_name(expected_path.name.replace(".expected.json", ".html"))
        rel = page.relative_to(DEMO_SITE).as_posix()
        cases.append((page, GOLDEN_BASE + rel, json.loads(expected_path.read_text())))
    for expected_path in sorted((FIXTURES / "pages").glob("*/expected.json")):
        meta = json.loads((expected_path.parent / "meta.json").read_text())
        cases.append((expected_path.parent / "page.html", meta["url"],
                      json.loads(expected_path.read_text())))
    return cases


@pytest.fixture
def demo_server():
    from ingest.jobs.demo import serve_directory

    with serve_directory(DEMO_SITE) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory):
    """One real crawl of the demo site for the analysts' tests: (base_url, db, feed), where
    feed is what Scrapy's feed export (`-O feed.jsonl`) wrote during the same crawl; its CSV
    feed (`-O feed.csv`) is beside it."""
    import os
    import subprocess

    from ingest.jobs.demo import PROJECT_ROOT, crawl_command, serve_directory

    folder = tmp_path_factory.mktemp("demo_crawl")
    db, feed = folder / "demo.db", folder / "feed.jsonl"
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "ingest.settings",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    with serve_directory(DEMO_SITE) as base_url:
        feeds = ["-O", str(feed), "-O", str(feed.with_suffix(".csv"))]
        result = subprocess.run(crawl_command(base_url, db) + feeds, env=env,
                                cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return base_url, db, feed

"""A real crawl against the fault-injecting server (tests/faultserver.py) on 127.0.0.1: the
crawl finishes; every failure is in `pages` with its reason; retries stay within their
limits; the bad-input corpus gives articles or drops with reasons; a redirect to another
loopback address (the trap server on 127.0.0.2) is refused before any connection; gzip
bombs stop at the size limit; stored text holds no markup."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from ingest import settings
from ingest.jobs.demo import PROJECT_ROOT

from .badcorpus import EXPECTED
from .faultserver import RETRY_AFTER_PATHS, crawl_command, crawl_env, serve, write_sites
from .recordcheck import CONTROL, LEAKED_MARKUP
from .test_bad_input import DISPLAYED_MARKUP

RETRY_TIMES = 2
TIMEOUT_S = 1.0
# Scrapy's REDIRECT_MAX_TIMES default: a redirect chain is followed at most this far.
REDIRECT_MAX_TIMES = 20


def crawl(tmp, server, start_urls, *, max_depth=2, extra=None):
    """One real crawl of ``start_urls`` into tmp/faults.db: (CompletedProcess, db)."""
    db = tmp / "faults.db"
    sites = write_sites(tmp / "sites.toml", start_urls, max_depth=max_depth)
    result = subprocess.run(
        crawl_command(sites, db, {"DOWNLOAD_TIMEOUT": TIMEOUT_S, "RETRY_TIMES": RETRY_TIMES,
                                  "LOG_LEVEL": "INFO", **(extra or {})}),
        cwd=PROJECT_ROOT, env=crawl_env(), capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-4000:]
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    return result, con


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    with serve(articles=3, with_bad_corpus=True, timeout_s=TIMEOUT_S) as (server, trap):
        base = server.base_url
        pipelines = {**settings.ITEM_PIPELINES, "tests.faultserver.ExplodingPipeline": 350}
        result, con = crawl(
            tmp_path_factory.mktemp("faults"), server,
            [base, base + "fault/redirect-private", base + "fault/redirect-private-legacy"],
            extra={"ITEM_PIPELINES": json.dumps(pipelines)})
        hits, trap_hits = dict(server.hits), dict(trap.hits)
    yield {"base": base, "con": con, "hits": hits, "trap_hits": trap_hits,
           "log": result.stderr}
    con.close()


@pytest.fixture(scope="module")
def retry_after_crawl(tmp_path_factory):
    """The 503s with Retry-After, in a crawl of their own: honouring Retry-After slows the
    whole host down (ingest/crawl/retry_after.py), which would stretch the big crawl."""
    with serve() as (server, trap):
        base = server.base_url
        result, con = crawl(tmp_path_factory.mktemp("retry_after"), server,
                            [base + p.lstrip("/") for p in RETRY_AFTER_PATHS], max_depth=0)
        hits = dict(server.hits)
    yield {"base": base, "con": con, "hits": hits, "log": result.stderr}
    con.close()


def page(crawl, path):
    rows = crawl["con"].execute("select * from pages where url = ?",
                                (crawl["base"] + path,)).fetchall()
    assert len(rows) == 1, f"{path} is not in pages"
    return dict(rows[0])


def test_crawl_finishes(faulty_crawl):
    runs = faulty_crawl["con"].execute("select status, finished_at from crawl_runs").fetchall()
    assert [(r["status"], bool(r["finished_at"])) for r in runs] == [("finished", True)]
    # The one traceback is the injected pipeline fault's, logged by Scrapy.
    assert faulty_crawl["log"].count("Traceback") == 1, faulty_crawl["log"][-5000:]
    assert "injected pipeline fault" in faulty_crawl["log"]


@pytest.mark.parametrize("path, outcome, reason", [
    ("fault/500", "error", "HTTP 500"),
    ("fault/timeout", "error", "DownloadTimeoutError"),
    ("fault/slow-timeout", "error", "DownloadTimeoutError"),
    ("fault/reset", "error", "ConnectionLost"),
    ("fault/truncated-body", "error", "DataLoss"),
    ("fault/gzip-bomb", "error", "exceeded DOWNLOAD_MAXSIZE"),
    ("fault/pdf", "skipped", "not HTML"),
    ("fault/explode", "error", "pipeline error: RuntimeError: injected pipeline fault"),
])
def test_each_failure_recorded_with_reason(faulty_crawl, path, outcome, reason):
    row = page(faulty_crawl, path)
    assert row["outcome"] == outcome, row
    assert reason in (row["reason"] or ""), row


def loop_page(crawl, start):
    """The row of the redirect loop begun at fault/loop/START: recorded under the URL of its
    last hop, whose ?n= is the server's hit count for that path, which a hop retried after a
    timeout (a loaded machine) moves on; so the row is found by prefix, and there is one."""
    rows = crawl["con"].execute(
        "select * from pages where url like ? and reason like '%max redirections%'",
        (crawl["base"] + "fault/loop/%",)).fetchall()
    ends = {"a": ("fault/loop/a?", "fault/loop/b?"), "self": ("fault/loop/self?",)}[start]
    mine = [dict(r) for r in rows if r["url"][len(crawl["base"]):].startswith(ends)]
    assert len(mine) == 1, [dict(r) for r in rows]
    return mine[0]


@pytest.mark.parametrize("start", ["a", "self"])
def test_redirect_loop_recorded_at_the_limit(faulty_crawl, start):
    row = loop_page(faulty_crawl, start)
    assert row["outcome"] == "error", row
    assert "max redirections reached" in (row["reason"] or ""), row


def test_503_with_retry_after_recorded_or_recovered(retry_after_crawl):
    assert page(retry_after_crawl, "fault/503")["outcome"] == "error"
    assert page(retry_after_crawl, "fault/503")["reason"] == "HTTP 503"
    assert page(retry_after_crawl, "fault/503-then-ok")["outcome"] == "stored"
    hits = retry_after_crawl["hits"]
    assert hits["/fault/503"] == RETRY_TIMES + 1
    assert hits["/fault/503-then-ok"] == 2


@pytest.mark.parametrize("path", ["fault/slow-ok", "article/9004.html",
                                  "fault/links-private", "article/0.html"])
def test_pages_that_recover_are_stored(faulty_crawl, path):
    assert page(faulty_crawl, path)["outcome"] == "stored"


def test_retries_stay_within_limits(faulty_crawl):
    hits = faulty_crawl["hits"]
    attempts = RETRY_TIMES + 1
    for path in ("/fault/500", "/fault/timeout", "/fault/slow-timeout",
                 "/fault/truncated-body"):
        assert hits[path] == attempts, (path, hits[path])
    # Twisted's connection pool itself retries once when a *reused* connection is reset
    # before the response starts, so each of our attempts may reach the server twice.
    assert attempts <= hits["/fault/reset"] <= 2 * attempts
    # A loop is REDIRECT_MAX_TIMES + 1 requests; a hop that times out on a loaded machine is
    # retried like any other request, so each hop may be asked for up to `attempts` times.
    hops = REDIRECT_MAX_TIMES + 1
    assert hops <= hits["/fault/loop/self"] <= hops * attempts
    assert hops <= hits["/fault/loop/a"] + hits["/fault/loop/b"] <= hops * attempts
    for path in ("/fault/gzip-bomb", "/fault/pdf", "/article/0.html"):
        assert hits[path] == 1, path


def test_redirect_to_another_private_address_refused_before_connecting(faulty_crawl):
    assert faulty_crawl["trap_hits"] == {}, "the server on 127.0.0.2 was contacted"
    refused = faulty_crawl["con"].execute(
        "select url, reason from pages where outcome = 'refused' order by url").fetchall()
    by_origin = {r["reason"].rsplit("redirected from ", 1)[-1].rstrip(")"): r for r in refused}
    for path in ("fault/redirect-private", "fault/redirect-private-legacy"):
        row = by_origin[faulty_crawl["base"] + path]
        assert row["reason"].startswith("refused: ")
        assert "127.0.0.2" in row["url"] or "0x7f.0.0.2" in row["url"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_corpus_page_stored_or_dropped_with_reason(faulty_crawl, name):
    kind, expected = EXPECTED[name]
    row = page(faulty_crawl, "bad/" + name)
    if kind == "article":
        assert row["outcome"] == "stored", row
        art = faulty_crawl["con"].execute(
            "select headline, body_text from articles where url = ?", (row["url"],)).fetchone()
        assert expected in art["headline"] + "\n" + art["body_text"], name
    else:
        assert row["outcome"] == "dropped", row
        assert row["reason"].startswith(expected), row


def test_stored_text_holds_no_markup_or_controls(faulty_crawl):
    con = faulty_crawl["con"]
    values = []
    for table, columns in {"articles": ("headline", "byline", "section", "summary", "body_text",
                                        "authors_text", "tags"),
                           "sections": ("heading", "text", "paragraphs"),
                           "authors": ("name", "url")}.items():
        for row in con.execute(f"select {', '.join(columns)} from {table}"):
            values += [(table, c, v) for c, v in zip(columns, row) if isinstance(v, str)]
    assert len(values) > 50
    for table, column, value in values:
        if column in ("tags", "paragraphs"):
            value = " ".join(json.loads(value))
        assert not CONTROL.search(value), (table, column, value[:200])
        for allowed in DISPLAYED_MARKUP:
            value = value.replace(allowed, "")
        assert not LEAKED_MARKUP.search(value), (table, column, value[:300])


def test_database_is_intact(faulty_crawl):
    assert faulty_crawl["con"].execute("pragma integrity_check").fetchone()[0] == "ok"

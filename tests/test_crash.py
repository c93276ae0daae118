"""Crash safety: a crawl killed with SIGKILL while it writes leaves a database that passes
SQLite's integrity checks, keeps everything it had committed, and a second crawl completes it
with nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess

from ingest.jobs.demo import PROJECT_ROOT

from .faultserver import crawl_command, crawl_env, serve, wait_for, write_sites

ARTICLES = 200
KILL_AFTER = 30  # articles committed before the kill: the crawl is mid-flight, writing


def stored_urls(db) -> set[str]:
    con = sqlite3.connect(db, timeout=5)
    try:
        return {u for (u,) in con.execute("select url from articles")}
    except sqlite3.OperationalError:  # not created yet
        return set()
    finally:
        con.close()


def one(con, sql):
    return con.execute(sql).fetchone()[0]


def test_sigkill_mid_crawl_then_resume(tmp_path):
    db = tmp_path / "news.db"
    with serve(articles=ARTICLES, fault_pages=False) as (server, _trap):
        sites = write_sites(tmp_path / "sites.toml", [server.base_url], max_depth=1)
        # Small batches: with the default (200) all articles of this site land in one
        # commit, and there would be no moment "mid-write" to kill the crawl in.
        cmd = crawl_command(sites, db, {"LOG_LEVEL": "WARNING", "INGEST_STORE_BATCH": "5"})
        crawl = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=crawl_env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen: set[str] = set()

        def enough():
            seen.update(stored_urls(db))
            return len(seen) >= KILL_AFTER or crawl.poll() is not None

        try:
            assert wait_for(enough, timeout=120, step=0.02)
            assert crawl.poll() is None, "the crawl finished before it could be killed"
            os.kill(crawl.pid, signal.SIGKILL)
        finally:
            crawl.kill()
            crawl.wait(timeout=30)
        assert crawl.returncode == -signal.SIGKILL
        assert len(seen) < ARTICLES

        con = sqlite3.connect(db)
        try:
            assert one(con, "pragma integrity_check") == "ok"
            assert con.execute("pragma foreign_key_check").fetchall() == []
            # FTS5's own check: the index matches the articles table (raises if not)
            con.execute("insert into articles_fts(articles_fts) values('integrity-check')")
            # every article was written whole: its sections and its revision with it
            assert one(con, "select count(*) from articles a where not exists "
                            "(select 1 from sections s where s.article_id = a.id)") == 0
            assert one(con, "select count(*) from articles a where not exists "
                            "(select 1 from revisions r where r.article_id = a.id)") == 0
            after_kill = {u for (u,) in con.execute("select url from articles")}
        finally:
            con.close()
        assert seen <= after_kill, "articles a reader saw committed were lost by the kill"

        resumed = subprocess.run(cmd, cwd=PROJECT_ROOT, env=crawl_env(), capture_output=True,
                                 text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    con = sqlite3.connect(db)
    try:
        expected = {f"{server.base_url}article/{i}.html" for i in range(ARTICLES)}
        urls = [u for (u,) in con.execute("select url from articles")]
        assert set(urls) == expected  # nothing lost
        assert len(urls) == ARTICLES  # nothing doubled
        assert one(con, "select count(*) from revisions") == ARTICLES
        assert one(con, "select count(*) from (select article_id, count(*) n from sections "
                        "group by article_id having n != 1)") == 0
        assert one(con, "select count(*) from article_authors") == ARTICLES
        assert one(con, "select count(*) from authors") == 1
        page_urls = [u for (u,) in con.execute(
            "select url from pages where url like '%/article/%'")]
        assert sorted(page_urls) == sorted(expected)
        assert one(con, "select count(*) from articles_fts where articles_fts match 'fibre'") \
            == ARTICLES
        assert one(con, "pragma integrity_check") == "ok"
        runs = con.execute("select status from crawl_runs order by id").fetchall()
        assert len(runs) == 2 and runs[-1][0] == "finished"
    finally:
        con.close()

"""Readers and writers at once: an analyst process querying in a loop, a second writer process
(read-modify-write in a loop) and `ingest reextract` itself, while a real crawl writes the
same database. Nobody gets "database is locked" (WAL, busy timeout, BEGIN IMMEDIATE), and
nothing the crawl served is lost."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

from ingest.jobs.demo import PROJECT_ROOT

from .faultserver import crawl_command, crawl_env, serve, wait_for, write_sites

ARTICLES = 120


def stored_count(db) -> int:
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute("select count(*) from articles").fetchone()[0]
    finally:
        con.close()


def start_client(role, db, stop):
    return subprocess.Popen([sys.executable, "-m", "tests.dbclients", role, str(db), str(stop)],
                            cwd=PROJECT_ROOT, env=crawl_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish_client(proc):
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_analyst_and_second_writer_during_a_crawl(tmp_path):
    db, stop = tmp_path / "news.db", tmp_path / "stop"
    with serve(articles=ARTICLES, fault_pages=False) as (server, _trap):
        sites = write_sites(tmp_path / "sites.toml", [server.base_url], max_depth=1)
        # The database exists (schema migrated) before the clients start.
        from ingest.store import Store
        Store(db).close()
        clients = [start_client("analyst", db, stop), start_client("writer", db, stop)]
        try:
            crawl = subprocess.Popen(crawl_command(sites, db, {"LOG_LEVEL": "INFO"}),
                                     cwd=PROJECT_ROOT, env=crawl_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
            # `ingest reextract` (a real second writer) once the crawl has stored some pages
            assert wait_for(lambda: stored_count(db) >= 30 or crawl.poll() is not None, 120)
            reextract = subprocess.run(
                [sys.executable, "-m", "ingest.cli", "reextract", "--db", str(db), "-j", "1",
                 "--sites-file", str(sites)],
                cwd=PROJECT_ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300)
            crawl_out, crawl_err = crawl.communicate(timeout=600)
        finally:
            stop.touch()
            if crawl.poll() is None:
                crawl.kill()
        analyst, writer = (finish_client(c) for c in clients)
    assert crawl.returncode == 0, crawl_err[-3000:]
    assert "database is locked" not in crawl_err
    assert reextract.returncode == 0, (reextract.stdout + reextract.stderr)[-3000:]
    assert "locked" not in reextract.stdout + reextract.stderr
    done = re.search(r"re-extracted (\d+) pages", reextract.stdout + reextract.stderr)
    assert done and int(done.group(1)) >= 30, reextract.stdout[-2000:]  # it did write
    assert analyst["errors"] == [] and analyst["queries"] > 50, analyst
    assert writer["errors"] == [] and writer["writes"] > 10, writer
    con = sqlite3.connect(db)
    try:
        stored = {u for (u,) in con.execute("select url from articles")}
        assert stored >= {f"{server.base_url}article/{i}.html" for i in range(ARTICLES)}
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()

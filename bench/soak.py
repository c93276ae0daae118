#!/usr/bin/env python3
"""Soak: a long crawl of a local server with injected faults while an analyst queries.

    python bench/soak.py [--pages 20000] [--fault-every 20] [--db PATH]

Serves ``--pages`` articles from tests/faultserver.py on 127.0.0.1, every ``--fault-every``-th
one a fault instead (500, 503, connection reset, gzip bomb, truncated body, in turn: 5% by
default), links them all from one index page, and crawls them with `scrapy crawl news` in a
subprocess while `python -m tests.dbclients analyst` queries the database in a loop.

Prints pages/s (article URLs served / wall time of the crawl), the crawl's peak memory
(Scrapy's memusage/max, and the child's max RSS), the analyst's query count and errors, and
the count of pages accounted for: article URLs with a row in `pages`, which must equal the
article URLs the server was asked for. Exit status 1 if they differ or the analyst met an
error. `make soak` runs it; it is not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself on the path: a bench/x.py named like a package (bench/incremental.py and
# Twisted's `incremental`) would shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.faultserver import crawl_command, crawl_env, serve, write_sites  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20_000)
    ap.add_argument("--fault-every", type=int, default=20, help="1 in N articles is a fault")
    ap.add_argument("--db", type=Path, help="database to crawl into (default: a temp file)")
    ap.add_argument("--concurrency", type=int, default=32,
                    help="CONCURRENT_REQUESTS_PER_DOMAIN: the server is local, and the store "
                         "acknowledges items per batch, so more in flight keeps batches full")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db = args.db or tmp / "soak.db"
        stop = tmp / "stop"
        with serve(articles=args.pages, fault_every=args.fault_every, fault_pages=False,
                   timeout_s=5) as (server, _trap):
            sites = write_sites(tmp / "sites.toml", [server.base_url], max_depth=1)
            from ingest.store import Store
            Store(db).close()
            analyst = subprocess.Popen(
                [sys.executable, "-m", "tests.dbclients", "analyst", str(db), str(stop)],
                cwd=ROOT, env=crawl_env(), stdout=subprocess.PIPE, text=True)
            started = time.monotonic()
            crawl = subprocess.run(
                crawl_command(sites, db, {"LOG_LEVEL": "ERROR", "DOWNLOAD_TIMEOUT": 5,
                                          "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
                                          "CONCURRENT_REQUESTS": args.concurrency}),
                cwd=ROOT, env=crawl_env(), capture_output=True, text=True)
            elapsed = time.monotonic() - started
            stop.touch()
            reader = json.loads(analyst.communicate(timeout=60)[0].strip().splitlines()[-1])
            served = {p for p in server.hits if p.startswith("/article/")}
        child_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        con = sqlite3.connect(db)
        try:
            accounted = {"/" + u.split("/", 3)[3] for (u,) in con.execute(
                "select url from pages where url like '%/article/%'")}
            outcomes = con.execute("select outcome, count(*) from pages group by 1 "
                                   "order by 2 desc").fetchall()
            stats = json.loads(con.execute("select stats from crawl_runs order by id desc "
                                           "limit 1").fetchone()[0] or "{}")
            integrity = con.execute("pragma integrity_check").fetchone()[0]
        finally:
            con.close()

    missing = sorted(served - accounted)
    print(f"crawl exit status     {crawl.returncode}")
    print(f"pages served          {len(served)} article URLs ({args.pages} linked, "
          f"1 in {args.fault_every} a fault)")
    print(f"pages accounted for   {len(accounted & served)} (rows in pages)")
    print(f"pages/s               {len(served) / elapsed:.1f} ({elapsed:.0f} s)")
    print(f"peak memory           {stats.get('memusage/max', 0) / 2**20:.0f} MB "
          f"(scrapy memusage/max); child max RSS {child_rss_mb:.0f} MB")
    print(f"analyst               {reader['queries']} queries, {len(reader['errors'])} errors "
          f"{reader['errors'][:3]}")
    print(f"outcomes              {', '.join(f'{o} {n}' for o, n in outcomes)}")
    print(f"integrity_check       {integrity}")
    if missing:
        print(f"NOT ACCOUNTED FOR     {len(missing)}, e.g. {missing[:5]}")
    if crawl.returncode != 0:
        print(crawl.stderr[-3000:])
    ok = (not missing and not reader["errors"] and crawl.returncode == 0
          and integrity == "ok")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

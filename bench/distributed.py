#!/usr/bin/env python3
"""The distributed crawl's scaling: 8 local sites, 1, 2 and 4 workers, one coordinator.

    nice python bench/distributed.py [--articles 30] [--latency 0.4] [--delay 0.2]
                                     [--concurrency 4] [--workers 1 2 4] [--json PATH]

Eight generated sites (bench/sitegen.py) are served on 127.0.0.10-17, each answering after
``--latency`` seconds. Each site may get one request per ``--delay`` seconds (DOWNLOAD_DELAY,
the shared per-site limiter), and each worker has ``--concurrency`` requests in flight
(CONCURRENT_REQUESTS): so one worker is bound by latency (concurrency / latency pages/s), and
more workers scale until the per-site limit (8 / delay pages/s) binds. For each number of
workers, a fresh database and key prefix, the coordinator and the workers as subprocesses
(`ingest coordinate`, `scrapy crawl news -s INGEST_REDIS_URL=`), measured:

* pages/s: pages fetched over the time from the first to the last request the servers saw;
* worker CPU per page: the workers' user+system seconds (os.wait4) over the pages;
* coordinator store rate: pages over the coordinator's CPU seconds from the crawl's open to
  its last acknowledgement (stat ingest/coordinator/cpu_seconds; start-up left out), what it
  could store if it did nothing else: it must be at least the workers' combined rate.

Needs Redis on 127.0.0.1:6379. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sitegen import generate_site  # noqa: E402

REDIS = "redis://127.0.0.1:6379/0"
HOSTS = [f"127.0.0.{10 + i}" for i in range(8)]


class Slow(SimpleHTTPRequestHandler):
    latency = 0.0
    arrivals: list[float] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        Slow.arrivals.append(time.monotonic())
        time.sleep(self.latency)
        super().do_GET()


def serve(folder: Path, host: str, latency: float) -> tuple[ThreadingHTTPServer, str]:
    handler = type("SlowHandler", (Slow,), {"latency": latency})
    server = ThreadingHTTPServer((host, 0), partial(handler, directory=str(folder)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"


def env() -> dict:
    e = {**os.environ, "SCRAPY_SETTINGS_MODULE": "ingest.settings"}
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), e.get("PYTHONPATH")]))
    return e


def wait_usage(proc: subprocess.Popen) -> tuple[int, float]:
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


def run(n_workers: int, sites_file: Path, tmp: Path, args) -> dict:
    import redis

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    db = tmp / f"w{n_workers}.db"
    common = ["-s", f"INGEST_REDIS_PREFIX={prefix}", "-s", "LOG_LEVEL=WARNING",
              "-s", f"DOWNLOAD_DELAY={args.delay}", "-s", "RANDOMIZE_DOWNLOAD_DELAY=False",
              "-s", "AUTOTHROTTLE_ENABLED=False",
              "-s", f"CONCURRENT_REQUESTS={args.concurrency}",
              "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}"]
    Slow.arrivals.clear()
    coordinator = subprocess.Popen(
        [sys.executable, "-m", "ingest.cli", "coordinate", "--redis", REDIS, "--db", str(db),
         "--sites-file", str(sites_file), *common], env=env(), cwd=ROOT,
        stderr=subprocess.DEVNULL)
    workers = [subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "news", "-s",
                                 f"INGEST_REDIS_URL={REDIS}", *common], env=env(), cwd=ROOT,
                                stderr=subprocess.DEVNULL)
               for _ in range(n_workers)]
    code, coord_cpu = wait_usage(coordinator)
    worker_cpu = 0.0
    for w in workers:
        wcode, cpu = wait_usage(w)
        worker_cpu += cpu
        code = code or wcode
    con = sqlite3.connect(db)
    articles = con.execute("select count(*) from articles").fetchone()[0]
    stats = json.loads(con.execute("select stats from crawl_runs order by id desc limit 1")
                       .fetchone()[0])
    con.close()
    # The coordinator's CPU from the crawl's open to its last acknowledgement (its start-up,
    # the same whatever the crawl's size, left out).
    coord_cpu = stats.get("ingest/coordinator/cpu_seconds") or coord_cpu
    r = redis.Redis.from_url(REDIS)
    keys = list(r.scan_iter(match=f"{prefix}:*"))
    if keys:
        r.delete(*keys)
    pages = len(Slow.arrivals)
    span = max(Slow.arrivals) - min(Slow.arrivals) if pages > 1 else float("nan")
    return {"workers": n_workers, "exit": code, "pages": pages, "articles": articles,
            "seconds": round(span, 2), "pages_per_s": round(pages / span, 1),
            "worker_cpu_ms_per_page": round(1000 * worker_cpu / pages, 1),
            "coordinator_cpu_s": round(coord_cpu, 2),
            "coordinator_store_pages_per_s": round(pages / coord_cpu, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=30, help="articles per site")
    ap.add_argument("--latency", type=float, default=0.4)
    ap.add_argument("--delay", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        servers, lines = [], []
        for i, host in enumerate(HOSTS):
            folder = tmp / f"site{i}"
            folder.mkdir()
            generate_site(folder, args.articles, seed=8 + i)
            server, url = serve(folder, host, args.latency)
            servers.append(server)
            lines += [f"[sites.site{i}]", f'start_urls = ["{url}"]', ""]
        sites_file = tmp / "sites.toml"
        sites_file.write_text("\n".join(lines))
        rows = [run(n, sites_file, tmp, args) for n in args.workers]
        for server in servers:
            server.shutdown()
    bound = len(HOSTS) / args.delay
    print(f"8 sites x {args.articles} articles, latency {args.latency}s, per-site limit "
          f"{1 / args.delay:.1f}/s ({bound:.0f}/s in all), {args.concurrency} in flight "
          f"per worker\n")
    print("| workers | pages | articles | s | pages/s | worker CPU ms/page | "
          "coordinator store pages/s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workers']} | {r['pages']} | {r['articles']} | {r['seconds']} | "
              f"{r['pages_per_s']} | {r['worker_cpu_ms_per_page']} | "
              f"{r['coordinator_store_pages_per_s']} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

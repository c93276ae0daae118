#!/usr/bin/env python3
"""End-to-end crawl speed and memory on a generated local site, side by side with its floors.

    python bench/crawl.py --pages 2000 [--pages 20000 ...] [--keep DIR] [--json PATH]

For each N given:

1. generates a site of N articles from our demo site's templates (bench/sitegen.py: varied
   text, links between pages, listing pages, a sitemap) in a temp folder and serves it from a
   separate process on 127.0.0.1;
2. crawls it with ``scrapy crawl news -a start=URL`` (the project's settings, the local-crawl
   overrides of ingest/jobs/demo.py) into a new SQLite file; measured: pages/s (responses over
   the crawler process's wall time, start-up included), CPU seconds per page and peak RSS of the crawler process
   (``os.wait4``: the crawler alone, not the server);
3. in the same run, a bare Scrapy spider (bench/bare_spider.py: callback does nothing) over
   the same URLs with the same settings;
4. ``extract_article`` alone over the same pages, read from disk, in this process;
5. for the smallest N, ``ingest reextract --jobs 1`` and ``--jobs 2``, each on a copy of the
   crawled database (target: jobs 2 at least 1.7x faster);

and prints the ratios the performance issue sets targets for:

* crawl pages/s / extract_article-alone pages/s   (target >= 0.75)
* peak RSS of the crawler at the largest N          (target <= 300 MB, within 20% of the
  smallest N)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/NAME.py`, Python puts bench/ first on sys.path, where a module named
# like an installed package (bench/incremental.py vs Twisted's `incremental`) would shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_CRAWL_VS_EXTRACT = 0.75
TARGET_RSS_MB = 300
TARGET_RSS_GROWTH = 1.20
TARGET_REEXTRACT_SPEEDUP = 1.7


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(folder: Path) -> tuple[subprocess.Popen, str]:
    """Serve ``folder`` from a separate process on 127.0.0.1; returns (process, base URL)."""
    port = free_port()
    code = ("import functools, sys\n"
            "from http.server import ThreadingHTTPServer\n"
            "from ingest.jobs.demo import QuietHandler\n"
            "ThreadingHTTPServer.request_queue_size = 128\n"
            "handler = functools.partial(QuietHandler, directory=sys.argv[1])\n"
            "ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2])), handler).serve_forever()\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder), str(port)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"error: the site server did not start on port {port}")


def run_measured(cmd: list[str], env: dict, log: Path) -> dict:
    """Run ``cmd`` as a child; its wall time, CPU time and peak RSS (from wait4)."""
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"error: {' '.join(cmd[:6])}... exited with {code}; see {log}:\n"
                         + log.read_text()[-3000:])
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024}


def crawl_env() -> dict:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "ingest.settings"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def measure_crawl(base_url: str, work: Path) -> dict:
    from ingest.jobs.demo import crawl_command

    db = work / "crawl.db"
    usage = run_measured(crawl_command(base_url, db), crawl_env(), work / "crawl.log")
    con = sqlite3.connect(db)
    try:
        stats = json.loads(con.execute("select stats from crawl_runs order by id desc")
                           .fetchone()[0])
        articles = con.execute("select count(*) from articles").fetchone()[0]
        outcomes = dict(con.execute("select outcome, count(*) from pages group by 1"))
    finally:
        con.close()
    pages = stats.get("response_received_count", 0)
    # The process's wall time, for both crawls alike: start-up and closing (template
    # learning, the last commit) are part of what a crawl costs.
    elapsed = usage["wall_s"]
    return {**usage, "pages": pages, "articles": articles, "outcomes": outcomes,
            "elapsed_s": elapsed, "pages_per_s": pages / elapsed,
            "cpu_s_per_page": usage["cpu_s"] / max(pages, 1)}


def measure_bare(base_url: str, paths: list[str], work: Path) -> dict:
    from ingest.jobs.demo import LOCAL_CRAWL_SETTINGS

    urls = work / "urls.txt"
    urls.write_text("\n".join(base_url.rstrip("/") + p for p in paths) + "\n")
    stats_file = work / "bare-stats.json"
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench" / "bare_spider.py"),
           "-a", f"urls={urls}", "-a", f"stats={stats_file}",
           "-s", f"INGEST_DB={work / 'bare.db'}"]
    for key, value in LOCAL_CRAWL_SETTINGS.items():
        cmd += ["-s", f"{key}={value}"]
    usage = run_measured(cmd, crawl_env(), work / "bare.log")
    stats = json.loads(stats_file.read_text())
    pages = stats.get("response_received_count", 0)
    elapsed = usage["wall_s"]
    return {**usage, "pages": pages, "elapsed_s": elapsed, "pages_per_s": pages / elapsed,
            "cpu_s_per_page": usage["cpu_s"] / max(pages, 1)}


def measure_extract(site: Path, base_url: str, paths: list[str]) -> dict:
    from ingest.extract import extract_article

    pages = []
    for p in paths:
        f = site / (p.lstrip("/") + ("index.html" if p.endswith("/") else ""))
        pages.append((f.read_bytes(), base_url.rstrip("/") + p))
    t0 = time.perf_counter()
    c0 = time.process_time()
    for body, url in pages:
        extract_article(body, url)
    cpu = time.process_time() - c0
    wall = time.perf_counter() - t0
    return {"pages": len(pages), "wall_s": wall, "cpu_s": cpu, "pages_per_s": len(pages) / wall,
            "cpu_s_per_page": cpu / len(pages)}


def copy_db(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite database (the backup API: WAL included)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def measure_reextract(db: Path, work: Path) -> dict:
    """``ingest reextract --jobs 1`` and ``--jobs 2``, each on its own copy of the crawled
    database (same starting state), timed as whole processes."""
    out = {}
    for jobs in (1, 2):
        copy = work / f"reextract-{jobs}.db"
        copy_db(db, copy)
        cmd = [sys.executable, "-m", "ingest.cli", "reextract", "--db", str(copy),
               "--jobs", str(jobs), "--sites-file", str(work / "no-sites.toml")]
        out[f"jobs{jobs}"] = run_measured(cmd, crawl_env(), work / f"reextract-{jobs}.log")
    out["speedup"] = out["jobs1"]["wall_s"] / out["jobs2"]["wall_s"]
    return out


def bench_one(n: int, keep: Path | None, reextract: bool = False) -> dict:
    from bench.sitegen import generate_site

    with tempfile.TemporaryDirectory(prefix=f"bench-crawl-{n}-") as tmp:
        work = Path(keep) / str(n) if keep else Path(tmp)
        site = work / "site"
        site.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        paths = generate_site(site, n)
        print(f"  N={n}: site of {len(paths)} pages generated in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        server, base_url = serve(site)
        try:
            crawl = measure_crawl(base_url, work)
            print(f"  N={n}: crawl done ({crawl['pages']} pages)", flush=True)
            bare = measure_bare(base_url, paths, work)
            print(f"  N={n}: bare spider done ({bare['pages']} pages)", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=10)
        extract = measure_extract(site, base_url, paths)
        result = {"n": n, "site_pages": len(paths), "crawl": crawl, "bare": bare,
                  "extract": extract}
        if reextract:
            result["reextract"] = measure_reextract(work / "crawl.db", work)
            print(f"  N={n}: reextract --jobs 1 and 2 done", flush=True)
    return result


def report(results: list[dict]) -> str:
    lines = [f"{'N':>6} {'run':<16} {'pages':>6} {'pages/s':>8} {'CPU ms/page':>12} "
             f"{'peak RSS MB':>12}"]
    for r in results:
        for name, key in (("crawl (ours)", "crawl"), ("bare spider", "bare"),
                          ("extract alone", "extract")):
            m = r[key]
            rss = f"{m['peak_rss_mb']:>12.0f}" if "peak_rss_mb" in m else f"{'-':>12}"
            lines.append(f"{r['n']:>6} {name:<16} {m['pages']:>6} {m['pages_per_s']:>8.1f} "
                         f"{m['cpu_s_per_page'] * 1000:>12.2f} {rss}")
        lines.append(f"{'':>6} articles stored {r['crawl']['articles']}, pages by outcome "
                     f"{r['crawl']['outcomes']}")
    lines.append("")
    for r in results:
        ratio = r["crawl"]["pages_per_s"] / r["extract"]["pages_per_s"]
        bare_ratio = r["crawl"]["pages_per_s"] / r["bare"]["pages_per_s"]
        ok = "met" if ratio >= TARGET_CRAWL_VS_EXTRACT else "NOT met"
        lines.append(f"N={r['n']}: crawl/extract-alone pages/s {ratio:.2f}x "
                     f"(target >= {TARGET_CRAWL_VS_EXTRACT}: {ok}); crawl/bare spider "
                     f"{bare_ratio:.2f}x")
    for r in results:
        if "reextract" in r:
            x = r["reextract"]
            ok = "met" if x["speedup"] >= TARGET_REEXTRACT_SPEEDUP else "NOT met"
            lines.append(f"N={r['n']}: ingest reextract --jobs 1 {x['jobs1']['wall_s']:.1f} s, "
                         f"--jobs 2 {x['jobs2']['wall_s']:.1f} s: {x['speedup']:.2f}x "
                         f"(target >= {TARGET_REEXTRACT_SPEEDUP}: {ok})")
    big = max(results, key=lambda r: r["n"])
    small = min(results, key=lambda r: r["n"])
    rss = big["crawl"]["peak_rss_mb"]
    lines.append(f"peak RSS of the crawler at N={big['n']}: {rss:.0f} MB (target <= "
                 f"{TARGET_RSS_MB}: {'met' if rss <= TARGET_RSS_MB else 'NOT met'})")
    if big is not small:
        growth = rss / small["crawl"]["peak_rss_mb"]
        lines.append(f"  vs N={small['n']}: {growth:.2f}x (target <= {TARGET_RSS_GROWTH}: "
                     f"{'met' if growth <= TARGET_RSS_GROWTH else 'NOT met'})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, action="append",
                    help="articles in the generated site; repeat for several runs "
                         "(default: 2000 and 20000)")
    ap.add_argument("--keep", type=Path, help="keep sites, databases and logs under this folder")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--no-reextract", action="store_true",
                    help="skip timing `ingest reextract --jobs 1` vs `--jobs 2`")
    args = ap.parse_args(argv)
    sizes = args.pages or [2000, 20000]
    if any(n < 1 for n in sizes):
        ap.error("--pages must be at least 1")
    print(f"crawl: N = {', '.join(map(str, sizes))}, "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}", flush=True)
    # ingest reextract --jobs 1 vs 2 on the smallest crawl's database (the same work twice).
    results = [bench_one(n, args.keep, reextract=not args.no_reextract and n == min(sizes))
               for n in sizes]
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

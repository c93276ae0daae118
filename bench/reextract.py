#!/usr/bin/env python3
"""Re-extraction speed: `ingest reextract` over stored raw pages, 1 process against N.

    python bench/reextract.py DATA_DIR [--limit N] [--jobs N] [--copies K]

DATA_DIR is a folder such as ../shared/data/trafilatura-eval (``ground-truth.json`` plus
gzipped pages under ``html/``). Its pages are stored as raw pages (``ingest.store.rawpages``) of a
temporary database, never copied into the project; each page is stored ``--copies`` times
under different paths so that the sites have enough pages to learn templates from. The
database starts with every page extracted once; then it times, on the same database:

* fingerprinting alone (``page_blocks``, what the crawl adds per stored page), ms per page;
* ``reextract(jobs=1)`` and ``reextract(jobs=N)``: pages/s and the speed-up.

Exit status: 0 when done (or when DATA_DIR is absent: "skipped"), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest import settings  # noqa: E402
from ingest.extract import decode_html, extract_article  # noqa: E402
from ingest.extract.records import clean_article  # noqa: E402
from ingest.extract.template import page_blocks  # noqa: E402
from ingest.jobs.reextract import reextract  # noqa: E402
from ingest.store import Store  # noqa: E402
from ingest.store.rawpages import save_raw_page  # noqa: E402

FETCHED = "2026-11-27T00:00:00+00:00"


def load(data: Path, limit: int | None) -> list[tuple[str, bytes]]:
    truth = json.loads((data / "ground-truth.json").read_text())
    items = sorted(truth["items"].items(), key=lambda kv: kv[0])[:limit]
    pages = []
    for _id, rec in items:
        url = rec.get("url") or f"https://example.invalid/{_id}"
        pages.append((url, gzip.open(data / rec["html_file"]).read()))
    return pages


def _cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--copies", type=int, default=2)
    args = ap.parse_args()
    if not (args.data / "ground-truth.json").exists():
        print(f"skipped: {args.data} not found (see ../shared/data/README.md)")
        return 0
    pages = load(args.data, args.limit)
    t = []
    for url, body in pages:
        start = time.perf_counter()
        page_blocks(decode_html(body), url)
        t.append(time.perf_counter() - start)
    print(f"page_blocks: median {statistics.median(t) * 1000:.1f} ms/page over {len(pages)} "
          f"pages")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with Store(db) as store:
            for copy in range(args.copies):
                for url, body in pages:
                    u = f"{url}{'&' if '?' in url else '?'}copy={copy}" if copy else url
                    store.upsert_article(clean_article(extract_article(body, u,
                                                                       fetched_at=FETCHED)))
                    save_raw_page(store, u, body, fetched_at=FETCHED,
                                  headers={"Content-Type": "text/html"})
        n = len(pages) * args.copies
        results = {}
        for jobs in (1, args.jobs):
            start = time.perf_counter()
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            report = reextract(db, jobs=jobs, min_share=settings.INGEST_TEMPLATE_MIN_SHARE,
                               min_pages=settings.INGEST_TEMPLATE_MIN_PAGES,
                               min_words=settings.INGEST_MIN_WORDS,
                               duplicate_threshold=settings.INGEST_DUPLICATE_SIMILARITY)
            elapsed = time.perf_counter() - start
            parent = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - _cpu(cpu0)
            workers = _cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - _cpu(kids0)
            results[jobs] = (elapsed, parent, workers)
            print(f"reextract --jobs {jobs}: {n} pages in {elapsed:.1f} s = {n / elapsed:.0f} "
                  f"pages/s ({report.updated} updated, {report.unchanged} unchanged, "
                  f"{report.refreshed} refreshed, {len(report.not_articles)} not articles); "
                  f"CPU s: writing process {parent:.1f}, workers {workers:.1f}")
        if args.jobs != 1:
            wall, parent, workers = results[args.jobs]
            # The speed-up with the cores to ourselves (Amdahl), from this run's own split:
            # the writing process's CPU is the serial share, the workers' divides among the
            # jobs. On a shared machine the wall-clock ratio also measures the neighbours'
            # load; this one does not (both CPU figures come from the same run).
            serial = parent / (parent + workers)
            amdahl = 1 / (serial + (1 - serial) / args.jobs)
            print(f"speed-up with {args.jobs} processes: {results[1][0] / wall:.2f}x wall "
                  f"clock; {amdahl:.2f}x from CPU times (the writing process is "
                  f"{serial:.1%} of the CPU: 1 / (serial + rest / {args.jobs}))")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Storage speed: articles/s through the store pipeline alone, and full-text query time.

    python bench/store.py [--articles 100000] [--batch N] [--queries 300] [--db PATH] [--json PATH]
                          [--fts trigger|at-close]

1. Generates ``--articles`` synthetic article records (bench/synth.py: 2-6 sections, ~500
   words, 1-2 authors from a pool, Zipf-distributed words) and feeds them one by one to
   ``pipelines.store.StorePipeline.process_item`` of a real Scrapy crawler object, into a new
   SQLite file, then closes the spider (the last flush). Timed: the pipeline calls and the
   close only, not the generation of the records. Printed: articles/s over all of them.
2. On that database (100,000 articles by default), runs full-text queries the way an analyst
   would (top 20 by relevance, the README's join on ``articles_fts``), one term each, terms
   drawn at random from three bands of the vocabulary by frequency, and prints the median
   and 95th percentile per band. Each query is run once, cold for its term.

``--fts at-close`` measures the alternative of filling the full-text index after the crawl
instead of with each article: the insert trigger is dropped for the run, and the index is
rebuilt once at the end, timed and reported apart and in a total (the project fills it with
each article; see docs/design.md "Full-text index").

Targets (performance issue): >= 5,000 articles/s stored; <= 50 ms median full-text query
on 100,000 articles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/NAME.py`, Python puts bench/ first on sys.path, where a module named
# like an installed package (bench/incremental.py vs Twisted's `incremental`) would shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.synth import SECTIONS, TextGen  # noqa: E402

TARGET_ARTICLES_PER_S = 5000
TARGET_QUERY_MS = 50
# Vocabulary rank bands for query terms: "common" words sit in a large share of articles,
# "rare" ones in a handful; the target is about the typical analyst query.
BANDS = {"common (rank 20-200)": (20, 200), "middle (rank 200-4000)": (200, 4000),
         "rare (rank 4000-40000)": (4000, 40000)}
QUERY_SQL = (
    "SELECT a.id, a.headline, a.published_at FROM articles_fts"
    " JOIN articles a ON a.id = articles_fts.rowid"
    " WHERE articles_fts MATCH ? ORDER BY rank LIMIT 20"
)
CHUNK = 2000


def make_articles(gen: TextGen, start: int, n: int):
    from ingest.extract import content_hash
    from ingest.extract.content import sections_text
    from ingest.items import Article, Author, Section

    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(start, start + n):
        sections = [Section(h, ps) for h, ps in gen.sections()]
        body = sections_text(sections)
        people = [gen.person() for _ in range(gen.rng.choice((1, 1, 1, 2)))]
        url = f"https://bench{i % 50}.test/news/{i}.html"
        out.append(Article(
            url=url, canonical_url=url, site=f"bench{i % 50}.test", headline=gen.headline(),
            authors=[Author(name, role, None) for name, role in people],
            byline="By " + " and ".join(name for name, _ in people),
            published_at=(base + timedelta(minutes=7 * i)).isoformat(),
            section=gen.rng.choice(SECTIONS), summary=gen.sentence(),
            tags=[gen.rng.choice(gen.words[:300]) for _ in range(3)], language="en",
            sections=sections, body_text=body, word_count=len(body.split()),
            content_hash=content_hash(body),
            fetched_at=(base + timedelta(minutes=7 * i, seconds=5)).isoformat(),
            provenance={"headline": "heuristic:h1"},
        ))
    return out


def open_pipeline(db: Path, batch: int | None):
    """A StorePipeline on a real crawler object, opened (call inside a running event loop:
    its flush timer and its awaits use it, as in a crawl)."""
    import scrapy
    from scrapy.utils.test import get_crawler

    from ingest import settings as project
    from pipelines.store import StorePipeline

    settings = {"INGEST_DB": str(db), "LOG_LEVEL": "WARNING",
                "INGEST_STORE_BATCH": project.INGEST_STORE_BATCH if batch is None else batch,
                "INGEST_STORE_FLUSH_SECONDS": project.INGEST_STORE_FLUSH_SECONDS}
    crawler = get_crawler(scrapy.Spider, settings)
    spider = scrapy.Spider(name="bench")
    pipe = StorePipeline.from_crawler(crawler)
    pipe.open_spider(spider)
    return pipe, spider


def drop_fts_insert_trigger(conn: sqlite3.Connection) -> str:
    """--fts at-close: the articles' FTS insert trigger dropped for the run (a measurement of
    what filling the index after the crawl would save; not a setting of the project).
    Returns its SQL, to put it back."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                       " AND name = 'articles_ai'").fetchone()[0]
    conn.execute("DROP TRIGGER articles_ai")
    return sql


def rebuild_fts(db: Path, trigger_sql: str) -> dict:
    """Fill the FTS index of every stored article at once (what the crawl's close would do),
    timed, and put the insert trigger back."""
    con = sqlite3.connect(db, isolation_level=None)
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
    con.execute(trigger_sql)
    con.execute("COMMIT")
    out = {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}
    con.close()
    return out


async def store_articles(db: Path, n: int, batch: int | None, gen: TextGen,
                         fts: str = "trigger") -> dict:
    pipe, spider = open_pipeline(db, batch)
    trigger_sql = drop_fts_insert_trigger(pipe.store.conn) if fts == "at-close" else None
    elapsed = cpu = 0.0
    first_10k = None
    done = 0
    while done < n:
        items = make_articles(gen, done, min(CHUNK, n - done))
        t0, c0 = time.perf_counter(), time.process_time()
        # As Scrapy does: every item's process_item runs as its own task, and each returns
        # once the batch holding it has committed.
        await asyncio.gather(*(pipe.process_item(item, spider) for item in items))
        elapsed += time.perf_counter() - t0
        cpu += time.process_time() - c0
        done += len(items)
        if first_10k is None and done >= 10_000:
            first_10k = done / elapsed
    t0, c0 = time.perf_counter(), time.process_time()
    pipe.close_spider(spider)
    elapsed += time.perf_counter() - t0
    cpu += time.process_time() - c0
    con = sqlite3.connect(db)
    stored = con.execute("select count(*) from articles").fetchone()[0]
    pages = con.execute("select count(*) from pages where outcome = 'stored'").fetchone()[0]
    con.close()
    if stored != n or pages != n:
        raise SystemExit(f"error: {n} articles sent, {stored} stored and {pages} pages rows: "
                         "the store pipeline lost records")
    out = {"articles": n, "seconds": elapsed, "articles_per_s": n / elapsed,
           "cpu_seconds": cpu, "articles_per_cpu_s": n / cpu,
           "articles_per_s_first_10k": first_10k, "fts": fts}
    if trigger_sql is not None:
        out["fts_rebuild"] = rebuild_fts(db, trigger_sql)
    return out


def query_times(db: Path, gen: TextGen, per_band: int, seed: int = 8) -> dict:
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    out = {}
    try:
        for band, (lo, hi) in BANDS.items():
            words = gen.words[lo:hi]
            terms = rng.sample(words, min(per_band, len(words)))
            times, hits = [], []
            for term in terms:
                t0 = time.perf_counter()
                rows = con.execute(QUERY_SQL, (f'"{term}"',)).fetchall()
                times.append((time.perf_counter() - t0) * 1000)
                hits.append(con.execute("SELECT count(*) FROM articles_fts WHERE articles_fts"
                                        " MATCH ?", (f'"{term}"',)).fetchone()[0])
                assert len(rows) <= 20
            times.sort()
            out[band] = {"queries": len(times), "median_ms": statistics.median(times),
                         "p95_ms": times[int(0.95 * (len(times) - 1))],
                         "median_matching_articles": statistics.median(hits)}
    finally:
        con.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--batch", type=int, help="INGEST_STORE_BATCH for the run (default: "
                    "ingest/settings.py's); 1 = one transaction per article")
    ap.add_argument("--compare", type=int, default=10_000, metavar="N",
                    help="first store N articles with one transaction each, for comparison "
                         "(0: skip)")
    ap.add_argument("--queries", type=int, default=100, help="queries per frequency band")
    ap.add_argument("--fts", choices=("trigger", "at-close"), default="trigger",
                    help="trigger: the full-text index filled with each article, as the "
                         "project does; at-close: a measurement only, the index filled once "
                         "after the run (its time reported apart and in the total)")
    ap.add_argument("--db", type=Path, help="keep the database here (default: a temp dir)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    print(f"store: {args.articles} synthetic articles, "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    gen = TextGen()
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        db = args.db or Path(tmp) / "store.db"
        if db.exists():
            raise SystemExit(f"error: {db} exists; give a new path to --db")
        if args.compare:
            # The same pipeline with one transaction per article, for comparison.
            single = asyncio.run(store_articles(Path(tmp) / "single.db", args.compare, 1,
                                                TextGen()))
        stored = asyncio.run(store_articles(db, args.articles, args.batch, gen, args.fts))
        size_mb = sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 1e6
        queries = query_times(db, gen, args.queries)
    ok = stored["articles_per_s"] >= TARGET_ARTICLES_PER_S
    print(f"stored {stored['articles']} articles in {stored['seconds']:.1f} s: "
          f"{stored['articles_per_s']:,.0f} articles/s "
          + (f"(first 10,000: {stored['articles_per_s_first_10k']:,.0f}/s); "
             if stored["articles_per_s_first_10k"] else "; ") +
          f"{stored['articles_per_cpu_s']:,.0f} per CPU second; database {size_mb:,.0f} MB")
    if "fts_rebuild" in stored:
        rebuild = stored["fts_rebuild"]
        total = stored["seconds"] + rebuild["seconds"]
        print(f"  --fts at-close: the full-text index was not filled during the run; filling "
              f"it after took {rebuild['seconds']:.1f} s ({rebuild['cpu_seconds']:.1f} s CPU); "
              f"with it: {stored['articles'] / total:,.0f} articles/s, "
              f"{stored['articles'] / (stored['cpu_seconds'] + rebuild['cpu_seconds']):,.0f} "
              "per CPU second")
    if args.compare:
        print(f"  one transaction per article (INGEST_STORE_BATCH=1), first {args.compare:,}: "
              f"{single['articles_per_s']:,.0f} articles/s, "
              f"{single['articles_per_cpu_s']:,.0f} per CPU second")
    print(f"  target >= {TARGET_ARTICLES_PER_S:,}/s: {'met' if ok else 'NOT met'}")
    print(f"full-text query on {stored['articles']:,} articles (top 20 by rank, one term):")
    print(f"  {'terms':<24} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'matching':>9}")
    for band, q in queries.items():
        print(f"  {band:<24} {q['queries']:>7} {q['median_ms']:>10.2f} {q['p95_ms']:>8.2f} "
              f"{q['median_matching_articles']:>9.0f}")
    mid = queries["middle (rank 200-4000)"]["median_ms"]
    print(f"  target median <= {TARGET_QUERY_MS} ms (middle band): "
          f"{'met' if mid <= TARGET_QUERY_MS else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({"store": stored, "queries": queries,
                                         "single": single if args.compare else None,
                                         "db_mb": size_mb}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

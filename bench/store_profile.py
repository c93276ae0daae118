#!/usr/bin/env python3
"""Where the store pipeline's time goes: CPU per article by SQL statement and Python stage.

    python bench/store_profile.py [--articles 3000] [--cache-kib N]

Runs bench/store.py's pipeline (the same synthetic articles, batches of INGEST_STORE_BATCH)
with the store's connection wrapped so that every statement's CPU time is added up by its
first words (a statement's triggers count in it), and a few Python stages (the sketch, the
band keys, the record conversions) timed around their calls. Prints the CPU per article of
each, its share of the total and its calls per article; what is not listed is the pipeline's
Python glue (asyncio tasks, Deferreds, stats). ``--cache-kib``: PRAGMA cache_size for the
run, to see what SQLite's page cache changes. A measurement tool: the wrapping costs a little
itself.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import ingest.store as store_module  # noqa: E402
import pipelines.store as pipeline_module  # noqa: E402
from bench import store as bench_store  # noqa: E402
from bench.synth import TextGen  # noqa: E402
from ingest.store import duplicates  # noqa: E402

CPU: dict[str, float] = collections.defaultdict(float)
CALLS: collections.Counter = collections.Counter()


def _label(kind: str, sql: str) -> str:
    return f"{kind}: " + re.sub(r"\(.*", "", " ".join(sql.split())[:60])


def _count(label: str, started: float) -> None:
    CPU[label] += time.process_time() - started
    CALLS[label] += 1


class _Rows:
    """A statement's rows, fetched inside the timing (an INSERT ... RETURNING runs when its
    row is fetched)."""

    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return self.rows


class TimedCursor:
    def __init__(self, cursor):
        object.__setattr__(self, "_cursor", cursor)

    def execute(self, sql, *args):
        started = time.process_time()
        row = self._cursor.execute(sql, *args).fetchone()
        _count(_label("sql", sql), started)
        return _Rows([row] if row is not None else [])

    def __setattr__(self, name, value):
        setattr(self._cursor, name, value)


class TimedConnection:
    def __init__(self, conn):
        self._conn = conn

    def execute(self, sql, *args):
        started = time.process_time()
        cursor = self._conn.execute(sql, *args)
        if "RETURNING" in sql:
            cursor = _Rows(cursor.fetchall())
        _count(_label("sql", sql), started)
        return cursor

    def executemany(self, sql, *args):
        started = time.process_time()
        cursor = self._conn.executemany(sql, *args)
        _count(_label("sqlmany", sql), started)
        return cursor

    def cursor(self):
        return TimedCursor(self._conn.cursor())

    def __enter__(self):
        return self._conn.__enter__()

    def __exit__(self, *exc):
        started = time.process_time()
        out = self._conn.__exit__(*exc)
        _count("commit", started)
        return out

    def __getattr__(self, name):
        return getattr(self._conn, name)


def _timed(module, name: str, label: str) -> None:
    func = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            _count(label, started)

    setattr(module, name, wrapper)


def instrument(cache_kib: int | None) -> None:
    store_init = store_module.Store.__init__

    def init(self, *args, **kwargs):
        store_init(self, *args, **kwargs)
        if cache_kib:
            self.conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        self.conn = TimedConnection(self.conn)

    store_module.Store.__init__ = init
    _timed(duplicates, "signature", "py: duplicate sketch (signature)")
    _timed(duplicates, "bands", "py: band keys")
    _timed(store_module, "_record", "py: Store._record")
    _timed(pipeline_module, "record_of", "py: pipeline record_of")


async def run(db: Path, n: int) -> float:
    pipe, spider = bench_store.open_pipeline(db, None)
    gen, done, cpu = TextGen(), 0, 0.0
    while done < n:
        items = bench_store.make_articles(gen, done, min(bench_store.CHUNK, n - done))
        started = time.process_time()
        await asyncio.gather(*(pipe.process_item(item, spider) for item in items))
        cpu += time.process_time() - started
        done += len(items)
    started = time.process_time()
    pipe.close_spider(spider)
    return cpu + time.process_time() - started


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--cache-kib", type=int, help="PRAGMA cache_size (KiB) for the run")
    args = ap.parse_args(argv)
    instrument(args.cache_kib)
    with tempfile.TemporaryDirectory(prefix="bench-store-profile-") as tmp:
        CPU.clear()
        CALLS.clear()
        total = asyncio.run(run(Path(tmp) / "store.db", args.articles))
    n = args.articles
    print(f"{n} articles: {total:.2f} s CPU, {total / n * 1e6:,.0f} us an article, "
          f"{n / total:,.0f} articles per CPU second")
    print(f"  {'us/article':>10} {'share':>6} {'calls':>6}  what")
    for label, cpu in sorted(CPU.items(), key=lambda kv: -kv[1]):
        print(f"  {cpu / n * 1e6:>10.1f} {100 * cpu / total:>5.1f}% {CALLS[label] / n:>6.2f}"
              f"  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

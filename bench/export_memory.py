"""Export memory at scale: peak RSS of `ingest export` for 100,000 synthetic articles.

    .venv/bin/python bench/export_memory.py [N] [--formats jsonl,csv,parquet]

Builds a database of N articles (default 100,000; three sections and one or two authors
each) in a temporary folder, then runs each export in a fresh process and reports its peak
resident memory (ru_maxrss) next to that of exporting N/10 articles: a streaming export uses
about the same memory for both. Run by `make bench-export`; not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.store import Store, content_hash_of  # noqa: E402

WORDS = ("chip cloud model data network startup regulator privacy battery robot phone "
         "server market launch engineer quantum update security outage funding").split()


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_db(path: Path, n: int, seed: int = 1) -> Path:
    """A database with ``n`` synthetic articles, written in bulk (not through upsert, which
    would take minutes at 100,000)."""
    rng = random.Random(seed)
    with Store(path) as st, st.transaction() as conn:
        conn.executemany("INSERT INTO authors (id, name, name_key) VALUES (?, ?, ?)",
                         [(i, f"Author {i}", f"author {i}") for i in range(1, 51)])
        for i in range(1, n + 1):
            sections = [(None, [_paragraph(rng, 40)])] + [
                (f"Heading {k}", [_paragraph(rng, 40), _paragraph(rng, 30)]) for k in (1, 2)]
            body = "\n\n".join(p for h, ps in sections for p in ([h] if h else []) + ps)
            day = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"
            conn.execute(
                "INSERT INTO articles (id, canonical_url, url, site, headline, byline,"
                " published_at, section, summary, tags, language, body_text, word_count,"
                " content_hash, provenance, authors_text, first_seen_at, last_seen_at,"
                " fetched_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?)",
                (i, f"https://site{i % 5}.example/{i}", f"https://site{i % 5}.example/{i}",
                 f"site{i % 5}.example", f"Story number {i}", "By Author", f"{day}T10:00:00Z",
                 "News", _paragraph(rng, 20), json.dumps(["tech"]), "en", body,
                 len(body.split()), content_hash_of(body), json.dumps({"headline": "json-ld"}),
                 "Author", "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00",
                 "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"))
            authors = rng.sample(range(1, 51), 1 + i % 2)
            conn.executemany(
                "INSERT INTO article_authors (article_id, author_id, position, role)"
                " VALUES (?, ?, ?, ?)",
                [(i, a, pos, "Reporter") for pos, a in enumerate(authors)])
            conn.executemany(
                "INSERT INTO sections (article_id, position, heading, text, paragraphs)"
                " VALUES (?, ?, ?, ?, ?)",
                [(i, pos, h, "\n\n".join(ps), json.dumps(ps))
                 for pos, (h, ps) in enumerate(sections)])
    return path


def _export_peak(db: Path, out: Path, fmt: str) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one export in a fresh process."""
    code = (
        "import resource, sys; from ingest.jobs.export import export; "
        f"export({str(db)!r}, {str(out)!r}, {fmt!r}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return int(done.stdout.strip()) / 1024, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--formats", default="jsonl,csv,parquet")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sizes = [max(args.n // 10, 1), args.n]
        dbs = {}
        for n in sizes:
            start = time.perf_counter()
            dbs[n] = make_db(tmp / f"{n}.db", n)
            print(f"built {n} articles in {time.perf_counter() - start:.0f} s "
                  f"({dbs[n].stat().st_size / 1e6:.0f} MB)", flush=True)
        print(f"{'format':8} {'articles':>9} {'peak RSS MB':>12} {'seconds':>8} {'file MB':>8}")
        for fmt in args.formats.split(","):
            for n in sizes:
                out = tmp / f"{n}.{fmt}"
                peak, secs = _export_peak(dbs[n], out, fmt)
                print(f"{fmt:8} {n:>9} {peak:>12.0f} {secs:>8.1f} "
                      f"{out.stat().st_size / 1e6:>8.0f}", flush=True)
                out.unlink()
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()

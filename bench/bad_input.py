#!/usr/bin/env python3
"""Extraction time per page of the bad-input corpus (tests/fixtures/bad + tests/badcorpus.py).

    python bench/bad_input.py [--repeat 3]

Prints, for each page, its size, the best of ``--repeat`` timings of ``extract_article`` and
what the validate step makes of it (article, or the drop reason). The test suite only guards
against hangs (tests/test_bad_input.py, a 20 s limit per page); these are the figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not bench/ itself on the path: a bench/x.py named like a package (bench/incremental.py and
# Twisted's `incremental`) would shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.extract import extract_article  # noqa: E402
from pipelines.validate import article_problem  # noqa: E402
from tests.badcorpus import pages  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    total = 0.0
    print(f"{'page':34} {'bytes':>10} {'ms':>8}  result")
    for name, body in sorted(pages().items(), key=lambda kv: len(kv[1])):
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            article = extract_article(body, f"http://bad.test/{name}",
                                      fetched_at="2026-11-27T00:00:00+00:00")
            best = min(best, time.perf_counter() - started)
        total += best
        result = article_problem(article, 80) or "article"
        print(f"{name:34} {len(body):>10} {best * 1000:>8.1f}  {result}")
    print(f"{'total':34} {'':>10} {total * 1000:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Extraction speed: the project's extractor, trafilatura and a bare lxml parse, side by side.

    python bench/extract_speed.py DATA_DIR [--rounds N] [--limit N] [--json PATH]

DATA_DIR is a folder such as ../shared/data/naeb-dev (``ground-truth.json`` plus gzipped pages
under ``html/``); the pages are read from there into memory before timing and never copied.

In one run, every page goes through each contender in turn (page 1 through all of them, then
page 2, ...), so a slower or busier moment of the machine costs them all alike. Each round
times every page once; a page's time is its median over the rounds. Printed per contender:
pages/s (pages over the summed per-page medians) and the median ms per page; then the ratios
the performance issue sets targets for:

* project pages/s / trafilatura pages/s         (target >= 3)
* project time / lxml parse time, same pages    (target <= 5)

The floor "parse" is ``lxml.html.fromstring(page_bytes)``: what any extractor on lxml pays
before it looks at a single element.

Exit status: 0 when done (or when DATA_DIR is absent: "skipped"), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import logging
import platform
import statistics
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/NAME.py`, Python puts bench/ first on sys.path, where a module named
# like an installed package (bench/incremental.py vs Twisted's `incremental`) would shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Targets of the performance issue, as (ratio name, comparison, bound).
TARGETS = {
    "ingest/trafilatura pages/s": (">=", 3.0),
    "ingest/parse time": ("<=", 5.0),
}


def load_pages(data_dir: Path, limit: int | None = None) -> list[tuple[str, bytes, str]]:
    """(id, raw page bytes, url) for every labelled page that has its HTML file."""
    gt = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, rec in sorted(gt["items"].items()):
        if not rec.get("html_file"):
            continue
        with gzip.open(data_dir / rec["html_file"]) as f:
            pages.append((str(rec.get("id", key)), f.read(), rec.get("url") or "http://x.test/"))
        if limit and len(pages) >= limit:
            break
    return pages


# ---------------------------------------------------------------- contenders
# name -> loader returning fn(html_bytes, url); imports happen outside the timed region.

def _ingest():
    from ingest.extract import extract_article
    return extract_article


def _trafilatura():
    from trafilatura import bare_extraction

    def run(html, url):
        # Defaults, with metadata: the same work our extractor does (body + fields).
        return bare_extraction(html, url=url, with_metadata=True)
    return run


def _parse():
    import lxml.html

    def run(html, url):
        return lxml.html.fromstring(html)
    return run


CONTENDERS = {"ingest": _ingest, "trafilatura": _trafilatura, "parse": _parse}


def time_pages(pages, fns: dict, rounds: int) -> dict[str, list[float]]:
    """name -> per-page median seconds over ``rounds`` rounds (page order kept)."""
    times = {name: [[] for _ in pages] for name in fns}
    for name, fn in fns.items():  # warm-up: imports, caches, first-call costs
        for _pid, html, url in pages[:5]:
            fn(html, url)
    for _ in range(rounds):
        for i, (_pid, html, url) in enumerate(pages):
            for name, fn in fns.items():
                gc.collect(0)
                t0 = time.perf_counter()
                fn(html, url)
                times[name][i].append(time.perf_counter() - t0)
    return {name: [statistics.median(ts) for ts in per_page] for name, per_page in times.items()}


def summarise(per_page: dict[str, list[float]]) -> dict:
    out = {}
    for name, ts in per_page.items():
        total = sum(ts)
        out[name] = {"pages_per_s": len(ts) / total if total else None,
                     "median_ms": statistics.median(ts) * 1000, "total_s": total}
    ratios = {}
    if "ingest" in out and "trafilatura" in out:
        ratios["ingest/trafilatura pages/s"] = (out["ingest"]["pages_per_s"]
                                                / out["trafilatura"]["pages_per_s"])
    if "ingest" in out and "parse" in out:
        ratios["ingest/parse time"] = out["ingest"]["total_s"] / out["parse"]["total_s"]
        ratios["ingest/parse median page"] = statistics.median(
            a / b for a, b in zip(per_page["ingest"], per_page["parse"]) if b > 0)
    return {"contenders": out, "ratios": ratios}


def verdict(name: str, value: float) -> str:
    if name not in TARGETS:
        return ""
    op, bound = TARGETS[name]
    ok = value >= bound if op == ">=" else value <= bound
    return f"target {op} {bound:g}: {'met' if ok else 'NOT met'}"


def table(summary: dict) -> str:
    lines = [f"{'extractor':<12} {'pages/s':>9} {'median ms/page':>15} {'total s':>9}"]
    for name, s in summary["contenders"].items():
        lines.append(f"{name:<12} {s['pages_per_s']:>9.1f} {s['median_ms']:>15.2f} "
                     f"{s['total_s']:>9.2f}")
    lines.append("")
    for name, value in summary["ratios"].items():
        lines.append(f"{name:<28} {value:>6.2f}x  {verdict(name, value)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--rounds", type=int, default=3, help="times each page is timed (median)")
    ap.add_argument("--limit", type=int, help="only the first N pages")
    ap.add_argument("--only", help="comma-separated contenders (default: all)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if not (args.data_dir / "ground-truth.json").is_file():
        print(f"skipped: {args.data_dir} has no ground-truth.json (the data folder is absent)")
        return 0
    names = args.only.split(",") if args.only else list(CONTENDERS)
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        ap.error(f"unknown contender(s) {unknown}; choose from {sorted(CONTENDERS)}")
    fns = {}
    for name in names:
        try:
            fns[name] = CONTENDERS[name]()
        except ImportError as exc:
            print(f"{name}: not installed ({exc}); run `make bench` to install the peers")
    pages = load_pages(args.data_dir, args.limit)
    print(f"extraction speed: {len(pages)} pages of {args.data_dir}, {args.rounds} rounds, "
          f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"Python {platform.python_version()}")
    logging.disable(logging.CRITICAL)  # the peers log every page they cannot handle
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = summarise(time_pages(pages, fns, args.rounds))
    print(table(summary))
    if args.json:
        args.json.write_text(json.dumps({"pages": len(pages), **summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

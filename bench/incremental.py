#!/usr/bin/env python3
"""Incremental crawling on a generated local site: what a second (hourly) run costs.

    python bench/incremental.py [--pages 2000] [--changed 20] [--json PATH]

1. generates a site of N articles (bench/sitegen.py: listing pages, a sitemap, robots.txt
   with its Sitemap: line; articles dated in the past) and serves it from a separate process
   on 127.0.0.1 (http.server, which answers If-Modified-Since with 304);
2. crawls it (`scrapy crawl news -a start=URL`, the local-crawl settings of ingest/jobs/demo.py);
3. changes the body of K articles and gives them a new <lastmod> in the sitemap;
4. crawls it again into the same database, and prints both runs side by side: requests,
   responses by status, articles new / updated / unchanged, URLs not due, wall time.

Targets (issue #5: "fetch as little as possible"): the second run downloads at most
  listing pages + discovery documents + the K changed articles (nothing else is due), updates
  exactly K articles, and its requests are under 10% of the first run's.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.crawl import crawl_env, run_measured, serve  # noqa: E402
from bench.sitegen import generate_site  # noqa: E402

TARGET_REQUEST_SHARE = 0.10


def run(base_url: str, db: Path, log: Path) -> dict:
    from ingest.jobs.demo import crawl_command

    usage = run_measured(crawl_command(base_url, db), crawl_env(), log)
    con = sqlite3.connect(db)
    try:
        row = con.execute("select stats, articles_new, articles_updated, articles_unchanged "
                          "from crawl_runs order by id desc").fetchone()
    finally:
        con.close()
    stats = json.loads(row[0])
    statuses = {k.rsplit("/", 1)[1]: v for k, v in stats.items()
                if k.startswith("downloader/response_status_count/")}
    return {"wall_s": round(usage["wall_s"], 2), "requests": stats.get("downloader/request_count"),
            "statuses": statuses, "new": row[1] or 0, "updated": row[2] or 0,
            "unchanged": row[3] or 0, "not_due": stats.get("ingest/schedule/not_due", 0),
            "not_modified": stats.get("ingest/pages/not_modified", 0)}


def change(site: Path, paths: list[str], k: int) -> list[str]:
    """Edit the first paragraph of K articles and give them a fresh sitemap lastmod."""
    articles = [p for p in paths if p.endswith(".html") and p.count("/") >= 2
                and not p.startswith(("/list/", "/authors/"))][:k]
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    sitemap = (site / "sitemap.xml").read_text()
    for p in articles:
        f = site / p.lstrip("/")
        text = f.read_text(encoding="utf-8")
        f.write_text(text.replace("<p>", "<p>Updated: a correction was added. ", 1),
                     encoding="utf-8")
        sitemap = re.sub(rf"(<loc>[^<]*{re.escape(p)}</loc>)", rf"\1<lastmod>{now}</lastmod>",
                         sitemap)
    (site / "sitemap.xml").write_text(sitemap)
    return articles


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--changed", type=int, default=20)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        work = Path(tmp)
        site = work / "site"
        paths = generate_site(site, args.pages)
        proc, base_url = serve(site)
        try:
            first = run(base_url, work / "news.db", work / "first.log")
            changed = change(site, paths, args.changed)
            second = run(base_url, work / "news.db", work / "second.log")
        finally:
            proc.kill()
            proc.wait()
    result = {"pages": args.pages, "changed": len(changed), "first": first, "second": second}
    print(f"site of {args.pages} articles, {len(changed)} changed between the runs")
    for name in ("first", "second"):
        r = result[name]
        print(f"  {name:6} run: {r['requests']:>6} requests {r['statuses']}, new {r['new']}, "
              f"updated {r['updated']}, unchanged {r['unchanged']}, not due {r['not_due']}, "
              f"304 {r['not_modified']}, {r['wall_s']} s")
    share = second["requests"] / max(first["requests"], 1)
    ok_share = share <= TARGET_REQUEST_SHARE
    ok_updated = second["updated"] == len(changed) and second["new"] == 0
    print(f"  second run requests / first run requests = {share:.3f} "
          f"(target <= {TARGET_REQUEST_SHARE}): {'ok' if ok_share else 'MISSED'}")
    print(f"  second run updated {second['updated']} of {len(changed)} changed, new "
          f"{second['new']}: {'ok' if ok_updated else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if ok_share and ok_updated else 1


if __name__ == "__main__":
    sys.exit(main())

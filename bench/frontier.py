"""Issue 13 benchmark: does a polite crawl spend its requests on articles?

The site (served on 127.0.0.1 by tests/servers.py): N articles listed in a sitemap (with a
recent lastmod) and an RSS feed, each article linking to 10 section, tag and author URLs of
which most answer 404 (5 sections exist as listing pages; tags and authors do not), and a
home page that links none of the articles. Crawled with the project's settings except
AUTOTHROTTLE off and DOWNLOAD_DELAY 0 (ingest.jobs.demo.LOCAL_CRAWL_SETTINGS: local speed; the
order of requests, which is what is measured, does not depend on them).

    python bench/frontier.py --n 200 [--n 2000]

Prints the three target rows of the issue per N:
  crawl 1: requests made when 90% of the N articles are stored        (target <= 1.3 N)
  crawl 2, nothing changed: requests, articles downloaded again        (<= 0.05 x crawl 1, 0)
  crawl 3 after 5% of the articles changed (sitemap lastmod moved): requests, refetched
                                                                        (<= 0.1 x crawl 1)
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.servers import TestSite, article_html, crawl, listing_html, rss, sitemap  # noqa: E402

PUBLISHED = "2025-01-15T09:00:00+00:00"   # older than the recheck window
CRAWL_TIMEOUT_S = 3600                     # one crawl of N = 2,000 takes minutes, not an hour


def build(site: TestSite, n: int, lastmods: dict[int, str]) -> None:
    site.set("/robots.txt", f"User-agent: *\nSitemap: {site.url('/sitemap.xml')}\n",
             "text/plain")
    site.set("/", listing_html("Home", ("/about/", "/contact/")))
    for s in range(5):
        site.set(f"/section/s{s}/", listing_html(f"Section {s}", ()))
    for i in range(n):
        links = ((f"/section/s{i % 5}/",) + tuple(f"/tag/t{(i * 7 + j) % (n // 2 + 1)}/"
                                                  for j in range(6))
                 + (f"/author/a{i % 40}/", f"/tag/t{i}-{i}/", f"/topic/x{i % 97}/"))
        site.set(f"/news/2025/01/story-number-{i}.html",
                 article_html(f"Story {i}", published=PUBLISHED,
                              body=f"Story {i} body {lastmods[i]}.", links=links))
    site.set("/sitemap.xml", sitemap([(site.url(f"/news/2025/01/story-number-{i}.html"),
                                       lastmods[i]) for i in range(n)]), "application/xml")
    rfc = format_datetime(datetime.fromisoformat(PUBLISHED), usegmt=True)
    site.set("/feed.xml", rss([(site.url(f"/news/2025/01/story-number-{i}.html"), f"Story {i}",
                                rfc) for i in range(n)]), "application/rss+xml")


def run(db: Path, sites: Path, site: TestSite) -> dict:
    site.reset_counts()
    # N = 2,000 makes about 6,500 requests in crawl 1: minutes on a shared machine.
    result = crawl(db, site="bench", sites_file=sites, timeout=CRAWL_TIMEOUT_S)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    con = sqlite3.connect(db)
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1")
                       .fetchone()[0])
    con.close()
    articles = sum(1 for h in site.hits if h.path.startswith("/news/") and h.status == 200)
    conditional = sum(1 for h in site.hits if h.path.startswith("/news/")
                      and ("If-None-Match" in h.headers or "If-Modified-Since" in h.headers))
    return {"requests": stats.get("downloader/request_count", 0), "articles_200": articles,
            "conditional": conditional,
            "p90": stats.get("ingest/efficiency/requests_at_p90"),
            "new": stats.get("ingest/efficiency/new_articles", 0)}


def bench(n: int) -> list[str]:
    recent = (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat(timespec="seconds")
    lastmods = {i: recent for i in range(n)}
    with TestSite() as site, tempfile.TemporaryDirectory() as tmp:
        db, sites = Path(tmp) / "news.db", Path(tmp) / "sites.toml"
        sites.write_text(f'[sites.bench]\nstart_urls = ["{site.url("/")}"]\n'
                         f'feeds = ["{site.url("/feed.xml")}"]\n')
        build(site, n, lastmods)
        one = run(db, sites, site)
        two = run(db, sites, site)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        changed = list(range(0, n, 20))  # 5%
        for i in changed:
            lastmods[i] = now
        build(site, n, lastmods)
        three = run(db, sites, site)
    r1 = one["requests"]
    return [
        f"| N={n} crawl 1: requests when 90% of N stored | {one['p90']} "
        f"({one['p90'] / n:.2f} N; {one['new']} stored, {r1} requests in all) | <= 1.3 N |",
        f"| N={n} crawl 2, nothing changed: requests | {two['requests']} "
        f"({two['requests'] / r1:.3f} x crawl 1), articles downloaded again: "
        f"{two['articles_200']} | <= 0.05 x, 0 |",
        f"| N={n} crawl 3, 5% changed ({len(changed)} lastmods moved): requests | "
        f"{three['requests']} ({three['requests'] / r1:.3f} x crawl 1), {three['conditional']} "
        f"conditional article requests | <= 0.1 x |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="articles (repeatable)")
    args = parser.parse_args()
    print("| measure | measured | target |\n|---|---|---|")
    for n in args.n or [200]:
        for line in bench(n):
            print(line, flush=True)


if __name__ == "__main__":
    main()

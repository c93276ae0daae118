"""Per-site budgets per run (issue 13): at most INGEST_SITE_MAX_REQUESTS requests and
INGEST_SITE_MAX_SECONDS seconds per site (sites.toml ``max_requests`` / ``max_seconds``
override them; 0 = no limit).

A downloader middleware, so it sees every request just before it is sent, queued ones too.
Once a site's budget is spent its remaining requests are dropped before any connection with
``BudgetSpent``; the spider records nothing for them, so they are simply not in ``pages`` and
the next run finds them due (nothing lost, nothing fetched twice). The stat
``ingest/budget/stopped/<site>`` names the limit that stopped the site, and so does the run's
``crawl_runs`` row (its stats, and `ingest runs`).
"""

from __future__ import annotations

import time

from scrapy.exceptions import IgnoreRequest

from ingest.crawl.config import setting

#: request.meta key of a site's requests (spiders/news.py PAGE_META; robots.txt has none).
SITE_META = "ingest_site"
STOPPED_PREFIX = "ingest/budget/stopped/"


class BudgetSpent(IgnoreRequest):
    """The site's budget for this run is spent: the request is left for the next run."""


class BudgetMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.default_requests = setting(crawler.settings, "INGEST_SITE_MAX_REQUESTS")
        self.default_seconds = setting(crawler.settings, "INGEST_SITE_MAX_SECONDS")
        self.sent: dict[str, int] = {}
        self.started: dict[str, float] = {}
        self.stopped: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _limits(self, site: str) -> tuple[int, float]:
        profile = getattr(self.crawler.spider, "profiles", {}).get(site)
        requests = getattr(profile, "max_requests", None)
        seconds = getattr(profile, "max_seconds", None)
        return (self.default_requests if requests is None else requests,
                self.default_seconds if seconds is None else seconds)

    def process_request(self, request, spider=None):
        site = request.meta.get(SITE_META)
        if site is None:
            return None
        if site in self.stopped:
            self.stats.inc_value(f"ingest/budget/left/{site}")
            raise BudgetSpent(f"{site}: budget spent ({self.stopped[site]})")
        max_requests, max_seconds = self._limits(site)
        now = time.monotonic()
        started = self.started.setdefault(site, now)
        why = None
        if max_requests and self.sent.get(site, 0) >= max_requests:
            why = f"INGEST_SITE_MAX_REQUESTS / max_requests ({max_requests} requests)"
        elif max_seconds and now - started >= max_seconds:
            why = f"INGEST_SITE_MAX_SECONDS / max_seconds ({max_seconds:g} s)"
        if why is not None:
            self.stopped[site] = why
            self.stats.set_value(STOPPED_PREFIX + site, why)
            self.stats.inc_value(f"ingest/budget/left/{site}")
            spider.logger.info("%s: stopped by its budget, %s; what is left is due next run",
                               site, why)
            raise BudgetSpent(f"{site}: budget spent ({why})")
        self.sent[site] = self.sent.get(site, 0) + 1
        return None

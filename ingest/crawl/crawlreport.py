"""How a crawl went, per site: a summary line each at the end, a progress line on a terminal.

A Scrapy extension (EXTENSIONS in ingest.settings). At the end of every crawl it prints one
line per site to standard error, whatever LOG_LEVEL is (and logs it at INFO with LOG_FILE):

    site demo: 21 requests, 19 fetched; articles 9 new, 0 updated, 0 unchanged; 2 dropped;
      failed 1 (HTTP 404: 1)          (one line)

and counts page responses under ``ingest.crawl.exitstatus.FETCHED_KEY``, which the exit status
reads (nothing fetched: status 1). When standard error is a terminal it also redraws one
progress line every INGEST_PROGRESS_SECONDS (per site: fetched, stored, queued); under cron
or a pipe it writes nothing extra.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from ingest.crawl import signals as ingest_signals
from ingest.crawl.exitstatus import FETCHED_KEY
from ingest.crawl.holds import HOLD_PREFIX

#: stats key of failed pages (crawl_runs.errors).
FAILED_KEY = "ingest/pages/failed"
from ingest.crawl.runstats import _URL

logger = logging.getLogger(__name__)

# request.meta keys the spider marks its requests with (spiders/news.py; ingest imports no
# spider, so the names are repeated here).
SITE_META_KEYS = ("ingest_site", "ingest_robots_site")
# pages.outcome values that mean the page could not be had.
FAILED_OUTCOMES = ("error", "refused")
# A response with a status below this is a page we got (a 404 or 500 is a failed page).
FETCHED_BELOW = 400


def failure_key(reason: str) -> str:
    """A failed page's reason as the summary groups it: without the URLs it names (one line
    per reason, not per page), numbers kept ("HTTP 404" and "HTTP 500" are two reasons)."""
    return _URL.sub("", str(reason)).strip().rstrip(":")[:120] or "unknown"


class CrawlReport:
    def __init__(self, crawler, *, progress_seconds: float, stream=None):
        self.crawler = crawler
        self.stream = stream if stream is not None else sys.stderr
        self.progress_seconds = progress_seconds
        self.hosts: dict[str, str] = {}
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.failed: dict[str, Counter] = defaultdict(Counter)
        self.timer = None
        self.drawn = False

    @classmethod
    def from_crawler(cls, crawler):
        install_log_filters()
        ext = cls(crawler, progress_seconds=crawler.settings.getfloat("INGEST_PROGRESS_SECONDS"))
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=signals.spider_opened)
        connect(ext.spider_closed, signal=signals.spider_closed)
        connect(ext.request_scheduled, signal=signals.request_scheduled)
        connect(ext.request_reached, signal=signals.request_reached_downloader)
        connect(ext.request_left, signal=signals.request_left_downloader)
        connect(ext.request_dropped, signal=signals.request_dropped)
        connect(ext.response_received, signal=signals.response_received)
        connect(ext.item_dropped, signal=signals.item_dropped)
        connect(ext.item_error, signal=signals.item_error)
        connect(ext.page_outcome, signal=ingest_signals.page_outcome)
        connect(ext.article_stored, signal=ingest_signals.article_stored)
        return ext

    # --- which site --------------------------------------------------------------------

    def _site_of_url(self, url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        return self.hosts.get(host) or host.removeprefix("www.") or "?"

    def _site(self, request) -> str:
        for key in SITE_META_KEYS:
            if request.meta.get(key):
                return request.meta[key]
        return self._site_of_url(request.url)

    # --- signals -----------------------------------------------------------------------

    def spider_opened(self, spider=None):
        spider = spider or self.crawler.spider
        for name, profile in getattr(spider, "profiles", {}).items():
            self.counts[name]  # every site gets a line, even one nothing came from
            for host in profile.hosts:
                self.hosts[host] = name
        if self.progress_seconds > 0 and _isatty(self.stream):
            self.timer = create_looping_call(self.draw)
            self.timer.start(self.progress_seconds, now=False)

    def request_scheduled(self, request, spider=None):
        self.counts[self._site(request)]["scheduled"] += 1

    def request_dropped(self, request, spider=None):
        self.counts[self._site(request)]["done"] += 1

    def request_reached(self, request, spider=None):
        self.counts[self._site(request)]["requests"] += 1

    def request_left(self, request, spider=None):
        self.counts[self._site(request)]["done"] += 1

    def response_received(self, response, request, spider=None):
        if request.meta.get("ingest_site") and response.status < FETCHED_BELOW:
            self.counts[request.meta["ingest_site"]]["fetched"] += 1
            self.crawler.stats.inc_value(FETCHED_KEY)

    def article_stored(self, url, result):
        self.counts[self._site_of_url(url)][result] += 1

    def item_dropped(self, item, response=None, exception=None, spider=None):
        url = getattr(item, "url", None)
        if url and not str(exception).startswith("duplicate"):
            self.counts[self._site_of_url(url)]["dropped"] += 1

    def item_error(self, item, response=None, spider=None, failure=None):
        url = getattr(item, "url", None)
        if url:
            self.failed[self._site_of_url(url)]["pipeline error"] += 1
            self.crawler.stats.inc_value(FAILED_KEY)

    def page_outcome(self, url, outcome, reason=None, status=None):
        if outcome in FAILED_OUTCOMES:
            self.failed[self._site_of_url(url)][failure_key(reason or outcome)] += 1
            self.crawler.stats.inc_value(FAILED_KEY)

    # --- output ------------------------------------------------------------------------

    def lines(self) -> list[str]:
        out = []
        for site in sorted(set(self.counts) | set(self.failed)):
            c, failed = self.counts[site], self.failed[site]
            total = sum(failed.values())
            reasons = ", ".join(f"{r}: {n}" for r, n in failed.most_common())
            out.append(
                f"site {site}: {c['requests']} requests, {c['fetched']} fetched; articles "
                f"{c['new']} new, {c['updated']} updated, {c['unchanged']} unchanged; "
                f"{c['dropped']} dropped; failed {total}" + (f" ({reasons})" if reasons else "")
                + "".join(f"; held by its server {why}" for why in self._holds(site)))
        return out

    def _holds(self, site: str) -> list[str]:
        """"until T (reason)" for each of the site's hosts a Retry-After holds
        (ingest/crawl/holds.py)."""
        stats = self.crawler.stats
        hosts = sorted(h for h, name in self.hosts.items() if name == site) or [site]
        return [v for h in hosts if (v := stats.get_value(HOLD_PREFIX + h))]

    def progress(self) -> str:
        parts = []
        for site in sorted(self.counts):
            c = self.counts[site]
            stored = c["new"] + c["updated"] + c["unchanged"]
            queued = max(0, c["scheduled"] - c["done"])
            parts.append(f"{site}: fetched {c['fetched']}, stored {stored}, queued {queued}")
        return " | ".join(parts)

    def draw(self):
        self.stream.write("\r\x1b[K" + self.progress())
        self.stream.flush()
        self.drawn = True

    def spider_closed(self, spider=None, reason=None):
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
        # Printed, whatever LOG_LEVEL says: this is what cron mails. A log file gets it too.
        to_file = bool(self.crawler.settings.get("LOG_FILE"))
        for line in self.lines():
            self.stream.write(line + "\n")
            if to_file:
                logger.info("%s", line)
        self.stream.flush()


# Failures that are the network's, not a bug: logged as one line, never with a traceback.
EXPECTED_NETWORK_ERRORS = ("DownloadConnectionRefusedError", "CannotResolveHostError",
                           "DownloadTimeoutError", "DownloadFailedError",
                           "ResponseDataLossError", "ConnectionRefusedError", "DNSLookupError",
                           "TimeoutError", "TCPTimedOutError", "ConnectionLost",
                           "ConnectionDone", "ResponseNeverReceived")
# Loggers that attach a traceback to an expected network failure (robots.txt unreachable).
ONE_LINE_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt",)


class OneLineNetworkErrors(logging.Filter):
    """An expected network failure is one WARNING line ("robots.txt unreachable ..."), not an
    ERROR with two chained tracebacks; anything else passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and type(exc).__name__ in EXPECTED_NETWORK_ERRORS:
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            if isinstance(record.args, dict) and "request" in record.args:
                record.msg = ("robots.txt unreachable for %(request)s (%(f_exception)s); "
                              "crawling as if it allowed everything")
        return True


def install_log_filters() -> None:
    for name in ONE_LINE_LOGGERS:
        log = logging.getLogger(name)
        if not any(isinstance(f, OneLineNetworkErrors) for f in log.filters):
            log.addFilter(OneLineNetworkErrors())


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a file: not a terminal
        return False

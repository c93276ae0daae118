"""A server's Retry-After honoured across runs (issue 13).

``ingest/crawl/retry_after.py`` waits out a 429/503's Retry-After within the run when it is
at most INGEST_RETRY_AFTER_MAX. A longer one is a hold on the whole host: the server asks
this client to come back later (429: we sent too many requests; 503: it is overloaded or in
maintenance), not one page. So the retry-after middleware sends ``signals.host_held``, and this
downloader middleware

- drops every later request to that host before it is sent, in this run (``HeldBack``; the
  spider records nothing for them, so they are due once the hold ends, as with a budget);
- keeps the hold in the database (table host_holds, through the spider's ``state``), capped
  at INGEST_RETRY_AFTER_HOLD_MAX_HOURS from the answer, so that later runs send nothing to
  the host before its time either: robots.txt, feeds and start pages included.

`ingest frontier` shows holds; `ingest frontier reset --host HOST` lifts one. Without a
database (a distributed worker) the hold lasts for the run only.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from ingest.crawl import exitstatus, signals
from ingest.crawl.config import setting

#: stats key: requests not sent because their host was held (``HELD_KEY/<host>`` per host).
HELD_KEY = exitstatus.HELD_KEY
#: stats key prefix: ``<prefix><host>`` = "until T (reason)" for each host held in this run.
HOLD_PREFIX = "ingest/hold/host/"


class HeldBack(IgnoreRequest):
    """The request's host is held by its server's Retry-After: left for a later run."""


def host_of(url: str) -> str:
    """The host a hold applies to: the request's host name, lower case (Scrapy's download
    slot for it), so every site and URL on that server waits."""
    return (urlsplit(url).hostname or "").lower()


class HostHoldMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.max_hours = setting(crawler.settings, "INGEST_RETRY_AFTER_HOLD_MAX_HOURS")
        self.holds: dict[str, tuple[datetime, str]] = {}   # host -> (until, why)
        self.loaded = False
        crawler.signals.connect(self.host_held, signal=signals.host_held)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _state(self):
        """The spider's crawl state (ingest.store.crawlstate), or None without a database."""
        return getattr(self.crawler.spider, "state", None)

    def _load(self) -> None:
        """The holds earlier runs recorded that are still in force, once, before the first
        request goes out."""
        self.loaded = True
        state = self._state()
        if state is None:
            return
        now = datetime.now(timezone.utc)
        for hold in state.holds(now):
            until = datetime.fromisoformat(hold.until)
            self._held(hold.host, until, hold.reason)

    def _held(self, host: str, until: datetime, reason: str) -> None:
        self.holds[host] = (until, reason)
        when = until.isoformat(timespec="seconds")
        self.crawler.stats.set_value(HOLD_PREFIX + host, f"until {when} ({reason})")
        self.crawler.spider.logger.warning(
            "%s: no request before %s: %s; `ingest frontier reset --host %s` lifts it",
            host, when, reason, host)

    def process_request(self, request, spider=None):
        if not self.loaded:
            self._load()
        host = host_of(request.url)
        hold = self.holds.get(host)
        if hold is None:
            return None
        until, reason = hold
        if datetime.now(timezone.utc) >= until:
            del self.holds[host]
            return None
        self.crawler.stats.inc_value(HELD_KEY)
        self.crawler.stats.inc_value(f"{HELD_KEY}/{host}")
        raise HeldBack(f"{host}: held until {until.isoformat(timespec='seconds')} ({reason})")

    def host_held(self, url: str, status: int, seconds: float) -> None:
        """A server answered ``url`` with ``status`` and a Retry-After of ``seconds``, longer
        than this run waits: hold its host, now and in later runs."""
        host = host_of(url)
        now = datetime.now(timezone.utc)
        wait = min(seconds, self.max_hours * 3600)
        until = (now + timedelta(seconds=wait)).replace(microsecond=0)
        reason = f"HTTP {status} with Retry-After {seconds:.0f} s on {url}"
        if wait < seconds:
            reason += f" (held {self.max_hours:g} h, INGEST_RETRY_AFTER_HOLD_MAX_HOURS)"
        if not self.loaded:
            self._load()
        self._held(host, until, reason)
        state = self._state()
        if state is not None:
            state.hold_host(host, until=until.isoformat(timespec="seconds"), status=status,
                            url=url, reason=reason)

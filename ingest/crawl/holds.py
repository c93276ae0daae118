"""A server's Retry-After honoured across runs (issue 13).

``ingest/crawl/retry_after.py`` waits out a 429/503's Retry-After within the run when it is
at most INGEST_RETRY_AFTER_MAX. A longer one becomes a hold (``HOLD_SCOPES``): on the whole
host for a 429, on that URL for a 503. The retry-after middleware sends
``signals.retry_held``, and this downloader middleware

- drops every later request to what is held before it is sent, in this run (``HeldBack``;
  the spider records nothing for them, so they are due once the hold ends, as with a budget);
- keeps the hold in the database (table retry_holds, through the spider's ``state``), capped
  at INGEST_RETRY_AFTER_HOLD_MAX_HOURS from the answer, so that later runs send nothing to
  it before its time either: for a host, robots.txt, feeds and start pages included.

`ingest frontier` shows holds; `ingest frontier reset --host HOST` (or `reset URL`) lifts
one. Without a database (a distributed worker) the hold lasts for the run only.
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


# What a long Retry-After holds, by status. 429 (Too Many Requests, RFC 6585) is about this
# client's rate on the whole server: any other request would be answered so too. 503 (RFC
# 9110) can be one page's trouble (a backend, a maintenance page) while the rest of the site
# answers: only that URL waits, the others are asked as usual.
HOLD_SCOPES = {429: "host", 503: "url"}


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
        self.holds: dict[tuple[str, str], tuple[datetime, str]] = {}  # (scope, target) ->
        # (until, why)
        self.loaded = False
        crawler.signals.connect(self.retry_held, signal=signals.retry_held)

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
            self._held(hold.scope, hold.target, until, hold.reason)

    def _held(self, scope: str, target: str, until: datetime, reason: str) -> None:
        self.holds[(scope, target)] = (until, reason)
        when = until.isoformat(timespec="seconds")
        lift = f"--host {target}" if scope == "host" else target
        if scope == "host":
            self.crawler.stats.set_value(HOLD_PREFIX + target, f"until {when} ({reason})")
        self.crawler.spider.logger.warning(
            "%s: no request before %s: %s; `ingest frontier reset %s` lifts it",
            target, when, reason, lift)

    def process_request(self, request, spider=None):
        if not self.loaded:
            self._load()
        if not self.holds:
            return None
        host = host_of(request.url)
        for key in (("host", host), ("url", request.url)):
            hold = self.holds.get(key)
            if hold is None:
                continue
            until, reason = hold
            if datetime.now(timezone.utc) >= until:
                del self.holds[key]
                continue
            self.crawler.stats.inc_value(HELD_KEY)
            self.crawler.stats.inc_value(f"{HELD_KEY}/{host}")
            raise HeldBack(f"{key[1]}: held until {until.isoformat(timespec='seconds')} "
                           f"({reason})")
        return None

    def retry_held(self, url: str, status: int, seconds: float) -> None:
        """A server answered ``url`` with ``status`` and a Retry-After of ``seconds``, longer
        than this run waits: hold its host (429) or the URL (503), now and in later runs."""
        scope = HOLD_SCOPES.get(status, "host")
        target = host_of(url) if scope == "host" else url
        now = datetime.now(timezone.utc)
        wait = min(seconds, self.max_hours * 3600)
        until = (now + timedelta(seconds=wait)).replace(microsecond=0)
        reason = f"HTTP {status} with Retry-After {seconds:.0f} s on {url}"
        if wait < seconds:
            reason += f" (held {self.max_hours:g} h, INGEST_RETRY_AFTER_HOLD_MAX_HOURS)"
        if not self.loaded:
            self._load()
        self._held(scope, target, until, reason)
        state = self._state()
        if state is not None:
            state.hold(target, scope=scope, until=until.isoformat(timespec="seconds"),
                       status=status, url=url, reason=reason)

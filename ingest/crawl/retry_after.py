"""Honour ``Retry-After`` on 429 (Too Many Requests) and 503 (Service Unavailable).

Scrapy's RetryMiddleware retries these statuses at once, ignoring the header: exactly the
hammering the server asked us to stop. This downloader middleware sits just before it on the
response path (DOWNLOADER_MIDDLEWARES order 560 > 550). For a 429/503 with a Retry-After:

- the site's download slot is slowed to at least that delay while we wait, so its other
  requests wait too (the previous delay is restored after);
- the request is retried after the delay (up to RETRY_TIMES);
- a delay above INGEST_RETRY_AFTER_MAX is not waited for in this run: the response goes on to
  the spider's errback (recorded in ``pages`` as an error) and is not retried now, and the
  host (429) or the URL (503) is held until the time the server gave, in this run and later
  ones (``ingest/crawl/holds.py``).

Without a Retry-After header, RetryMiddleware's usual handling applies.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from ingest.crawl import signals
from ingest.crawl.config import setting

logger = logging.getLogger(__name__)

STATUSES = frozenset({429, 503})
META_KEY = "ingest_retry_after_times"


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from ``now``: delta-seconds or an HTTP-date; None if absent or
    unreadable."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware:
    def __init__(self, crawler, max_delay: float, max_times: int):
        self.crawler = crawler
        self.max_delay = max_delay
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(crawler, setting(settings, "INGEST_RETRY_AFTER_MAX"),
                   settings.getint("RETRY_TIMES", 2))

    async def process_response(self, request, response, spider=None):
        if response.status not in STATUSES or request.meta.get("dont_retry"):
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            return response            # RetryMiddleware decides
        stats = self.crawler.stats
        stats.inc_value(f"ingest/retry_after/{response.status}")
        times = request.meta.get(META_KEY, 0)
        if delay > self.max_delay:
            # Longer than a run waits: the host (429) or URL (503) is held, now and later
            # (ingest/crawl/holds.py); this response goes on to be recorded as an error.
            stats.inc_value("ingest/retry_after/given_up")
            stats.inc_value("ingest/retry_after/held")
            self.crawler.signals.send_catch_log(signal=signals.retry_held, url=request.url,
                                                status=response.status, seconds=delay)
            request.meta["dont_retry"] = True
            return response
        if times >= self.max_times:
            stats.inc_value("ingest/retry_after/given_up")
            logger.warning("%s answered %s with Retry-After %.0f s; not retrying in this run "
                           "(INGEST_RETRY_AFTER_MAX %.0f s, RETRY_TIMES %d)", request.url,
                           response.status, delay, self.max_delay, self.max_times)
            request.meta["dont_retry"] = True   # nor may RetryMiddleware hammer it
            return response
        restore = self._slow_down(request, delay)
        logger.info("%s answered %s: waiting %.1f s (Retry-After) before retrying",
                    request.url, response.status, delay)
        await asyncio.sleep(delay)
        if restore is not None:
            slot, previous, ours = restore
            if slot.delay == ours:  # nobody (AutoThrottle, another 429) changed it meanwhile
                slot.delay = previous
        retry = request.replace(dont_filter=True)
        retry.meta[META_KEY] = times + 1
        return retry

    def _slow_down(self, request, delay: float):
        """Make the whole site wait while the server asked us to, not just this request.
        Returns (slot, previous delay, our delay) to restore afterwards, or None."""
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return None
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None or slot.delay >= delay:
            return None
        previous, slot.delay = slot.delay, delay
        return slot, previous, delay

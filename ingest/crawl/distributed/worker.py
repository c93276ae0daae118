"""The worker's half: scrapy-redis's Scheduler, fed by the leased frontier, and the pieces
scrapy-redis gets wrong for a shared crawl (each replaced by a thin subclass, saying why).

- ``FrontierQueue`` (scrapy_redis.queue.Base): JSON entries of the frontier stream, taken with
  a lease (frontier.Frontier.take), instead of pickled requests popped from a list: a popped
  request lived only in the worker's memory, so ``kill -9`` lost it.
- ``WorkerScheduler`` (scrapy_redis.scheduler.Scheduler): requests this worker makes itself
  (retries, redirects) stay local, since their lease is this worker's; closing never deletes
  the shared queue (scrapy-redis's SCHEDULER_PERSIST=False default deleted it for everyone).
- ``NoDupeFilter`` (scrapy_redis.dupefilter.RFPDupeFilter, the class its Scheduler insists on):
  filters nothing and deletes nothing. The coordinator decides what is fetched (the revisit
  policy needs the database); scrapy-redis's fingerprints never expire and outlived a lost
  request, which was then never fetched again.
- ``RateLimitedDownloadHandler``: Scrapy's HTTP handler behind the shared per-site limiter.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import deque

import redis
import scrapy
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

from ingest.crawl import exitstatus
from ingest.crawl.config import setting
from ingest.crawl.distributed import codec
from ingest.crawl.distributed.frontier import Frontier, connect
from ingest.crawl.distributed.keys import WORKERS_GROUP, Keys
from ingest.crawl.distributed.ratelimit import SiteRateLimiter

logger = logging.getLogger(__name__)

#: request.meta keys of a request taken from the frontier: its stream entry id (the lease)
#: and the decoded entry (codec.WireRequest).
LEASE_META = "ingest_lease"
WIRE_META = "ingest_wire"


def worker_settings(settings) -> dict:
    """Settings a worker runs with (applied by NewsSpider.update_settings when
    INGEST_REDIS_URL is set): scrapy-redis's scheduler on the shared frontier, no pipelines
    (no database), robots.txt and the request rate shared across workers."""
    mws = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    mws["ingest.crawl.budget.BudgetMiddleware"] = None        # budgets are the coordinator's
    mws["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] = None
    mws["ingest.crawl.distributed.robots.SharedRobotsTxtMiddleware"] = 100
    handler = "ingest.crawl.distributed.worker.RateLimitedDownloadHandler"
    return {
        "SCHEDULER": "ingest.crawl.distributed.worker.WorkerScheduler",
        "SCHEDULER_QUEUE_CLASS": "ingest.crawl.distributed.worker.FrontierQueue",
        "DUPEFILTER_CLASS": "ingest.crawl.distributed.worker.NoDupeFilter",
        "SCHEDULER_SERIALIZER": "json",     # never scrapy-redis's pickle (FrontierQueue: codec)
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": settings.get("INGEST_REDIS_URL"),
        "ITEM_PIPELINES": {},
        "DOWNLOADER_MIDDLEWARES": mws,
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        # Every response goes back to the coordinator, whose spider middlewares judge it.
        "HTTPERROR_ALLOW_ALL": True,
    }


class WorkerLink:
    """This worker's connection to the crawl: its consumer name, the leases it holds, and
    the loop that renews them, wakes the engine for new work and ends the crawl when the
    coordinator has finished."""

    def __init__(self, crawler):
        st = crawler.settings
        self.crawler = crawler
        self.keys = Keys(setting(st, "INGEST_REDIS_PREFIX"))
        self.frontier = Frontier(connect(st.get("INGEST_REDIS_URL")), self.keys)
        self.frontier.ensure_groups()
        self.consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lease_ms = int(setting(st, "INGEST_REDIS_LEASE_SECONDS") * 1000)
        self.max_deliveries = setting(st, "INGEST_REDIS_MAX_DELIVERIES")
        self.poll = setting(st, "INGEST_REDIS_POLL_SECONDS")
        # (stream, entry id) -> when taken or last renewed
        self.leases: dict[tuple[str, str], float] = {}
        self.last_reclaim = 0.0
        self.crawl_id: str | None = None
        self.loop = None

    def take(self):
        """[(lease, request bytes)], one at a time: a worker holds only what it fetches."""
        now = time.monotonic()
        reclaim = None
        if now - self.last_reclaim >= self.lease_ms / 2000:
            self.last_reclaim = now
            reclaim = self.lease_ms
        taken = []
        # A worker spreads what it holds over hosts: several leases of one host would only
        # wait for that host's slots in turn while other hosts' slots go unused.
        busy: dict[str, int] = {}
        for stream, _eid in self.leases:
            busy[stream] = busy.get(stream, 0) + 1
        for stream, eid, data, deliveries in self.frontier.take(self.consumer,
                                                                 reclaim_ms=reclaim,
                                                                 busy=busy):
            lease = (stream, eid)
            self.leases[lease] = now
            if deliveries > self.max_deliveries:
                # Every worker that took it stopped before answering (a page that kills its
                # fetcher): given up with the reason, not handed on forever.
                self.refuse(lease, data, f"taken by {deliveries} workers, none of which "
                                         f"answered (INGEST_REDIS_MAX_DELIVERIES "
                                         f"{self.max_deliveries}); the page is left for a "
                                         f"later crawl", failure="GaveUp")
                continue
            taken.append((lease, data))
        return taken

    def refuse(self, lease: tuple[str, str], data: bytes, reason: str,
               failure: str = "RefusedEntry") -> None:
        self.leases.pop(lease, None)
        stream, entry_id = lease
        self.frontier.refuse(stream, WORKERS_GROUP, entry_id, {b"request": data}, reason)
        claimed = codec.claimed_ids(data)
        if claimed is not None:
            # An entry that names a request id: should the coordinator wait for it, it hears
            # why it will never come, instead of waiting forever.
            self.frontier.r.xadd(self.keys.results, {"result": codec.encode_result(
                codec.WireResult(id=claimed[0], crawl=claimed[1], worker=self.consumer,
                                 failure={"type": failure, "message": reason})),
                "body": b""})

    def send(self, lease: tuple[str, str], result: codec.WireResult, body: bytes) -> None:
        self.frontier.complete(*lease, codec.encode_result(result), body)
        self.leases.pop(lease, None)
        self.crawler.stats.inc_value("ingest/worker/results")

    def start(self) -> None:
        self.loop = create_looping_call(self.tick)
        self.loop.start(self.poll, now=False)

    def stop(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def tick(self) -> None:
        try:
            self._tick()
        except redis.RedisError as exc:   # a blip: the loop goes on, leases are renewed later
            logger.warning("Redis: %s; trying again in %.1fs", exc, self.poll)

    def _tick(self) -> None:
        now = time.monotonic()
        stale = [eid for eid, at in self.leases.items() if now - at >= self.lease_ms / 3000]
        if stale:
            self.frontier.renew(self.consumer, stale)
            for eid in stale:
                self.leases[eid] = now
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is None:
            return
        if not self.leases and self.finished():
            logger.info("the coordinator has finished crawl %s and the frontier is empty: "
                        "worker done", self.crawl_id)
            self.stop()
            self.crawler.stats.set_value(exitstatus.WORK_DONE_KEY, 1)
            deferred_from_coro(engine.close_spider_async(reason="finished"))
            return
        slot.nextcall.schedule()     # new entries are found without waiting for a heartbeat

    def finished(self) -> bool:
        done = self.frontier.r.get(self.keys.done)
        return (done is not None and self.crawl_id is not None
                and done.decode() == self.crawl_id and not self.frontier.work_waiting()
                and not self.frontier.leased())


class FrontierQueue(Base):
    """The frontier stream as scrapy-redis's queue: ``pop`` takes one leased entry and
    decodes it as JSON (codec); a malformed or hostile entry is refused, never run."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.link: WorkerLink = spider.link

    def __len__(self) -> int:
        return int(self.link.frontier.work_waiting())

    def push(self, request):
        raise TypeError("workers never put requests on the shared frontier: the coordinator "
                        "decides what is fetched")

    def pop(self, timeout=0):
        try:
            taken = self.link.take()
        except redis.RedisError as exc:
            logger.warning("Redis: %s; no new work taken this time", exc)
            return None
        for lease, data in taken:
            try:
                wire = codec.decode_request(data)
            except codec.CodecError as exc:
                self.link.refuse(lease, data, str(exc))
                self.spider.crawler.stats.inc_value("ingest/worker/refused")
                continue
            return self.spider.request_from_wire(wire, lease)
        return None

    def clear(self):
        """Never: the frontier is every worker's (scrapy-redis deleted it on close)."""


class WorkerScheduler(Scheduler):
    def open(self, spider):
        super().open(spider)
        self.local: deque[scrapy.Request] = deque()
        spider.link.start()

    def close(self, reason):
        self.spider.link.stop()
        if self.local:
            logger.info("closing with %d retries or redirects not fetched; their leases run "
                        "out and another worker takes them", len(self.local))

    def __len__(self):
        return len(self.local)

    def enqueue_request(self, request):
        # A retry or redirect of a request this worker leased: its lease stays with us.
        self.local.append(request)
        return True

    def next_request(self):
        if self.local:
            return self.local.popleft()
        request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        return request

    def has_pending_requests(self):
        # Work may arrive at any time; WorkerLink.tick ends the crawl when the coordinator
        # says it is over.
        return True


class NoDupeFilter(RFPDupeFilter):
    def request_seen(self, request) -> bool:
        return False

    def close(self, reason=""):
        pass

    def clear(self):
        pass


class RateLimitedDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, each request first waiting for its host's slot in the
    shared limiter (ratelimit.SiteRateLimiter; one request per DOWNLOAD_DELAY per host)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        st = crawler.settings
        self.limiter = SiteRateLimiter(connect(st.get("INGEST_REDIS_URL")),
                                       Keys(setting(st, "INGEST_REDIS_PREFIX")),
                                       st.getfloat("DOWNLOAD_DELAY"))

    async def download_request(self, request):
        wait = self.limiter.reserve(urlparse_cached(request).netloc)
        if wait > 0:
            from twisted.internet import reactor, task

            await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        return await super().download_request(request)

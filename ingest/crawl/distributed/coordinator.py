"""The coordinator's half: the news spider's requests go to the shared frontier and their
results come back as responses, so everything else is the single-machine crawl's own.

``RemoteDownloadHandler`` is the coordinator's download handler for http(s): it puts the
request on the frontier (JSON, recorded in the inflight hash) and waits for its result. The
``Hub`` reads the results stream, turns each result into the response (with the worker's
page analysis in its meta, so the page is not parsed again) or the failure the worker met,
and acknowledges a result only once what came of it is committed to SQLite: the spider's
callback has run, its article has gone through the pipelines (item_scraped, item_dropped or
item_error), and the store's batch holding its ``pages`` rows has been written.

A coordinator killed and restarted finds the requests it had sent in the inflight hash and
waits for them again (``resumed_requests``), reading the results it had not acknowledged
first; results of requests no longer in flight (a second result after a lease ran out, one
already stored) are acknowledged and dropped.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid

import redis
import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from ingest.crawl.analysis import PageAnalysis
from ingest.extract.template import PageBlock
from ingest.crawl.config import setting
from ingest.crawl.distributed import codec
from ingest.crawl.distributed.frontier import Frontier, connect, redact
from ingest.crawl.distributed.keys import COORDINATOR_GROUP, Keys
from ingest.crawl.meta import PAGE_META
from ingest.crawl.middlewares import RefusedRequest
from ingest.items import Article

logger = logging.getLogger(__name__)

#: request.meta keys: the request's id on the frontier, and the worker's page analysis.
REMOTE_ID_META = "ingest_remote_id"
REMOTE_PAGE_META = "ingest_remote_page"
# Headers that described the body on the wire: the worker already decoded it.
WIRE_HEADERS = {b"content-encoding", b"content-length", b"transfer-encoding"}
# Failures a worker reports that the spider's errbacks tell apart by class.
KNOWN_FAILURES = {"RefusedRequest": RefusedRequest, "IgnoreRequest": IgnoreRequest}
RESULTS_PER_READ = 200


def coordinator_settings(settings, redis_url: str) -> dict:
    """Settings the coordinator's crawl runs with: no network of its own (workers fetch,
    retry, follow redirects, obey robots.txt and the per-site rate), a window of requests on
    the frontier, the single-machine crawl's pipelines."""
    window = setting(settings, "INGEST_REDIS_WINDOW")
    mws = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    mws["ingest.crawl.retry_after.RetryAfterMiddleware"] = None
    handler = "ingest.crawl.distributed.coordinator.RemoteDownloadHandler"
    return {
        "INGEST_REDIS_URL": redis_url,
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "DOWNLOADER_MIDDLEWARES": mws,
        "CONCURRENT_REQUESTS": window, "CONCURRENT_REQUESTS_PER_DOMAIN": window,
        "DOWNLOAD_DELAY": 0, "RANDOMIZE_DOWNLOAD_DELAY": False, "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False, "RETRY_ENABLED": False, "REDIRECT_ENABLED": False,
        "COMPRESSION_ENABLED": False, "DOWNLOAD_TIMEOUT": 0,
    }


class RemoteDownloadHandler:
    lazy = False

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def download_request(self, request):
        return await self.crawler.spider.hub.fetch(request)

    async def close(self):
        pass


class RemoteFailure(Exception):
    """A failure a worker met (its class name is the worker's, for the pages reason)."""


def _failure(failure: dict) -> Exception:
    cls = KNOWN_FAILURES.get(failure["type"])
    if cls is None:
        cls = type(failure["type"], (RemoteFailure,), {})
    return cls(failure["message"])


class Hub:
    def __init__(self, crawler, spider, redis_url: str, client=None):
        st = crawler.settings
        self.crawler = crawler
        self.spider = spider
        self.keys = Keys(setting(st, "INGEST_REDIS_PREFIX"))
        self.frontier = Frontier(client or connect(redis_url), self.keys)
        self.redis_url = redis_url
        self.consumer = "coordinator"   # one per prefix: its pending results are its own
        self.poll = setting(st, "INGEST_REDIS_POLL_SECONDS")
        self.waiting: dict[str, tuple[Deferred, scrapy.Request]] = {}
        self.early: dict[str, tuple[str, codec.WireResult, bytes]] = {}
        self.resumed: dict[str, codec.WireRequest] = {}
        self.entry_of: dict[str, str] = {}          # request id -> its result's entry id
        self.parsed: set[str] = set()                # callbacks done, items may be pending
        self.items: dict[str, str] = {}              # article URL -> request id
        self.ready: list[str] = []                   # done; acknowledged after the next commit
        self.read_pending = True
        self.cpu_at_open = time.process_time()
        self.forever = bool(getattr(spider, "forever", False))
        self.reseed_seconds = setting(st, "INGEST_REDIS_RESEED_SECONDS")
        self.seeded_at = time.monotonic()
        self.reseeding = False
        self.loop = None
        self.crawl_id = self._begin()
        for sig, handler in ((signals.item_scraped, self._item_done),
                             (signals.item_dropped, self._item_done),
                             (signals.item_error, self._item_done),
                             (signals.spider_error, self._spider_error),
                             (signals.spider_opened, self._opened),
                             (signals.spider_idle, self._idle),
                             (signals.spider_closed, self._closed)):
            crawler.signals.connect(handler, signal=sig)

    # --- start ----------------------------------------------------------------------------
    def _begin(self) -> str:
        self.frontier.ensure_groups()
        inflight = self.frontier.inflight()
        config = self.frontier.r.get(self.keys.config)
        if inflight and config is not None:
            crawl_id = json.loads(config)["crawl"]
            for request_id, data in inflight.items():
                try:
                    self.resumed[request_id] = codec.decode_request(data)
                except codec.CodecError as exc:
                    logger.error("inflight entry %s refused: %s", request_id, exc)
                    self.frontier.r.hdel(self.keys.inflight, request_id)
            logger.info("resuming crawl %s: %d requests still out on the frontier",
                        crawl_id, len(self.resumed))
        else:
            crawl_id = uuid.uuid4().hex[:12]
            r = self.frontier.r
            self.frontier.clear()
            for key in r.scan_iter(match=self.keys.robots("*")):
                r.delete(key)
            self.frontier.ensure_groups()
        self._publish(crawl_id)
        logger.info("coordinating crawl %s on %s (prefix %s)", crawl_id,
                    redact(self.redis_url), self.keys.prefix)
        return crawl_id

    def _publish(self, crawl_id: str) -> None:
        """The crawl's site profiles and learned templates, for the workers."""
        sp = self.spider
        config = {"crawl": crawl_id,
                  "profiles": {n: dataclasses.asdict(p) for n, p in sp.profiles.items()},
                  "templates": {site: {"fingerprints": sorted(t.fingerprints),
                                       "kept": sorted(t.kept)}
                                for site, t in sp.templates.items()}}
        self.frontier.r.set(self.keys.config, json.dumps(config))

    def resumed_requests(self):
        """The requests a killed coordinator had sent, to wait for once more."""
        sp = self.spider
        for request_id, wire in list(self.resumed.items()):
            callback = getattr(sp, wire.callback)
            errback = sp.on_robots_error if wire.callback == "parse_robots" else sp.on_error
            site = wire.meta.get(PAGE_META)
            if wire.callback == "parse":
                sp.decided[wire.url] = (wire.meta.get("ingest_lastmod"), True)
            elif wire.callback == "parse_discovery" and site:
                sp.documents.setdefault(site, set()).add(wire.url)
            yield scrapy.Request(wire.url, method=wire.method, headers=wire.headers,
                                 callback=callback, errback=errback, priority=wire.priority,
                                 dont_filter=True,
                                 meta={**wire.meta, REMOTE_ID_META: request_id})

    # --- requests out, results in ---------------------------------------------------------
    async def fetch(self, request):
        request_id = request.meta.get(REMOTE_ID_META)
        if request_id is None:
            request_id = uuid.uuid4().hex
            request.meta[REMOTE_ID_META] = request_id
            self.frontier.push(request_id, codec.encode_request(self._wire(request,
                                                                           request_id)),
                               request.url)
        d: Deferred = Deferred()
        self.waiting[request_id] = (d, request)
        if request_id in self.early:
            self._deliver(*self.early.pop(request_id))
        return await maybe_deferred_to_future(d)

    def _wire(self, request, request_id: str) -> codec.WireRequest:
        callback = getattr(request.callback, "__name__", None)
        if callback not in codec.CALLBACKS:
            raise ValueError(f"{request}: callback {callback!r} cannot travel to a worker")
        meta = {k: v for k, v in request.meta.items() if k in codec.META_TYPES}
        headers = {k.decode("latin-1"): [v.decode("latin-1") for v in vs]
                   for k, vs in request.headers.items()}
        return codec.WireRequest(id=request_id, crawl=self.crawl_id, url=request.url,
                                 callback=callback, method=request.method, headers=headers,
                                 meta=meta, priority=request.priority)

    def _opened(self, spider=None):
        self.cpu_at_open = time.process_time()
        self.loop = create_looping_call(self.read)
        self.loop.start(self.poll, now=True)
        self.ack_loop = create_looping_call(self._acknowledge_tick)
        self.ack_loop.start(setting(self.crawler.settings, "INGEST_STORE_FLUSH_SECONDS"),
                            now=False)

    def read(self) -> None:
        try:
            self._read()
        except redis.RedisError as exc:   # a blip: results wait in Redis for the next tick
            logger.warning("Redis: %s; reading results again in %.1fs", exc, self.poll)

    def _read(self) -> None:
        entries = self.frontier.read_results(self.consumer, pending=self.read_pending,
                                             count=RESULTS_PER_READ)
        if self.read_pending and not entries:
            self.read_pending = False       # own unacknowledged results read: now new ones
        for entry_id, fields in entries:
            try:
                result = codec.decode_result(fields.get(b"result", b""))
            except codec.CodecError as exc:
                self.frontier.refuse(self.keys.results, COORDINATOR_GROUP, entry_id, fields,
                                     str(exc))
                self.crawler.stats.inc_value("ingest/coordinator/refused")
                continue
            body = fields.get(b"body", b"")
            if result.id in self.waiting:
                self._deliver(entry_id, result, body)
            elif result.id in self.resumed and result.id not in self.entry_of:
                self.early[result.id] = (entry_id, result, body)
            else:
                logger.debug("result %s of %s: no request waits for it (a second result "
                             "after a lease ran out); dropped", entry_id, result.url)
                self.crawler.stats.inc_value("ingest/coordinator/duplicate_results")
                self.frontier.ack_result(entry_id, None)

    def _deliver(self, entry_id: str, result: codec.WireResult, body: bytes) -> None:
        d, request = self.waiting.pop(result.id)
        self.resumed.pop(result.id, None)
        self.entry_of[result.id] = entry_id
        self.crawler.stats.inc_value("ingest/coordinator/results")
        for url, outcome, reason, status in result.outcomes:
            self.crawler.signals.send_catch_log(signal=_page_outcome(), url=url,
                                                outcome=outcome, reason=reason, status=status)
        if result.failure is not None:
            d.errback(_failure(result.failure))
            return
        headers = {k: v for k, v in result.headers.items()
                   if k.lower().encode() not in WIRE_HEADERS}
        cls = responsetypes.from_args(headers=headers, url=result.url, body=body)
        if result.redirect_urls:
            request.meta["redirect_urls"] = result.redirect_urls
        if result.page is not None:
            request.meta[REMOTE_PAGE_META] = _analysis(result.page)
        d.callback(cls(url=result.url, status=result.status, headers=headers, body=body,
                       request=request))

    def _idle(self, spider=None):
        """--forever: the frontier is empty and the workers idle; seed it again when due."""
        if not self.forever:
            return
        if not self.reseeding and time.monotonic() - self.seeded_at >= self.reseed_seconds:
            self.reseeding = True
            deferred_from_coro(self._reseed())
        raise DontCloseSpider

    async def _reseed(self) -> None:
        try:
            count = 0
            async for request in self.spider.seed():
                self.crawler.engine.crawl(request)
                count += 1
            logger.info("seeded the frontier again: %d requests", count)
        finally:
            self.seeded_at = time.monotonic()
            self.reseeding = False

    # --- done, committed, acknowledged ----------------------------------------------------
    def tracked(self, response, outputs):
        """The callback's outputs, passed on; the request counts as parsed once they are."""
        request_id = response.meta.get(REMOTE_ID_META)
        for out in outputs:
            if request_id and isinstance(out, Article):
                self.items[out.url] = request_id
            yield out
        if request_id:
            self.parsed.add(request_id)
            self._maybe_ready(request_id)

    def errback_done(self, request) -> None:
        request_id = request.meta.get(REMOTE_ID_META)
        if request_id:
            self.parsed.add(request_id)
            self._maybe_ready(request_id)

    def _spider_error(self, failure, response=None, spider=None):
        if response is not None:
            self.errback_done(response.request if response.request else response)

    def _item_done(self, item, *args, **kwargs):
        request_id = self.items.pop(getattr(item, "url", None), None)
        if request_id:
            self._maybe_ready(request_id)

    def _maybe_ready(self, request_id: str) -> None:
        if request_id in self.parsed and request_id not in self.items.values() \
                and request_id in self.entry_of:
            self.parsed.discard(request_id)
            self.ready.append(request_id)

    def _writer(self):
        for pipe in getattr(self.crawler.engine.scraper.itemproc, "middlewares", ()):
            if hasattr(pipe, "writer") and hasattr(pipe, "storage_failed"):
                return pipe
        return None

    def _acknowledge_tick(self) -> None:
        try:
            self.acknowledge()
        except redis.RedisError as exc:   # unacknowledged results are read again, no loss
            logger.warning("Redis: %s; acknowledging again later", exc)

    def acknowledge(self, *, closing: bool = False) -> int:
        """Commit the store's pending rows, then acknowledge the results they came from.
        Once the pipelines have closed (``closing``) everything is committed already."""
        # The coordinator's own CPU since the crawl opened (start-up excluded): with the
        # results count, its storing rate (bench/distributed.py).
        self.crawler.stats.set_value("ingest/coordinator/cpu_seconds",
                                     round(time.process_time() - self.cpu_at_open, 3))
        if not self.ready:
            return 0
        store = self._writer()
        if store is not None and store.storage_failed:
            return 0                   # nothing acknowledged: a restart reads them again
        if not closing:
            if store is None or store.writer is None:
                # No batch to commit now (the store pipeline changed shape?): keep them
                # until the pipelines have closed, never acknowledge before the commit.
                return 0
            store.writer.flush()
            if store.storage_failed:
                return 0
        count = 0
        while self.ready:   # one at a time: a Redis error leaves the rest for the next tick
            request_id = self.ready[0]
            self.frontier.ack_result(self.entry_of[request_id], request_id)
            del self.entry_of[request_id]
            self.ready.pop(0)
            count += 1
        return count

    def _closed(self, spider=None, reason=None):
        for loop in (self.loop, getattr(self, "ack_loop", None)):
            if loop is not None and loop.running:
                loop.stop()
        self.acknowledge(closing=True)   # the pipelines have closed: all is committed
        if reason == "finished" and not self.waiting and not self.frontier.backlog():
            self.frontier.r.set(self.keys.done, self.crawl_id)
            logger.info("crawl %s finished: workers may stop", self.crawl_id)


def _page_outcome():
    from ingest.crawl import signals as ingest_signals

    return ingest_signals.page_outcome


def _analysis(page: codec.WirePage) -> PageAnalysis:
    return PageAnalysis(feeds=page.feeds, listing=page.listing, links=page.links,
                        extract_error=page.extract_error,
                        fingerprints=(None if page.fingerprints is None else
                                      [PageBlock(*block) for block in page.fingerprints]),
                        article=(codec.article_from_dict(page.article)
                                 if page.article is not None else None))

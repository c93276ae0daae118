"""The news spider's two distributed roles (ingest/crawl/distributed): the worker, which
fetches and analyses pages without a database, and the coordinator, which decides and stores.

``scrapy crawl news -s INGEST_REDIS_URL=...`` runs ``WorkerSpider`` (NewsSpider hands over to
it); ``ingest coordinate`` runs ``CoordinatorSpider``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.http import HtmlResponse

from ingest.crawl import signals
from ingest.crawl.config import setting
from ingest.crawl.distributed import codec
from ingest.crawl.distributed.coordinator import Hub
from ingest.crawl.distributed.frontier import connect
from ingest.crawl.distributed.worker import LEASE_META, WIRE_META, WorkerLink
from ingest.crawl.meta import PAGE_META
from ingest.extract.template import SiteTemplate
from ingest.sites import SiteProfile
from spiders.news import NewsSpider, site_link_extractors


class WorkerSpider(NewsSpider):
    name = "news-worker"
    role = "worker"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        # scrapy.Spider's, not NewsSpider's: a worker opens no database and takes no lock.
        spider = scrapy.Spider.from_crawler.__func__(cls, crawler, *args, **kwargs)
        st = crawler.settings
        spider.link = WorkerLink(crawler)
        spider.set_extraction(st)   # fingerprints travel to the coordinator with each article
        spider.outcomes = {}
        spider.logger.info("worker %s waiting for work on the frontier", spider.link.consumer)
        config = spider.link.frontier.wait_config(setting(st, "INGEST_REDIS_CONFIG_WAIT_SECONDS"))
        if config is None:
            raise RuntimeError("no coordinator has published a crawl on this Redis (prefix "
                               f"{spider.link.keys.prefix}); start `ingest coordinate` first")
        spider.load_config(config)
        crawler.signals.connect(spider.outcome_seen, signal=signals.page_outcome)
        crawler.signals.connect(spider._worker_closed, signal=scrapy_signals.spider_closed)
        return spider

    def _worker_closed(self, spider=None, reason=None):
        self.link.stop()

    def load_config(self, data: bytes) -> None:
        config = json.loads(data)
        self.crawl_id = self.link.crawl_id = config["crawl"]
        self.profiles = {n: SiteProfile(**p) for n, p in config["profiles"].items()}
        self.templates = {site: SiteTemplate(site, frozenset(t["fingerprints"]),
                                             frozenset(t["kept"]))
                          for site, t in config["templates"].items()}
        self.allowed_domains = sorted({h for p in self.profiles.values() for h in p.hosts})
        self.link_extractors = site_link_extractors(self.profiles)

    async def start(self):
        # Requests come from the frontier (ingest.crawl.distributed.worker.FrontierQueue).
        return
        yield  # noqa: unreachable - makes this an async generator

    def request_from_wire(self, wire: codec.WireRequest, lease) -> scrapy.Request:
        if wire.crawl != self.crawl_id:
            self.load_config(self.link.frontier.r.get(self.link.keys.config))
        return scrapy.Request(wire.url, method=wire.method, headers=wire.headers,
                              callback=self.work, errback=self.work_failed,
                              priority=wire.priority, dont_filter=True,
                              meta={**wire.meta, LEASE_META: lease, WIRE_META: wire})

    def outcome_seen(self, url, outcome, reason=None, status=None):
        self.outcomes.setdefault(url, []).append([url, outcome, reason, status])

    def _outcomes_for(self, request, *urls) -> list[list]:
        found = []
        for url in {request.url, *(request.meta.get("redirect_urls") or ()), *urls}:
            found += self.outcomes.pop(url, [])
        return found

    def work(self, response):
        wire: codec.WireRequest = response.meta[WIRE_META]
        site = response.meta.get(PAGE_META)
        profile = self.profiles.get(site)
        page = None
        if (wire.callback == "parse" and profile is not None and 200 <= response.status < 300
                and isinstance(response, HtmlResponse)):
            found = self.analyse(response, site, profile)
            page = codec.WirePage(
                feeds=found.feeds, listing=found.listing, links=found.links,
                extract_error=found.extract_error,
                fingerprints=(None if found.fingerprints is None else
                              [[b.fingerprint, b.path, b.text] for b in found.fingerprints]),
                article=codec.article_to_dict(found.article) if found.article else None)
        result = codec.WireResult(
            id=wire.id, crawl=wire.crawl, worker=self.link.consumer, url=response.url,
            status=response.status,
            headers={k.decode("latin-1"): [v.decode("latin-1") for v in vs]
                     for k, vs in response.headers.items()},
            page=page, redirect_urls=list(response.meta.get("redirect_urls") or ()),
            outcomes=self._outcomes_for(response.request, response.url))
        self.link.send(response.meta[LEASE_META], result, bytes(response.body))
        return ()

    def work_failed(self, failure):
        request = failure.request
        wire: codec.WireRequest = request.meta[WIRE_META]
        result = codec.WireResult(
            id=wire.id, crawl=wire.crawl, worker=self.link.consumer,
            failure={"type": failure.type.__name__,
                     "message": failure.getErrorMessage()[:2000]},
            redirect_urls=list(request.meta.get("redirect_urls") or ()),
            outcomes=self._outcomes_for(request))
        self.link.send(request.meta[LEASE_META], result, b"")


class CoordinatorSpider(NewsSpider):
    name = "news-coordinator"
    role = "coordinator"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        url = crawler.settings.get("INGEST_REDIS_URL")
        client = connect(url)   # first: an unreachable Redis is said before any lock is taken
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.hub = Hub(crawler, spider, url, client)
        return spider

    async def start(self):
        for request in self.hub.resumed_requests():
            yield request
        async for request in super().start():
            yield request

    def seed(self):
        """The start requests of a new round (--forever): a new now, nothing decided yet."""
        self.now = datetime.now(timezone.utc)
        for state in (self.hints, self.decided, self.documents, self.entries_read):
            state.clear()
        return super().start()

    def analyse(self, response, site, profile):
        page = response.meta.pop("ingest_remote_page", None)
        return page if page is not None else super().analyse(response, site, profile)

    def parse(self, response, **kwargs):
        yield from self.hub.tracked(response, super().parse(response, **kwargs))

    def parse_discovery(self, response):
        yield from self.hub.tracked(response, super().parse_discovery(response))

    def parse_robots(self, response):
        yield from self.hub.tracked(response, super().parse_robots(response))

    def on_error(self, failure):
        try:
            return super().on_error(failure)
        finally:
            self.hub.errback_done(failure.request)

    def on_robots_error(self, failure):
        try:
            return super().on_robots_error(failure)
        finally:
            self.hub.errback_done(failure.request)



"""Store: articles into SQLite (ingest.store), and a row in ``pages`` for every URL fetched.

Besides items, it listens to Scrapy's signals so that pages which produce no item are
accounted for too: drops (item_dropped, with the DropItem reason), failures and non-HTML
pages (our page_outcome signal). It opens a ``crawl_runs`` row when the spider opens and
closes it with the crawl's stats.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy import signals

from ingest import signals as ingest_signals
from ingest.store import Store, utcnow_iso
from spiders.news import PAGE_META

# Store outcome -> the stat our crawl_runs columns read (see ingest.store.STAT_COLUMNS).
OUTCOME_STATS = {"new": "ingest/articles_new", "updated": "ingest/articles_updated",
                 "unchanged": "ingest/articles_unchanged"}
# Store outcome -> pages.outcome.
PAGE_OUTCOMES = {"new": "stored", "updated": "updated", "unchanged": "unchanged"}


class StorePipeline:
    def __init__(self, crawler, db_path: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = db_path
        self.store: Store | None = None
        self.run_id: int | None = None
        # URL -> (status, ETag, Last-Modified) of responses seen but not yet written.
        self.responses: dict[str, tuple[int, str | None, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        pipe = cls(crawler, crawler.settings.get("INGEST_DB"))
        crawler.signals.connect(pipe.response_received, signal=signals.response_received)
        crawler.signals.connect(pipe.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipe.item_error, signal=signals.item_error)
        crawler.signals.connect(pipe.spider_error, signal=signals.spider_error)
        crawler.signals.connect(pipe.page_outcome, signal=ingest_signals.page_outcome)
        return pipe

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.store = Store(self.db_path)
        args = {k: getattr(spider, k, None) for k in ("site_arg", "start_arg")}
        self.run_id = self.store.start_run(spider.name, site=args.get("site_arg"),
                                           args={k: v for k, v in args.items() if v})
        spider.logger.info("storing into %s (crawl run %s)", self.db_path, self.run_id)

    def close_spider(self, spider=None):
        if self.store is None:
            return
        for url, (status, etag, modified) in list(self.responses.items()):
            # Responses that reached no callback outcome (e.g. filtered) are still accounted.
            self._page(url, status=status, outcome="skipped", reason="no item produced",
                       etag=etag, last_modified=modified)
        self.responses.clear()
        stats = dict(self.stats.get_stats())
        reason = stats.get("finish_reason", "finished")
        self.store.finish_run(self.run_id, stats=stats,
                              status="finished" if reason == "finished" else str(reason))
        self.store.close()
        self.store = None

    # ---- signals
    def response_received(self, response, request, spider=None):
        if PAGE_META in request.meta:
            headers = response.headers
            self.responses[response.url] = (
                response.status,
                _header(headers, b"ETag"),
                _header(headers, b"Last-Modified"),
            )

    def item_dropped(self, item, response=None, exception=None, spider=None):
        url = getattr(item, "url", None)
        if url is None:
            return
        outcome = "duplicate" if str(exception).startswith("duplicate") else "dropped"
        self._finish_page(url, outcome=outcome, reason=str(exception),
                          canonical_url=getattr(item, "canonical_url", None))

    def item_error(self, item, response=None, spider=None, failure=None):
        """A pipeline raised (not DropItem): the page is recorded as an error, not lost."""
        url = getattr(item, "url", None)
        if url is not None:
            self._finish_page(url, outcome="error", reason=_failure_reason("pipeline", failure),
                              canonical_url=getattr(item, "canonical_url", None))

    def spider_error(self, failure, response=None, spider=None):
        """The spider's callback raised on a page not yet accounted for."""
        if response is not None and response.url in self.responses:
            self._finish_page(response.url, outcome="error",
                              reason=_failure_reason("spider", failure))

    def page_outcome(self, url, outcome, reason=None, status=None):
        if outcome == "not_modified":
            # A conditional refetch answered 304: counted, and only its check time is written.
            self.responses.pop(url, None)
            self.stats.inc_value("ingest/pages/not_modified")
            if self.store is not None:
                self.store.mark_checked(url, utcnow_iso())
            return
        self._finish_page(url, outcome=outcome, reason=reason, status=status)

    # ---- items
    def process_item(self, item, spider=None):
        record = ItemAdapter(item).asdict()
        result, _article_id = self.store.upsert_article(record, run_id=self.run_id)
        self.stats.inc_value(OUTCOME_STATS[result])
        self._finish_page(item.url, outcome=PAGE_OUTCOMES[result],
                          content_hash=item.content_hash, canonical_url=item.canonical_url)
        return item

    def _finish_page(self, url, *, outcome, reason=None, status=None, **extra):
        seen_status, etag, modified = self.responses.pop(url, (None, None, None))
        self._page(url, status=status or seen_status, outcome=outcome, reason=reason,
                   etag=etag, last_modified=modified, **extra)
        self.stats.inc_value(f"ingest/pages/{outcome}")

    def _page(self, url, **values):
        if self.store is None:
            return
        self.store.record_page(url, run_id=self.run_id, fetched_at=utcnow_iso(), **values)


def _failure_reason(where: str, failure) -> str:
    if failure is None:
        return f"{where} error"
    return f"{where} error: {failure.type.__name__}: {failure.getErrorMessage()}"[:500]


def _header(headers, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None

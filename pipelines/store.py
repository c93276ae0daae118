"""Store: articles into SQLite (ingest.store), and a row in ``pages`` for every URL fetched.

Besides items, it listens to Scrapy's signals so that pages which produce no item are
accounted for too: drops (item_dropped, with the DropItem reason), failures and non-HTML
pages (our page_outcome signal). It opens a ``crawl_runs`` row when the spider opens and
closes it with the crawl's stats.
"""

from __future__ import annotations

import dataclasses
import sys

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future

from ingest.crawl import exitstatus
from ingest.crawl import signals as ingest_signals
from ingest.crawl.config import setting
from ingest.crawl.meta import PAGE_META
from ingest.store import Store, storage_failure, utcnow_iso
from ingest.store.errors import DatabaseError
from ingest.store.runs import mark_run_stopped
from pipelines.batching import BatchWriter

# Store outcome -> the stat our crawl_runs columns read (see ingest.store.STAT_COLUMNS).
OUTCOME_STATS = {"new": "ingest/articles_new", "updated": "ingest/articles_updated",
                 "unchanged": "ingest/articles_unchanged"}
# Store outcome -> pages.outcome.
PAGE_OUTCOMES = {"new": "stored", "updated": "updated", "unchanged": "unchanged"}


class StorePipeline:
    def __init__(self, crawler, db_path: str, *, batch: int = 1, flush_seconds: float = 1.0,
                 max_pages: int = 0):
        self.crawler = crawler
        self.max_pages = max_pages
        # The one line naming the database and the fix, once a write failed because the
        # database file cannot be written or read (full disk, corruption): the crawl stops.
        self.storage_failed: str | None = None
        # Writes are batched (pipelines/batching.py): an item returns only once committed.
        self.batch = batch
        self.flush_seconds = flush_seconds
        self.writer: BatchWriter | None = None
        self.timer = None
        self.stats = crawler.stats
        self.db_path = db_path
        self.store: Store | None = None
        self.run_id: int | None = None
        # URL -> (status, ETag, Last-Modified) of responses seen but not yet written.
        self.responses: dict[str, tuple[int, str | None, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        pipe = cls(crawler, settings.get("INGEST_DB"),
                   batch=setting(settings, "INGEST_STORE_BATCH"),
                   flush_seconds=setting(settings, "INGEST_STORE_FLUSH_SECONDS"),
                   max_pages=setting(settings, "INGEST_DB_MAX_PAGES"))
        crawler.signals.connect(pipe.response_received, signal=signals.response_received)
        crawler.signals.connect(pipe.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipe.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipe.item_error, signal=signals.item_error)
        crawler.signals.connect(pipe.spider_error, signal=signals.spider_error)
        crawler.signals.connect(pipe.page_outcome, signal=ingest_signals.page_outcome)
        return pipe

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.store = Store(self.db_path, max_pages=self.max_pages)
        args = {k: getattr(spider, k, None) for k in ("site_arg", "start_arg")}
        self.run_id = self.store.start_run(spider.name, site=args.get("site_arg"),
                                           args={k: v for k, v in args.items() if v})
        spider.logger.info("storing into %s (crawl run %s)", self.db_path, self.run_id)
        self.writer = BatchWriter(self.store, size=self.batch, run_id=self.run_id,
                                  page_outcomes=PAGE_OUTCOMES, on_error=self.write_failed)
        if self.batch > 1:
            if self.flush_seconds <= 0:
                raise ValueError(f"INGEST_STORE_FLUSH_SECONDS must be > 0, not "
                                 f"{self.flush_seconds}; e.g. -s INGEST_STORE_FLUSH_SECONDS=1")
            self.timer = create_looping_call(self.writer.flush)
            self.timer.start(self.flush_seconds, now=False)

    def close_spider(self, spider=None):
        if self.store is None:
            return
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        for url, (status, etag, modified) in list(self.responses.items()):
            # Responses that reached no callback outcome (e.g. filtered) are still accounted.
            self._page(url, status=status, outcome="skipped", reason="no item produced",
                       etag=etag, last_modified=modified)
        self.responses.clear()
        if self.writer is not None:
            self.writer.flush()
        stats = dict(self.stats.get_stats())
        reason = stats.get("finish_reason", "finished")
        if self.storage_failed:
            reason = "storage_failed"
        try:
            self.store.finish_run(self.run_id, stats=stats,
                                  status="finished" if reason == "finished" else str(reason))
        except DatabaseError as exc:  # the run row cannot be closed: said, and exit non-zero
            self.write_failed(exc)
            if not self.storage_failed:
                raise
        finally:
            self.store.close()
            self.store = None
            self.writer = None
        if self.storage_failed:
            # Last, so that it is the line a cron mail ends with (and the exit status says so).
            print(self.storage_failed, file=sys.stderr, flush=True)

    def write_failed(self, exc: Exception) -> None:
        """A write failed. When the database file itself is the problem (full, corrupt,
        read-only) nothing more can be stored: stop the crawl and exit non-zero."""
        line = storage_failure(exc, self.db_path)
        if line is None or self.storage_failed:
            return
        self.storage_failed = line
        self.crawler.spider.logger.error("%s", line)
        exitstatus.request_status(self.crawler, exitstatus.STORAGE_FAILED, line)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason="storage_failed"))

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
        if failure is not None and isinstance(failure.value, DatabaseError):
            self.write_failed(failure.value)   # e.g. the raw pages pipeline on a full disk
        url = getattr(item, "url", None)
        if url is not None:
            self._finish_page(url, outcome="error", reason=_failure_reason("pipeline", failure),
                              canonical_url=getattr(item, "canonical_url", None))

    def spider_error(self, failure, response=None, spider=None):
        """The spider's callback raised on a page not yet accounted for."""
        if response is not None and response.url in self.responses:
            self._finish_page(response.url, outcome="error",
                              reason=_failure_reason("spider", failure))

    def spider_closed(self, spider=None, reason=None):
        # Scrapy sets finish_reason only after the pipelines have closed, so close_spider saw
        # none: a crawl stopped by Ctrl-C/SIGTERM ("shutdown") gets its real reason here.
        if reason and reason != "finished" and self.run_id is not None \
                and not self.storage_failed:
            mark_run_stopped(self.db_path, self.run_id, str(reason))

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
    async def process_item(self, item, spider=None):
        # dataclasses.asdict is a third of ItemAdapter's cost, and items are dataclasses.
        record = (dataclasses.asdict(item) if dataclasses.is_dataclass(item)
                  else ItemAdapter(item).asdict())
        seen_status, etag, modified = self.responses.pop(item.url, (None, None, None))
        page = {"url": item.url, "status": seen_status, "etag": etag, "last_modified": modified,
                "content_hash": item.content_hash, "canonical_url": item.canonical_url,
                "fetched_at": utcnow_iso()}
        # Returns when the batch holding this article has committed (pipelines/batching.py).
        result, _article_id = await maybe_deferred_to_future(
            self.writer.add_article(record, page))
        self.stats.inc_value(OUTCOME_STATS[result])
        self.crawler.signals.send_catch_log(signal=ingest_signals.article_stored,
                                            url=item.url, result=result)
        self.stats.inc_value(f"ingest/pages/{PAGE_OUTCOMES[result]}")
        return item

    def _finish_page(self, url, *, outcome, reason=None, status=None, **extra):
        seen_status, etag, modified = self.responses.pop(url, (None, None, None))
        self._page(url, status=status or seen_status, outcome=outcome, reason=reason,
                   etag=etag, last_modified=modified, **extra)
        self.stats.inc_value(f"ingest/pages/{outcome}")

    def _page(self, url, **values):
        if self.writer is None:
            return
        self.writer.add_page({"url": url, "fetched_at": utcnow_iso(), **values})


def _failure_reason(where: str, failure) -> str:
    if failure is None:
        return f"{where} error"
    return f"{where} error: {failure.type.__name__}: {failure.getErrorMessage()}"[:500]


def _header(headers, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None

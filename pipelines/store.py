"""Store: articles into SQLite (ingest.store), and a row in ``pages`` for every URL fetched.

The one writer of a crawl: each article is written with its ``pages`` row, its raw page
(INGEST_KEEP_RAW), its block fingerprints (INGEST_TEMPLATES) and its duplicate sketch and
links (INGEST_DUPLICATE_SIMILARITY) in the batch's one transaction, on this pipeline's one
connection (``ingest.store.crawlwrite``); the page travels with the item
(``ingest.crawl.carry``). A kill therefore leaves each article complete or absent. When the
spider closes, the template of every site it stored fingerprints of is recounted, so the
next crawl and ``ingest reextract`` remove it.

Besides items, it listens to Scrapy's signals so that pages which produce no item are
accounted for too: drops (item_dropped, with the DropItem reason), failures and non-HTML
pages (our page_outcome signal). It opens a ``crawl_runs`` row when the spider opens and
closes it with the crawl's stats.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import time

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future

from ingest.crawl import exitstatus
from ingest.crawl import signals as ingest_signals
from ingest.crawl.carry import carried
from ingest.crawl.config import setting
from ingest.crawl.meta import PAGE_META
from ingest.items import ARTICLE_FIELDS, Article, Author, Section
from ingest.store import Store, storage_failure, utcnow_iso
from ingest.store.crawlwrite import WriteOptions
from ingest.store.errors import DatabaseError
from ingest.store.runs import mark_run_stopped
from ingest.store.templates import refresh_templates
from ingest.store.thresholds import check_thresholds
from pipelines.batching import BatchWriter

logger = logging.getLogger(__name__)

# Store outcome -> the stat our crawl_runs columns read (see ingest.store.STAT_COLUMNS).
OUTCOME_STATS = {"new": "ingest/articles_new", "updated": "ingest/articles_updated",
                 "unchanged": "ingest/articles_unchanged"}
# Store outcome -> pages.outcome.
PAGE_OUTCOMES = {"new": "stored", "updated": "updated", "unchanged": "unchanged"}


class StorePipeline:
    def __init__(self, crawler, db_path: str, *, batch: int, flush_seconds: float,
                 max_pages: int, options: WriteOptions, min_share: float, min_pages: int,
                 test_pause: float):
        self.crawler = crawler
        self.options = options
        self.min_share = min_share       # template learning (ingest.store.templates)
        self.min_pages = min_pages
        self.sites_learned: set[str] = set()
        self.test_pause = test_pause     # INGEST_TEST_WRITE_PAUSE: test-only
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
        keep_raw, learn = setting(settings, "INGEST_KEEP_RAW"), setting(settings, "INGEST_TEMPLATES")
        min_share = setting(settings, "INGEST_TEMPLATE_MIN_SHARE")
        min_pages = setting(settings, "INGEST_TEMPLATE_MIN_PAGES")
        threshold = setting(settings, "INGEST_DUPLICATE_SIMILARITY")
        check_thresholds(template_min_share=min_share, template_min_pages=min_pages,
                         duplicate_similarity=threshold)
        pipe = cls(crawler, settings.get("INGEST_DB"),
                   batch=setting(settings, "INGEST_STORE_BATCH"),
                   flush_seconds=setting(settings, "INGEST_STORE_FLUSH_SECONDS"),
                   max_pages=setting(settings, "INGEST_DB_MAX_PAGES"),
                   options=WriteOptions(keep_raw=keep_raw, learn=learn,
                                        duplicate_threshold=threshold),
                   min_share=min_share, min_pages=min_pages,
                   test_pause=setting(settings, "INGEST_TEST_WRITE_PAUSE"))
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
        self.writer = self.make_writer()
        if self.batch > 1:
            if self.flush_seconds <= 0:
                raise ValueError(f"INGEST_STORE_FLUSH_SECONDS must be > 0, not "
                                 f"{self.flush_seconds}; e.g. -s INGEST_STORE_FLUSH_SECONDS=1")
            self.timer = create_looping_call(self.writer.flush)
            self.timer.start(self.flush_seconds, now=False)

    def make_writer(self) -> BatchWriter:
        return BatchWriter(self.store, size=self.batch, run_id=self.run_id,
                           page_outcomes=PAGE_OUTCOMES, on_error=self.write_failed,
                           options=self.options,
                           pause=self.pause if self.test_pause > 0 else None)

    def pause(self, url: str) -> None:
        """INGEST_TEST_WRITE_PAUSE (test-only): hold the write open between the article and
        its raw page, saying so first, so a test can kill the crawl there."""
        logger.warning("INGEST_TEST_WRITE_PAUSE: %s written, its raw page not yet; "
                       "waiting %.2f s", url, self.test_pause)
        time.sleep(self.test_pause)

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
        self.refresh_templates(spider or self.crawler.spider)
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

    def refresh_templates(self, spider) -> None:
        """Recount the template of every site this crawl stored fingerprints of."""
        for site in sorted(self.sites_learned):
            try:
                found = refresh_templates(self.store, site, min_share=self.min_share,
                                          min_pages=self.min_pages)
            except DatabaseError as exc:
                # The articles are stored with their fingerprints: the site's next crawl
                # (or `ingest reextract`) recounts them.
                self.write_failed(exc)
                spider.logger.error("template of %s not recounted: %s", site, exc)
                return
            spider.logger.info("template of %s: %d blocks (%d articles, a block on %d "
                               "or more is template)", site, found["template_blocks"],
                               found["pages"], found["pages_needed"])
        self.sites_learned.clear()

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
        record = record_of(item)
        seen_status, etag, modified = self.responses.pop(item.url, (None, None, None))
        crawled = carried(item)
        if crawled is not None:  # the response the item came from, as it travelled with it
            seen_status = crawled.status
            etag, modified = crawled.headers.get("ETag"), crawled.headers.get("Last-Modified")
        page = {"url": item.url, "status": seen_status, "etag": etag, "last_modified": modified,
                "content_hash": item.content_hash, "canonical_url": item.canonical_url,
                "fetched_at": utcnow_iso()}
        # Returns when the batch holding this article has committed (pipelines/batching.py),
        # with the page it was extracted from (raw bytes, fingerprints) written alongside.
        written = await maybe_deferred_to_future(
            self.writer.add_article(record, page, crawled))
        result = written.outcome
        if written.site:
            self.sites_learned.add(written.site)
        if written.duplicate:
            self.stats.inc_value("ingest/duplicates_linked")
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


def record_of(item) -> dict:
    """The item as a record dict, equal to ``dataclasses.asdict(item)``: for an ``Article``
    built field by field (asdict deep-copies every value recursively, about a tenth of the
    store's cost per article; the strings need no copy), for any other dataclass by asdict,
    else by ItemAdapter."""
    if (type(item) is Article and all(type(a) is Author for a in item.authors)
            and all(type(s) is Section for s in item.sections)):
        record = {name: getattr(item, name) for name in ARTICLE_FIELDS}
        record["authors"] = [{"name": a.name, "role": a.role, "url": a.url}
                             for a in item.authors]
        record["sections"] = [{"heading": s.heading, "paragraphs": list(s.paragraphs)}
                              for s in item.sections]
        record["tags"] = list(item.tags)
        record["provenance"] = dict(item.provenance)
        return record
    if dataclasses.is_dataclass(item):
        return dataclasses.asdict(item)
    return ItemAdapter(item).asdict()


def _failure_reason(where: str, failure) -> str:
    if failure is None:
        return f"{where} error"
    return f"{where} error: {failure.type.__name__}: {failure.getErrorMessage()}"[:500]


def _header(headers, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None

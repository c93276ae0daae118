"""Batched writes for the store pipeline: many articles and pages rows in one transaction.

One SQLite transaction per article costs a commit (WAL append, lock round trip) and makes
FTS5 flush its in-memory index for a single document; committing a batch of them together
is several times faster (bench/store.py). The price is latency, and the rule that keeps it
safe is: **an item is acknowledged only after the transaction holding it has committed**.

``BatchWriter.add_article`` returns a Deferred that fires with a ``Written`` (outcome, article
id, duplicate link) once the article and everything written with it are committed: its
``pages`` row, and with the page that travelled with the item its raw page, its block
fingerprints and its duplicate sketch (``ingest.store.crawlwrite``), all in the one
transaction on the store's one connection; the store pipeline awaits it before it
returns the item, so Scrapy's ``item_scraped`` (and our stats) never count an item that a kill
could still lose. A hard kill loses only unacknowledged items, and since their ``pages`` rows
are written in the same transaction, nothing records them as fetched: the next crawl fetches
them again. A batch is written when it holds ``size`` articles, every ``interval`` seconds
(the store pipeline's timer) and when the spider closes.

One bad record fails alone: a batch is first written with no savepoint inside
(``Store.batch``: FTS5 writes a segment out at every savepoint, which made a savepoint per
article the largest cost of a batch); if anything fails, the whole transaction rolls back and
the batch is written again with each article inside a savepoint, where an SQLite error on
one fails that item's Deferred (Scrapy logs it as an item error) and records the page as an
``error`` with the reason, while the rest of the batch commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from twisted.internet.defer import Deferred

from ingest.store.crawlwrite import CrawledPage, WriteOptions, write_crawled_article
from ingest.store.errors import DatabaseError

logger = logging.getLogger(__name__)


class BatchWriter:
    def __init__(self, store, *, size: int, page_outcomes: dict[str, str],
                 run_id: int | None = None, on_commit: Callable[[int], None] | None = None,
                 on_error: Callable[[Exception], None] | None = None,
                 options: WriteOptions = WriteOptions(),
                 pause: Callable[[str], None] | None = None):
        if size < 1:
            raise ValueError(f"INGEST_STORE_BATCH must be at least 1, not {size}")
        self.store = store
        self.size = size
        self.run_id = run_id
        self.page_outcomes = page_outcomes
        self.on_commit = on_commit
        self.on_error = on_error   # told of every write error (the store pipeline's exit status)
        self.options = options
        self.pause = pause         # INGEST_TEST_WRITE_PAUSE's hook (test-only)
        self.articles: list[tuple[dict, dict, CrawledPage | None, Deferred]] = []
        self.pages: list[dict] = []

    def __len__(self) -> int:
        return len(self.articles) + len(self.pages)

    def add_article(self, record: dict, page: dict, crawled: CrawledPage | None = None
                    ) -> Deferred:
        """Queue one article, its page row (``record_page`` keywords, outcome left out: it
        follows from the upsert) and the page it was extracted from. Fires with a
        ``Written`` after the commit."""
        d: Deferred = Deferred()
        self.articles.append((record, page, crawled, d))
        if len(self.articles) >= self.size:
            self.flush()
        return d

    def add_page(self, page: dict) -> None:
        """Queue a ``pages`` row (a drop, an error, a skipped page)."""
        self.pages.append(page)
        if len(self.pages) >= self.size:
            self.flush()

    def flush(self) -> int:
        """Write everything queued in one transaction; returns how many rows were queued."""
        if not self.articles and not self.pages:
            return 0
        articles, self.articles = self.articles, []
        pages, self.pages = self.pages, []
        try:
            # Fast path: no savepoint per article (Store.batch). Any error rolls the whole
            # batch back, and it is written again below with one savepoint per article.
            with self.store.batch():
                done = self._write(articles, pages, failed=None)
            failed: list[tuple[Deferred, Exception]] = []
        except Exception as first:
            logger.debug("store: batch of %d articles rolled back (%s); writing it again "
                         "one savepoint per article", len(articles), first)
            done, failed = [], []
            try:
                with self.store.transaction():
                    done = self._write(articles, pages, failed=failed)
            except Exception as exc:
                # The transaction rolled back: nothing of this batch is stored or acknowledged.
                logger.error("store: a batch of %d articles and %d pages could not be "
                             "written (%s); their items fail and the next crawl fetches them "
                             "again", len(articles), len(pages), exc)
                if self.on_error:
                    self.on_error(exc)
                for _record, _page, _crawled, d in articles:
                    d.errback(exc)
                return len(articles) + len(pages)
        if self.on_commit:
            self.on_commit(len(articles))
        for d, outcome in done:
            d.callback(outcome)
        for d, exc in failed:
            d.errback(exc)
        return len(articles) + len(pages)

    def _write(self, articles, pages, *, failed: list | None) -> list[tuple[Deferred, object]]:
        """Write the batch inside the caller's transaction. ``failed`` None: an error
        propagates (Store.batch, no savepoints); a list: each article in its own savepoint,
        and one whose write fails is appended to it and recorded as an ``error`` page."""
        done: list[tuple[Deferred, object]] = []
        for record, page, crawled, d in articles:
            try:
                written = write_crawled_article(
                    self.store, record, page, page=crawled, run_id=self.run_id,
                    page_outcomes=self.page_outcomes, options=self.options,
                    pause=self.pause)
            except DatabaseError as exc:  # this record only: its savepoint rolled back
                if failed is None:
                    raise
                failed.append((d, exc))
                if self.on_error:
                    self.on_error(exc)
                self.store.record_page(**page, outcome="error",
                                       reason=f"store failed: {exc}", run_id=self.run_id)
                continue
            done.append((d, written))
        for page in pages:
            self.store.record_page(**page, run_id=self.run_id)
        return done

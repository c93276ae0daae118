"""Duplicates: link each stored article with its exact and near copies (``duplicate_of``,
``similarity``) under other URLs or on other sites; never drop them (``ingest.store.duplicates``)."""

from __future__ import annotations

from ingest.crawl.config import setting
from ingest.store import Store
from ingest.store.duplicates import link_duplicates


class DuplicatePipeline:
    def __init__(self, crawler, db_path: str, threshold: float):
        self.crawler = crawler
        self.db_path = db_path
        self.threshold = threshold
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler):
        threshold = setting(crawler.settings, "INGEST_DUPLICATE_SIMILARITY")
        if not 0 < threshold <= 1:
            raise ValueError(f"INGEST_DUPLICATE_SIMILARITY must be in (0, 1], got {threshold}; "
                             f"e.g. -s INGEST_DUPLICATE_SIMILARITY=0.8")
        return cls(crawler, crawler.settings.get("INGEST_DB"), threshold)

    def open_spider(self, spider=None):
        self.store = Store(self.db_path, max_pages=setting(self.crawler.settings,
                                                               "INGEST_DB_MAX_PAGES"))

    def close_spider(self, spider=None):
        if self.store is not None:
            self.store.close()
            self.store = None

    def process_item(self, item, spider=None):
        row = self.store.conn.execute("SELECT id FROM articles WHERE canonical_url = ?",
                                      (item.canonical_url,)).fetchone()
        if row is not None:
            found = link_duplicates(self.store, row[0], threshold=self.threshold)
            if found:
                self.crawler.stats.inc_value("ingest/duplicates_linked")
        return item

"""Duplicates: link each stored article with its exact and near copies (``duplicate_of``,
``similarity``) under other URLs or on other sites; never drop them (``ingest.store.duplicates``)."""

from __future__ import annotations

from ingest.store.duplicates import link_duplicates
from ingest.store import Store


class DuplicatePipeline:
    def __init__(self, crawler, db_path: str, threshold: float):
        self.crawler = crawler
        self.db_path = db_path
        self.threshold = threshold
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler):
        threshold = crawler.settings.getfloat("INGEST_DUPLICATE_SIMILARITY", 0.8)
        if not 0 < threshold <= 1:
            raise ValueError(f"INGEST_DUPLICATE_SIMILARITY must be in (0, 1], got {threshold}; "
                             f"e.g. -s INGEST_DUPLICATE_SIMILARITY=0.8")
        return cls(crawler, crawler.settings.get("INGEST_DB"), threshold)

    def open_spider(self, spider=None):
        self.store = Store(self.db_path, max_pages=self.crawler.settings.getint(
                "INGEST_DB_MAX_PAGES", 0))

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

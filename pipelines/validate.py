"""Validate: is this extraction result an article? If not, drop it with the reason."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from ingest.extract.records import article_problem


class ValidatePipeline:
    def __init__(self, min_words: int):
        self.min_words = min_words

    @classmethod
    def from_crawler(cls, crawler):
        return cls(min_words=crawler.settings.getint("INGEST_MIN_WORDS", 80))

    def process_item(self, item, spider=None):
        reason = article_problem(item, self.min_words)
        if reason:
            raise DropItem(reason)
        return item


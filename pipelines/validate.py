"""Validate: is this extraction result an article? If not, drop it with the reason."""

from __future__ import annotations

from scrapy.exceptions import DropItem


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


def article_problem(item, min_words: int) -> str | None:
    """Why ``item`` is not an article, or None. Each reason names what is missing."""
    if not item.headline:
        return "not an article: no headline"
    if item.word_count < min_words:
        return f"not an article: body has {item.word_count} words, fewer than {min_words}"
    if not item.published_at and not item.authors:
        # Articles are dated or signed; about pages, listings and shop pages are neither.
        return "not an article: no publication date and no byline"
    return None

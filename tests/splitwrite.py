"""A store pipeline that writes an article apart from its raw page, fingerprints and duplicate
sketch (two commits, as the raw-page and duplicate pipelines did before one writer): the
deliberately broken twin that tests/test_write_window.py runs to show that its check can fail.
Test code only; enabled with ITEM_PIPELINES in a test's crawl."""

from __future__ import annotations

from ingest.store import site_of
from ingest.store.crawlwrite import Written, write_page_parts
from ingest.store.duplicates import link_duplicates
from pipelines.batching import BatchWriter
from pipelines.store import PAGE_OUTCOMES, StorePipeline


class SplitBatchWriter(BatchWriter):
    def flush(self) -> int:
        articles, self.articles = self.articles, []
        pages, self.pages = self.pages, []
        for record, page, crawled, d in articles:
            with self.store.transaction():   # commit 1: the article and its pages row
                outcome, article_id = self.store.upsert_article(record, run_id=self.run_id)
                self.store.record_page(**page, outcome=self.page_outcomes[outcome],
                                       run_id=self.run_id)
            if self.pause is not None:
                self.pause(record["url"])
            with self.store.transaction():   # commit 2: what went with it
                if crawled is not None:
                    write_page_parts(self.store, record, crawled, self.options)
                dup = link_duplicates(self.store, article_id,
                                      threshold=self.options.duplicate_threshold or 0.8)
            d.callback(Written(outcome, article_id, dup, site_of(record["url"])))
        with self.store.transaction():
            for page in pages:
                self.store.record_page(**page, run_id=self.run_id)
        return len(articles) + len(pages)


class SplitWriteStorePipeline(StorePipeline):
    def make_writer(self) -> BatchWriter:
        return SplitBatchWriter(self.store, size=self.batch, run_id=self.run_id,
                                page_outcomes=PAGE_OUTCOMES,
                                on_error=self.write_failed, options=self.options,
                                pause=self.pause if self.test_pause > 0 else None)

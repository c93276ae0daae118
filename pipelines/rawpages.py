"""Raw pages and template learning: what each stored article page looked like.

For every article the store pipeline kept, this pipeline stores the page's HTML, compressed,
with the headers re-extraction needs (``ingest.store.rawpages``; setting INGEST_KEEP_RAW), and the
fingerprints of its blocks (``ingest.store.templates``; setting INGEST_TEMPLATES). When the spider
closes, the template of every site it stored pages of is recounted, so the next crawl and
``ingest reextract`` remove it.

The HTML comes from the response (Scrapy's response_received signal), not from the item:
the record schema does not carry the page.
"""

from __future__ import annotations

from collections import OrderedDict

from scrapy import signals

from ingest.crawl import signals as ingest_signals
from ingest.crawl.config import setting
from ingest.crawl.meta import PAGE_META
from ingest.extract import decode_html
from ingest.extract.template import page_blocks
from ingest.store import Store, site_of, utcnow_iso
from ingest.store.rawpages import KEPT_HEADERS, save_raw_page
from ingest.store.templates import record_page_blocks, refresh_templates
from ingest.store.thresholds import check_thresholds

# Responses waiting for their item. An item follows its response within the same callback,
# so a short queue is enough; listing pages that never give an item fall off its end.
MAX_PENDING = 256


class RawPagePipeline:
    def __init__(self, crawler, db_path: str, *, keep_raw: bool, learn: bool,
                 min_share: float, min_pages: int):
        self.crawler = crawler
        self.db_path = db_path
        self.keep_raw = keep_raw
        self.learn = learn
        self.min_share = min_share
        self.min_pages = min_pages
        self.store: Store | None = None
        self.pending: OrderedDict[str, tuple] = OrderedDict()
        self.sites: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        pipe = cls(crawler, s.get("INGEST_DB"), keep_raw=setting(s, "INGEST_KEEP_RAW"),
                   learn=setting(s, "INGEST_TEMPLATES"),
                   min_share=setting(s, "INGEST_TEMPLATE_MIN_SHARE"),
                   min_pages=setting(s, "INGEST_TEMPLATE_MIN_PAGES"))
        check_thresholds(template_min_share=pipe.min_share, template_min_pages=pipe.min_pages)
        crawler.signals.connect(pipe.response_received, signal=signals.response_received)
        crawler.signals.connect(pipe.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipe.page_outcome, signal=ingest_signals.page_outcome)
        return pipe

    def open_spider(self, spider=None):
        if self.keep_raw or self.learn:
            self.store = Store(self.db_path, max_pages=setting(self.crawler.settings,
                                                               "INGEST_DB_MAX_PAGES"))

    def close_spider(self, spider=None):
        self.pending.clear()
        if self.store is None:
            return
        spider = spider or self.crawler.spider
        try:
            for site in sorted(self.sites):
                found = refresh_templates(self.store, site, min_share=self.min_share,
                                          min_pages=self.min_pages)
                spider.logger.info("template of %s: %d blocks (%d articles, a block on %d "
                                   "or more is template)", site, found["template_blocks"],
                                   found["pages"], found["pages_needed"])
        finally:
            self.store.close()
            self.store = None

    # ---- signals
    def response_received(self, response, request, spider=None):
        if self.store is None or PAGE_META not in request.meta or response.status != 200:
            return
        headers = {}
        for name in KEPT_HEADERS:
            value = response.headers.get(name)
            if value:
                headers[name] = value.decode("latin-1")
        self.pending[response.url] = (bytes(response.body), headers, response.status,
                                      utcnow_iso())
        while len(self.pending) > MAX_PENDING:
            self.pending.popitem(last=False)

    def item_dropped(self, item, response=None, exception=None, spider=None):
        self.pending.pop(getattr(item, "url", None), None)

    def page_outcome(self, url, outcome, reason=None, status=None):
        self.pending.pop(url, None)

    # ---- items
    def process_item(self, item, spider=None):
        seen = self.pending.pop(item.url, None)
        if seen is None or self.store is None:
            return item
        body, headers, status, fetched_at = seen
        site = site_of(item.url)
        fetched_at = item.fetched_at or fetched_at
        if self.keep_raw:
            save_raw_page(self.store, item.url, body, fetched_at=fetched_at, headers=headers,
                          status=status, canonical_url=item.canonical_url, site=site)
        if self.learn:
            html = decode_html(body, headers.get("Content-Type"))
            record_page_blocks(self.store, item.url, page_blocks(html, item.url),
                               seen_at=fetched_at, canonical_url=item.canonical_url,
                               site=site)
            self.sites.add(site)
        return item

"""NewsSpider: discovery and routing only. Extraction is ``ingest.extract``; what happens to
an article is the pipelines' business.

    scrapy crawl news                      every enabled site of sites.toml
    scrapy crawl news -a site=NAME         one site
    scrapy crawl news -a start=URL         an ad-hoc site: that URL's host only
"""

from __future__ import annotations

from datetime import datetime, timezone

import scrapy
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from ingest import signals
from ingest.extract import extract_article
from ingest.sites import SiteProfile, SitesError, load_sites

# Paths that never lead to articles and only cost requests.
DEFAULT_DENY = (
    r"/(login|logout|signin|sign-in|register|signup|account|cart|checkout|search)\b",
    r"[?&](replytocom|share|print)=",
    r"/wp-(admin|login|json)/",
)

#: request.meta key marking requests for pages of a site (not robots.txt and the like).
PAGE_META = "ingest_site"


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, site: str | None = None, start: str | None = None,
                 sites_file: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_arg = site
        self.start_arg = start
        self.sites_file = sites_file
        self.profiles: dict[str, SiteProfile] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.profiles = spider._load_profiles(crawler.settings)
        hosts = sorted({h for p in spider.profiles.values() for h in p.hosts})
        spider.allowed_domains = hosts
        spider.link_extractors = {
            name: LinkExtractor(allow=p.allow, deny=list(p.deny) + list(DEFAULT_DENY),
                                allow_domains=p.netlocs, unique=True)
            for name, p in spider.profiles.items()
        }
        return spider

    def _load_profiles(self, settings) -> dict[str, SiteProfile]:
        if self.start_arg:
            profile = SiteProfile.adhoc(self.start_arg)
            return {profile.name: profile}
        path = self.sites_file or settings.get("INGEST_SITES")
        profiles = load_sites(path)
        if self.site_arg:
            if self.site_arg not in profiles:
                raise SitesError(f"{path}: no site named '{self.site_arg}'; known sites: "
                                 f"{', '.join(sorted(profiles))}")
            return {self.site_arg: profiles[self.site_arg]}
        return {name: p for name, p in profiles.items() if p.enabled}

    async def start(self):
        for name, profile in self.profiles.items():
            for url in profile.start_urls:
                yield self.page_request(url, name, dont_filter=True)

    def page_request(self, url: str, site: str, **kwargs) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse, errback=self.on_error,
                              meta={PAGE_META: site}, **kwargs)

    def parse(self, response, **kwargs):
        site = response.meta.get(PAGE_META)
        profile = self.profiles.get(site)
        if profile is None:
            return
        if not isinstance(response, HtmlResponse):
            self._outcome(response.url, "skipped",
                          f"not HTML ({response.headers.get('Content-Type', b'?').decode()})",
                          response.status)
            return
        yield extract_article(response.text, response.url, profile,
                              fetched_at=datetime.now(timezone.utc))
        if response.meta.get("depth", 0) < profile.max_depth:
            for link in self.link_extractors[site].extract_links(response):
                yield self.page_request(link.url, site)

    def on_error(self, failure: Failure):
        request = failure.request
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        reason = f"HTTP {status}" if status else f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self._outcome(request.url, "error", reason, status)

    def _outcome(self, url, outcome, reason, status=None):
        self.crawler.signals.send_catch_log(signal=signals.page_outcome, url=url,
                                            outcome=outcome, reason=reason, status=status)

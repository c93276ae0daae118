"""NewsSpider: discovery and routing only. Extraction is ``ingest.extract``; what happens to
an article is the pipelines' business.

    scrapy crawl news                      every enabled site of sites.toml
    scrapy crawl news -a site=NAME         one site
    scrapy crawl news -a start=URL         an ad-hoc site: that URL's host only

Discovery, per site: robots.txt ``Sitemap:`` lines, the sitemaps and feeds of sites.toml,
feeds a page announces with ``<link rel="alternate">``, and links followed from the start
pages (allow/deny patterns, max_depth). Parsing of feeds and sitemaps is ``ingest.crawl.discovery``.

Incremental: each candidate URL goes through ``ingest.crawl.schedule.decide`` against what the
database knows (``ingest.store.crawlstate``): stored articles are refetched only when a feed or
sitemap says they changed or they are within the recheck window, and then conditionally; a
304 is counted and only its check time is written. Listing pages are followed, not stored
(``ingest.extract.pagekind``); one that is not a start page and shows no link never fetched
before is fetched more rarely (``ingest.crawl.schedule.listing_wait``). One crawl per site
and database at a time (``ingest.crawl.crawllock``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.http import HtmlResponse
from twisted.python.failure import Failure

from ingest.crawl import priority, signals
from ingest.crawl.analysis import PageAnalysis
from ingest.crawl.budget import BudgetSpent
from ingest.crawl.carry import attach
from ingest.crawl.config import setting
from ingest.crawl.crawllock import ALL_SITES, CrawlLocked, SiteLocks, host_keys
from ingest.crawl.discovery import DiscoveryError, feed_links, parse_document, robots_sitemaps
from ingest.crawl.holds import HeldBack
from ingest.crawl.links import TreeLinkExtractor, tree_selector
from ingest.crawl.meta import HINT_META, NESTING_META, PAGE_META, ROBOTS_META
from ingest.crawl.middlewares import RefusedRequest
from ingest.crawl.schedule import Policy, decide
from ingest.extract import Deadline, ExtractionTimeout, extract_page, parse_page
from ingest.extract.pagekind import LISTING, classify
from ingest.sites import SiteProfile, SitesError, load_sites
from ingest.store import site_of
from ingest.store.crawlstate import CrawlState
from ingest.store.crawlwrite import CrawledPage
from ingest.store.rawpages import KEPT_HEADERS
from ingest.store.templates import templates_for_crawl

# Paths that never lead to articles and only cost requests.
DEFAULT_DENY = (
    r"/(login|logout|signin|sign-in|register|signup|account|cart|checkout|search)\b",
    r"[?&](replytocom|share|print)=",
    r"/wp-(admin|login|json)/",
)



def site_link_extractors(profiles: dict[str, SiteProfile]) -> dict[str, TreeLinkExtractor]:
    """Per site, the extractor of the links to follow (allow/deny, the site's hosts), over
    the page's own tree (ingest.crawl.links)."""
    return {name: TreeLinkExtractor(allow=p.allow, deny=list(p.deny) + list(DEFAULT_DENY),
                                    allow_domains=p.netlocs, unique=True)
            for name, p in profiles.items()}


class NewsSpider(scrapy.Spider):
    name = "news"
    # "local": the single-machine crawl, or a worker when INGEST_REDIS_URL is set
    # (spiders/distributed.py has the worker and the coordinator).
    role = "local"

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if cls.role in ("local", "worker") and settings.get("INGEST_REDIS_URL"):
            from ingest.crawl.distributed.worker import worker_settings

            settings.setdict(worker_settings(settings), priority="spider")

    def __init__(self, site: str | None = None, start: str | None = None,
                 sites_file: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_arg = site
        self.start_arg = start
        self.sites_file = sites_file
        self.profiles: dict[str, SiteProfile] = {}
        self.templates: dict = {}                 # site -> SiteTemplate (ingest.store.templates)
        self.learn_templates = False              # INGEST_TEMPLATES: fingerprint each article
        self.now = datetime.now(timezone.utc)
        self.hints: dict[str, str] = {}           # URL -> newest feed/sitemap date this run
        self.decided: dict[str, tuple] = {}       # URL -> (hint, fetch?) decided this run
        self.new_urls: set[str] = set()           # URLs never fetched before, met this run
        self.start_urls_seen: set[str] = set()    # start pages: fetched every run
        self.state: CrawlState | None = None
        self.locks: SiteLocks | None = None
        self.shapes: dict[str, priority.ArticleShapes] = {}   # site -> its article URL shapes
        self.listings: dict[str, set[str]] = {}               # site -> known listing URLs
        self.documents: dict[str, set[str]] = {}    # site -> discovery URLs requested this run
        self.entries_read: dict[str, int] = {}      # site -> feed/sitemap entries read this run

    def set_extraction(self, settings) -> None:
        """How ``analyse`` extracts (the local crawl's and a distributed worker's alike):
        template fingerprints (INGEST_TEMPLATES), the learned body model instead of the
        rules' last step (INGEST_BODY_MODEL), the per-page budget (INGEST_EXTRACT_TIMEOUT)."""
        self.learn_templates = setting(settings, "INGEST_TEMPLATES")
        self.body_model = None
        if setting(settings, "INGEST_BODY_MODEL"):
            from ingest.extract.body_model import committed_model

            self.body_model = committed_model()  # a clear error when lightgbm is missing
        self.extract_timeout = setting(settings, "INGEST_EXTRACT_TIMEOUT")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        if cls.role == "local" and crawler.settings.get("INGEST_REDIS_URL"):
            from spiders.distributed import WorkerSpider

            return WorkerSpider.from_crawler(crawler, *args, **kwargs)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.profiles = spider._load_profiles(crawler.settings)
        hosts = sorted({h for p in spider.profiles.values() for h in p.hosts})
        spider.allowed_domains = hosts
        spider.link_extractors = site_link_extractors(spider.profiles)
        db = crawler.settings.get("INGEST_DB")
        spider.set_extraction(crawler.settings)
        # Learned site templates (ingest.store.templates), applied to every page of the crawl.
        spider.templates = templates_for_crawl(db, spider.profiles,
                                               enabled=spider.learn_templates)
        whole = not (spider.site_arg or spider.start_arg)
        # Keyed by site name and by host: an ad-hoc -a start= crawl of a configured site's
        # host is the same site (ingest.crawl.crawllock).
        spider.locks = SiteLocks(db, list(spider.profiles) + host_keys(hosts)
                                 + ([ALL_SITES] if whole else []))
        try:
            spider.locks.acquire()
        except CrawlLocked as exc:
            spider.logger.error("%s", exc)
            raise
        spider.state = CrawlState(db)
        stale = spider.state.close_interrupted_runs(spider.locks.held)
        if stale:
            spider.logger.info("marked %d crawl run(s) left running by a killed crawl as "
                               "interrupted", stale)
        for name, p in spider.profiles.items():
            articles, listings = spider.state.site_urls(p.hosts, limit=priority.SHAPE_SAMPLE)
            spider.shapes[name] = priority.ArticleShapes(articles, p.article_urls)
            spider.listings[name] = listings
        st = crawler.settings
        spider.policy = Policy.from_settings(lambda name: setting(st, name))
        # Discovery bounds per site and run (issue 16 item 3; ingest/settings.py says why).
        spider.max_nesting = setting(st, "INGEST_SITEMAP_MAX_NESTING")
        spider.max_documents = setting(st, "INGEST_DISCOVERY_MAX_DOCUMENTS")
        spider.max_entries = setting(st, "INGEST_DISCOVERY_MAX_ENTRIES")
        spider.max_robots_sitemaps = setting(st, "INGEST_ROBOTS_MAX_SITEMAPS")
        spider.max_doc_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE") or 50 * 2**20
        crawler.signals.connect(spider._closed, signal=scrapy_signals.spider_closed)
        return spider

    def _closed(self, spider=None, reason=None):
        if self.state is not None:
            self.state.close()
            self.state = None
        if self.locks is not None:
            self.locks.release()

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

    # --- start ----------------------------------------------------------------------------

    async def start(self):
        for name, profile in self.profiles.items():
            for origin in _origins(profile):
                yield scrapy.Request(origin + "/robots.txt", callback=self.parse_robots,
                                     errback=self.on_robots_error, dont_filter=True,
                                     meta={ROBOTS_META: name, "dont_obey_robotstxt": True})
            for url in profile.sitemaps + profile.feeds:
                for request in self.discovery_request(url, name):
                    yield request
            for url in profile.start_urls:
                self.decided[url] = (None, True)  # links back to it are not requested again
                self.start_urls_seen.add(url)
                yield self.page_request(url, name, dont_filter=True,
                                        priority=priority.LISTING)
            # Young stored articles are rechecked even if no feed lists them any more.
            due = self.state.due_articles(profile.hosts, now=self.now,
                                          recheck_days=profile.recheck_days)
            for url in due:
                for request in self.maybe_page(url, name, priority=priority.SITEMAP):
                    yield request

    # --- requests -------------------------------------------------------------------------

    def page_request(self, url: str, site: str, *, headers=None, hint=None,
                     **kwargs) -> scrapy.Request:
        meta = {PAGE_META: site}
        if hint:
            meta[HINT_META] = hint
        if headers:
            # A conditional request: the 304 must reach parse(), not HttpErrorMiddleware.
            meta["handle_httpstatus_list"] = [304]
        meta.update(kwargs.pop("meta", {}))
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, meta=meta,
                              headers=headers or None, **kwargs)

    def discovery_request(self, url: str, site: str, nesting: int = 0):
        """A request for a feed or sitemap, unless this run's discovery bounds forbid it (then
        a pages row says which bound, and a stat counts it)."""
        # Feeds and sitemaps are fetched whole every run: they are how changes are found, and
        # a 304 on one would hide entries that a killed run never got to.
        # depth_reset: their entries start at depth 0, like start pages.
        seen = self.documents.setdefault(site, set())
        if url in seen:
            return
        if nesting > self.max_nesting:
            yield from self._bound(url, "nesting", f"sitemap index nesting over "
                                   f"INGEST_SITEMAP_MAX_NESTING ({self.max_nesting})")
            return
        if len(seen) >= self.max_documents:
            yield from self._bound(url, "documents", f"{self.max_documents} feeds and sitemaps "
                                   f"read this run (INGEST_DISCOVERY_MAX_DOCUMENTS)")
            return
        seen.add(url)
        yield scrapy.Request(url, callback=self.parse_discovery, errback=self.on_error,
                             meta={PAGE_META: site, "depth_reset": True, NESTING_META: nesting},
                             priority=priority.DISCOVERY)

    def _bound(self, url: str, which: str, reason: str):
        self.crawler.stats.inc_value(f"ingest/discovery/bound/{which}")
        self.logger.info("not reading %s: discovery bound: %s", url, reason)
        self._outcome(url, "skipped", f"discovery bound: {reason}; the rest is read on a "
                                      f"later run or with the setting raised")
        return iter(())

    def maybe_page(self, url: str, site: str, hint: str | None = None, **kwargs):
        """A request for ``url`` if it is due (ingest.crawl.schedule), else nothing."""
        if hint and (url not in self.hints or hint > self.hints[url]):
            self.hints[url] = hint
        if self._settled(url):
            return  # requested already this run, or not due and no newer date since
        hint = self.hints.get(url)
        profile = self.profiles[site]
        known = self.state.known(url)
        if known is None:
            self.new_urls.add(url)
        decision = decide(known, hint=hint, now=self.now,
                          recheck_days=profile.recheck_days, policy=self.policy)
        self.decided[url] = (hint, decision.fetch)
        if not decision.fetch:
            self.crawler.stats.inc_value("ingest/schedule/not_due")
            self.logger.debug("not fetching %s: %s", url, decision.reason)
            return
        self.crawler.stats.inc_value("ingest/schedule/fetch")
        if decision.headers:
            self.crawler.stats.inc_value("ingest/schedule/conditional")
        self.logger.debug("fetching %s: %s", url, decision.reason)
        yield self.page_request(url, site, headers=decision.headers, hint=hint, **kwargs)

    def _settled(self, url: str) -> bool:
        """Decided this run already: requested, or not due and no newer feed/sitemap date
        since (``maybe_page`` would do nothing)."""
        previous = self.decided.get(url)
        return previous is not None and (previous[1] or previous[0] == self.hints.get(url))

    # --- callbacks ------------------------------------------------------------------------

    def parse_robots(self, response):
        site = response.meta[ROBOTS_META]
        found = [u for u in robots_sitemaps(response.text, response.url)
                 if self._on_host(site, u)]
        if len(found) > self.max_robots_sitemaps:
            yield from self._bound(response.url, "robots_sitemaps",
                                   f"{len(found)} Sitemap lines, the first "
                                   f"{self.max_robots_sitemaps} read (INGEST_ROBOTS_MAX_SITEMAPS)")
        for url in found[:self.max_robots_sitemaps]:
            yield from self.discovery_request(url, site)

    def on_robots_error(self, failure: Failure):
        self.logger.debug("no robots.txt at %s: %s", failure.request.url,
                          failure.getErrorMessage())

    def parse_discovery(self, response):
        site = response.meta[PAGE_META]
        try:
            doc = parse_document(response.body, response.url, max_bytes=self.max_doc_bytes)
        except DiscoveryError as exc:
            self.crawler.stats.inc_value("ingest/discovery/errors")
            self.logger.warning("%s: not read as a feed or sitemap: %s", response.url, exc)
            self._outcome(response.url, "error", f"not a feed or sitemap: {exc}",
                          response.status)
            return
        self.crawler.stats.inc_value(f"ingest/discovery/{doc.kind}")
        nesting = response.meta.get(NESTING_META, 0) + 1
        for child in doc.sitemaps:
            if self._on_host(site, child.url):
                yield from self.discovery_request(child.url, site, nesting)
        entries = [e for e in doc.entries if self._on_site(site, e.url)]
        read = self.entries_read.get(site, 0)
        note = ""
        if read + len(entries) > self.max_entries:
            kept = max(0, self.max_entries - read)
            note = (f"; discovery bound: {self.max_entries} entries read this run "
                    f"(INGEST_DISCOVERY_MAX_ENTRIES), {len(entries) - kept} left for a later run")
            self.crawler.stats.inc_value("ingest/discovery/bound/entries")
            self.logger.info("%s: %s", response.url, note[2:])
            entries = entries[:kept]
        self.entries_read[site] = read + len(entries)
        self.state.remember(entries, site=site, source=response.url)
        self._outcome(response.url, "skipped",
                      f"{doc.kind}: {len(entries)} URLs, {len(doc.sitemaps)} sitemaps{note}",
                      response.status)
        for entry in entries:
            yield from self.maybe_page(entry.url, site, entry.lastmod,
                                       meta={"depth_reset": True},
                                       priority=priority.entry_priority(doc.kind, entry.lastmod,
                                                                        self.now))

    def parse(self, response, **kwargs):
        site = response.meta.get(PAGE_META)
        profile = self.profiles.get(site)
        if profile is None:
            return
        self.state.fetched(response.url, response.meta.get(HINT_META))
        if response.status == 304:
            self._outcome(response.url, "not_modified", "304 Not Modified", 304)
            return
        if not isinstance(response, HtmlResponse):
            self._outcome(response.url, "skipped",
                          f"not HTML ({response.headers.get('Content-Type', b'?').decode()})",
                          response.status)
            return
        page = self.analyse(response, site, profile)
        yield from self.route(response, site, page)

    def analyse(self, response, site: str, profile: SiteProfile) -> PageAnalysis:
        """Feeds, page kind, article and links of an HTML page: no database, so a
        distributed worker runs this and the coordinator ``route``s what it found."""
        found = PageAnalysis()
        # The page parsed once (ingest.extract.page), from its bytes so that UTF-8 pages skip
        # decoding: its feed links, links to follow, kind, record and template fingerprints
        # all come from this tree. Links are read before extraction strips it.
        deadline = Deadline(self.extract_timeout) if self.extract_timeout > 0 else None
        page = parse_page(response.body, response.url,
                          content_type=_header(response, "Content-Type"))
        found.feeds = list(feed_links(tree_selector(page.root), response.url))
        if response.meta.get("depth", 0) < profile.max_depth:
            found.links = self.link_extractors[site].tree_link_urls(
                page.root, response.url, response.body, response.encoding)
        kind = classify(page.root, page.url, tuple(profile.article_urls),
                        metadata=page.metadata)
        if kind.kind == LISTING:
            found.listing = kind.reason
        else:
            try:
                extraction = extract_page(page, profile, fetched_at=datetime.now(timezone.utc),
                                          template=self.templates.get(site_of(response.url)),
                                          deadline=deadline, body_model=self.body_model,
                                          fingerprints=self.learn_templates)
            except ExtractionTimeout as exc:
                found.extract_error = str(exc)
            else:
                found.article, found.fingerprints = extraction.article, extraction.fingerprints
        return found

    def route(self, response, site: str, page: PageAnalysis):
        """What the crawl does with an analysed page: feeds to read, the article to store,
        links to schedule (against the database)."""
        for feed in page.feeds:
            if self._on_host(site, feed):
                yield from self.discovery_request(feed, site)
        if page.listing is not None:
            self.crawler.stats.inc_value("ingest/pages/listing")
            self._outcome(response.url, "skipped",
                          f"listing page ({page.listing}): links followed, not stored",
                          response.status)
        elif page.extract_error is not None:
            self.crawler.stats.inc_value("ingest/pages/extract_timeout")
            self._outcome(response.url, "error", page.extract_error, response.status)
        elif page.article is not None:
            # The page travels with its item to the store pipeline (ingest.crawl.carry).
            yield attach(page.article, CrawledPage(
                body=response.body, status=response.status,
                headers={n: v for n in KEPT_HEADERS if (v := _header(response, n))},
                fetched_at=page.article.fetched_at, fingerprints=page.fingerprints))
        for url in page.links:
            # Most links of a page were met before this run (menus, related articles): the
            # priority is worked out only for a link that may become a request.
            if self._settled(url):
                continue
            yield from self.maybe_page(url, site, priority=priority.link_priority(
                url, self.shapes[site], listing_hint=url in self.listings[site]))
        if page.listing is not None and response.url not in self.start_urls_seen \
                and response.meta.get("depth", 0) < self.profiles[site].max_depth:
            self._listing_seen(response.url, site, page.links)

    def _listing_seen(self, url: str, site: str, links: list[str]) -> None:
        """Adaptive revisit (ingest.crawl.schedule.listing_wait): did this listing page show a
        link never fetched before? A page at max_depth, whose links are not followed, says
        nothing either way and is not counted."""
        new = sum(1 for u in links if u in self.new_urls)
        quiet = self.state.listing_fetched(url, site=site_of(url), links=len(links),
                                           new_links=new)
        if quiet:
            self.crawler.stats.inc_value("ingest/listing/quiet")
            self.logger.debug("listing page %s showed no new link (%d fetch(es) in a row)",
                              url, quiet)

    def on_error(self, failure: Failure):
        request = failure.request
        if failure.check(BudgetSpent, HeldBack):  # left for a later run: no pages row
            return
        if failure.check(RefusedRequest):  # the network guard: no connection was made
            self._outcome(request.url, "refused", str(failure.value))
            return
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        reason = (f"HTTP {status}" if status
                  else f"{failure.type.__name__}: {failure.getErrorMessage()}")
        self._outcome(request.url, "error", reason, status)

    def _on_site(self, site: str, url: str) -> bool:
        """A page URL this site's crawl may fetch: its hosts, allow and deny patterns."""
        return self.link_extractors[site].matches(url)

    def _on_host(self, site: str, url: str) -> bool:
        """A feed or sitemap URL on one of the site's hosts (allow/deny are for pages)."""
        return (urlsplit(url).hostname or "").lower() in self.profiles[site].hosts

    def _outcome(self, url, outcome, reason, status=None):
        self.crawler.signals.send_catch_log(signal=signals.page_outcome, url=url,
                                            outcome=outcome, reason=reason, status=status)


def _header(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _origins(profile: SiteProfile) -> list[str]:
    """scheme://host[:port] of each of the site's hosts, for robots.txt."""
    found: list[str] = []
    for url in profile.start_urls + profile.feeds + profile.sitemaps:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in found:
            found.append(origin)
    return found

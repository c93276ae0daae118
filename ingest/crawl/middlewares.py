"""Downloader middlewares of our own (registered in ingest.settings.DOWNLOADER_MIDDLEWARES).

NetGuardMiddleware applies ``ingest.crawl.netguard`` to every request, before Scrapy's offsite and
robots.txt middlewares and so before any connection: redirects (which keep the
``dont_filter`` of a start request and so pass the offsite filter) and links to a private,
loopback or link-local address other than the site's own configured host are refused with
``RefusedRequest``; the spider's errback records them in ``pages`` as outcome "refused".

RecordedOffsiteMiddleware is Scrapy's offsite filter, which drops an off-site request when it
is scheduled, silently (no errback, no signal): a followed link, feed or sitemap that
redirects to another host vanished. This one records the URL the crawl asked for in
``pages`` (outcome "skipped", the reason naming where it redirected) before dropping it.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError
from twisted.internet.error import TimeoutError as DNSTimeout

from ingest.crawl import netguard
from ingest.crawl import signals as ingest_signals
from ingest.crawl.meta import PAGE_META

logger = logging.getLogger(__name__)

# request.meta key naming the request's site.
SITE_META = PAGE_META


class RefusedRequest(IgnoreRequest):
    """A request the network guard refused; its message is the reason."""


class NetGuardMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def allowed_hosts(self, request) -> list[str]:
        """The configured hosts of the request's site; of every site for requests that
        belong to none (robots.txt)."""
        profiles = getattr(self.crawler.spider, "profiles", None) or {}
        site = request.meta.get(SITE_META)
        chosen = [profiles[site]] if site in profiles else list(profiles.values())
        return [h for p in chosen for h in p.hosts]

    async def process_request(self, request, spider=None):
        allowed = self.allowed_hosts(request)
        reason = netguard.refusal(request.url, allowed, resolver=None)
        host = urlparse_cached(request).hostname or ""
        if reason is None and host.lower() not in allowed and netguard.parse_ip(host) is None:
            # A name: resolve it the way the download will (Scrapy's caching resolver, so
            # the connection uses this same answer) and judge the address.
            from twisted.internet import reactor

            try:
                address = await maybe_deferred_to_future(reactor.resolve(host))
            except (DNSLookupError, DNSTimeout, OSError) as exc:
                # Unresolvable: no connection can be made; the download reports the error.
                logger.debug("netguard: %s does not resolve (%s)", host, exc)
                address = None
            if address is not None:
                reason = netguard.refusal(request.url, allowed, resolver=lambda _h: [address])
        if reason is not None:
            origin = request.meta.get("redirect_urls")
            if origin:
                reason += f" (redirected from {origin[0]})"
            self.crawler.stats.inc_value("ingest/netguard/refused")
            logger.warning("%s: %s", request.url, reason)
            raise RefusedRequest(reason)
        return None


class RecordedOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's OffsiteMiddleware, plus a ``pages`` row for each page, feed or sitemap
    request it filters (robots.txt and other requests of no site are filtered as before),
    and for each one that redirected to a URL this run requested already (the scheduler's
    duplicate filter drops it, again silently)."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        crawler.signals.connect(mw.request_dropped, signal=signals.request_dropped)
        return mw

    def request_dropped(self, request, spider=None):
        origin = (request.meta.get("redirect_urls") or [None])[0]
        if SITE_META in request.meta and origin and origin != request.url:
            self.crawler.signals.send_catch_log(
                signal=ingest_signals.page_outcome, url=origin, outcome="skipped",
                reason=f"redirected to {request.url}, requested already in this run"[:500],
                status=None)

    def process_request(self, request, spider=None):
        try:
            return super().process_request(request)
        except IgnoreRequest as exc:
            if SITE_META in request.meta:
                origin = (request.meta.get("redirect_urls") or [request.url])[0]
                reason = (f"redirected off-site to {request.url} ({exc})"
                          if origin != request.url else f"off-site ({exc})")
                self.crawler.signals.send_catch_log(
                    signal=ingest_signals.page_outcome, url=origin, outcome="skipped",
                    reason=reason[:500], status=None)
            raise

"""The network guard (ingest/crawl/netguard.py, ingest/crawl/middlewares.py): no request to a private,
loopback or link-local address unless it is the site's own configured host. Pure-function
and middleware tests; no traffic at all (names are resolved by fakes). The crawl-level test
with a trap server on 127.0.0.2 is in test_faults.py."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from ingest.crawl import netguard
from ingest.crawl.middlewares import NetGuardMiddleware, RefusedRequest
from ingest.sites import SiteProfile

SITE = ["news.example.com"]


@pytest.mark.parametrize("url", [
    "http://127.0.0.2/", "http://127.0.0.1:8080/admin", "http://10.0.0.5/",
    "http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/", "http://172.16.0.1/",
    "http://100.64.0.1/", "http://0.0.0.0/", "http://[::1]/", "http://[fe80::1]/",
    "http://[fc00::1]/", "http://[::ffff:127.0.0.2]/", "http://[::ffff:169.254.169.254]/",
    "http://224.0.0.1/",
    # legacy spellings that resolvers accept and string filters miss
    "http://2130706434/", "http://0x7f.0.0.2/", "http://127.2/", "http://0177.0.0.2/",
    "http://0xa9fea9fe/",
])
def test_private_addresses_refused(url):
    reason = netguard.refusal(url, SITE, resolver=None)
    assert reason is not None and reason.startswith("refused: "), url


@pytest.mark.parametrize("url", ["http://93.184.216.34/", "https://[2606:4700::1111]/",
                                 "http://news.example.com/a", "https://NEWS.example.com./b"])
def test_public_and_own_hosts_allowed(url):
    assert netguard.refusal(url, SITE, resolver=lambda h: ["93.184.216.34"]) is None


def test_the_sites_own_private_host_is_allowed():
    assert netguard.refusal("http://127.0.0.1:8000/news/a.html", ["127.0.0.1"]) is None
    # ... in any spelling, but no other loopback address
    assert netguard.refusal("http://2130706433:8000/", ["127.0.0.1"]) is None
    assert netguard.refusal("http://127.0.0.2:8000/", ["127.0.0.1"]) is not None
    assert netguard.refusal("http://intranet.corp/x", ["intranet.corp"],
                            resolver=lambda h: ["10.0.0.5"]) is None


def test_names_resolving_to_private_addresses_refused():
    fake_dns = {"metadata.evil.test": ["169.254.169.254"], "mixed.evil.test": ["93.184.216.34",
                                                                              "10.0.0.5"],
                "fine.test": ["93.184.216.34"]}
    resolve = fake_dns.__getitem__
    assert "169.254.169.254" in netguard.refusal("http://metadata.evil.test/", SITE,
                                                 resolver=resolve)
    assert "10.0.0.5" in netguard.refusal("http://mixed.evil.test/", SITE, resolver=resolve)
    assert netguard.refusal("http://fine.test/", SITE, resolver=resolve) is None

    def unresolvable(host):
        raise OSError("no such host")

    # Cannot resolve, cannot connect: left to the download to fail with its DNS error.
    assert netguard.refusal("http://nowhere.test/", SITE, resolver=unresolvable) is None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x/",
                                 "http:///nohost"])
def test_other_schemes_and_hostless_urls_refused(url):
    assert netguard.refusal(url, SITE, resolver=None) is not None


def test_is_public():
    assert netguard.is_public(ipaddress.ip_address("8.8.8.8"))
    for ip in ("127.0.0.1", "10.1.2.3", "169.254.0.1", "::1", "::ffff:10.0.0.1", "fe80::1"):
        assert not netguard.is_public(ipaddress.ip_address(ip)), ip


def test_parse_ip_never_resolves_names():
    assert netguard.parse_ip("localhost") is None
    assert netguard.parse_ip("deadbeef.test") is None
    assert str(netguard.parse_ip("0x7f000001")) == "127.0.0.1"


# --- the middleware -------------------------------------------------------------------------

def middleware(hosts):
    crawler = get_crawler(Spider)
    crawler.spider = Spider(name="t")
    urls = [f"http://{h}/" for h in hosts]
    crawler.spider.profiles = {"s": SiteProfile(name="s", start_urls=urls)}
    return NetGuardMiddleware.from_crawler(crawler), crawler


def run(coro):
    return asyncio.run(coro)


def test_middleware_refuses_redirect_to_private_address_with_origin():
    mw, crawler = middleware(["127.0.0.1:8000"])
    request = Request("http://169.254.169.254/latest/meta-data/",
                      meta={"ingest_site": "s", "redirect_urls": ["http://127.0.0.1:8000/a"]})
    with pytest.raises(RefusedRequest) as exc:
        run(mw.process_request(request))
    assert "169.254.169.254" in str(exc.value)
    assert "redirected from http://127.0.0.1:8000/a" in str(exc.value)
    assert crawler.stats.get_value("ingest/netguard/refused") == 1


def test_middleware_lets_the_sites_own_host_through():
    mw, _ = middleware(["127.0.0.1:8000"])
    assert run(mw.process_request(Request("http://127.0.0.1:8000/x",
                                          meta={"ingest_site": "s"}))) is None
    # robots.txt and other requests of no site: any configured host of the crawl
    assert run(mw.process_request(Request("http://127.0.0.1:8000/robots.txt"))) is None
    with pytest.raises(RefusedRequest):
        run(mw.process_request(Request("http://10.0.0.5/robots.txt")))


def test_middleware_is_registered_before_offsite_and_robots():
    from ingest import settings

    order = settings.DOWNLOADER_MIDDLEWARES["ingest.crawl.middlewares.NetGuardMiddleware"]
    assert order < 50  # scrapy's OffsiteMiddleware (50), RobotsTxtMiddleware (100)

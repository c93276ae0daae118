"""Which hosts a crawl may connect to: no private, loopback, link-local or otherwise non-public
address unless it is the site's own configured host (server-side request forgery guard).

A page can link or redirect anywhere, and a crawler runs inside someone's network: a redirect
to http://169.254.169.254/ (cloud metadata), http://10.0.0.5/ or http://127.0.0.2:6379/ would
make us fetch from machines the publisher cannot reach. Pure functions, no Scrapy: the
downloader middleware ``ingest.crawl.middlewares.NetGuardMiddleware`` applies them to every request
before any connection is made.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
#: host name -> its IP addresses as strings (raises OSError when it does not resolve).
Resolver = Callable[[str], list[str]]


def parse_ip(host: str) -> Address | None:
    """``host`` as an IP address, if it is one in any spelling a resolver accepts: dotted
    quad, IPv6 (with or without brackets), and the legacy forms that inet_aton takes and that
    name filters miss ("2130706433", "0x7f.1", "127.1", "0177.0.0.1" are all 127.0.0.1)."""
    host = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
        return None  # a name: only numeric hosts are parsed here, never looked up
    try:
        info = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError):
        return None
    return ipaddress.ip_address(info[0][4][0])


def is_public(ip: Address) -> bool:
    """True for addresses on the public internet. Private (10/8, 172.16/12, 192.168/16),
    loopback, link-local (169.254/16: cloud metadata), shared (100.64/10), reserved,
    unspecified and multicast are not; IPv4-mapped IPv6 is judged as the IPv4 inside."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def system_resolver(host: str) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, None)})


def refusal(url: str, allowed_hosts: Iterable[str], *,
            resolver: Resolver | None = system_resolver) -> str | None:
    """Why a request to ``url`` must not be made, or None when it may.

    ``allowed_hosts`` are the site's own configured hosts (sites.toml start URLs, feeds,
    sitemaps): those are fetched whatever their address, so a site on 127.0.0.1 or an
    intranet host can be crawled on purpose. Any other host must resolve to public
    addresses only (every address: one private one is enough to refuse). With
    ``resolver=None`` names are not looked up (only literal addresses are judged).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https"):
        return f"refused: scheme {parts.scheme or '(none)'!r} is not http(s)"
    if not host:
        return "refused: the URL has no host"
    allowed = {h.lower().strip("[]").rstrip(".") for h in allowed_hosts}
    if host in allowed:
        return None
    ip = parse_ip(host)
    if ip is not None:
        if not is_public(ip) and _canonical(ip) not in allowed:
            return (f"refused: {host} is a private/loopback/link-local address and not this "
                    f"site's configured host (allowed: {', '.join(sorted(allowed)) or 'none'})")
        return None
    if resolver is None:
        return None
    try:
        addresses = resolver(host)
    except (OSError, UnicodeError):
        # A name that does not resolve cannot be connected to either: the download fails
        # with its own DNS error, recorded as such.
        return None
    for address in addresses:
        ip = parse_ip(address)
        if ip is None or not is_public(ip):
            return (f"refused: {host} resolves to {address}, a private/loopback/link-local "
                    f"address, and is not this site's configured host")
    return None


def _canonical(ip: Address) -> str:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)

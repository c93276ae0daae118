"""SiteProfile: one site of sites.toml, loaded and validated.

Errors name the file and the fix ("sites.toml: site 'x' has no start URL; add start_urls =
[...]"); loading reports every mistake in the file, one per line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Fields whose value a site profile may select with CSS or XPath ("xpath:" prefix).
SELECTOR_FIELDS = ("headline", "byline", "published_at", "modified_at", "section", "summary",
                   "tags", "body")
KNOWN_KEYS = frozenset((
    "start_urls", "feeds", "sitemaps", "allow", "deny", "max_depth", "timezone",
    "selectors", "chrome_selectors", "keep_blocks", "recheck_days", "enabled", "article_urls",
    "hosts",
    "max_requests", "max_seconds",
))

# A bare host name for `hosts = [...]`: letters, digits, dots and hyphens (IDNs in their
# xn-- form), no scheme, port or path.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


class SitesError(ValueError):
    """sites.toml is wrong; the message says where and how to fix it."""


@dataclass
class SiteProfile:
    name: str
    start_urls: list[str]
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    max_depth: int = 3
    timezone: str | None = None
    selectors: dict[str, str] = field(default_factory=dict)
    chrome_selectors: list[str] = field(default_factory=list)
    keep_blocks: list[str] = field(default_factory=list)
    recheck_days: float = 2.0
    # URL patterns of the site's article pages: such a page is an article whatever its
    # metadata says (ingest.extract.pagekind); other pages are judged by their metadata.
    article_urls: list[str] = field(default_factory=list)
    enabled: bool = True
    # `hosts = [...]`: other host names of this site (a mobile or AMP host, an old domain).
    # A page's rel=canonical / og:url counts only on the page's own host or one of these.
    extra_hosts: list[str] = field(default_factory=list)

    @property
    def site_hosts(self) -> frozenset[str]:
        """Hosts (without www.) whose URLs a page of this site may claim as its canonical."""
        return frozenset(h.removeprefix("www.") for h in [*self.hosts, *self.extra_hosts])
    # Per-run budget of this site (ingest/crawl/budget.py); None: the settings' defaults.
    max_requests: int | None = None
    max_seconds: float | None = None

    @property
    def hosts(self) -> list[str]:
        hosts = []
        for u in self.start_urls + self.feeds + self.sitemaps:
            h = (urlsplit(u).hostname or "").lower()
            if h and h not in hosts:
                hosts.append(h)
        return hosts

    @property
    def netlocs(self) -> list[str]:
        """host[:port] of the site's URLs: what link filters compare (ports matter locally)."""
        found = []
        for u in self.start_urls + self.feeds + self.sitemaps:
            n = urlsplit(u).netloc.lower().rsplit("@", 1)[-1]
            if n and n not in found:
                found.append(n)
        return found

    @property
    def tzinfo(self):
        return ZoneInfo(self.timezone) if self.timezone else None

    @classmethod
    def adhoc(cls, start_url: str) -> "SiteProfile":
        """A profile for ``-a start=URL``: that host only, defaults for the rest."""
        _check_url(start_url, "the start URL given with -a start=")
        host = urlsplit(start_url).hostname or "adhoc"
        return cls(name=host.removeprefix("www."), start_urls=[start_url])


def _check_url(url, where):
    parts = urlsplit(url) if isinstance(url, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
        raise SitesError(f"{where}: {url!r} is not an http(s) URL; write it in full, "
                         f"e.g. 'https://example.com/'")


def _strings(where, data, key, errors: list[str]):
    """A list of strings; a bare string is a mistake (TOML ``key = "x"`` for ``["x"]``)."""
    value = data.get(key, [])
    if isinstance(value, str):
        errors.append(f'{where}: {key} must be a list of strings, not a string; write '
                      f'{key} = [{value!r}]')
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(f"{where}: {key} must be a list of strings, "
                      f'e.g. {key} = ["..."]')
        return []
    return value


def _check_selector(where: str, key: str, query) -> None:
    """A selector that cannot run would make extraction fail on every page of the site: it is
    a mistake in sites.toml, reported when the file is loaded."""
    if not isinstance(query, str) or not query.strip():
        raise SitesError(f"{where}: {key} must be a CSS selector or 'xpath:EXPRESSION', "
                         f"e.g. {key.split('.')[-1]} = \"h1.headline\"; got {query!r}")
    import cssselect  # only when a site has selectors
    import parsel

    probe = parsel.Selector(text="<html><body></body></html>")
    try:
        if query.startswith("xpath:"):
            probe.xpath(query[len("xpath:"):])
        else:
            probe.css(query.removeprefix("css:"))
    except (cssselect.SelectorError, ValueError) as exc:  # parsel: XPath errors as ValueError
        raise SitesError(f"{where}: {key} {query!r} is not a valid "
                         f"{'XPath' if query.startswith('xpath:') else 'CSS selector'} "
                         f"({exc}); fix it, or prefix XPath with 'xpath:'") from None


class _Errors(list):
    """Every mistake found in a site's table, so that one check reports them all."""

    def check(self, fn, *args):
        try:
            fn(*args)
        except SitesError as exc:
            self.append(str(exc))


def parse_site(name: str, data: dict, *, file: str = "sites.toml") -> SiteProfile:
    """The profile of site ``name``; a SitesError listing every mistake (one per line)."""
    where = f"{file}: site '{name}'"
    errors = _Errors()
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        errors.append(f"{where}: unknown key(s) {sorted(unknown)}; "
                      f"known keys are {sorted(KNOWN_KEYS)}")
    start_urls = _strings(where, data, "start_urls", errors)
    feeds = _strings(where, data, "feeds", errors)
    sitemaps = _strings(where, data, "sitemaps", errors)
    if not (start_urls or feeds or sitemaps) and not any("start_urls" in e for e in errors):
        errors.append(f"{where} has no start URL; add start_urls = [\"https://...\"] "
                      f"(or feeds / sitemaps)")
    for key, urls in (("start_urls", start_urls), ("feeds", feeds), ("sitemaps", sitemaps)):
        for u in urls:
            errors.check(_check_url, u, f"{where}: {key}")
    allow = _strings(where, data, "allow", errors)
    deny = _strings(where, data, "deny", errors)
    article_urls = _strings(where, data, "article_urls", errors)
    for key, patterns in (("allow", allow), ("deny", deny), ("article_urls", article_urls)):
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                errors.append(f"{where}: {key} pattern {p!r} is not a valid regular "
                              f"expression ({exc}); escape special characters")
    tz = data.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            errors.append(f"{where}: timezone {tz!r} is unknown; use an IANA name such as "
                          f"'America/New_York' or 'UTC'")
            tz = None
    selectors = data.get("selectors", {})
    if not isinstance(selectors, dict):
        errors.append(f"{where}: selectors must be a table, e.g. [sites.{name}.selectors]")
        selectors = {}
    bad = set(selectors) - set(SELECTOR_FIELDS)
    if bad:
        errors.append(f"{where}: selectors for unknown field(s) {sorted(bad)}; "
                      f"fields that take selectors: {list(SELECTOR_FIELDS)}")
    chrome_selectors = _strings(where, data, "chrome_selectors", errors)
    for key, query in [*(("selectors." + k, q) for k, q in selectors.items()),
                       *(("chrome_selectors", q) for q in chrome_selectors)]:
        errors.check(_check_selector, where, key, query)
    max_depth = data.get("max_depth", 3)
    if not isinstance(max_depth, int) or max_depth < 0:
        errors.append(f"{where}: max_depth must be a whole number >= 0, e.g. max_depth = 3")
    recheck = data.get("recheck_days", 2.0)
    if not isinstance(recheck, (int, float)) or recheck < 0:
        errors.append(f"{where}: recheck_days must be a number >= 0, e.g. recheck_days = 2")
    extra_hosts = [h.strip().lower() for h in _strings(where, data, "hosts", errors)]
    for h in extra_hosts:
        if not HOST_NAME.match(h):
            errors.append(f"{where}: hosts entry {h!r} is not a host name; write the bare "
                          f"name without scheme, port or path, e.g. hosts = [\"m.example.com\"]")
    budget = {}
    for key, kinds in (("max_requests", (int,)), ("max_seconds", (int, float))):
        value = data.get(key)
        if value is not None and (not isinstance(value, kinds) or isinstance(value, bool)
                                  or value < 0):
            errors.append(f"{where}: {key} must be a number >= 0 (0 = no limit), "
                          f"e.g. {key} = 500")
        budget[key] = value
    keep_blocks = _strings(where, data, "keep_blocks", errors)
    if errors:
        raise SitesError("\n".join(errors))
    return SiteProfile(
        **budget,
        name=name, start_urls=start_urls, feeds=feeds, sitemaps=sitemaps, allow=allow,
        deny=deny, max_depth=max_depth, timezone=tz, selectors=dict(selectors),
        chrome_selectors=chrome_selectors,
        keep_blocks=keep_blocks, recheck_days=float(recheck),
        article_urls=article_urls,
        enabled=bool(data.get("enabled", True)), extra_hosts=extra_hosts,
    )


def load_sites(path: str | Path) -> dict[str, SiteProfile]:
    path = Path(path)
    if not path.exists():
        raise SitesError(f"{path}: file not found; create it (see README 'Configuring sites') "
                         f"or point INGEST_SITES at it")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SitesError(f"{path}: not valid TOML ({exc})") from None
    sites = data.get("sites")
    if not isinstance(sites, dict) or not sites:
        raise SitesError(f"{path}: no sites; add a table per site, e.g. [sites.example] "
                         f"with start_urls = [\"https://example.com/\"]")
    profiles, errors = {}, []
    for name, body in sites.items():
        if not isinstance(body, dict):
            errors.append(f"{path}: sites.{name} must be a table, e.g. [sites.{name}]")
            continue
        try:
            profiles[name] = parse_site(name, body, file=str(path))
        except SitesError as exc:
            errors.append(str(exc))
    if errors:  # every mistake in the file, one per line, not only the first
        raise SitesError("\n".join(errors))
    return profiles

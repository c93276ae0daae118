"""JSON codecs for what travels through Redis: requests (frontier) and results.

Never pickle: scrapy-redis pickles requests, which makes write access to Redis code execution
on every worker. Here an entry is JSON of a fixed shape, checked field by field when read;
anything else raises ``CodecError`` with the reason, and the reader refuses the entry (logged,
copied to the refused stream) instead of acting on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from ingest.crawl.meta import HINT_META, NESTING_META, PAGE_META, ROBOTS_META
from ingest.items import ARTICLE_FIELDS, Article, Author, Section

VERSION = 1
# Largest request entry: a URL, a few headers, a little meta. Anything bigger is not ours.
MAX_REQUEST_BYTES = 16 * 1024
MAX_URL_CHARS = 8 * 1024
# The spider callbacks a request may name (the coordinator maps them back to its methods).
CALLBACKS = ("parse", "parse_discovery", "parse_robots")
METHODS = ("GET", "HEAD")
# request.meta keys that travel, and the type each must have: the spider's own keys and the
# few of Scrapy's that change how a request is fetched. Anything else is refused.
META_TYPES = {
    PAGE_META: str, HINT_META: str, ROBOTS_META: str, NESTING_META: int,
    "depth": int, "depth_reset": bool, "dont_obey_robotstxt": bool,
    "handle_httpstatus_list": list,
}
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
RESULT_OUTCOME = re.compile(r"^[a-z_]{1,40}$")


class CodecError(ValueError):
    """An entry that is not what this codec writes; the message says what is wrong."""


@dataclass
class WireRequest:
    id: str
    crawl: str
    url: str
    callback: str
    method: str = "GET"
    headers: dict[str, list[str]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    priority: int = 0


def _loads(data: bytes | str, limit: int | None, what: str) -> dict:
    if isinstance(data, bytes):
        if limit is not None and len(data) > limit:
            raise CodecError(f"{what} of {len(data)} bytes, over {limit}")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise CodecError(f"{what} is not UTF-8 (a pickle or other binary?)") from None
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise CodecError(f"{what} is not JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise CodecError(f"{what} is JSON but not an object")
    if obj.get("v") != VERSION:
        raise CodecError(f"{what} has version {obj.get('v')!r}, this reader knows {VERSION}")
    return obj


def _check(cond: bool, reason: str) -> None:
    if not cond:
        raise CodecError(reason)


def _check_url(url) -> None:
    _check(isinstance(url, str) and 0 < len(url) <= MAX_URL_CHARS, "url missing or too long")
    _check(url.startswith(("http://", "https://")), f"url {url[:80]!r} is not http(s)")
    _check(not any(c in url for c in "\r\n\x00 "), "url has control characters or spaces")


def _check_headers(headers) -> dict[str, list[str]]:
    _check(isinstance(headers, dict), "headers is not an object")
    for name, values in headers.items():
        _check(bool(HEADER_NAME.match(name)), f"header name {name[:40]!r} is not a token")
        _check(isinstance(values, list) and all(isinstance(v, str) for v in values),
               f"header {name} values are not a list of strings")
        _check(not any(c in v for v in values for c in "\r\n\x00"),
               f"header {name} has a line break")
    return headers


def encode_request(req: WireRequest) -> bytes:
    return json.dumps({"v": VERSION, **asdict(req)}, separators=(",", ":")).encode()


def decode_request(data: bytes | str) -> WireRequest:
    obj = _loads(data, MAX_REQUEST_BYTES, "request")
    keys = set(obj) - {"v"}
    known = set(WireRequest.__dataclass_fields__)
    _check(keys <= known, f"request has unknown keys {sorted(keys - known)}")
    for name in ("id", "crawl"):
        _check(isinstance(obj.get(name), str) and 0 < len(obj[name]) <= 100,
               f"request {name} missing or not a short string")
    _check_url(obj.get("url"))
    _check(obj.get("callback") in CALLBACKS, f"callback {str(obj.get('callback'))[:40]!r} is "
                                              f"not one of {', '.join(CALLBACKS)}")
    _check(obj.get("method", "GET") in METHODS, f"method {obj.get('method')!r} not allowed")
    _check_headers(obj.get("headers", {}))
    _check(isinstance(obj.get("priority", 0), int), "priority is not an integer")
    meta = obj.get("meta", {})
    _check(isinstance(meta, dict), "meta is not an object")
    for key, value in meta.items():
        want = META_TYPES.get(key)
        _check(want is not None, f"meta key {key[:40]!r} is not one that travels")
        _check(isinstance(value, want) and not (want is int and isinstance(value, bool)),
               f"meta {key} is not {want.__name__}")
    if "handle_httpstatus_list" in meta:
        _check(all(isinstance(s, int) for s in meta["handle_httpstatus_list"]),
               "meta handle_httpstatus_list is not a list of integers")
    return WireRequest(**{k: obj[k] for k in keys})


def claimed_ids(data: bytes) -> tuple[str, str] | None:
    """(id, crawl) an entry claims, when it is a JSON object with short string ones."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(obj, dict) and all(isinstance(obj.get(k), str) and 0 < len(obj[k]) <= 100
                                     for k in ("id", "crawl")):
        return obj["id"], obj["crawl"]
    return None


# --- results ------------------------------------------------------------------------------

@dataclass
class WirePage:
    """What the worker's analysis of a page found (spiders/news.py ``PageAnalysis``)."""
    feeds: list[str] = field(default_factory=list)
    listing: str | None = None            # why it is a listing page, or None
    article: dict | None = None           # the extracted record, or None
    extract_error: str | None = None      # the extraction budget's message, or None
    links: list[str] = field(default_factory=list)
    # The article's template fingerprints as [fingerprint, path, text], or None (learning off)
    fingerprints: list[list[str]] | None = None


@dataclass
class WireResult:
    id: str
    crawl: str
    worker: str
    url: str | None = None                # the final URL (after redirects)
    status: int | None = None
    headers: dict[str, list[str]] = field(default_factory=dict)
    failure: dict | None = None           # {"type": name, "message": text} when no response
    page: WirePage | None = None
    outcomes: list[list] = field(default_factory=list)  # page_outcome signals, to re-send
    redirect_urls: list[str] = field(default_factory=list)


def encode_result(res: WireResult) -> bytes:
    obj = asdict(res)
    return json.dumps({"v": VERSION, **obj}, separators=(",", ":"), ensure_ascii=False).encode()


def decode_result(data: bytes | str) -> WireResult:
    obj = _loads(data, None, "result")
    keys = set(obj) - {"v"}
    known = set(WireResult.__dataclass_fields__)
    _check(keys <= known, f"result has unknown keys {sorted(keys - known)}")
    for name in ("id", "crawl", "worker"):
        _check(isinstance(obj.get(name), str), f"result {name} missing")
    if obj.get("failure") is not None:
        f = obj["failure"]
        _check(isinstance(f, dict) and isinstance(f.get("type"), str)
               and isinstance(f.get("message"), str) and f["type"].isidentifier(),
               "result failure is not {type, message}")
    else:
        _check_url(obj.get("url"))
        _check(isinstance(obj.get("status"), int), "result status is not an integer")
    _check_headers(obj.get("headers", {}))
    for url in obj.get("redirect_urls", []):
        _check_url(url)
    outcomes = obj.get("outcomes", [])
    _check(isinstance(outcomes, list), "outcomes is not a list")
    for o in outcomes:
        _check(isinstance(o, list) and len(o) == 4 and isinstance(o[0], str)
               and isinstance(o[1], str) and RESULT_OUTCOME.match(o[1]) is not None,
               "an outcome is not [url, outcome, reason, status]")
    page = obj.get("page")
    if page is not None:
        _check(isinstance(page, dict) and set(page) <= set(WirePage.__dataclass_fields__),
               "page is not a page analysis")
        for url in page.get("feeds", []) + page.get("links", []):
            _check_url(url)
        if page.get("article") is not None:
            article_from_dict(page["article"])   # raises CodecError when it is not a record
        blocks = page.get("fingerprints")
        _check(blocks is None or (isinstance(blocks, list) and all(
            isinstance(b, list) and len(b) == 3 and all(isinstance(x, str) for x in b)
            for b in blocks)), "page fingerprints are not [fingerprint, path, text] lists")
        obj["page"] = WirePage(**page)
    return WireResult(**{k: obj[k] for k in keys})


def article_to_dict(article: Article) -> dict:
    return asdict(article)


def article_from_dict(d) -> Article:
    """The record back from its dict; CodecError unless it has exactly the record's keys."""
    _check(isinstance(d, dict) and set(d) == set(ARTICLE_FIELDS),
           "article does not have the record's keys")
    try:
        authors = [Author(**a) for a in d["authors"]]
        sections = [Section(**s) for s in d["sections"]]
        return Article(**{**d, "authors": authors, "sections": sections})
    except TypeError as exc:
        raise CodecError(f"article has a malformed author or section ({exc})") from None

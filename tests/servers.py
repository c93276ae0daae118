"""A test web site on 127.0.0.1 for crawl tests, and helpers to run real crawls against it.

``TestSite`` serves pages held in memory that a test can add, change or remove between two
crawls, answers conditional requests (ETag / If-None-Match, Last-Modified /
If-Modified-Since -> 304), counts requests per path, and can delay paths (to kill a crawl
part-way). Extend it for fault injection with ``faults``: path -> callable(handler) that
writes its own response (e.g. a 429 with Retry-After, a truncated body, a gzip bomb).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from ingest.jobs.demo import LOCAL_CRAWL_SETTINGS, PROJECT_ROOT


@dataclass
class Resource:
    body: bytes
    content_type: str
    etag: str
    last_modified: datetime
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    path: str
    status: int
    headers: dict[str, str]
    at: float


class TestSite:
    __test__ = False  # not a pytest test class

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host                      # any 127.0.0.x: one "machine" per site
        self.resources: dict[str, Resource] = {}
        self.hits: list[Hit] = []
        self.arrivals: list[tuple[str, float]] = []   # (path, monotonic time it arrived)
        self.delays: dict[str, float] = {}   # path prefix -> seconds before answering
        self.faults: dict[str, object] = {}  # path -> callable(handler) answering itself
        self.holds: dict[str, int] = {}      # path prefix -> answer this many, then hold
        self.released = threading.Event()    # set: held requests are answered
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.base_url = ""

    # --- content --------------------------------------------------------------------------

    def set(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8",
            *, status: int = 200, headers: dict | None = None,
            last_modified: datetime | None = None) -> None:
        """Serve ``body`` at ``path``; its ETag and Last-Modified change with the content."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        old = self.resources.get(path)
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        if last_modified is None:
            last_modified = (old.last_modified if old is not None and old.etag == etag
                             else datetime.now(timezone.utc).replace(microsecond=0))
        with self.lock:
            self.resources[path] = Resource(data, content_type, etag, last_modified, status,
                                            dict(headers or {}))

    def set_gzip(self, path: str, text: str) -> None:
        self.set(path, gzip.compress(text.encode("utf-8"), mtime=0), "application/x-gzip")

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    # --- what was requested -----------------------------------------------------------------

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for h in self.hits if h.path == path)

    def counts(self) -> Counter:
        with self.lock:
            return Counter(h.path for h in self.hits)

    def requests_to(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if h.path == path]

    def hold(self, prefix: str, after: int) -> None:
        """Answer ``after`` requests under ``prefix``, then keep the next ones waiting until
        ``release()``: a crawl stuck part-way, deterministically, to kill it there."""
        self.released.clear()
        self.holds[prefix] = after

    def release(self) -> None:
        self.holds.clear()
        self.released.set()

    def reset_counts(self) -> None:
        with self.lock:
            self.hits.clear()
            self.arrivals.clear()

    # --- serving --------------------------------------------------------------------------

    def start(self) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - the base class's name
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                site._answer(self)

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://{self.host}:{self.server.server_address[1]}/"
        return self.base_url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "TestSite":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        with self.lock:
            self.arrivals.append((path, time.monotonic()))
        for prefix, seconds in self.delays.items():
            if path.startswith(prefix):
                time.sleep(seconds)
        for prefix, free in self.holds.items():
            if path.startswith(prefix):
                with self.lock:
                    self.holds[prefix] = free - 1
                if free <= 0:
                    self.released.wait(60)
        fault = self.faults.get(path)
        if fault is not None:
            status = fault(handler)
            self._hit(path, status, handler)
            return
        with self.lock:
            res = self.resources.get(path)
        if res is None:
            self._send(handler, 404, b"not found", "text/plain")
            self._hit(path, 404, handler)
            return
        if res.status == 200 and self._not_modified(handler, res):
            handler.send_response(304)
            handler.send_header("ETag", res.etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            self._hit(path, 304, handler)
            return
        headers = {"ETag": res.etag, "Last-Modified": format_datetime(res.last_modified,
                                                                      usegmt=True)}
        self._send(handler, res.status, res.body, res.content_type, {**headers, **res.headers})
        self._hit(path, res.status, handler)

    @staticmethod
    def _not_modified(handler, res: Resource) -> bool:
        inm = handler.headers.get("If-None-Match")
        if inm is not None:
            return res.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
        ims = handler.headers.get("If-Modified-Since")
        if ims:
            try:
                return res.last_modified <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    @staticmethod
    def _send(handler, status, body, content_type, headers=None):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(body)

    def _hit(self, path, status, handler):
        with self.lock:
            self.hits.append(Hit(path, status, dict(handler.headers.items()), time.monotonic()))


# --- pages ---------------------------------------------------------------------------------

_PARA = ("The company said the change would reach customers over the coming weeks, and "
         "analysts who follow the market expect rivals to respond before the end of the "
         "quarter. Engineers described the work as the largest overhaul in years. ")


def article_html(title: str, *, published: str, author: str = "Sam Rivera",
                 body: str = "", links: tuple[str, ...] = ()) -> str:
    paras = "".join(f"<p>{body} Part {i}. {_PARA * 2}</p>" for i in range(4))
    nav = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title} - Test Tech</title><meta property='og:type' content='article'>"
        f"<meta property='article:published_time' content='{published}'></head><body>"
        f"<nav><a href='/'>Home</a> {nav}</nav><article><h1>{title}</h1>"
        f"<p class='byline'>By {author}</p><time datetime='{published}'>{published}</time>"
        f"{paras}</article></body></html>")


def listing_html(title: str, links: tuple[str, ...], *, feeds: tuple[tuple[str, str], ...] = (),
                 og_type: str = "website") -> str:
    alt = "".join(f"<link rel='alternate' type='{t}' href='{href}'>" for t, href in feeds)
    items = "".join(f"<li><a href='{href}'>{href}</a></li>" for href in links)
    return (f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>"
            f"<meta property='og:type' content='{og_type}'>{alt}</head>"
            f"<body><h1>{title}</h1><ul>{items}</ul></body></html>")


def rss(items: list[tuple[str, str, str]]) -> str:
    """items: (url, title, RFC 822 date)"""
    body = "".join(f"<item><title>{t}</title><link>{u}</link><pubDate>{d}</pubDate></item>"
                   for u, t, d in items)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>Test Tech</title>{body}</channel></rss>")


def atom(entries: list[tuple[str, str, str]]) -> str:
    """entries: (url, title, ISO date)"""
    body = "".join(f"<entry><title>{t}</title><link rel='alternate' href='{u}'/>"
                   f"<updated>{d}</updated><id>{u}</id></entry>" for u, t, d in entries)
    return ("<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Test Tech</title>{body}</feed>")


def sitemap(urls: list[tuple[str, str | None]]) -> str:
    """urls: (url, lastmod or None)"""
    body = "".join(f"<url><loc>{u}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "") + "</url>"
                   for u, m in urls)
    return ("<?xml version='1.0' encoding='UTF-8'?>"
            f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{body}</urlset>")


def news_sitemap(urls: list[tuple[str, str, str]]) -> str:
    """urls: (url, title, publication date)"""
    body = "".join(
        f"<url><loc>{u}</loc><news:news><news:publication><news:name>Test Tech</news:name>"
        f"<news:language>en</news:language></news:publication>"
        f"<news:publication_date>{d}</news:publication_date><news:title>{t}</news:title>"
        f"</news:news></url>" for u, t, d in urls)
    return ("<?xml version='1.0' encoding='UTF-8'?>"
            "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{body}</urlset>")


def sitemap_index(urls: list[str]) -> str:
    body = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return ("<?xml version='1.0' encoding='UTF-8'?>"
            f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{body}"
            "</sitemapindex>")


# --- crawls ----------------------------------------------------------------------------------

def crawl_command(db: Path | str, *, start: str | None = None, site: str | None = None,
                  sites_file: Path | str | None = None, settings: dict | None = None
                  ) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-s", f"INGEST_DB={db}"]
    if start:
        cmd += ["-a", f"start={start}"]
    if site:
        cmd += ["-a", f"site={site}"]
    if sites_file:
        cmd += ["-s", f"INGEST_SITES={sites_file}"]
    for key, value in {**LOCAL_CRAWL_SETTINGS, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def crawl_env() -> dict:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "ingest.settings"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                      env.get("PYTHONPATH")]))
    return env


def crawl(db, *, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """Run one crawl to the end (killed after ``timeout`` seconds); stdout/stderr captured."""
    return subprocess.run(crawl_command(db, **kwargs), env=crawl_env(), cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def spawn_crawl(db, **kwargs) -> subprocess.Popen:
    """Start a crawl in the background (to kill it, or to race a second one against it)."""
    return subprocess.Popen(crawl_command(db, **kwargs), env=crawl_env(), cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@contextlib.contextmanager
def serving(site: TestSite):
    site.start()
    try:
        yield site
    finally:
        site.stop()

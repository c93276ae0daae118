"""A fault-injecting HTTP server on 127.0.0.1 for crawl tests: good articles, the bad-input
corpus, and every way a server fails (500, 503 with Retry-After, timeouts, connection resets,
slow bodies, redirect loops, redirects to other hosts, gzip bombs).

Each behaviour is a function registered in ``ROUTES`` under its path prefix; the server counts
the requests it gets per path, so a test can check that retries stay within their limits.
A ``trap`` server (see ``serve``) on another loopback address counts requests that must never
arrive. Nothing here talks to anything outside 127.0.0.0/8.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import random
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .badcorpus import CONTENT_TYPES
from .badcorpus import pages as bad_pages

# Words for the bodies of generated articles: each article draws its own sentences, so that
# no two are near-duplicates (the duplicates pipeline would link them, at a cost that grows).
_WORDS = ("network council harbour engineers budget outage cable ring estate quay storm data "
          "server release patch chip factory supplier price market shares launch phone model "
          "battery screen camera update security breach audit report court ruling regulator "
          "startup funding round investors office remote workers union strike contract vote "
          "mayor district school hospital clinic scheduler robot warehouse delivery drone "
          "satellite orbit signal tower fibre broadband speed latency outage cloud region "
          "storage backup archive search engine index crawler browser extension privacy "
          "policy consent advert tracker cookie payment wallet bank loan rate inflation").split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 14))]
    return " ".join(words).capitalize() + "."


def article_html(n: int, links: list[str] = ()) -> bytes:
    """A distinct real article (headline, byline, date, ~150 words of its own), with optional
    links."""
    rng = random.Random(n)
    body = "".join("<p>" + " ".join(_sentence(rng) for _ in range(3)) + "</p>"
                   for _ in range(4))
    anchors = "".join(f"<a href='{html.escape(u)}'>link</a> " for u in links)
    return (f"<!doctype html><html lang='en'><head><title>Story {n}</title></head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>Fibre ring story number {n}</h1>"
            f"<p class='byline'>By Mara Quill</p>"
            f"<time datetime='2025-03-04T09:00:00+00:00'>4 March 2025</time>{body}</article>"
            f"<footer>{anchors}</footer></body></html>").encode()


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many parallel connections from the crawler; the default backlog of 5 resets some.
    request_queue_size = 128

    def __init__(self, address, *, trap_url: str | None = None, articles: int = 0,
                 fault_every: int = 0, timeout_s: float = 3.0, fault_pages: bool = True):
        super().__init__(address, Handler)
        self.hits: Counter[str] = Counter()
        self.hits_lock = threading.Lock()
        self.stopping = threading.Event()
        self.trap_url = trap_url
        self.articles = articles
        self.fault_every = fault_every
        self.timeout_s = timeout_s
        self.fault_pages = fault_pages
        self.bad = {}
        self.secret = "/etc/hostname"  # the file hostile XML tries to read (see hostile_xml)

    def handle_error(self, request, client_address):
        # The crawler closing a connection we are reading from (after its timeout, or when it
        # stops) is expected here; anything else is a bug in a route and is printed.
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


class Handler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path
        with self.server.hits_lock:
            self.server.hits[path] = self.server.hits[path] + 1
            count = self.server.hits[path]
        route = ROUTES.get(path) or next(
            (r for prefix, r in ROUTES.items() if len(prefix) > 1 and prefix.endswith("/")
             and path.startswith(prefix)), None)
        if route is None:
            return self.send_body(404, b"<html><body>not found</body></html>")
        try:
            route(self, path, count)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on this response (its timeout): expected

    was_reset = False

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except ValueError:  # the base class flushes the socket our reset() closed
            if not self.was_reset:
                raise

    # --- helpers
    def send_body(self, status: int, body: bytes, content_type: str = "text/html",
                  headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302):
        self.send_body(status, b"", headers={"Location": location})

    def wait(self, seconds: float):
        self.server.stopping.wait(seconds)

    def reset(self):
        """Close the connection with a TCP RST, mid-request."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        self.close_connection = True
        self.was_reset = True


def robots(h: Handler, path, count):
    h.send_body(200, b"User-agent: *\nAllow: /\n", "text/plain")


def index(h: Handler, path, count):
    links = [f"/article/{i}.html" for i in range(h.server.articles)]
    links += [f"/bad/{name}" for name in sorted(h.server.bad)]
    links += FAULT_PATHS if h.server.fault_pages else []
    body = "".join(f"<a href='{u}'>{u}</a>\n" for u in links)
    h.send_body(200, f"<html><body><h1>Index</h1>{body}</body></html>".encode())


def article(h: Handler, path, count):
    n = int(path.rsplit("/", 1)[-1].split(".")[0])
    every = h.server.fault_every
    if every and n % every == every - 1:  # soak: a deterministic share of faults
        return FAULT_CYCLE[(n // every) % len(FAULT_CYCLE)](h, path, count)
    h.send_body(200, article_html(n))


def bad(h: Handler, path, count):
    name = path.rsplit("/", 1)[-1]
    body = h.server.bad.get(name)
    if body is None:
        return h.send_body(404, b"")
    h.send_body(200, body, CONTENT_TYPES.get(name, "text/html"))


def error_500(h: Handler, path, count):
    h.send_body(500, b"<html><body>Internal Server Error</body></html>")


def unavailable_503(h: Handler, path, count):
    h.send_body(503, b"<html><body>busy</body></html>", headers={"Retry-After": "1"})


def unavailable_then_ok(h: Handler, path, count):
    """503 with Retry-After on the first request, the article on the retry."""
    if count == 1:
        return h.send_body(503, b"busy", headers={"Retry-After": "1"})
    h.send_body(200, article_html(9001))


def timeout(h: Handler, path, count):
    h.wait(h.server.timeout_s * 3)  # never answers in time


def reset(h: Handler, path, count):
    h.reset()


def slow_ok(h: Handler, path, count):
    """A body in 5 pieces over half the download timeout: slow, but in time."""
    body = article_html(9002)
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    step = len(body) // 5 + 1
    for i in range(0, len(body), step):
        h.wfile.write(body[i:i + step])
        h.wfile.flush()
        h.wait(h.server.timeout_s / 10)


def slow_timeout(h: Handler, path, count):
    """Headers at once, then a byte at a time: the download timeout must cut it."""
    body = article_html(9003)
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    for i in range(30):
        if h.server.stopping.is_set():
            return
        h.wfile.write(body[i:i + 1])
        h.wfile.flush()
        h.wait(h.server.timeout_s / 5)


def redirect_loop(h: Handler, path, count):
    """/fault/loop/a -> /fault/loop/b -> /fault/loop/a ... and /fault/loop/self -> itself,
    each with a growing query so no duplicate filter ends it: only the redirect limit does."""
    nxt = {"a": "b", "b": "a"}.get(path.rsplit("/", 1)[-1], "self")
    h.redirect(f"/fault/loop/{nxt}?n={count}")


def redirect_private(h: Handler, path, count):
    """A redirect to another loopback address: the trap server, which must receive nothing."""
    h.redirect(h.server.trap_url + "secret")


def redirect_private_legacy(h: Handler, path, count):
    """The same, spelled as a legacy numeric host (0x7f.0.0.2 is 127.0.0.2)."""
    port = urlsplit(h.server.trap_url).port
    h.redirect(f"http://0x7f.0.0.2:{port}/legacy")


def redirect_ok(h: Handler, path, count):
    h.redirect("/article/9004.html", 301)


def links_private(h: Handler, path, count):
    """An article whose links point at the trap server in several spellings."""
    port = urlsplit(h.server.trap_url).port
    h.send_body(200, article_html(9005, [h.server.trap_url + "linked",
                                         f"http://2130706434:{port}/decimal",
                                         f"http://0x7f.0.0.2:{port}/hex"]))


# A gzip bomb: 50 MB of zeros (far over DOWNLOAD_MAXSIZE, 10 MiB) in about 50 KB.
_BOMB = gzip.compress(b"\0" * 50_000_000, compresslevel=9)


def gzip_bomb(h: Handler, path, count):
    h.send_body(200, _BOMB, "text/html", headers={"Content-Encoding": "gzip"})


def truncated_body(h: Handler, path, count):
    """Content-Length promises more than is sent, then the connection closes."""
    body = article_html(9006)
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(body) + 5000))
    h.end_headers()
    h.wfile.write(body)
    h.wfile.flush()
    h.reset()


def not_html(h: Handler, path, count):
    h.send_body(200, b"%PDF-1.4 not a page", "application/pdf")


ROUTES = {
    "/robots.txt": robots,
    "/": index,
    "/article/": article,
    "/bad/": bad,
    "/fault/500": error_500,
    "/fault/503": unavailable_503,
    "/fault/503-then-ok": unavailable_then_ok,
    "/fault/timeout": timeout,
    "/fault/reset": reset,
    "/fault/slow-ok": slow_ok,
    "/fault/slow-timeout": slow_timeout,
    "/fault/loop/": redirect_loop,
    "/fault/redirect-private": redirect_private,
    "/fault/redirect-private-legacy": redirect_private_legacy,
    "/fault/redirect-ok": redirect_ok,
    "/fault/links-private": links_private,
    "/fault/gzip-bomb": gzip_bomb,
    "/fault/truncated-body": truncated_body,
    "/fault/pdf": not_html,
}

# The fault pages the index links to (each a URL the crawl must account for). The 503s with
# Retry-After are not among them: honouring Retry-After slows the whole host down
# (ingest/crawl/retry_after.py), so a test crawls them under another host name (RETRY_AFTER_PATHS).
FAULT_PATHS = ["/fault/500", "/fault/timeout",
               "/fault/reset", "/fault/slow-ok", "/fault/slow-timeout", "/fault/loop/a",
               "/fault/loop/self", "/fault/redirect-ok", "/fault/links-private",
               "/fault/gzip-bomb", "/fault/truncated-body", "/fault/pdf"]

RETRY_AFTER_PATHS = ["/fault/503", "/fault/503-then-ok"]

def unavailable_plain(h: Handler, path, count):
    """503 without Retry-After: retried by RetryMiddleware alone."""
    h.send_body(503, b"<html><body>busy</body></html>")


# The faults the soak server mixes into its article pages (each ends in a recorded error).
# No Retry-After among them: honouring it slows the whole host for the rest of the crawl.
FAULT_CYCLE = [error_500, unavailable_plain, reset, gzip_bomb, truncated_body]


@contextlib.contextmanager
def serve(*, articles: int = 0, fault_every: int = 0, timeout_s: float = 3.0,
          with_bad_corpus: bool = False, fault_pages: bool = True):
    """Yield (server, trap): the fault server on 127.0.0.1 and a trap server on 127.0.0.2
    that answers every request and counts it (``trap.hits``: what must stay empty).
    ``articles``: how many good articles the index links to; ``fault_pages``: whether it
    also links to every fault of FAULT_PATHS; ``fault_every``: make every n-th article a
    fault of FAULT_CYCLE instead (the soak)."""
    trap = FaultServer(("127.0.0.2", 0))
    server = FaultServer(("127.0.0.1", 0), trap_url=trap.base_url, articles=articles,
                         fault_every=fault_every, timeout_s=timeout_s, fault_pages=fault_pages)
    if with_bad_corpus:
        server.bad = bad_pages()
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (server, trap)]
    for t in threads:
        t.start()
    try:
        yield server, trap
    finally:
        for s in (server, trap):
            s.stopping.set()
            s.shutdown()
            s.server_close()


def wait_for(predicate, timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def crawl_command(sites_file, db, settings: dict | None = None, site: str = "faulty") -> list[str]:
    """`scrapy crawl news` of one site of ``sites_file`` into ``db``, local-crawl settings."""
    import sys

    from ingest.jobs.demo import LOCAL_CRAWL_SETTINGS

    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"site={site}",
           "-s", f"INGEST_SITES={sites_file}", "-s", f"INGEST_DB={db}"]
    for key, value in {**LOCAL_CRAWL_SETTINGS, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def write_sites(path, start_urls: list[str], *, site: str = "faulty", max_depth: int = 2,
                feeds: list[str] = (), sitemaps: list[str] = ()):
    def strings(urls):
        return "[" + ", ".join(f'"{u}"' for u in urls) + "]"

    path.write_text(f"[sites.{site}]\nstart_urls = {strings(start_urls)}\n"
                    f"feeds = {strings(feeds)}\nsitemaps = {strings(sitemaps)}\n"
                    f"max_depth = {max_depth}\n")
    return path


def crawl_env() -> dict:
    import os

    from ingest.jobs.demo import PROJECT_ROOT

    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "ingest.settings"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


class ExplodingPipeline:
    """An item pipeline that raises (not DropItem) on /fault/explode: a bug in a pipeline
    must leave the page recorded as an error, and the crawl going."""

    def process_item(self, item, spider=None):
        if item.url.endswith("/fault/explode"):
            raise RuntimeError("injected pipeline fault")
        return item


def explode(h: Handler, path, count):
    h.send_body(200, article_html(9007))


ROUTES["/fault/explode"] = explode
FAULT_PATHS.append("/fault/explode")


# --- hostile XML: feeds and sitemaps ---------------------------------------------------------

_LAUGHS = (b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
    b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8)))
# A long comment pushes the DOCTYPE past the first 64 KB, where a prolog check may not look:
# the parser's own settings (no entity resolution, no DTD, no network) must hold alone.
_PAD = b"<!--" + b"x" * 100_000 + b"-->\n"


def hostile_xml(base: str, trap: str, secret: str = "/etc/hostname"
                ) -> dict[str, tuple[bytes, dict]]:
    """path -> (body, headers) of the feeds and sitemaps that try XXE, entity expansion and
    gzip bombs. Every external entity points at the trap server or at the local file
    ``secret`` (a test writes a marker into one and checks it never reaches the database)."""
    xxe = (b'<!ENTITY trap SYSTEM "' + trap.encode() + b'xxe">'
           b'<!ENTITY file SYSTEM "file://' + secret.encode() + b'">')
    small = b'<!ENTITY s "ssss"><!ENTITY t "&s;&s;&s;&s;"><!ENTITY u "&t;&t;&t;&t;">'
    small_map = b"<urlset><url><loc>" + base.encode() + b"article/1.html?s=&u;</loc></url></urlset>"
    loc = base.encode() + b"article/1.html"
    sitemap = b"<urlset><url><loc>" + loc + b"?t=&trap;&file;</loc></url></urlset>"
    laughs_map = b"<urlset><url><loc>" + loc + b"?l=&i;</loc></url></urlset>"
    rss = (b"<rss><channel><item><title>&file;&trap;</title><link>" + loc
           + b"?r=&file;</link></item></channel></rss>")
    xml = b'<?xml version="1.0"?>\n'
    # The two ways past a byte-level prolog check (issue 16 item 5): a UTF-16 document (no
    # "<!ENTITY" in its bytes) and a comment holding "<x>" inside the DOCTYPE (the prolog
    # seemed to end there). libxml2 expands internal entities in attribute values even with
    # resolve_entities=False, so both would put "ssss..." into a stored URL.
    atom16 = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE feed [' + small.decode()
              + ']><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>t</title>'
              '<link href="' + base + 'article/1.html?a=&u;"/></entry></feed>')
    rdf = (b'<!DOCTYPE rdf:RDF [<!-- <x> -->' + small + b']><rdf:RDF xmlns:rdf='
           b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
           b'<item rdf:about="' + loc + b'?d=&u;"><title>t</title></item></rdf:RDF>')
    bomb = gzip.compress(b"<urlset>" + b" " * 60_000_000 + b"</urlset>", compresslevel=9)
    return {
        "/xml/xxe-sitemap.xml": (xml + b"<!DOCTYPE urlset [" + xxe + b"]>" + sitemap, {}),
        "/xml/xxe-sitemap-late.xml": (xml + _PAD + b"<!DOCTYPE urlset [" + xxe + b"]>"
                                      + sitemap, {}),
        "/xml/laughs-sitemap.xml": (xml + b"<!DOCTYPE urlset [" + _LAUGHS + b"]>" + laughs_map,
                                    {}),
        "/xml/laughs-sitemap-late.xml": (xml + _PAD + b"<!DOCTYPE urlset [" + _LAUGHS + b"]>"
                                         + laughs_map, {}),
        # a small expansion libxml2 would happily do: only our parser settings prevent it
        "/xml/entities-sitemap-late.xml": (xml + _PAD + b"<!DOCTYPE urlset [" + small + b"]>"
                                           + small_map, {}),
        "/xml/xxe-feed.xml": (xml + b"<!DOCTYPE rss [" + xxe + b"]>" + rss, {}),
        "/xml/xxe-feed-late.xml": (xml + _PAD + b"<!DOCTYPE rss [" + xxe + b"]>" + rss, {}),
        "/xml/utf16-feed.xml": (atom16.encode("utf-16"), {}),
        "/xml/comment-doctype-feed.xml": (xml + rdf, {}),
        "/xml/bomb-sitemap.xml.gz": (bomb, {"Content-Type": "application/gzip"}),
        "/xml/bomb-transport.xml": (bomb, {"Content-Encoding": "gzip"}),
        "/xml/good-sitemap.xml": (xml + b"<urlset><url><loc>" + base.encode()
                                  + b"article/0.html</loc></url></urlset>", {}),
    }


def xml_route(h: Handler, path, count):
    body, headers = hostile_xml(h.server.base_url, h.server.trap_url, h.server.secret)[path]
    content_type = headers.pop("Content-Type", "application/xml")
    h.send_body(200, body, content_type, headers)


ROUTES["/xml/"] = xml_route

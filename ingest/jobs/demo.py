"""The bundled demo: serve ingest/demo_site on 127.0.0.1, crawl it, summarise the database.

Used by `make demo` (through `ingest demo`) and by the tests, so the demo is what is tested.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Package data (pyproject.toml), so `pip install .` then `ingest demo` works.
DEMO_SITE = Path(__file__).resolve().parents[1] / "demo_site"
# The demo always serves on this port, so its canonical URLs are the same every run and a
# second `make demo` stores nothing new. When it is busy, a free port is used instead, with a
# warning (that run's URLs are new, so its articles are new rows).
DEMO_PORT = 8765

# Settings for crawling a server on this machine: no politeness delay is needed for it.
LOCAL_CRAWL_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "WARNING",
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve_directory(directory: Path, host: str = "127.0.0.1", port: int = 0, *,
                    fallback: bool = False):
    """Serve ``directory`` over HTTP in a background thread; yields the base URL. With
    ``fallback``, a busy ``port`` gives way to a free one (the caller compares the URL)."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if not (fallback and port and exc.errno == errno.EADDRINUSE):
            raise
        server = ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def crawl_command(start_url: str, db_path: Path | str, settings: dict | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start={start_url}",
           "-s", f"INGEST_DB={db_path}"]
    for key, value in {**LOCAL_CRAWL_SETTINGS, **(settings or {})}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def run_crawl(start_url: str, db_path: Path | str, settings: dict | None = None,
              **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "ingest.settings"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                      env.get("PYTHONPATH")]))
    return subprocess.run(crawl_command(start_url, db_path, settings), env=env,
                          cwd=PROJECT_ROOT, **kwargs)


def summary(db_path: Path | str) -> str:
    from ingest.store import Store
    from ingest.store.pages import not_stored_counts

    with Store(db_path) as store:
        articles = store.counts()["articles"]
        drops = not_stored_counts(store)
    lines = [f"articles stored: {articles}"]
    if drops:
        lines.append("pages not stored:")
        lines += [f"  {n:>4}  {outcome}: {reason or '-'}" for outcome, reason, n in drops]
    lines.append(f"database: {Path(db_path).resolve()}")
    lines.append(f'try: sqlite3 {db_path} "select headline, published_at from articles"')
    return "\n".join(lines)

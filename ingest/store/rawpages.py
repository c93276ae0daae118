"""Raw pages: each fetched article page's HTML, kept compressed in the database.

Re-extraction (``ingest reextract``) runs the extractor again over these, after a site's
template was learnt or the extractor changed, without fetching anything. Kept with the HTML:
the URL, the fetch time (relative dates are read against it), the status and the response
headers that decide how the bytes are decoded (Content-Type) or that say when the page
changed. The setting INGEST_KEEP_RAW turns keeping them off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.store import Store, site_of

# Response headers kept with the HTML: the ones re-extraction or a later look at the page
# needs. Cookies and the like are not ours to keep.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Last-Modified", "ETag", "Date")
# zlib level 6 (its default): HTML shrinks 4-6x; the higher levels gain little for much time.
ZLIB_LEVEL = 6

# compression name -> decompress function; a page stored another way names it.
DECOMPRESS = {"zlib": zlib.decompress, "none": bytes}


@dataclass
class RawPage:
    url: str
    site: str
    canonical_url: str | None
    status: int | None
    content_type: str | None
    headers: dict
    fetched_at: str
    body: bytes        # the HTML as fetched (uncompressed, unless ``compression`` says)
    sha256: str | None = None   # of the uncompressed body, as stored
    compression: str = "none"   # how ``body`` is held: a DECOMPRESS key

    def decompressed(self) -> RawPage:
        """This page with its body as fetched (itself when it is already)."""
        if self.compression == "none":
            return self
        return dataclasses.replace(self, body=DECOMPRESS[self.compression](self.body),
                                   compression="none")


def save_raw_page(store: Store, url: str, body: bytes, *, fetched_at: str,
                  headers: dict | None = None, status: int | None = 200,
                  canonical_url: str | None = None, site: str | None = None) -> None:
    """Store (or replace) the page fetched from ``url``."""
    headers = {k: v for k, v in (headers or {}).items() if v is not None}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    with store.transaction() as conn:
        conn.execute(
            """
            INSERT OR REPLACE INTO raw_pages (url, site, canonical_url, status, content_type,
                headers, fetched_at, compression, size, sha256, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'zlib', ?, ?, ?)
            """,
            (url, site or site_of(url), canonical_url, status, content_type,
             json.dumps(headers, ensure_ascii=False), fetched_at, len(body),
             hashlib.sha256(body).hexdigest(), zlib.compress(body, ZLIB_LEVEL)))


def _row_to_page(row, decompress: bool = True) -> RawPage:
    url, site, canonical, status, ctype, headers, fetched_at, compression, sha256, blob = row
    if compression not in DECOMPRESS:
        raise ValueError(f"raw page {url}: unknown compression {compression!r}; "
                         f"known: {sorted(DECOMPRESS)}")
    page = RawPage(url, site, canonical, status, ctype, json.loads(headers or "{}"),
                   fetched_at, blob, sha256, compression)
    return page.decompressed() if decompress else page


_COLUMNS = ("url, site, canonical_url, status, content_type, headers, fetched_at, compression,"
            " sha256, body")


def get_raw_page(store: Store, url: str) -> RawPage | None:
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM raw_pages WHERE url = ?",
                             (url,)).fetchone()
    return _row_to_page(row) if row else None


def count_raw_pages(store: Store, sites: list[str] | None = None) -> int:
    where, params = _where(sites)
    return store.conn.execute(f"SELECT count(*) FROM raw_pages{where}", params).fetchone()[0]


def iter_raw_pages(store: Store, sites: list[str] | None = None, batch: int = 200, *,
                   decompress: bool = True) -> Iterator[RawPage]:
    """Stored pages (of ``sites`` only, when given) by site and URL, read in batches so that
    a large database is never in memory at once. ``decompress=False`` leaves each body as
    stored (``RawPage.decompressed()`` gives it): re-extraction's worker processes inflate
    the pages, so the one reading process only hands them over."""
    where, params = _where(sites)
    last = ("", "")
    cond = " AND " if where else " WHERE "
    while True:
        rows = store.conn.execute(
            f"SELECT {_COLUMNS} FROM raw_pages{where}{cond}(site, url) > (?, ?)"
            f" ORDER BY site, url LIMIT ?", [*params, *last, batch]).fetchall()
        if not rows:
            return
        for row in rows:
            yield _row_to_page(row, decompress)
        last = (rows[-1][1], rows[-1][0])


def raw_sites(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT DISTINCT site FROM raw_pages ORDER BY 1")]


def _where(sites):
    if sites is None:
        return "", []
    return f" WHERE site IN ({', '.join('?' * len(sites))})", list(sites)

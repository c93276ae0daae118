"""Site templates, the store half: count block fingerprints per site, decide the template.

Each stored article page's block fingerprints (``ingest.extract.template.page_blocks``) go
into ``page_blocks``. A block seen on at least ``min_share`` of a site's articles, and on at
least ``min_pages`` of them (INGEST_TEMPLATE_MIN_SHARE, INGEST_TEMPLATE_MIN_PAGES), is part of
the site's template (``site_templates.is_template``).
Counting is over what is stored, not over the order pages arrived in, so the template after
``refresh_templates`` is the same whichever order the site was crawled in.

A person vetoes a block with ``site_templates.keep = 1`` or with a ``keep_blocks`` entry of
the site in sites.toml (text that the block contains).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ingest.extract.template import PageBlock, SiteTemplate
from ingest.store import Store, site_of
from ingest.store.thresholds import check_thresholds



# The fingerprints of a page that are new candidates: not yet a site_templates row, and on
# another page of the site. Each is one index probe that stops at its first match: a
# template block is on every page of its site, and reading all its rows (SELECT DISTINCT
# over the IN list) made each stored page cost in proportion to the pages already stored.
_SHARED_SQL = """
WITH fps (fp) AS (VALUES {values})
SELECT fp FROM fps
WHERE NOT EXISTS (SELECT 1 FROM site_templates t WHERE t.site = ?1 AND t.fingerprint = fp)
  AND EXISTS (SELECT 1 FROM page_blocks p WHERE p.site = ?1 AND p.fingerprint = fp
              AND p.url != ?2)
"""


def record_page_blocks(store: Store, url: str, blocks: Iterable[PageBlock], *,
                       seen_at: str, canonical_url: str | None = None,
                       site: str | None = None) -> None:
    """Replace the fingerprints stored for ``url`` with ``blocks``.

    A fingerprint that another page of the site already has becomes a candidate row of
    ``site_templates`` (with this page's text as its example); its counts are filled in by
    ``refresh_templates``.
    """
    site = site or site_of(url)
    blocks = list(blocks)
    with store.transaction() as conn:
        conn.execute("DELETE FROM page_blocks WHERE url = ?", (url,))
        conn.executemany(
            "INSERT OR IGNORE INTO page_blocks (url, site, canonical_url, fingerprint, seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(url, site, canonical_url or url, b.fingerprint, seen_at) for b in blocks])
        by_fp = {b.fingerprint: b for b in blocks}
        fps = list(by_fp)
        for start in range(0, len(fps), 500):  # SQLite's bound-parameter limit
            chunk = fps[start:start + 500]
            values = ", ".join(f"(?{i})" for i in range(3, len(chunk) + 3))  # ?1 site, ?2 url
            shared = conn.execute(_SHARED_SQL.format(values=values),
                                  [site, url, *chunk]).fetchall()
            conn.executemany(
                "INSERT OR IGNORE INTO site_templates (site, fingerprint, path, example_text)"
                " VALUES (?, ?, ?, ?)",
                [(site, fp, by_fp[fp].path, by_fp[fp].text) for (fp,) in shared])


def forget_page(store: Store, url: str) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM page_blocks WHERE url = ?", (url,))


def refresh_templates(store: Store, site: str, *, min_share: float, min_pages: int) -> dict:
    """Recount the site's candidate blocks and mark its template. Returns a summary.
    ``min_share``, ``min_pages``: INGEST_TEMPLATE_MIN_SHARE and INGEST_TEMPLATE_MIN_PAGES."""
    check_thresholds(template_min_share=min_share, template_min_pages=min_pages)
    with store.transaction() as conn:
        site_pages = conn.execute(
            "SELECT count(DISTINCT canonical_url) FROM page_blocks WHERE site = ?",
            (site,)).fetchone()[0]
        need = max(min_pages, math.ceil(min_share * site_pages))
        conn.execute(
            """
            UPDATE site_templates SET
                pages_seen = coalesce(c.n, 0), site_pages = :site_pages,
                first_seen_at = c.first_seen, last_seen_at = c.last_seen,
                is_template = coalesce(c.n, 0) >= :need
            FROM (SELECT t.fingerprint AS fp, count(DISTINCT p.canonical_url) AS n,
                         min(p.seen_at) AS first_seen, max(p.seen_at) AS last_seen
                  FROM site_templates t
                  LEFT JOIN page_blocks p ON p.site = t.site AND p.fingerprint = t.fingerprint
                  WHERE t.site = :site GROUP BY t.fingerprint) AS c
            WHERE site_templates.site = :site AND site_templates.fingerprint = c.fp
            """,
            {"site": site, "site_pages": site_pages, "need": need})
        # Candidates no longer on two pages go, unless a person vetoed them (the veto stays).
        conn.execute("DELETE FROM site_templates WHERE site = ? AND pages_seen < 2 AND keep = 0",
                     (site,))
        blocks = conn.execute(
            "SELECT count(*) FROM site_templates WHERE site = ? AND is_template AND NOT keep",
            (site,)).fetchone()[0]
    return {"site": site, "pages": site_pages, "pages_needed": need, "template_blocks": blocks}


def load_template(store: Store, site: str, keep_blocks: Iterable[str] = ()) -> SiteTemplate:
    """The site's template as extraction takes it; ``keep_blocks`` are sites.toml vetoes
    (a block whose text contains one of them, ignoring case, is kept)."""
    keep_texts = [k.lower() for k in keep_blocks if k.strip()]
    rows = store.conn.execute(
        "SELECT fingerprint, example_text, keep FROM site_templates"
        " WHERE site = ? AND is_template", (site,)).fetchall()
    fps, kept = set(), set()
    for fp, text, keep in rows:
        fps.add(fp)
        if keep or any(k in text.lower() for k in keep_texts):
            kept.add(fp)
    return SiteTemplate(site=site, fingerprints=frozenset(fps), kept=frozenset(kept))


def keep_blocks_by_site(profiles) -> dict[str, list[str]]:
    """host -> keep_blocks of the sites.toml profile serving it."""
    found: dict[str, list[str]] = {}
    for p in (profiles or {}).values():
        for host in getattr(p, "hosts", ()):
            found.setdefault(host.removeprefix("www."), []).extend(p.keep_blocks or ())
    return found


def load_templates(store: Store, profiles=None) -> dict[str, SiteTemplate]:
    """Every site's non-empty template, by site (host without "www.")."""
    keeps = keep_blocks_by_site(profiles)
    sites = [r[0] for r in store.conn.execute(
        "SELECT DISTINCT site FROM site_templates WHERE is_template")]
    found = {s: load_template(store, s, keeps.get(s, ())) for s in sites}
    return {s: t for s, t in found.items() if t}


def sites_with_blocks(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT DISTINCT site FROM page_blocks ORDER BY 1")]


def template_blocks(store: Store, site: str | None, *, show_all: bool) -> list[tuple]:
    """(site, fingerprint, pages_seen, site_pages, is_template, keep, example_text) of the
    template blocks of ``site`` (every site when None), most seen first; with ``show_all``
    also the candidates below the threshold and the vetoed blocks."""
    where = "" if show_all else " AND is_template AND NOT keep"
    return store.conn.execute(
        "SELECT site, fingerprint, pages_seen, site_pages, is_template, keep, example_text"
        f" FROM site_templates WHERE (? IS NULL OR site = ?){where}"
        " ORDER BY site, pages_seen DESC, fingerprint", (site, site)).fetchall()


def keep_block(store: Store, site: str, fingerprint: str, keep: bool = True) -> bool:
    """Veto (or un-veto) one block of a site's template; False when there is no such row."""
    with store.transaction() as conn:
        cur = conn.execute("UPDATE site_templates SET keep = ? WHERE site = ? AND fingerprint = ?",
                           (int(keep), site, fingerprint))
        return cur.rowcount > 0


def templates_for_crawl(db_path, profiles=None, *, enabled: bool = True) -> dict[str, SiteTemplate]:
    """The templates a crawl applies: by site, from the database (none when it does not
    exist yet or learning is off)."""
    from pathlib import Path

    if not enabled or not db_path or not Path(db_path).exists():
        return {}
    with Store(db_path) as store:
        return load_templates(store, profiles)

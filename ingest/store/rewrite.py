"""The store half of re-extraction (``ingest reextract``): write a record extracted again
from a stored raw page back over its article, unless a crawl stored a newer fetch meanwhile.

``stale_reason`` and ``rewrite_article`` run inside the caller's write transaction (BEGIN
IMMEDIATE), so no crawl can store a newer fetch between the check and the write; the caller
batches many pages into one transaction (each a savepoint of it).
"""

from __future__ import annotations

import json
from datetime import datetime

from ingest.store import _CONTENT_COLUMNS, Store, _record, utcnow_iso

# Fields compared to tell "refreshed" from "unchanged" when the content hash is the same.
_COMPARED = tuple(c for c in _CONTENT_COLUMNS if c not in ("fetched_at",))


def stale_reason(store: Store, url: str, fetched_at: str, sha256: str,
                 record: dict) -> str | None:
    """Why ``record``, extracted from the raw page of ``url`` (fetched at ``fetched_at``,
    body hash ``sha256``), must not be written back, or None."""
    row = store.conn.execute("SELECT fetched_at, sha256 FROM raw_pages WHERE url = ?",
                             (url,)).fetchone()
    if row is None:
        return "its raw page was deleted meanwhile"
    if (row[0], row[1]) != (fetched_at, sha256):
        return (f"a crawl stored a newer fetch of the page (fetched {row[0]}) after the one "
                f"re-extracted (fetched {fetched_at})")
    # The crawl writes the article before its raw page: a newer article row from this same
    # URL means its raw page is about to change.
    art = store.conn.execute(
        "SELECT fetched_at FROM articles WHERE canonical_url = ? AND url = ?",
        (_record(record)["canonical_url"], url)).fetchone()
    if art is not None and _later(art[0], fetched_at):
        return (f"the stored article is from a newer fetch (fetched {art[0]}) than the page "
                f"re-extracted (fetched {fetched_at})")
    return None


def _later(a: str | None, b: str | None) -> bool:
    """ISO time a is after b (False when either is missing or unreadable: no claim)."""
    try:
        return datetime.fromisoformat(a) > datetime.fromisoformat(b)
    except (TypeError, ValueError):
        return False


def rewrite_article(store: Store, record: dict, fetched_at: str) -> tuple[str, int | None]:
    """Write one re-extracted record -> (outcome, article id); outcome is one of "new",
    "updated" (content changed: a new revision), "refreshed" (same content, other fields
    changed: updated in place), "unchanged", "superseded" (a newer fetch holds the row)."""
    a = _record(record)
    row = store.conn.execute(
        "SELECT id, url, fetched_at, content_hash FROM articles WHERE canonical_url = ?",
        (a["canonical_url"],)).fetchone()
    if row is not None:
        article_id, url, row_fetched, row_hash = row
        # Several stored pages for one canonical URL: the latest fetch holds the row (for
        # equal times the lexically first URL), whatever order they are processed in.
        if url != a["url"] and ((row_fetched or ""), _neg(url)) > (fetched_at, _neg(a["url"])):
            return "superseded", None
    if row is None or row_hash != a["content_hash"]:
        result, article_id = store.upsert_article(record)
        return ("new" if result == "new" else "updated"), article_id
    if _same(store, article_id, a):
        return "unchanged", article_id
    _refresh(store, article_id, a)
    return "refreshed", article_id


def _neg(text: str) -> tuple:
    """A key that sorts strings in reverse (the lexically first URL wins ties)."""
    return tuple(-ord(c) for c in text) + (1,)


def _same(store: Store, article_id: int, a: dict) -> bool:
    cur = store.conn.execute(f"SELECT {', '.join(_COMPARED)} FROM articles WHERE id = ?",
                             (article_id,))
    row = dict(zip(_COMPARED, cur.fetchone()))
    if any(row[c] != a[c] for c in _COMPARED):
        return False
    authors = store.conn.execute(
        "SELECT au.name, aa.role, au.url FROM article_authors aa JOIN authors au"
        " ON au.id = aa.author_id WHERE aa.article_id = ? ORDER BY aa.position",
        (article_id,)).fetchall()
    if [(x[0], x[1]) for x in authors] != [(" ".join(x["name"].split()), x.get("role"))
                                          for x in a["authors"]]:
        return False
    sections = store.conn.execute(
        "SELECT heading, paragraphs FROM sections WHERE article_id = ? ORDER BY position",
        (article_id,)).fetchall()
    return [(h, json.loads(p)) for h, p in sections] == \
        [(s.get("heading"), list(s.get("paragraphs") or [])) for s in a["sections"]]


def _refresh(store: Store, article_id: int, a: dict) -> None:
    values = {c: a[c] for c in _CONTENT_COLUMNS}
    values["updated_at"] = utcnow_iso()
    with store.transaction() as conn:
        conn.execute(f"UPDATE articles SET {', '.join(f'{c} = :{c}' for c in values)}"
                     f" WHERE id = :id", {**values, "id": article_id})
        conn.execute("DELETE FROM sections WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM article_authors WHERE article_id = ?", (article_id,))
        store._write_children(article_id, a)


def linked_count(store: Store, article_ids: list[int]) -> int:
    """How many of ``article_ids`` are linked as copies of another article."""
    found = 0
    for start in range(0, len(article_ids), 500):  # SQLite's bound-parameter limit
        chunk = article_ids[start:start + 500]
        found += store.conn.execute(
            f"SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"
            f" AND id IN ({', '.join('?' * len(chunk))})", chunk).fetchone()[0]
    return found

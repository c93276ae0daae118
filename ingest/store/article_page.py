"""The data of one article's page in Datasette (``ingest serve``): the article with its
authors and roles, body sections, provenance, revisions and duplicates.

Runs on the connection Datasette gives (its async ``Database``: ``await db.execute(sql,
params)`` returning rows), read-only, so it works on whatever database Datasette serves; the
plugin (ingest/serve_plugins/article_page.py) passes it in.
"""

from __future__ import annotations

import json


def _rows(result) -> list[dict]:
    return [dict(r) for r in result.rows]


async def article_context(db, article_id: int) -> dict | None:
    found = _rows(await db.execute("SELECT * FROM articles WHERE id = ?", [article_id]))
    if not found:
        return None
    a = found[0]
    try:
        provenance = json.loads(a.get("provenance") or "{}")
    except json.JSONDecodeError:
        provenance = {"(unreadable)": a.get("provenance")}
    try:
        tags = json.loads(a.get("tags") or "[]")
    except json.JSONDecodeError:
        tags = []
    authors = _rows(await db.execute(
        "SELECT au.id, au.name, au.url, aa.role FROM article_authors aa "
        "JOIN authors au ON au.id = aa.author_id WHERE aa.article_id = ? ORDER BY aa.position",
        [article_id]))
    sections = _rows(await db.execute(
        "SELECT position, heading, paragraphs, text FROM sections WHERE article_id = ? "
        "ORDER BY position", [article_id]))
    for s in sections:
        try:
            s["paragraphs"] = json.loads(s["paragraphs"] or "[]") or [s["text"]]
        except (json.JSONDecodeError, TypeError):
            s["paragraphs"] = [p for p in (s["text"] or "").split("\n\n") if p]
    revisions = _rows(await db.execute(
        "SELECT id, headline, word_count, first_seen_at, last_seen_at FROM revisions "
        "WHERE article_id = ? ORDER BY first_seen_at DESC, id DESC", [article_id]))
    copies = _rows(await db.execute(
        "SELECT id, headline, site, canonical_url, similarity FROM articles "
        "WHERE duplicate_of = ? ORDER BY id", [article_id]))
    original = None
    if a.get("duplicate_of") is not None:
        got = _rows(await db.execute(
            "SELECT id, headline, site, canonical_url FROM articles WHERE id = ?",
            [a["duplicate_of"]]))
        original = got[0] if got else None
    return {**a, "provenance": provenance, "tags": tags, "authors": authors,
            "sections": sections, "revisions": revisions, "copies": copies,
            "original": original}

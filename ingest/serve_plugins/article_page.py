"""Datasette plugin loaded by ``ingest serve`` (``--plugins-dir``): the data of the article
page, and facets drawn once (see asgi_wrapper below). For the row page of ``articles`` it adds ``article`` (authors with roles and links,
body sections with headings, provenance, revisions, duplicates) to the template's context;
the template is ``ingest/serve_templates/article_row.html``. Other pages are left alone.
"""

from __future__ import annotations

import json

from datasette import hookimpl


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


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    if view_name != "row" or table != "articles" or request is None:
        return {}

    async def inner():
        pks = request.url_vars.get("pks", "")
        try:
            article_id = int(pks)
        except ValueError:
            return {}
        return {"article": await article_context(datasette.get_database(database), article_id)}

    return inner


# Datasette 0.65 draws a facet twice when the URL asks (?_facet=site) for one the metadata
# already sets: this drops such URL parameters, so a facet is drawn once however the URL
# was written (the README's and bookmarked URLs included).
def _configured_facets(datasette, database: str, table: str) -> set[tuple[str, str]]:
    facets = set()
    for f in (datasette.table_metadata(database, table) or {}).get("facets", []):
        if isinstance(f, str):
            facets.add(("_facet", f))
        elif isinstance(f, dict):
            facets.update((f"_facet_{kind}", col) for kind, col in f.items())
    return facets


def _dedupe_facet_params(datasette, scope: dict) -> dict:
    parts = [p for p in scope.get("path", "").split("/") if p]
    query = scope.get("query_string", b"").decode("latin-1")
    if len(parts) != 2 or "_facet" not in query:
        return scope
    from urllib.parse import parse_qsl, urlencode

    database, table = parts[0], parts[1].split(".")[0]
    configured = _configured_facets(datasette, database, table)
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if (k, v) not in configured]
    if len(kept) == len(pairs):
        return scope
    return {**scope, "query_string": urlencode(kept).encode("latin-1")}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def deduped(scope, receive, send):
            if scope.get("type") == "http":
                scope = _dedupe_facet_params(datasette, scope)
            await app(scope, receive, send)
        return deduped
    return wrap

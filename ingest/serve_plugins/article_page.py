"""Datasette plugin loaded by ``ingest serve`` (``--plugins-dir``): the data of the article
page, and facets drawn once (see asgi_wrapper below). For the row page of ``articles`` it adds ``article`` (authors with roles and links,
body sections with headings, provenance, revisions, duplicates) to the template's context;
the template is ``ingest/serve_templates/article_row.html``. Other pages are left alone.
"""

from __future__ import annotations

from datasette import hookimpl

# The queries are the store's (ingest/store/article_page.py); here only Datasette's hooks.
from ingest.store.article_page import article_context


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

"""`ingest serve`: Datasette on the database, with the project's metadata.

The table and column descriptions are those of ``ingest.store.schema_docs`` (the same text as
docs/schema.md); facets, full-text search, hidden tables and canned queries are configured
here, per table, as data. The article page is a row template (serve_templates/) fed by a
small plugin (serve_plugins/), both shipped in the package.
Datasette is an optional extra: ``pip install 'news-ingest[serve]'``.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from ingest.store.schema_docs import EXAMPLE_QUERIES, TABLES, VIEWS

HERE = Path(__file__).resolve().parents[1]  # ingest/: data shipped beside the packages
# The article page: a row template for articles and the plugin that gives it its data.
ARTICLE_TEMPLATE = HERE / "serve_templates" / "article_row.html"
PLUGINS_DIR = HERE / "serve_plugins"

# Bookkeeping an analyst has no use for: hidden from the home page and the database page
# (still reachable by URL and SQL). Why: they were listed first and buried the articles.
HIDDEN_TABLES = ("article_bands", "article_sketches", "page_blocks", "raw_pages",
                 "schema_migrations", "export_cursors", "article_changes", "site_templates",
                 "sqlite_sequence")

# Canned queries with named parameters: Datasette draws a form field for each :name.
# Title -> SQL. An empty :site or :since means "any". Search uses FTS5 snippet() so each
# hit shows its matching words in context ([...] marks them); an empty :q (the form before
# it is filled in) matches the empty phrase '""', i.e. nothing, instead of an FTS5 error.
CANNED_QUERIES: dict[str, str] = {
    "Search articles": (
        "SELECT a.id, a.headline, a.site, a.published_at,\n"
        "  snippet(articles_fts, 2, '[', ']', ' … ', 20) AS snippet\n"
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid\n"
        "WHERE articles_fts MATCH coalesce(nullif(:q, ''), '\"\"') AND a.duplicate_of IS NULL\n"
        "  AND (:site = '' OR a.site = :site)\n"
        "  AND (:since = '' OR a.published_at >= :since)\n"
        "ORDER BY rank LIMIT 50"
    ),
    "Articles of an author": (
        "SELECT a.id, a.headline, aa.role, a.site, a.published_at\n"
        "FROM articles a JOIN article_authors aa ON aa.article_id = a.id\n"
        "JOIN authors au ON au.id = aa.author_id\n"
        "WHERE au.name LIKE '%' || :author || '%' AND a.duplicate_of IS NULL\n"
        "  AND (:since = '' OR a.published_at >= :since)\n"
        "ORDER BY a.published_at DESC"
    ),
    "Newest articles of a site": (
        "SELECT id, headline, authors, published_at, section FROM latest_articles\n"
        "WHERE (:site = '' OR site = :site) AND (:since = '' OR published_at >= :since)\n"
        "LIMIT 100"
    ),
    "Why pages were not stored": (
        "SELECT outcome, reason, count(*) AS pages FROM pages\n"
        "WHERE outcome NOT IN ('stored', 'updated', 'unchanged')\n"
        "  AND (:site = '' OR site = :site)\n"
        "GROUP BY 1, 2 ORDER BY 3 DESC"
    ),
}
# docs/schema.md examples with hard-coded terms that a form above replaces in Datasette.
REPLACED_EXAMPLES = ("Full-text search, best match first",
                     "Articles of one author with their role")

# What Datasette shows first for a table: facets analysts filter by, full-text search, order.
# "authors" in latest_articles is a JSON list, hence an array facet (one bucket per author).
TABLE_OPTIONS: dict[str, dict] = {
    "articles": {
        "facets": ["site", "section", "authors_text"],
        "fts_table": "articles_fts", "fts_pk": "id",
        "sort_desc": "published_at",
        "label_column": "headline",
    },
    "latest_articles": {
        "facets": ["site", "section", {"array": "authors"}],
        "fts_table": "articles_fts", "fts_pk": "id",
    },
    "authors": {"label_column": "name", "sort": "name"},
    "author_stats": {"sort_desc": "articles"},
    "pages": {"facets": ["site", "outcome", "reason"], "sort_desc": "fetched_at"},
    "crawl_runs": {"sort_desc": "started_at"},
    "articles_by_day": {"facets": ["site"]},
}


class ServeError(Exception):
    pass


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def metadata(db_name: str) -> dict:
    """Datasette metadata for a database opened under the name ``db_name``."""
    tables = {}
    for name, rel in {**TABLES, **VIEWS}.items():
        tables[name] = {"description": rel.description, "columns": dict(rel.columns),
                        **TABLE_OPTIONS.get(name, {})}
    for name in HIDDEN_TABLES:  # sqlite_sequence is SQLite's own, with no description
        tables.setdefault(name, {})["hidden"] = True
    # The parameterised queries first; then the docs' examples a form does not replace.
    queries = {_slug(title): {"title": title, "sql": sql}
               for title, sql in CANNED_QUERIES.items()}
    for title, sql in EXAMPLE_QUERIES.items():
        if title not in REPLACED_EXAMPLES and _slug(title) not in queries:
            queries[_slug(title)] = {"title": title, "sql": sql}
    return {
        "title": "news-ingest: tech news articles",
        "description": "Articles crawled by news-ingest. Tables and columns are described in "
                       "docs/schema.md. Search with the Search articles query (snippets of each "
                       "hit); open an article's row for its page.",
        "databases": {db_name: {"tables": tables, "queries": queries}},
    }


def write_config(db: Path, folder: Path) -> list[str]:
    """Write metadata and templates for ``db`` into ``folder``; the Datasette arguments."""
    meta = folder / "metadata.json"
    meta.write_text(json.dumps(metadata(db.stem), indent=2, ensure_ascii=False))
    templates = folder / "templates"
    templates.mkdir(exist_ok=True)
    # Datasette picks row-<database>-<table>.html for that table's row pages.
    shutil.copyfile(ARTICLE_TEMPLATE, templates / f"row-{db.stem}-articles.html")
    return ["--metadata", str(meta), "--template-dir", str(templates),
            "--plugins-dir", str(PLUGINS_DIR)]


def datasette_args(db: Path, config: list[str], host: str, port: int) -> list[str]:
    return ["serve", str(db), *config, "--host", host, "--port", str(port)]


def serve(db: Path, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run Datasette on ``db`` until interrupted (blocks)."""
    if not db.exists():
        raise ServeError(f"no database at {db}; crawl first (make demo) or pass --db")
    try:
        from datasette.cli import cli as datasette_cli
    except ImportError:
        raise ServeError("ingest serve needs Datasette: pip install 'news-ingest[serve]'") \
            from None
    from ingest.store import Store

    with Store(db):  # apply pending migrations, so the views the metadata names exist
        pass
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(db, Path(tmp))
        datasette_cli.main(args=datasette_args(db, config, host, port), prog_name="datasette")

"""`ingest serve`: Datasette on the database, with the project's metadata.

The table and column descriptions are those of ``ingest.store.schema_docs`` (the same text as
docs/schema.md); facets and full-text search are configured here, per table, as data.
Datasette is an optional extra: ``pip install 'news-ingest[serve]'``.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from ingest.store.schema_docs import EXAMPLE_QUERIES, TABLES, VIEWS

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
    queries = {_slug(title): {"title": title, "sql": sql}
               for title, sql in EXAMPLE_QUERIES.items()}
    return {
        "title": "news-ingest: tech news articles",
        "description": "Articles crawled by news-ingest. Tables and columns are described in "
                       "docs/schema.md; search articles with the search box of articles or "
                       "latest_articles.",
        "databases": {db_name: {"tables": tables, "queries": queries}},
    }


def datasette_args(db: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    return ["serve", str(db), "--metadata", str(metadata_path), "--host", host,
            "--port", str(port)]


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
        meta = Path(tmp) / "metadata.json"
        meta.write_text(json.dumps(metadata(db.stem), indent=2, ensure_ascii=False))
        datasette_cli.main(args=datasette_args(db, meta, host, port), prog_name="datasette")

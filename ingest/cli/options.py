"""Options shared by the `ingest` commands, defined once."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ingest import settings


def default_db() -> str:
    """$INGEST_DB when set (read at call time), else settings.py's default."""
    return os.environ.get("INGEST_DB") or settings.INGEST_DB


# `--db PATH` of every command that works on the crawl database (not the demo's own).
db_option = click.option("--db", type=click.Path(path_type=Path), default=default_db,
                         show_default="data/news.db or $INGEST_DB",
                         help="The crawl database.")


def default_sites() -> str:
    """$INGEST_SITES when set (read at call time), else settings.py's default: the sites file
    a crawl would use."""
    return os.environ.get("INGEST_SITES") or settings.INGEST_SITES


def require_db(db: Path) -> Path:
    """``db`` when the database file exists; else the one "no database" error of every
    command that reads a crawl's database (opening it would create an empty one)."""
    if not Path(db).exists():
        raise click.ClickException(f"no database at {db}; crawl first (scrapy crawl news) "
                                   f"or pass --db PATH")
    return db


def open_store(db: Path):
    """The crawl database ``db`` opened (migrated to the current schema), once it exists."""
    from ingest.store import Store

    return Store(require_db(db))

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

"""`ingest runs`: recent crawl runs with their stats (a thin layer over ingest.store.runs)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ingest.cli.options import db_option, require_db
from ingest.store.runs import format_runs, recent_runs


@click.command("runs")
@db_option
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1),
              help="How many of the newest runs to show.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines instead of text.")
def runs(db: Path, limit: int, as_json: bool):
    """List recent crawl runs: requests, responses by status, articles new / updated /
    unchanged, 304s, drops by reason, failed pages (errors), duration; counts are 0, never
    null, in --json.

    \b
    Example:
      ingest runs -n 3
      ingest runs --json | jq .errors
    """
    found = recent_runs(require_db(db), limit)
    if as_json:
        for run in found:
            click.echo(json.dumps(run, ensure_ascii=False))
    else:
        click.echo(format_runs(found))

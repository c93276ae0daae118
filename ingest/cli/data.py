"""The analysts' and downstream jobs' commands: export, stats, serve, schema-docs.

Thin click layers over ingest.jobs.export, ingest.jobs.stats, ingest.jobs.serve and ingest.store.schema_docs;
registered on the `ingest` group in ingest/cli/__init__.py.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from ingest import settings
from ingest.cli.options import db_option, open_store, require_db
from ingest.cli.progress import progress_bar


@click.command("export")
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]),
              required=True, help="jsonl: one record per line; csv: nested fields as JSON "
              "text; parquet: typed columns (needs the parquet extra).")
@click.option("--out", required=True, type=click.Path(allow_dash=True, path_type=Path),
              help="The file to write (replaced at the end, never left half-written); "
              "- for standard output (jsonl, csv). Never the database or its -wal/-shm/"
              "-journal files, nor anything that is not a regular file.")
@click.option("--since", help="Stored time: only articles stored or changed at or after this "
              "ISO 8601 date or time (naive = UTC).")
@click.option("--until", help="Stored time: only articles stored or changed before this.")
@click.option("--published-since", help="Publication time: only articles published at or "
              "after this instant (each article's own offset respected; undated ones left "
              "out).")
@click.option("--published-until", help="Publication time: only articles published before "
              "this instant.")
@click.option("--site", help="Only this site (host name without www.).")
@click.option("--cursor", help="A consumer name: export only what changed since this "
              "cursor's last export, then remember where it got to.")
@click.option("--no-formula-guard", "no_formula_guard", is_flag=True,
              help="CSV: write cells starting with = + - @ tab or CR as they are, without "
              "the leading ' that keeps spreadsheets from running them as formulas.")
def export_cmd(db: Path, fmt: str, out: Path, since: str | None, until: str | None,
               published_since: str | None, published_until: str | None, site: str | None,
               cursor: str | None, no_formula_guard: bool):
    """Export stored articles as JSON Lines, CSV or Parquet, whole or incrementally.

    \b
    Example:
      ingest export --format jsonl --out out/articles.jsonl
      ingest export --format csv --out out/new.csv --cursor warehouse
    """
    from ingest.jobs.export import ExportError, export

    require_db(db)
    try:
        with progress_bar(f"exporting {fmt}") as (on_total, step):
            result = export(db, out, fmt, since=since, site=site, cursor=cursor,
                            until=until, published_since=published_since,
                            published_until=published_until,
                            progress=step, on_total=on_total,
                            formula_guard=not no_formula_guard)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    note = f" (cursor {result.cursor} now at change {result.cursor_seq})" if cursor else ""
    where = "standard output" if str(out) == "-" else result.path
    click.echo(f"{result.rows} articles -> {where}{note}", err=True)


@click.command("stats")
@db_option
@click.option("--site", help="Only this site.")
@click.option("--recent-days", default=settings.INGEST_STATS_RECENT_DAYS, show_default=True,
              type=click.IntRange(1), help="The window compared with the site's history "
              "(INGEST_STATS_RECENT_DAYS).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def stats_cmd(db: Path, site: str | None, recent_days: int, as_json: bool):
    """Per site: articles and the share that have each field; warns when a site's recent
    coverage of a field falls well below its history (its markup may have changed).

    \b
    Example:
      ingest stats --db data/demo.db
    """
    from ingest.jobs.stats import format_table, site_stats

    with open_store(db) as store:
        stats = site_stats(store, recent_days=recent_days, site=site)
    if as_json:
        click.echo(json.dumps([asdict(s) for s in stats], indent=2))
        return
    click.echo(format_table(stats) if stats else "no articles")
    for s in stats:
        for warning in s.warnings:
            click.echo(f"warning: {warning}", err=True)


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option("--print-metadata", is_flag=True,
              help="Print the Datasette metadata JSON and exit (for datasette publish).")
def serve_cmd(db: Path, host: str, port: int, print_metadata: bool):
    """Browse the database in Datasette, with table and column descriptions, facets on
    site, section and author, and full-text search on articles.

    \b
    Example:
      ingest serve --db data/demo.db    # then open http://127.0.0.1:8001/
    """
    from ingest.jobs.serve import ServeError, metadata, serve

    if print_metadata:
        click.echo(json.dumps(metadata(db.stem), indent=2, ensure_ascii=False))
        return
    require_db(db)
    try:
        serve(db, host=host, port=port)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("schema-docs")
@click.option("--out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write [default: docs/schema.md].")
@click.option("--check", is_flag=True, help="Only check that the file is up to date "
              "(exit 1 if not).")
def schema_docs_cmd(out: Path | None, check: bool):
    """Regenerate docs/schema.md from the live schema and ingest/store/schema_docs.py.

    \b
    Example:
      ingest schema-docs --check
    """
    from ingest.store.schema_docs import DOC_PATH, UndocumentedSchema, render

    path = out or DOC_PATH
    try:
        text = render()
    except UndocumentedSchema as exc:
        raise click.ClickException(str(exc)) from None
    current = path.read_text() if path.exists() else None
    if check:
        if current != text:
            raise click.ClickException(f"{path} is out of date: run `ingest schema-docs`")
        click.echo(f"{path}: up to date")
        return
    if current != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        click.echo(f"{path}: written")
    else:
        click.echo(f"{path}: up to date")


COMMANDS = (export_cmd, stats_cmd, serve_cmd, schema_docs_cmd)

"""`ingest frontier`: what the crawl's revisit policy holds back, per site, until when and
why (ingest/crawl/schedule.py), and `ingest frontier reset` to make URLs due again."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import click

from ingest import settings as defaults
from ingest.cli.options import db_option, open_store
from ingest.crawl.schedule import Known, Policy, parse_time, retry_wait
from ingest.store.pages import failed_pages, reset_failures


def _policy() -> Policy:
    return Policy(gone_hours=defaults.INGEST_GONE_RECHECK_HOURS,
                  gone_max_days=defaults.INGEST_GONE_RECHECK_MAX_DAYS,
                  error_hours=defaults.INGEST_ERROR_RETRY_HOURS)


@click.group("frontier", invoke_without_command=True)
@db_option
@click.option("--site", help="Only this site (host without www.).")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(0),
              help="URLs listed per site (the counts cover all).")
@click.pass_context
def frontier(ctx, db: Path, site: str | None, limit: int):
    """Per site: the URLs held back by the revisit policy (404/410, drops, repeated errors),
    when each is due again and why. Uses the default policy settings.

    \b
    Example:
      ingest frontier --db data/news.db --site example.com
      ingest frontier reset --pattern '/tag/'
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_store(db) as store:
        failed = failed_pages(store, site)
    now = datetime.now(timezone.utc)
    held: dict[str, list[tuple[str, str, str]]] = {}
    due: dict[str, int] = {}
    for r in failed:
        known = Known(outcome=r["outcome"], fetched_at=r["fetched_at"], status=r["status"],
                      failures=r["failures"])
        wait = retry_wait(known, _policy())
        last = parse_time(r["fetched_at"])
        if wait is None or last is None or now >= last + wait[0]:
            due[r["site"]] = due.get(r["site"], 0) + 1
            continue
        held.setdefault(r["site"], []).append(
            (r["url"], (last + wait[0]).isoformat(timespec="seconds"), wait[1]))
    if not held and not due:
        click.echo("nothing held back: every URL is due on the next run")
        return
    for name in sorted(set(held) | set(due)):
        rows = held.get(name, [])
        click.echo(f"{name}: {len(rows)} URLs held back, {due.get(name, 0)} failed ones due "
                   f"on the next run")
        for url, when, why in rows[:limit]:
            click.echo(f"  {url}  due {when}  ({why})")
        if len(rows) > limit:
            click.echo(f"  ... {len(rows) - limit} more (--limit)")


@frontier.command("reset")
@db_option
@click.argument("url", required=False)
@click.option("--pattern", help="A regular expression: reset every URL it matches (search).")
def frontier_reset(db: Path, url: str | None, pattern: str | None):
    """Make URL (or every URL matching --pattern) due on the next run.

    \b
    Example:
      ingest frontier reset https://example.com/news/a-story.html
      ingest frontier reset --pattern '^https://example\\.com/tag/'
    """
    if bool(url) == bool(pattern):
        raise click.UsageError("give a URL or --pattern REGEX (one of them)")
    try:
        regex = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise click.BadParameter(f"not a regular expression: {exc}", param_hint="--pattern")
    with open_store(db) as store:
        urls = [url] if regex is None else [p["url"] for p in failed_pages(store)
                                            if regex.search(p["url"])]
        changed = reset_failures(store, urls)
    click.echo(f"{changed} URL(s) reset: due on the next run")

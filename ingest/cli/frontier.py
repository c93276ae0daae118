"""`ingest frontier`: what the crawl's revisit policy holds back, per site, until when and
why (ingest/crawl/schedule.py), and `ingest frontier reset` to make URLs due again."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import click

from ingest import settings as defaults
from ingest.cli.options import db_option, open_store
from ingest.crawl.schedule import Known, Policy, parse_time, retry_wait, waiting
from ingest.store.pages import (failed_pages, quiet_listing_pages, release_host_hold,
                                reset_frontier, retry_holds)


def _policy() -> Policy:
    return Policy.from_settings(lambda name: getattr(defaults, name))


@click.group("frontier", invoke_without_command=True)
@db_option
@click.option("--site", help="Only this site (host without www.).")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(0),
              help="URLs listed per site (the counts cover all).")
@click.pass_context
def frontier(ctx, db: Path, site: str | None, limit: int):
    """Per site: the URLs held back by the revisit policy (404/410, drops, repeated errors,
    listing pages that showed no new link), when each is due again and why, and the hosts
    whose server asked us to wait (Retry-After). Uses the default policy settings.

    \b
    Example:
      ingest frontier --db data/news.db --site example.com
      ingest frontier reset --pattern '/tag/'
      ingest frontier reset --host example.com
    """
    if ctx.invoked_subcommand is not None:
        return
    now = datetime.now(timezone.utc)
    with open_store(db) as store:
        failed = failed_pages(store, site)
        quiet = quiet_listing_pages(store, site)
        holds = retry_holds(store, now)
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
    for r in quiet:
        known = Known(outcome="skipped", fetched_at=r["checked_at"],
                      listing_quiet=r["quiet"], listing_checked_at=r["checked_at"])
        wait = waiting(known, _policy())
        if wait is None or now >= wait[0]:
            due[r["site"]] = due.get(r["site"], 0) + 1
            continue
        held.setdefault(r["site"], []).append(
            (r["url"], wait[0].isoformat(timespec="seconds"), wait[1]))
    for hold in holds:
        click.echo(f"{hold.scope} {hold.target}: no request before {hold.until} "
                   f"({hold.reason})")
    if not held and not due:
        if not holds:
            click.echo("nothing held back: every URL is due on the next run")
        return
    for name in sorted(set(held) | set(due)):
        rows = held.get(name, [])
        click.echo(f"{name}: {len(rows)} URLs held back, {due.get(name, 0)} failed or "
                   f"listing ones due on the next run")
        for url, when, why in rows[:limit]:
            click.echo(f"  {url}  due {when}  ({why})")
        if len(rows) > limit:
            click.echo(f"  ... {len(rows) - limit} more (--limit)")


@frontier.command("reset")
@db_option
@click.argument("url", required=False)
@click.option("--pattern", help="A regular expression: reset every URL it matches (search).")
@click.option("--host", help="Lift the hold a server's Retry-After (429) put on this host.")
def frontier_reset(db: Path, url: str | None, pattern: str | None, host: str | None):
    """Make URL (or every URL matching --pattern) due on the next run: failed URLs, quiet
    listing pages and URLs a 503's Retry-After holds alike; or, with --host, lift the hold a
    429's Retry-After put on a host.

    \b
    Example:
      ingest frontier reset https://example.com/news/a-story.html
      ingest frontier reset --pattern '^https://example\\.com/tag/'
      ingest frontier reset --host example.com
    """
    if sum(map(bool, (url, pattern, host))) != 1:
        raise click.UsageError("give a URL, --pattern REGEX or --host HOST (one of them)")
    if host:
        with open_store(db) as store:
            lifted = release_host_hold(store, host)
        click.echo(f"{lifted} host hold(s) lifted: {host} is requested on the next run"
                   if lifted else f"no hold on {host} (`ingest frontier` lists them)")
        return
    try:
        regex = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise click.BadParameter(f"not a regular expression: {exc}", param_hint="--pattern")
    with open_store(db) as store:
        if regex is None:
            failed = listings = held = [url]
        else:
            failed = [p["url"] for p in failed_pages(store) if regex.search(p["url"])]
            listings = [r["url"] for r in quiet_listing_pages(store) if regex.search(r["url"])]
            held = [h.target for h in retry_holds(store)
                    if h.scope == "url" and regex.search(h.target)]
        # one URL may be failed, a quiet listing and held at once: counted once
        changed = reset_frontier(store, failed=failed, listings=listings, held=held)
    click.echo(f"{len(changed)} URL(s) reset: due on the next run")

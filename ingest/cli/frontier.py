"""`ingest frontier`: what the crawl's revisit policy holds back, per site, until when and
why (ingest/crawl/schedule.py), and `ingest frontier reset` to make URLs due again."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import click

from ingest import settings as defaults
from ingest.cli.options import db_option
from ingest.crawl.schedule import Known, Policy, parse_time, retry_wait, waiting
from ingest.store import crawlstate


def _connect(db: Path) -> sqlite3.Connection:
    if not db.exists():
        raise click.ClickException(f"{db}: no such database; crawl first "
                                   f"(scrapy crawl news) or pass --db PATH")
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    cols = {r[1] for r in conn.execute("PRAGMA table_info(pages)")}
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "failures" not in cols or "listing_pages" not in tables:
        raise click.ClickException(f"{db}: an older database without the revisit policy; "
                                   f"run a crawl (or any ingest command that migrates) first")
    return conn


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
    conn = _connect(db)
    now = datetime.now(timezone.utc)
    sql = ("SELECT url, site, outcome, status, failures, fetched_at FROM pages "
           "WHERE failures > 0" + (" AND site = ?" if site else "") + " ORDER BY site, url")
    held: dict[str, list[tuple[str, str, str]]] = {}
    due: dict[str, int] = {}
    for r in conn.execute(sql, (site,) if site else ()):
        known = Known(outcome=r["outcome"], fetched_at=r["fetched_at"], status=r["status"],
                      failures=r["failures"])
        wait = retry_wait(known, _policy())
        last = parse_time(r["fetched_at"])
        if wait is None or last is None or now >= last + wait[0]:
            due[r["site"]] = due.get(r["site"], 0) + 1
            continue
        held.setdefault(r["site"], []).append(
            (r["url"], (last + wait[0]).isoformat(timespec="seconds"), wait[1]))
    for r in crawlstate.quiet_listings(conn, site):
        known = Known(outcome="skipped", fetched_at=r["checked_at"],
                      listing_quiet=r["quiet"], listing_checked_at=r["checked_at"])
        wait = waiting(known, _policy())
        if wait is None or now >= wait[0]:
            due[r["site"]] = due.get(r["site"], 0) + 1
            continue
        held.setdefault(r["site"], []).append(
            (r["url"], wait[0].isoformat(timespec="seconds"), wait[1]))
    holds = crawlstate.read_holds(conn, now)
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
        conn = _connect(db)
        with conn:
            lifted = crawlstate.release_holds(conn, [host], scope="host")
        click.echo(f"{lifted} host hold(s) lifted: {host} is requested on the next run"
                   if lifted else f"no hold on {host} (`ingest frontier` lists them)")
        return
    try:
        regex = re.compile(pattern) if pattern else None
    except re.error as exc:
        raise click.BadParameter(f"not a regular expression: {exc}", param_hint="--pattern")
    conn = _connect(db)
    if regex is None:
        urls = listings = held = [url]
    else:
        urls = [r[0] for r in conn.execute("SELECT url FROM pages WHERE failures > 0")
                if regex.search(r[0])]
        listings = [r["url"] for r in crawlstate.quiet_listings(conn) if regex.search(r["url"])]
        held = [h.target for h in crawlstate.read_holds(conn)
                if h.scope == "url" and regex.search(h.target)]
    changed = set()   # one URL may be failed, a quiet listing and held at once: counted once
    with conn:
        for u in urls:
            if conn.execute("UPDATE pages SET failures = 0 WHERE url = ? AND failures > 0",
                            (u,)).rowcount:
                changed.add(u)
        changed.update(u for u in listings if crawlstate.reset_listings(conn, [u]))
        changed.update(u for u in held if crawlstate.release_holds(conn, [u], scope="url"))
    click.echo(f"{len(changed)} URL(s) reset: due on the next run")

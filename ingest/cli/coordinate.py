"""`ingest coordinate`: the coordinator of a crawl from several machines (README "Crawling
from several machines"); the library is ingest.crawl.distributed."""

from __future__ import annotations

import sys

import click

from ingest.cli.options import db_option


@click.command("coordinate")
@click.option("--redis", "redis_url", required=True, metavar="URL",
              help="The shared Redis: redis://HOST:6379/0, rediss:// for TLS, "
                   "redis://:PASSWORD@HOST:6379/0 with a password.")
@db_option
@click.option("--site", help="Only this site of the sites file.")
@click.option("--start", metavar="URL", help="An ad-hoc site: that URL's host only.")
@click.option("--sites-file", type=click.Path(dir_okay=False), default=None,
              help="The sites file (default: INGEST_SITES or sites.toml).")
@click.option("--forever", is_flag=True,
              help="Do not stop when the frontier is empty: seed it again every "
                   "INGEST_REDIS_RESEED_SECONDS.")
@click.option("--set", "-s", "overrides", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy/ingest setting, as with scrapy crawl -s.")
def coordinate(redis_url, db, site, start, sites_file, forever, overrides):
    """Seed the shared frontier, decide on what workers find, store their results.

    \b
    Workers, on any number of machines:
      scrapy crawl news -s INGEST_REDIS_URL=redis://HOST:6379/0
    Examples:
      ingest coordinate --redis redis://10.0.0.5:6379/0 --db data/news.db
      ingest coordinate --redis redis://10.0.0.5:6379/0 --site example --forever
    """
    from ingest.crawl.distributed.run import coordinate as run

    if site and start:
        raise click.UsageError("give --site or --start, not both")
    values = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--set {item!r}: write NAME=VALUE")
        values[name] = value
    sys.exit(run(redis_url, db=str(db), site=site, start=start, forever=forever,
                 sites_file=sites_file, overrides=values))

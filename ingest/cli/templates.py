"""`ingest reextract` and `ingest templates`: thin layers over ingest.jobs.reextract and
ingest.store.templates."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ingest import settings
from ingest.cli.options import db_option, default_sites, open_store, require_db
from ingest.cli.progress import progress_bar


def _profiles(sites_file: Path):
    from ingest.sites import SitesError, load_sites

    if not sites_file.exists():
        return {}
    try:
        return load_sites(sites_file)
    except SitesError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("reextract")
@db_option
@click.option("--site", "site_name", help="Only this site: a sites.toml name or a host "
              "(default: every stored site).")
@click.option("--jobs", "-j", default=os.cpu_count() or 1, show_default="CPU count",
              type=click.IntRange(1), help="Worker processes.")
@click.option("--sites-file", type=click.Path(path_type=Path),
              default=default_sites,
              show_default="sites.toml or $INGEST_SITES", help="Site profiles to extract with.")
@click.option("--min-share", type=click.FloatRange(0, 1, min_open=True),
              default=settings.INGEST_TEMPLATE_MIN_SHARE, show_default=True,
              help="Template: a block on at least this share of a site's articles "
                   "(INGEST_TEMPLATE_MIN_SHARE).")
@click.option("--min-pages", type=click.IntRange(2), default=settings.INGEST_TEMPLATE_MIN_PAGES,
              show_default=True, help="... and on at least this many (INGEST_TEMPLATE_MIN_PAGES).")
def reextract(db: Path, site_name: str | None, jobs: int, sites_file: Path, min_share: float,
              min_pages: int):
    """Re-run extraction over the stored raw pages: relearn each site's template, update
    articles, authors, sections and full-text, write a revision only where the content
    changed, and link duplicates again.

    \b
    Example:
      ingest reextract --db data/news.db --site arstechnica -j 2
    """
    from ingest.jobs.reextract import reextract as run

    require_db(db)
    try:
        with progress_bar("re-extracting") as (on_total, step):
            report = run(db, site=site_name, jobs=jobs, profiles=_profiles(sites_file),
                         min_share=min_share, min_pages=min_pages,
                         min_words=settings.INGEST_MIN_WORDS,
                         duplicate_threshold=settings.INGEST_DUPLICATE_SIMILARITY,
                         progress=step, on_start=on_total)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())


@click.group("templates")
def templates():
    """Inspect and veto the learned site templates.

    \b
    Example:
      ingest templates show --site example.com
    """


@templates.command("show")
@db_option
@click.option("--site", "site_name", help="Only this site (host).")
@click.option("--all", "show_all", is_flag=True,
              help="Also candidates below the threshold and vetoed blocks.")
def templates_show(db: Path, site_name: str | None, show_all: bool):
    """List template blocks: fingerprint, pages seen / site pages, state, example text.

    \b
    Example:
      ingest templates show --db data/news.db --site example.com --all
    """
    from ingest.store.templates import template_blocks

    with open_store(db) as store:
        rows = template_blocks(store, site_name, show_all=show_all)
    for site, fp, seen, total, is_t, keep, text in rows:
        state = "kept" if keep else ("template" if is_t else "candidate")
        text = " ".join(text.split())
        click.echo(f"{site}\t{fp}\t{seen}/{total}\t{state}\t{text[:80]}")
    if not rows:
        click.echo("no template blocks (crawl more pages of the site, or see --all)", err=True)


@templates.command("keep")
@db_option
@click.argument("site")
@click.argument("fingerprint")
@click.option("--undo", is_flag=True, help="Lift the veto: the block is template again.")
def templates_keep(db: Path, site: str, fingerprint: str, undo: bool):
    """Veto one block of SITE's template (it stays in articles); then run `ingest reextract`.

    \b
    Example:
      ingest templates keep example.com 3f9a0c1d2e4b5a69
      ingest reextract --site example.com
    """
    from ingest.store.templates import keep_block

    with open_store(db) as store:
        if not keep_block(store, site, fingerprint, keep=not undo):
            raise click.ClickException(
                f"no block {fingerprint} for site {site}; list them with "
                f"`ingest templates show --site {site} --all`")
    click.echo(f"{site} {fingerprint}: {'template again' if undo else 'kept'}; "
               f"run `ingest reextract --site {site}` to apply")


COMMANDS = (reextract, templates)

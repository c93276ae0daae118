"""The `ingest` command: thin calls into the library. `ingest --help` lists the commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from itemadapter import ItemAdapter

from . import cli_data, cli_frontier, cli_runs, cli_templates
from .extract import extract_article


@click.group()
@click.version_option(package_name="news-ingest")
def main():
    """Crawl tech news sites into clean article records in SQLite."""


def _record(path: Path, url: str, profile=None) -> dict:
    return ItemAdapter(extract_article(path.read_bytes(), url, profile)).asdict()


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--url", help="The page's URL (default: file:// URL of PATH). "
              "For a folder, the base URL that each file's relative path is joined to.")
@click.option("--site", "site_name", help="Use this site's profile from sites.toml.")
@click.option("--sites-file", default="sites.toml", show_default=True,
              type=click.Path(path_type=Path), help="The sites file for --site.")
def extract(path: Path, url: str | None, site_name: str | None, sites_file: Path):
    """Extract the article record of an HTML FILE (JSON) or of every .html file in a
    folder (JSON Lines, one record per line)."""
    profile = None
    if site_name:
        from .sites import SitesError, load_sites
        try:
            profile = load_sites(sites_file)[site_name]
        except (SitesError, KeyError) as exc:
            raise click.ClickException(f"--site {site_name}: {exc}") from None
    if path.is_file():
        record = _record(path, url or path.resolve().as_uri(), profile)
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    files = sorted(p for p in path.rglob("*") if p.suffix in (".html", ".htm") and p.is_file())
    for f in files:
        rel = f.relative_to(path).as_posix()
        page_url = (url.rstrip("/") + "/" + rel) if url else f.resolve().as_uri()
        click.echo(json.dumps(_record(f, page_url, profile), ensure_ascii=False))


@main.command()
@click.option("--db", default="data/demo.db", show_default=True, type=click.Path(path_type=Path),
              help="The database the demo crawl writes.")
@click.option("--site-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Serve this folder instead of the bundled demo site.")
def demo(db: Path, site_dir: Path | None):
    """Serve the bundled demo site on 127.0.0.1, crawl it into --db, print a summary."""
    from .demo import DEMO_SITE, run_crawl, serve_directory, summary

    with serve_directory(site_dir or DEMO_SITE) as base_url:
        click.echo(f"serving {site_dir or DEMO_SITE} at {base_url}", err=True)
        result = run_crawl(base_url, db.resolve())
    if result.returncode != 0:
        raise click.ClickException(f"the crawl failed (exit code {result.returncode})")
    click.echo(summary(db))


@main.group()
def sites():
    """Inspect sites.toml."""


@sites.command("check")
@click.argument("path", default="sites.toml", type=click.Path(path_type=Path))
def sites_check(path: Path):
    """Validate the sites file PATH; names the fix for each mistake."""
    from .sites import SitesError, load_sites

    try:
        profiles = load_sites(path)
    except SitesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for name, p in profiles.items():
        state = "" if p.enabled else " (disabled)"
        click.echo(f"{name}{state}: {len(p.start_urls)} start URLs, {len(p.feeds)} feeds, "
                   f"{len(p.sitemaps)} sitemaps, hosts {', '.join(p.hosts)}")
    click.echo(f"{path}: {len(profiles)} sites, ok")


main.add_command(cli_frontier.frontier)  # `ingest frontier`: the revisit policy, per site
main.add_command(cli_runs.runs)  # `ingest runs`: recent crawl runs with their stats

# reextract, templates: learned site templates and re-extraction of the stored pages.
for _command in cli_templates.COMMANDS:
    main.add_command(_command)

# export, stats, serve, schema-docs: the analysts' and downstream jobs' commands.
for _command in cli_data.COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()

"""The `ingest` command: thin calls into the library. `ingest --help` lists the commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from itemadapter import ItemAdapter

from ingest import settings
from ingest.cli import data as cli_data
from ingest.cli import frontier as cli_frontier
from ingest.cli import runs as cli_runs
from ingest.cli import templates as cli_templates
from ingest.cli.options import default_sites
from ingest.extract import extract_article
from ingest.store.errors import DatabaseError, database_problem


class IngestGroup(click.Group):
    """Every command: a database that cannot be read or written (read-only, corrupt, not
    SQLite) is one line naming the fix and exit status 2 (ingest.crawl.exitstatus), not a
    traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DatabaseError as exc:
            from ingest.crawl.exitstatus import USAGE

            click.echo(f"error: {database_problem(exc, where='the database (--db)')}", err=True)
            ctx.exit(USAGE)


@click.group(cls=IngestGroup)
@click.version_option(package_name="news-ingest")
def main():
    """Crawl tech news sites into clean article records in SQLite.

    \b
    Examples:
      ingest sites check
      ingest runs -n 3
      ingest export --format jsonl --out out/articles.jsonl
    """


# A page with a NUL byte in its first bytes is binary (an image, a PDF, a zip), not HTML:
# extraction would find nothing in it, so it is reported as such rather than "no headline".
BINARY_SNIFF_BYTES = 1024


def _not_an_article(data: bytes, article) -> str | None:
    """Why this page is not an article (the crawl's validate pipeline's reasons), or None."""
    from ingest.extract.records import article_problem

    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return "not an article: binary data, not an HTML page"
    return article_problem(article, settings.INGEST_MIN_WORDS)


def _as_text(record: dict, markdown: bool) -> str:
    """The article for reading: headline, byline, date, then the body under its headings."""
    lines = [f"# {record['headline']}" if markdown else record["headline"] or ""]
    meta = " · ".join(x for x in (record["byline"], record["published_at"]) if x)
    if meta:
        lines.append(f"*{meta}*" if markdown else meta)
    for section in record["sections"]:
        if section["heading"]:
            lines += ["", f"## {section['heading']}" if markdown else section["heading"]]
        for paragraph in section["paragraphs"]:
            lines += ["", paragraph]
    return "\n".join(lines)


def _render(record: dict, fmt: str, *, one_line: bool) -> str:
    if fmt == "json":
        return json.dumps(record, ensure_ascii=False, indent=None if one_line else 2)
    return _as_text(record, markdown=fmt == "markdown")


@main.command()
@click.argument("path", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("--url", help="The page's URL (default: file:// URL of PATH). "
              "For a folder, the base URL that each file's relative path is joined to.")
@click.option("--site", "site_name", help="Use this site's profile from sites.toml.")
@click.option("--sites-file", default=default_sites,
              show_default="INGEST_SITES or sites.toml",
              type=click.Path(path_type=Path), help="The sites file for --site.")
@click.option("--format", "fmt", type=click.Choice(["json", "text", "markdown"]),
              default="json", show_default=True,
              help="json: the record; text or markdown: the article to read.")
def extract(path: Path, url: str | None, site_name: str | None, sites_file: Path, fmt: str):
    """Extract the article record of an HTML file (JSON), of standard input (PATH "-"), or
    of every .html file in a folder (JSON Lines, one record per line). A page that is not an
    article prints the reason, as a crawl would drop it, and exits 1.

    \b
    Examples:
      ingest extract page.html --url https://example.com/news/a.html
      curl -s https://example.com/news/a.html | ingest extract - --format markdown
      ingest extract pages/ --url https://example.com/ > records.jsonl
    """
    profile = None
    if site_name:
        from ingest.sites import SitesError, load_sites
        try:
            profiles = load_sites(sites_file)
        except SitesError as exc:
            raise click.ClickException(f"--site {site_name}: {exc}") from None
        if site_name not in profiles:
            raise click.ClickException(f"--site {site_name}: {sites_file} has no site named "
                                       f"'{site_name}'; sites: {', '.join(sorted(profiles))}")
        profile = profiles[site_name]
    if str(path) == "-" or path.is_file():
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        page_url = url or ("file:///dev/stdin" if str(path) == "-" else path.resolve().as_uri())
        article = extract_article(data, page_url, profile)
        reason = _not_an_article(data, article)
        if reason:
            click.echo(f"{path}: {reason}", err=True)
            sys.exit(1)
        click.echo(_render(ItemAdapter(article).asdict(), fmt, one_line=False))
        return
    files = sorted(p for p in path.rglob("*") if p.suffix in (".html", ".htm") and p.is_file())
    for f in files:
        rel = f.relative_to(path).as_posix()
        page_url = (url.rstrip("/") + "/" + rel) if url else f.resolve().as_uri()
        record = ItemAdapter(extract_article(f.read_bytes(), page_url, profile)).asdict()
        click.echo(_render(record, fmt, one_line=True) + ("" if fmt == "json" else "\n"))


@main.command()
@click.option("--db", default="data/demo.db", show_default=True, type=click.Path(path_type=Path),
              help="The database the demo crawl writes.")
@click.option("--site-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Serve this folder instead of the bundled demo site.")
@click.option("--port", default=None, type=click.IntRange(1, 65535),
              help="The port to serve on; the same every run, so that a second run stores "
              "nothing new [default: 8765].")
def demo(db: Path, site_dir: Path | None, port: int | None):
    """Serve the bundled demo site on 127.0.0.1, crawl it into --db, print a summary.
    Run it again and it stores nothing new (the same URLs, unchanged pages).

    \b
    Example:
      ingest demo --db data/demo.db
      sqlite3 data/demo.db "select headline, published_at from articles"
    """
    from ingest.jobs.demo import DEMO_PORT, DEMO_SITE, run_crawl, serve_directory, summary

    wanted = port or DEMO_PORT
    with serve_directory(site_dir or DEMO_SITE, port=wanted, fallback=True) as base_url:
        if not base_url.endswith(f":{wanted}/"):
            click.echo(f"warning: port {wanted} is busy, serving on {base_url} instead: its "
                       f"URLs differ from earlier demo runs', so this run stores its articles "
                       f"again as new rows; free port {wanted} or pass --port PORT", err=True)
        click.echo(f"serving {site_dir or DEMO_SITE} at {base_url}", err=True)
        result = run_crawl(base_url, db.resolve())
    if result.returncode != 0:
        raise click.ClickException(f"the crawl failed (exit code {result.returncode})")
    click.echo(summary(db))


@main.group()
def sites():
    """Inspect sites.toml.

    \b
    Example:
      ingest sites check
    """


@sites.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def sites_check(path: Path | None):
    """Validate the sites file PATH (default: the one a crawl uses, $INGEST_SITES or
    sites.toml); prints every mistake, each naming its fix, and exits 1 if there are any.

    \b
    Example:
      ingest sites check
      INGEST_SITES=/etc/news/sites.toml ingest sites check
    """
    from ingest.sites import SitesError, load_sites

    path = path or Path(default_sites())
    try:
        profiles = load_sites(path)
    except SitesError as exc:
        for line in str(exc).splitlines():
            click.echo(f"error: {line}", err=True)
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

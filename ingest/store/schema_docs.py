"""What every table, column, view and trigger of the database means, as data in one place.

``render()`` builds docs/schema.md from the live schema (a fresh database migrated by
``Store``) and these descriptions; ``ingest schema-docs`` writes it, and a test fails when the
file is out of date or a column has no description. ``ingest serve`` gives Datasette the same
descriptions (``ingest.jobs.serve.metadata``), so the two never disagree.

Run ``python -m ingest.store.schema_docs`` (or ``ingest schema-docs``) after changing the schema.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


@dataclass(frozen=True)
class Relation:
    """A table or view: what one row is, and what each column means."""
    description: str
    columns: dict[str, str] = field(default_factory=dict)


TABLES: dict[str, Relation] = {
    "articles": Relation(
        "One row per canonical URL: the latest content of an article.",
        {
            "id": "Row id; referenced by the other tables as article_id.",
            "canonical_url": "rel=canonical / og:url when on the page's own site (its host "
                             "or the profile's hosts), else the page's URL; normalised (no "
                             "fragment, no tracking parameters). Unique.",
            "url": "The URL the article was last fetched from, after redirects.",
            "site": "Host name without \"www.\", e.g. arstechnica.com.",
            "headline": "The article's headline (not the page title with the site name).",
            "byline": "The byline as printed on the page.",
            "published_at": "ISO 8601 with the offset the page states (not converted to UTC: "
                            "substr(published_at, 1, 10) is the publisher's own day).",
            "modified_at": "Last modification time the page states, ISO 8601 with offset.",
            "section": "The site's section or category, e.g. \"News\".",
            "summary": "The page's description.",
            "tags": "JSON list of keywords and tags; query with json_each(tags).",
            "language": "BCP 47 language code, e.g. \"en\".",
            "body_text": "The body as text: headings and paragraphs separated by blank lines.",
            "word_count": "Words in body_text.",
            "content_hash": "sha256 of body_text after whitespace folding; a change here is "
                            "a new revision.",
            "provenance": "JSON object: field name -> where its value came from (json-ld, "
                          "meta:..., selector:sites.toml, heuristic).",
            "authors_text": "The authors' names joined by \", \", for display; the authors "
                            "themselves are in article_authors.",
            "first_seen_at": "When a crawl first stored this article (ISO 8601 UTC).",
            "last_seen_at": "When a crawl last saw it, changed or not (ISO 8601 UTC).",
            "fetched_at": "When the page was last fetched (ISO 8601 UTC).",
            "updated_at": "When this row's content last changed (ISO 8601 UTC).",
            "duplicate_of": "The article this one copies under another URL, if any.",
            "similarity": "How similar this article is to duplicate_of (0 to 1).",
        },
    ),
    "authors": Relation(
        "One row per person, across sites; names differing only in case, accents or spacing "
        "are one author.",
        {
            "id": "Row id; article_authors.author_id.",
            "name": "The name as first seen.",
            "name_key": "The name folded (case, accents, spacing): the identity of an author.",
            "url": "The author's page, when a byline linked to one.",
        },
    ),
    "article_authors": Relation(
        "Who wrote what: one row per author of an article, in byline order.",
        {
            "article_id": "articles.id",
            "author_id": "authors.id",
            "position": "0 for the first author in the byline, 1 for the next, ...",
            "role": "The role printed beside the name on this article, e.g. \"Reporter\".",
        },
    ),
    "sections": Relation(
        "The body of each article in reading order: the lead (no heading), then one row per "
        "heading.",
        {
            "id": "Row id.",
            "article_id": "articles.id",
            "position": "0 for the first section, 1 for the next, ...",
            "heading": "The section's heading; NULL for the lead.",
            "text": "The section's paragraphs joined by blank lines.",
            "paragraphs": "JSON list of the section's paragraphs.",
        },
    ),
    "revisions": Relation(
        "Each distinct content of an article (by content_hash), with when it was seen.",
        {
            "id": "Row id.",
            "article_id": "articles.id",
            "content_hash": "sha256 of body_text after whitespace folding.",
            "headline": "The headline of this revision.",
            "summary": "The summary of this revision.",
            "body_text": "The body of this revision.",
            "word_count": "Words in body_text.",
            "published_at": "published_at as this revision stated it.",
            "modified_at": "modified_at as this revision stated it.",
            "first_seen_at": "When this content was first seen (ISO 8601 UTC).",
            "last_seen_at": "When this content was last seen (ISO 8601 UTC).",
            "run_id": "crawl_runs.id of the crawl that first stored it.",
        },
    ),
    "pages": Relation(
        "Every URL a crawl fetched, with its latest outcome: stored, updated, unchanged, "
        "duplicate, dropped (with the reason), error, not_modified, skipped or refused.",
        {
            "url": "The URL requested.",
            "canonical_url": "The article's canonical URL, when the page was one.",
            "site": "Host name without \"www.\".",
            "status": "HTTP status of the last fetch.",
            "outcome": "What became of the page: stored, updated, unchanged, duplicate, "
                       "dropped, error, not_modified, skipped, refused (the network guard "
                       "would not connect: a private address).",
            "reason": "Why it was dropped or failed, in words.",
            "etag": "The ETag the server gave (for conditional requests).",
            "last_modified": "The Last-Modified header the server gave.",
            "content_hash": "content_hash of the article on this page.",
            "first_fetched_at": "First fetch (ISO 8601 UTC).",
            "fetched_at": "Last fetch (ISO 8601 UTC).",
            "fetch_count": "How many times it was fetched.",
            "run_id": "crawl_runs.id of the last fetch.",
            "checked_at": "When a conditional request last found the page unchanged (HTTP "
                          "304), ISO 8601 UTC.",
            "failures": "Failed fetches in a row (404/410, a drop, an error); 0 after a "
                        "success. The next try waits longer with each (`ingest frontier`; "
                        "`ingest frontier reset` sets it to 0).",
        },
    ),
    "discovered": Relation(
        "URLs that feeds and sitemaps listed, with what they said about each (so a later "
        "crawl can tell whether the page changed since it was fetched).",
        {
            "url": "The URL listed.",
            "site": "Host name without \"www.\".",
            "source": "The feed or sitemap that listed it last.",
            "lastmod": "Newest date a feed or sitemap gave for it (ISO 8601 UTC).",
            "title": "news:title or the feed item's title.",
            "published_at": "news:publication_date or the feed's pubDate/published.",
            "fetched_lastmod": "The lastmod that was current when the page was last fetched.",
            "first_seen_at": "When a feed or sitemap first listed it (ISO 8601 UTC).",
            "last_seen_at": "When one last listed it (ISO 8601 UTC).",
        },
    ),
    "listing_pages": Relation(
        "Listing pages (sections, tags, archives; not start pages) and whether their last "
        "fetches showed new links: one that keeps showing none is fetched more rarely "
        "(`ingest frontier` shows when; `ingest frontier reset` makes it due).",
        {
            "url": "The listing page's URL.",
            "site": "Host name without \"www.\".",
            "quiet": "Fetches in a row that showed no new link (0: the last one did). The "
                     "next fetch waits longer with each.",
            "links": "Links followed from it at its last fetch.",
            "new_links": "Of those, how many had never been fetched before.",
            "checked_at": "Its last fetch (ISO 8601 UTC).",
            "last_new_at": "The last fetch that showed a new link (ISO 8601 UTC).",
        },
    ),
    "retry_holds": Relation(
        "Hosts and URLs whose server answered 429 or 503 with a Retry-After longer than a run "
        "waits: no request goes to them before `until` (`ingest frontier` shows them; "
        "`ingest frontier reset --host HOST` or `reset URL` lifts one).",
        {
            "target": "A host name, lower case (scope host) or a URL (scope url).",
            "scope": "host: a 429, the server limits this client, so the whole host waits; "
                     "url: a 503, that page is unavailable, the others are asked as usual.",
            "until": "No request to the target before this time (ISO 8601 UTC).",
            "status": "The HTTP status that asked us to wait (429 or 503).",
            "url": "The request the server answered so.",
            "reason": "What the server said, in words.",
            "recorded_at": "When the answer came (ISO 8601 UTC).",
        },
    ),
    "raw_pages": Relation(
        "The HTML of each article page as fetched, compressed, with what re-extraction needs "
        "(so improved extraction can be re-run without crawling again).",
        {
            "url": "The URL fetched.",
            "site": "Host name without \"www.\".",
            "canonical_url": "The article's canonical URL.",
            "status": "HTTP status.",
            "content_type": "The Content-Type header.",
            "headers": "JSON: response headers kept for re-extraction.",
            "fetched_at": "When it was fetched (ISO 8601 UTC).",
            "compression": "How body is compressed (zlib).",
            "size": "Bytes of HTML before compression.",
            "sha256": "sha256 of the HTML before compression.",
            "body": "The compressed HTML.",
        },
    ),
    "page_blocks": Relation(
        "The block fingerprints of each article page, counted per site into site_templates.",
        {
            "url": "The page's URL.",
            "site": "Host name without \"www.\".",
            "canonical_url": "The article's canonical URL.",
            "fingerprint": "Fingerprint of one block of the page (structure and text).",
            "seen_at": "When it was seen (ISO 8601 UTC).",
        },
    ),
    "site_templates": Relation(
        "Blocks repeated across a site's pages (navigation chrome learned per site): "
        "candidates seen on two or more pages; is_template where the share rule holds.",
        {
            "site": "Host name without \"www.\".",
            "fingerprint": "The block's fingerprint (page_blocks.fingerprint).",
            "path": "Structural path of the block: tag.class from the root down.",
            "example_text": "The block's text, as an example.",
            "pages_seen": "Distinct articles of the site with this block.",
            "site_pages": "Distinct articles of the site when counted.",
            "is_template": "1: the block is chrome and is removed from the site's articles.",
            "keep": "1: a person vetoed it; never removed.",
            "first_seen_at": "When first seen (ISO 8601 UTC).",
            "last_seen_at": "When last seen (ISO 8601 UTC).",
        },
    ),
    "article_sketches": Relation(
        "A MinHash signature per article, to find near-copies among stored articles.",
        {
            "article_id": "articles.id",
            "minhash": "The MinHash signature (binary).",
        },
    ),
    "fts_deferred": Relation(
        "Bookkeeping of the store pipeline's batches, empty outside one: while it holds its "
        "row (inside a batch's transaction only), new articles are added to articles_fts at "
        "the end of the batch, in the same transaction, instead of one by one by the insert "
        "trigger.",
        {
            "id": "Always 1.",
        },
    ),
    "article_bands": Relation(
        "Locality-sensitive hashing bands of the MinHash signatures: articles sharing a "
        "(band, hash) are candidate near-copies.",
        {
            "band": "Band number.",
            "hash": "Hash of the signature's values in that band.",
            "article_id": "articles.id",
        },
    ),
    "crawl_runs": Relation(
        "One row per crawl: when, which spider and site, and its counts.",
        {
            "id": "Row id.",
            "spider": "The spider's name (news).",
            "site": "The site crawled (-a site=NAME), NULL for all.",
            "args": "JSON: the spider arguments.",
            "started_at": "Start (ISO 8601 UTC).",
            "finished_at": "End (ISO 8601 UTC); NULL while running or after a kill.",
            "status": "running, finished, or the reason Scrapy closed the spider.",
            "requests": "Requests made.",
            "articles_new": "Articles stored for the first time.",
            "articles_updated": "Articles whose content changed.",
            "articles_unchanged": "Articles seen again unchanged.",
            "dropped": "Items dropped by the pipelines.",
            "errors": "Errors logged.",
            "duration_s": "Seconds from start to end.",
            "stats": "JSON: Scrapy's whole stats dict.",
        },
    ),
    "article_changes": Relation(
        "One row per article: seq grows each time the article is inserted or its content "
        "changes. Incremental exports read articles with seq past a cursor.",
        {
            "seq": "Change sequence number, increasing across the database.",
            "article_id": "articles.id (unique).",
            "changed_at": "articles.updated_at at that change (ISO 8601 UTC).",
        },
    ),
    "export_cursors": Relation(
        "One row per export consumer (ingest export --cursor NAME): what it has had.",
        {
            "name": "The cursor's name, chosen by the consumer.",
            "seq": "The last article_changes.seq the consumer's latest export covered.",
            "filters": "JSON: the --since/--site the cursor was made with.",
            "exported_at": "When it last exported (ISO 8601 UTC).",
            "rows": "Records in its last export.",
            "format": "Format of its last export.",
            "path": "File of its last export.",
        },
    ),
    "schema_migrations": Relation(
        "The schema migrations applied to this file (ingest/store/__init__.py MIGRATIONS).",
        {
            "version": "Migration number (position in MIGRATIONS).",
            "applied_at": "When it was applied (ISO 8601 UTC).",
        },
    ),
    "articles_fts": Relation(
        "Full-text index (FTS5, porter stemming, accents folded) over articles' headline, "
        "summary and body_text; rowid = articles.id. Kept in step by triggers on articles. "
        "Query: ... FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE "
        "articles_fts MATCH 'words'.",
        {
            "headline": "articles.headline",
            "summary": "articles.summary",
            "body_text": "articles.body_text",
        },
    ),
}

VIEWS: dict[str, Relation] = {
    "latest_articles": Relation(
        "Articles newest first (by published_at, else first_seen_at), copies of another "
        "article left out, with their authors.",
        {
            "id": "The article's row id (articles.id); open it for the article page.",
            "site": "Host name without \"www.\", e.g. arstechnica.com.",
            "headline": "The article's headline.",
            "authors": "JSON list of author names in byline order.",
            "published_at": "Publication time, ISO 8601 with the offset the page states.",
            "section": "The site's section or category, e.g. \"News\".",
            "summary": "The page's description.",
            "word_count": "Words in the body.",
            "language": "BCP 47 language code, e.g. \"en\".",
            "canonical_url": "The article's canonical URL (unique).",
            "first_seen_at": "When a crawl first stored this article (ISO 8601 UTC).",
            "updated_at": "When its content last changed (ISO 8601 UTC).",
        },
    ),
    "articles_by_day": Relation(
        "Articles per site per publication day (the publisher's own day).",
        {
            "site": "Host name without \"www.\".",
            "day": "YYYY-MM-DD of published_at, as the publisher stated it.",
            "count": "Articles published that day (copies of another article left out).",
        },
    ),
    "author_stats": Relation(
        "One row per author: how many articles, on how many sites, first and last date "
        "(copies of another article left out).",
        {
            "author_id": "The author's row id (authors.id).",
            "name": "The author's name as first printed.",
            "url": "The author's profile page, if the site links one.",
            "articles": "Articles with this author, copies left out.",
            "sites": "Distinct sites the author appears on.",
            "site_names": "Those sites, comma separated.",
            "first_date": "Earliest publication day (YYYY-MM-DD).",
            "last_date": "Latest publication day (YYYY-MM-DD).",
        },
    ),
    "field_coverage": Relation(
        "Per site: the share (0 to 1) of articles that have each field, copies left out. A "
        "sudden drop is a sign the site's markup changed (ingest stats warns about it).",
        {
            "site": "Host name without \"www.\".",
            "articles": "Articles of the site (copies of another article left out).",
            "headline": "Share with a headline.",
            "authors": "Share with at least one author.",
            "published_at": "Share with a publication time.",
            "section": "Share with a section.",
            "two_sections": "Share whose body has at least two sections.",
        },
    ),
}

TRIGGERS: dict[str, str] = {
    "articles_ai": "Indexes a new article in articles_fts.",
    "articles_ad": "Removes a deleted article from articles_fts.",
    "articles_au": "Re-indexes an article whose headline, summary or body_text changed.",
    "articles_changes_ai": "Gives a new article its article_changes seq.",
    "articles_changes_au": "Gives an article whose content changed a new article_changes seq.",
}

# Worked examples for docs/schema.md (a test runs each against the demo database and expects
# rows). Title -> SQL.
EXAMPLE_QUERIES: dict[str, str] = {
    "The ten newest articles": (
        "SELECT site, published_at, headline, authors FROM latest_articles LIMIT 10"
    ),
    "Full-text search, best match first": (
        "SELECT a.headline, a.site, a.published_at\n"
        "FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid\n"
        "WHERE articles_fts MATCH 'cloud OR chips' ORDER BY rank LIMIT 20"
    ),
    "Articles of one author with their role": (
        "SELECT a.headline, aa.role, a.published_at\n"
        "FROM articles a JOIN article_authors aa ON aa.article_id = a.id\n"
        "JOIN authors au ON au.id = aa.author_id\n"
        "WHERE au.name = 'Dolapo Omole' ORDER BY a.published_at DESC"
    ),
    "Articles per tag": (
        "SELECT t.value AS tag, count(*) AS articles\n"
        "FROM articles, json_each(articles.tags) t GROUP BY tag ORDER BY articles DESC"
    ),
    "The headings of an article's body": (
        "SELECT position, heading, length(text) AS chars FROM sections\n"
        "WHERE article_id = (SELECT min(id) FROM articles) ORDER BY position"
    ),
    "Why pages were not stored": (
        "SELECT outcome, reason, count(*) AS pages FROM pages\n"
        "WHERE outcome NOT IN ('stored', 'updated', 'unchanged') GROUP BY 1, 2 ORDER BY 3 DESC"
    ),
    "Articles changed in a crawl, with their earlier revision count": (
        "SELECT a.headline, count(r.id) AS revisions, max(r.first_seen_at) AS latest\n"
        "FROM articles a JOIN revisions r ON r.article_id = a.id\n"
        "GROUP BY a.id ORDER BY revisions DESC, latest DESC LIMIT 20"
    ),
}

# SQLite's own tables and FTS5's shadow tables: internal, not documented.
INTERNAL_PREFIXES = ("sqlite_", "articles_fts_")


class UndocumentedSchema(Exception):
    pass


def live_schema(conn: sqlite3.Connection) -> dict[str, dict]:
    """name -> {type, sql, columns: [(name, type, notnull, default, pk)], indexes, triggers}."""
    out: dict[str, dict] = {}
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    for kind, name, _tbl, sql in rows:
        if kind not in ("table", "view") or name.startswith(INTERNAL_PREFIXES):
            continue
        cols = [(c[1], c[2], bool(c[3]), c[4], c[5])
                for c in conn.execute(f"PRAGMA table_info([{name}])")]
        out[name] = {"type": kind, "sql": sql, "columns": cols, "indexes": [], "triggers": []}
    for kind, name, tbl, sql in rows:
        if tbl not in out:
            continue
        if kind == "index":
            unique = bool(conn.execute(
                "SELECT \"unique\" FROM pragma_index_list(?) WHERE name = ?", (tbl, name)
            ).fetchone()[0])
            cols = [r[2] for r in conn.execute(f"PRAGMA index_info([{name}])")]
            out[tbl]["indexes"].append((name, cols, unique, sql is None))
        elif kind == "trigger":
            out[tbl]["triggers"].append(name)
    return out


def missing_descriptions(schema: dict[str, dict]) -> list[str]:
    """What the live schema has that the descriptions above do not."""
    missing = []
    for name, info in schema.items():
        rel = (VIEWS if info["type"] == "view" else TABLES).get(name)
        if rel is None:
            missing.append(f"{info['type']} {name}")
            continue
        missing += [f"column {name}.{c[0]}" for c in info["columns"] if c[0] not in rel.columns]
        missing += [f"trigger {t}" for t in info["triggers"] if t not in TRIGGERS]
    return missing


def fresh_schema() -> dict[str, dict]:
    """The schema every migration produces, read from a new database file."""
    from ingest.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "schema.db") as store:
            return live_schema(store.conn)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(schema: dict[str, dict] | None = None) -> str:
    schema = schema if schema is not None else fresh_schema()
    missing = missing_descriptions(schema)
    if missing:
        raise UndocumentedSchema(
            "no description for " + ", ".join(missing)
            + ": add it to TABLES, VIEWS or TRIGGERS in ingest/store/schema_docs.py, then run "
            "`ingest schema-docs`")
    lines = [
        "# The database",
        "",
        "<!-- Generated by `ingest schema-docs` from the live schema and the descriptions in",
        "     ingest/store/schema_docs.py. Do not edit by hand: tests/test_schema_docs.py fails when",
        "     this file is out of date. -->",
        "",
        "SQLite, WAL mode (read it while a crawl writes). Default file `data/news.db` "
        "(setting `INGEST_DB`). Times are ISO 8601 text; `published_at` and `modified_at` keep "
        "the publisher's offset, the others are UTC. JSON columns work with SQLite's JSON "
        "functions (`json_each`, `->>`).",
        "",
        "Browse it with `ingest serve` (Datasette, with these descriptions), query it with "
        "`sqlite3`, export it with `ingest export`.",
        "",
        "## Contents",
        "",
    ]
    tables = [n for n, i in schema.items() if i["type"] == "table"]
    views = [n for n, i in schema.items() if i["type"] == "view"]
    order = [t for t in TABLES if t in tables] + [v for v in VIEWS if v in views]
    for name in order:
        kind = schema[name]["type"]
        rel = (VIEWS if kind == "view" else TABLES)[name]
        first = rel.description.split(". ")[0].rstrip(".") + "."
        lines.append(f"- [`{name}`](#{name}) ({kind}): {first}")
    lines.append("")
    for name in order:
        info = schema[name]
        rel = (VIEWS if info["type"] == "view" else TABLES)[name]
        lines += [f"## {name}", "", f"*{info['type']}*. {rel.description}", ""]
        lines += ["| column | type | meaning |", "|---|---|---|"]
        for col, ctype, notnull, default, pk in info["columns"]:
            flags = [f for f, on in (("primary key", pk), ("not null", notnull and not pk))
                     if on]
            if default is not None:
                flags.append(f"default {default}")
            type_text = " ".join(filter(None, [ctype or "any", *(f"· {f}" for f in flags)]))
            lines.append(f"| `{col}` | {_cell(type_text)} | {_cell(rel.columns[col])} |")
        lines.append("")
        if info["indexes"]:
            lines.append("Indexes: " + "; ".join(
                f"`{n}` ({', '.join(c)}{', unique' if u else ''}"
                f"{', automatic' if auto else ''})" for n, c, u, auto in info["indexes"]) + ".")
            lines.append("")
        if info["triggers"]:
            lines.append("Triggers: " + "; ".join(
                f"`{t}`: {TRIGGERS[t]}" for t in sorted(info["triggers"])))
            lines.append("")
        if info["type"] == "view":
            lines += ["```sql", info["sql"].strip() + ";", "```", ""]
    lines += ["## Example queries", ""]
    for title, sql in EXAMPLE_QUERIES.items():
        lines += [f"### {title}", "", "```sql", sql + ";", "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def write(path: Path = DOC_PATH) -> bool:
    """Write the docs; True when the file changed."""
    text = render()
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


if __name__ == "__main__":
    print(f"{DOC_PATH}: {'written' if write() else 'up to date'}")

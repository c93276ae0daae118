"""Re-extraction: run the extractor again over the stored raw pages, in N processes.

Used after a site's template was learnt or the extractor changed (``ingest reextract``):

1. every stored page's block fingerprints are recomputed and counted again, so the template
   follows the current extractor and whatever pages are stored, in no particular order;
2. each site's template is refreshed (``ingest.store.templates.refresh_templates``);
3. every page is extracted again with its site's template, cleaned and validated as a crawl
   does (``ingest.extract.records``), and written back: a new revision where the content hash
   changed, the row, authors and sections updated in place where only other fields changed,
   nothing where nothing changed;
4. duplicates are linked again over the articles written.

Workers get plain data (HTML, profile, template) and return records; only this process
writes to the database.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime

from ingest.extract import decode_html, extract_article
from ingest.extract.records import article_problem, clean_article
from ingest.extract.template import PageBlock, SiteTemplate, page_blocks
from ingest.store import _CONTENT_COLUMNS, Store, _record
from ingest.store.duplicates import DEFAULT_THRESHOLD, link_duplicates
from ingest.store.rawpages import RawPage, count_raw_pages, iter_raw_pages, raw_sites
from ingest.store.templates import (
    DEFAULT_MIN_PAGES,
    DEFAULT_MIN_SHARE,
    keep_blocks_by_site,
    load_template,
    record_page_blocks,
    refresh_templates,
)

# Pages per task sent to a worker: enough to pay for the hand-over, small enough that the
# progress display moves and N workers share the work evenly.
CHUNK_PAGES = 16
# Tasks in flight per worker: keeps workers busy without reading the whole database at once.
IN_FLIGHT_PER_JOB = 3


@dataclass
class ReextractReport:
    pages: int = 0
    updated: int = 0          # content changed: row updated, revision written
    refreshed: int = 0        # same content hash, other fields changed: row updated in place
    unchanged: int = 0
    new: int = 0              # a stored page whose canonical URL had no row (e.g. changed)
    not_articles: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    superseded: int = 0       # an older fetch of a canonical URL a newer page holds
    # (url, why): a crawl stored a newer fetch of the page while it was being re-extracted,
    # so the re-extracted (older) record was not written over it
    stale: list[tuple[str, str]] = field(default_factory=list)
    templates: list[dict] = field(default_factory=list)
    duplicates: int = 0

    def summary(self) -> str:
        if not self.pages:
            return ("no stored raw pages to re-extract: pages are kept by crawls with "
                    "INGEST_KEEP_RAW on (the default); crawl the site first")
        lines = [f"re-extracted {self.pages} pages: {self.updated} updated (new revision), "
                 f"{self.refreshed} refreshed in place, {self.unchanged} unchanged, "
                 f"{self.new} new, {len(self.not_articles)} no longer articles (kept as they "
                 f"were), {self.superseded} superseded by a newer fetch, {len(self.stale)} skipped "
                 f"(a crawl stored a newer fetch meanwhile; run reextract again to include "
                 f"them)"]
        for t in self.templates:
            lines.append(f"template of {t['site']}: {t['template_blocks']} blocks "
                         f"({t['pages']} articles, a block on {t['pages_needed']} or more)")
        lines.append(f"articles linked as duplicates: {self.duplicates}")
        for url, reason in self.not_articles[:10]:
            lines.append(f"  not an article now: {url}: {reason}")
        for url, reason in self.stale[:10]:
            lines.append(f"  skipped: {url}: {reason}")
        return "\n".join(lines)


# --- workers (plain functions of plain data: they run in other processes) -------------------

def _html(page: RawPage) -> str:
    return decode_html(page.body, page.content_type)


def blocks_task(pages: list[RawPage]) -> list[tuple[str, list[PageBlock]]]:
    return [(p.url, page_blocks(_html(p), p.url)) for p in pages]


def extract_task(args) -> list[tuple[str, dict | None, str | None]]:
    """-> (url, record, why it is not an article) for each page."""
    profile, template, min_words, pages = args
    out = []
    for p in pages:
        article = extract_article(_html(p), p.url, profile, fetched_at=p.fetched_at,
                                  template=template)
        problem = article_problem(article, min_words)
        out.append((p.url, None if problem else asdict(clean_article(article)), problem))
    return out


# --- the job --------------------------------------------------------------------------

def resolve_sites(store: Store, name: str | None, profiles: dict | None) -> list[str] | None:
    """--site NAME -> the stored sites (hosts) it means; None for every site."""
    if name is None:
        return None
    stored = raw_sites(store)
    if profiles and name in profiles:
        hosts = [h.removeprefix("www.") for h in profiles[name].hosts]
        return [h for h in hosts if h in stored] or hosts
    if name.removeprefix("www.") in stored:
        return [name.removeprefix("www.")]
    raise ValueError(f"no stored pages for site {name!r}; give a sites.toml name or one of "
                     f"the stored sites: {', '.join(stored) or '(none: crawl first)'}")


def _profile_for(profiles: dict | None) -> dict:
    by_host = {}
    for p in (profiles or {}).values():
        for h in p.hosts:
            by_host.setdefault(h.removeprefix("www."), p)
    return by_host


def _chunks(store: Store, sites) -> Iterator[list[RawPage]]:
    chunk: list[RawPage] = []
    for page in iter_raw_pages(store, sites):
        if chunk and (len(chunk) >= CHUNK_PAGES or chunk[-1].site != page.site):
            yield chunk
            chunk = []
        chunk.append(page)
    if chunk:
        yield chunk


def _run(pool, fn, tasks, jobs):
    """Results of fn over tasks, in task order, with at most jobs*IN_FLIGHT tasks pending."""
    if pool is None:
        for task in tasks:
            yield task, fn(task)
        return
    pending: deque = deque()
    for task in tasks:
        pending.append((task, pool.submit(fn, task)))
        if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
            t, fut = pending.popleft()
            yield t, fut.result()
    while pending:
        t, fut = pending.popleft()
        yield t, fut.result()


def reextract(db_path, *, site: str | None = None, jobs: int = 1, profiles: dict | None = None,
              min_share: float = DEFAULT_MIN_SHARE, min_pages: int = DEFAULT_MIN_PAGES,
              min_words: int = 80, duplicate_threshold: float = DEFAULT_THRESHOLD,
              progress: Callable[[int], None] | None = None,
              on_start: Callable[[int], None] | None = None,
              before_write: Callable[[str], None] | None = None) -> ReextractReport:
    """Re-extract the stored pages of ``site`` (a sites.toml name or a host; all when None).

    ``on_start(total_steps)`` is called once the work is known, ``progress(n)`` as steps
    complete (each page counts twice: fingerprints, then extraction). ``before_write(url)``
    is called after a page was extracted and before its record is written back (the moment
    a concurrent crawl may store a newer fetch; tests use it to make one).
    """
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    report = ReextractReport()
    progress = progress or (lambda n: None)
    with Store(db_path) as store:
        sites = resolve_sites(store, site, profiles)
        total = count_raw_pages(store, sites)
        report.pages = total
        if on_start:
            on_start(2 * total)
        pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
        try:
            _learn(store, sites, pool, jobs, progress)
            touched = sites if sites is not None else raw_sites(store)
            templates = {}
            keeps = keep_blocks_by_site(profiles)
            for s in touched:
                report.templates.append(refresh_templates(store, s, min_share=min_share,
                                                          min_pages=min_pages))
                templates[s] = load_template(store, s, keeps.get(s, ()))
            written = _extract_all(store, sites, pool, jobs, progress, templates,
                                   _profile_for(profiles), min_words, report, before_write)
        finally:
            if pool is not None:
                pool.shutdown()
        # Twice: the first pass indexes every sketch, the second links against all of them.
        for _ in range(2):
            for article_id in written:
                link_duplicates(store, article_id, threshold=duplicate_threshold)
        if written:
            marks = ", ".join("?" * len(written))
            report.duplicates = store.conn.execute(
                f"SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"
                f" AND id IN ({marks})", list(written)).fetchone()[0]
    return report


def _learn(store, sites, pool, jobs, progress) -> None:
    fetched = {}
    tasks = _chunks(store, sites)

    def remember(chunks):
        for chunk in chunks:
            for p in chunk:
                fetched[p.url] = (p.fetched_at, p.canonical_url, p.site)
            yield chunk

    for _chunk, results in _run(pool, blocks_task, remember(tasks), jobs):
        for url, blocks in results:
            seen_at, canonical, s = fetched.pop(url)
            record_page_blocks(store, url, blocks, seen_at=seen_at, canonical_url=canonical,
                               site=s)
        progress(len(results))


def _extract_all(store, sites, pool, jobs, progress, templates, profile_by_site, min_words,
                 report, before_write=None) -> list[int]:
    def tasks():
        for chunk in _chunks(store, sites):
            s = chunk[0].site
            template = templates.get(s) or SiteTemplate(site=s)
            yield (profile_by_site.get(s), template, min_words, chunk)

    written: list[int] = []
    for task, results in _run(pool, extract_task, tasks(), jobs):
        fetched = {p.url: p.fetched_at for p in task[3]}
        digests = {p.url: hashlib.sha256(p.body).hexdigest() for p in task[3]}
        for url, record, problem in results:
            if record is None:
                report.not_articles.append((url, problem))
                continue
            if before_write is not None:
                before_write(url)
            # The check and the write in one (BEGIN IMMEDIATE) transaction: a crawl cannot
            # store a newer fetch between them.
            with store.transaction():
                stale = _stale(store, url, fetched[url], digests[url], record)
                if stale:
                    report.stale.append((url, stale))
                    continue
                outcome, article_id = write_record(store, record, fetched[url])
            setattr(report, outcome, getattr(report, outcome) + 1)
            if article_id is not None and article_id not in written:
                written.append(article_id)
        progress(len(results))
    return written


def _stale(store: Store, url: str, fetched_at: str, sha256: str, record: dict) -> str | None:
    """Why the record extracted from the raw page (``url``, fetched at ``fetched_at``, body
    hash ``sha256``) must not be written back, or None. Run inside the write transaction."""
    row = store.conn.execute("SELECT fetched_at, sha256 FROM raw_pages WHERE url = ?",
                             (url,)).fetchone()
    if row is None:
        return "its raw page was deleted meanwhile"
    if (row[0], row[1]) != (fetched_at, sha256):
        return (f"a crawl stored a newer fetch of the page (fetched {row[0]}) after the one "
                f"re-extracted (fetched {fetched_at})")
    # The crawl writes the article before its raw page: a newer article row from this same
    # URL means its raw page is about to change.
    art = store.conn.execute(
        "SELECT fetched_at FROM articles WHERE canonical_url = ? AND url = ?",
        (_record(record)["canonical_url"], url)).fetchone()
    if art is not None and _later(art[0], fetched_at):
        return (f"the stored article is from a newer fetch (fetched {art[0]}) than the page "
                f"re-extracted (fetched {fetched_at})")
    return None


def _later(a: str | None, b: str | None) -> bool:
    """ISO time a is after b (False when either is missing or unreadable: no claim)."""
    try:
        return datetime.fromisoformat(a) > datetime.fromisoformat(b)
    except (TypeError, ValueError):
        return False


# Fields compared to tell "refreshed" from "unchanged" when the content hash is the same.
_COMPARED = tuple(c for c in _CONTENT_COLUMNS if c not in ("fetched_at",))


def write_record(store: Store, record: dict, fetched_at: str) -> tuple[str, int | None]:
    """Write one re-extracted record -> (outcome, article id)."""
    a = _record(record)
    row = store.conn.execute(
        "SELECT id, url, fetched_at, content_hash FROM articles WHERE canonical_url = ?",
        (a["canonical_url"],)).fetchone()
    if row is not None:
        article_id, url, row_fetched, row_hash = row
        # Several stored pages for one canonical URL: the latest fetch holds the row (for
        # equal times the lexically first URL), whatever order they are processed in.
        if url != a["url"] and ((row_fetched or ""), _neg(url)) > (fetched_at, _neg(a["url"])):
            return "superseded", None
    if row is None or row_hash != a["content_hash"]:
        result, article_id = store.upsert_article(record)
        return ("new" if result == "new" else "updated"), article_id
    if _same(store, article_id, a):
        return "unchanged", article_id
    _refresh(store, article_id, a)
    return "refreshed", article_id


def _neg(text: str) -> tuple:
    """A key that sorts strings in reverse (the lexically first URL wins ties)."""
    return tuple(-ord(c) for c in text) + (1,)


def _same(store: Store, article_id: int, a: dict) -> bool:
    cur = store.conn.execute(f"SELECT {', '.join(_COMPARED)} FROM articles WHERE id = ?",
                             (article_id,))
    row = dict(zip(_COMPARED, cur.fetchone()))
    if any(row[c] != a[c] for c in _COMPARED):
        return False
    authors = store.conn.execute(
        "SELECT au.name, aa.role, au.url FROM article_authors aa JOIN authors au"
        " ON au.id = aa.author_id WHERE aa.article_id = ? ORDER BY aa.position",
        (article_id,)).fetchall()
    if [(x[0], x[1]) for x in authors] != [(" ".join(x["name"].split()), x.get("role"))
                                          for x in a["authors"]]:
        return False
    sections = store.conn.execute(
        "SELECT heading, paragraphs FROM sections WHERE article_id = ? ORDER BY position",
        (article_id,)).fetchall()
    return [(h, json.loads(p)) for h, p in sections] == \
        [(s.get("heading"), list(s.get("paragraphs") or [])) for s in a["sections"]]


def _refresh(store: Store, article_id: int, a: dict) -> None:
    from ingest.store import utcnow_iso

    values = {c: a[c] for c in _CONTENT_COLUMNS}
    values["updated_at"] = utcnow_iso()
    with store.transaction() as conn:
        conn.execute(f"UPDATE articles SET {', '.join(f'{c} = :{c}' for c in values)}"
                     f" WHERE id = :id", {**values, "id": article_id})
        conn.execute("DELETE FROM sections WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM article_authors WHERE article_id = ?", (article_id,))
        store._write_children(article_id, a)

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

Workers get plain data (HTML, profile, template) and return records with their bodies'
duplicate signatures; only this process writes to the database, WRITE_BATCH pages per
transaction (the SQL is ``ingest.store.rewrite``'s).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

from ingest.extract import decode_html, extract_article
from ingest.extract.records import article_problem, clean_article
from ingest.extract.template import PageBlock, SiteTemplate, page_blocks
from ingest.store import Store
from ingest.store.duplicates import MIN_WORDS as SKETCH_MIN_WORDS
from ingest.store.duplicates import link_duplicates, signature
from ingest.store.rawpages import RawPage, count_raw_pages, iter_raw_pages, raw_sites
from ingest.store.rewrite import linked_count, rewrite_article, stale_reason
from ingest.store.templates import (
    keep_blocks_by_site,
    load_template,
    record_page_blocks,
    refresh_templates,
)
from ingest.store.thresholds import check_thresholds

# Pages per task sent to a worker: enough to pay for the hand-over, small enough that the
# progress display moves and N workers share the work evenly.
CHUNK_PAGES = 16
# Tasks in flight per worker: keeps workers busy without reading the whole database at once.
IN_FLIGHT_PER_JOB = 3
# Pages written back per transaction (fingerprints, records, duplicate links): a commit per
# page made the serial parent the bottleneck that extra workers could not help
# (bench/reextract.py); a batch still commits often enough that a concurrent crawl waits
# well under its busy timeout.
WRITE_BATCH = 200


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
    """The page's HTML as text (pages arrive compressed, as stored: inflated here)."""
    page = page.decompressed()
    return decode_html(page.body, page.content_type)


def blocks_task(pages: list[RawPage]) -> list[tuple[str, list[PageBlock]]]:
    return [(p.url, page_blocks(_html(p), p.url)) for p in pages]


def extract_task(args) -> list[tuple[str, dict | None, str | None, bytes | None]]:
    """-> (url, record, why it is not an article, the body's duplicate signature) for each
    page. The signature (MinHash over every shingle) is made here, in the worker, so that
    the one writing process does not spend its time hashing."""
    profile, template, min_words, pages = args
    out = []
    for p in pages:
        article = extract_article(_html(p), p.url, profile, fetched_at=p.fetched_at,
                                  template=template)
        problem = article_problem(article, min_words)
        if problem:
            out.append((p.url, None, problem, None))
            continue
        record = asdict(clean_article(article))
        out.append((p.url, record, None, signature(record["body_text"])
                    if record["word_count"] >= SKETCH_MIN_WORDS else None))
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
    for page in iter_raw_pages(store, sites, decompress=False):
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
              min_share: float, min_pages: int, min_words: int, duplicate_threshold: float,
              progress: Callable[[int], None] | None = None,
              on_start: Callable[[int], None] | None = None,
              before_write: Callable[[str], None] | None = None) -> ReextractReport:
    """Re-extract the stored pages of ``site`` (a sites.toml name or a host; all when None).

    ``min_share``, ``min_pages``, ``min_words`` and ``duplicate_threshold`` are the settings
    INGEST_TEMPLATE_MIN_SHARE, INGEST_TEMPLATE_MIN_PAGES, INGEST_MIN_WORDS and
    INGEST_DUPLICATE_SIMILARITY, passed by the caller (ingest/settings.py has their defaults).
    ``on_start(total_steps)`` is called once the work is known, ``progress(n)`` as steps
    complete (each page counts twice: fingerprints, then extraction). ``before_write(url)``
    is called after a page was extracted and before its record is written back (the moment
    a concurrent crawl may store a newer fetch; tests use it to make one).
    """
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    check_thresholds(template_min_share=min_share, template_min_pages=min_pages,
                     duplicate_similarity=duplicate_threshold)
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
            ids = list(written)
        finally:
            if pool is not None:
                pool.shutdown()
        # Twice: the first pass indexes every sketch, the second links against all of them.
        # Store.batch: no savepoint per link (linking inserts no article; any error fails
        # the job, as it did with savepoints).
        for _ in range(2):
            for start in range(0, len(ids), WRITE_BATCH):
                with store.batch():
                    for article_id in ids[start:start + WRITE_BATCH]:
                        link_duplicates(store, article_id, threshold=duplicate_threshold,
                                        body_signature=written[article_id])
        report.duplicates = linked_count(store, ids)
    return report


def _batches(results, size: int) -> Iterator[list]:
    """The items of an iterable of lists, regrouped into lists of about ``size``."""
    batch: list = []
    for items in results:
        batch.extend(items)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _learn(store, sites, pool, jobs, progress) -> None:
    fetched = {}
    tasks = _chunks(store, sites)

    def remember(chunks):
        for chunk in chunks:
            for p in chunk:
                fetched[p.url] = (p.fetched_at, p.canonical_url, p.site)
            yield chunk

    results = (found for _chunk, found in _run(pool, blocks_task, remember(tasks), jobs))
    for batch in _batches(results, WRITE_BATCH):
        with store.transaction():
            for url, blocks in batch:
                seen_at, canonical, s = fetched.pop(url)
                record_page_blocks(store, url, blocks, seen_at=seen_at,
                                   canonical_url=canonical, site=s)
        progress(len(batch))


def _extract_all(store, sites, pool, jobs, progress, templates, profile_by_site, min_words,
                 report, before_write=None) -> dict[int, bytes | None]:
    def tasks():
        for chunk in _chunks(store, sites):
            s = chunk[0].site
            template = templates.get(s) or SiteTemplate(site=s)
            yield (profile_by_site.get(s), template, min_words, chunk)

    def extracted():
        """(url, record, why not an article, signature, fetched_at, sha256 of the page)."""
        for task, results in _run(pool, extract_task, tasks(), jobs):
            pages = {p.url: p for p in task[3]}
            yield [(url, record, problem, sig, pages[url].fetched_at, pages[url].sha256
                    or hashlib.sha256(pages[url].decompressed().body).hexdigest())
                   for url, record, problem, sig in results]

    # article id -> the duplicate signature of the body last written to it, in write order.
    written: dict[int, bytes | None] = {}
    for batch in _batches(extracted(), WRITE_BATCH):
        pending = []
        for url, record, problem, sig, fetched_at, digest in batch:
            if record is None:
                report.not_articles.append((url, problem))
                continue
            if before_write is not None:  # outside the transaction: a crawl may write here
                before_write(url)
            pending.append((url, record, sig, fetched_at, digest))
        # The checks and the writes in one (BEGIN IMMEDIATE) transaction: a crawl cannot
        # store a newer fetch between a page's check and its write.
        with store.transaction():
            for url, record, sig, fetched_at, digest in pending:
                stale = stale_reason(store, url, fetched_at, digest, record)
                if stale:
                    report.stale.append((url, stale))
                    continue
                outcome, article_id = rewrite_article(store, record, fetched_at)
                setattr(report, outcome, getattr(report, outcome) + 1)
                if article_id is not None:
                    # new, updated, refreshed or unchanged: the row's body is this record's
                    written[article_id] = sig
        progress(len(batch))
    return written

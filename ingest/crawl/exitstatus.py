"""The exit status of `scrapy crawl news` (and what a start-up mistake prints): one place.

    0  done: the crawl ran and fetched at least one page (failures are in its summary), or
       fetched nothing because every server it would ask holds it off with a Retry-After
    1  nothing could be fetched (every site unreachable, refused or failing), or the crawl
       could not run for a reason outside the command line (the crawl lock is held)
    2  usage or configuration error: a bad sites.toml, an unknown site, a bad start URL, a
       database that cannot be written or read

The crawl command (``ingest/crawl/commands/crawl.py``, COMMANDS_MODULE) asks ``crawl_status`` for
the status once the crawl has ended, and ``startup_failure`` for the one line to print when
the spider could not even start.

Other components plug in by calling ``request_status(crawler, code, reason)`` during the
crawl (e.g. a storage failure): the highest requested status wins over the computed one, and
the reason is printed as the last line.
"""

from __future__ import annotations

from ingest.store.errors import DatabaseError, database_problem  # noqa: F401 - one home

OK = 0
NOTHING_FETCHED = 1
USAGE = 2
# A storage failure (full disk, corrupt database) is a configuration error for cron's purposes:
# the run cannot do its job until an operator acts.
STORAGE_FAILED = USAGE

#: stats keys: the status components asked for, and why.
REQUESTED_KEY = "ingest/exit_status"
REASON_KEY = "ingest/exit_reason"
#: stats key the crawl report (ingest.crawl.crawlreport) counts page responses under.
FETCHED_KEY = "ingest/pages/fetched"
#: stats key a distributed worker sets when it ended because the coordinator finished: a
#: worker that found no work left is not a crawl that could fetch nothing.
WORK_DONE_KEY = "ingest/worker/crawl_finished"
#: stats key: requests not sent because a server's Retry-After holds their host
#: (ingest/crawl/holds.py HELD_KEY; the same string, without importing Scrapy-side code here).
HELD_KEY = "ingest/hold/requests"


def request_status(crawler, code: int, reason: str) -> None:
    """Ask for exit status ``code`` (the highest asked for wins), saying why in one line."""
    stats = crawler.stats
    if code > (stats.get_value(REQUESTED_KEY) or 0):
        stats.set_value(REQUESTED_KEY, code)
        stats.set_value(REASON_KEY, reason)


def crawl_status(stats: dict) -> tuple[int, str | None]:
    """(status, a line to print or None) for a crawl that ran, from its final stats."""
    requested = stats.get(REQUESTED_KEY) or OK
    if requested:
        return requested, stats.get(REASON_KEY)
    if not stats.get(FETCHED_KEY) and stats.get(HELD_KEY):
        # Not a failure: the servers asked us to wait (Retry-After), and we did.
        return OK, ("nothing fetched: the servers asked to wait (Retry-After); "
                    "`ingest frontier` shows until when; exit status 0")
    if not stats.get(FETCHED_KEY) and not stats.get(WORK_DONE_KEY):
        return NOTHING_FETCHED, ("nothing could be fetched: no site answered (see the "
                                 "failed pages above); exit status 1")
    return OK, None


def startup_failure(exc: BaseException) -> tuple[int, str]:
    """(status, one line naming the fix) for an exception raised while the crawl started."""
    from ingest.crawl.crawllock import CrawlLocked
    from ingest.sites import SitesError

    if isinstance(exc, SitesError):  # one line per mistake in the file
        return USAGE, "\n".join(f"error: {line}" for line in str(exc).splitlines())
    if isinstance(exc, CrawlLocked):
        return NOTHING_FETCHED, f"error: {exc}"
    if isinstance(exc, DatabaseError):
        return USAGE, f"error: {database_problem(exc)}"
    if isinstance(exc, OSError):
        return USAGE, (f"error: {exc.strerror or exc} ({exc.filename or '?'}); check the "
                       f"path and its permissions (INGEST_DB, INGEST_SITES)")
    return USAGE, f"error: the crawl could not start: {type(exc).__name__}: {exc}"

"""The exit status of `scrapy crawl news`, asked for by components during the crawl.

    0  done
    2  the database cannot be written or read (a full disk, a corrupt file): the crawl
       stopped, and the last line on standard error names the database and the fix

Components call ``request_status(crawler, code, reason)`` (the highest status asked for
wins); the crawl command (``ingest/crawl/commands/crawl.py``, COMMANDS_MODULE) exits with it.
"""

from __future__ import annotations

OK = 0
STORAGE_FAILED = 2

#: stats keys: the status components asked for, and why.
REQUESTED_KEY = "ingest/exit_status"
REASON_KEY = "ingest/exit_reason"


def request_status(crawler, code: int, reason: str) -> None:
    """Ask for exit status ``code`` (the highest asked for wins), saying why in one line."""
    stats = crawler.stats
    if code > (stats.get_value(REQUESTED_KEY) or 0):
        stats.set_value(REQUESTED_KEY, code)
        stats.set_value(REASON_KEY, reason)


def crawl_status(stats: dict) -> int:
    """The exit status of a crawl that ran, from its final stats."""
    return stats.get(REQUESTED_KEY) or OK

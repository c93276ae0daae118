"""One crawl per site and database at a time: a second `scrapy crawl news` of a site that is
still being crawled (a slow hourly cron run overlapping the next) exits with a message
instead of crawling twice.

The lock is an flock(2) on a file beside the database, one per site: ``news.db.lock.<site>``
(plus ``news.db.lock.*`` for a run of every site). The kernel releases it when the process
ends, however it ends, so SIGKILL never leaves a stale lock; the file may stay, which is
harmless. The file holds the owner's pid, for the message.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterable
from pathlib import Path

ALL_SITES = "*"


class CrawlLocked(RuntimeError):
    """Another crawl holds the lock of a site this crawl wants."""


def lock_path(db_path: str | os.PathLike, site: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.*-]", "_", site)
    return Path(f"{db_path}.lock.{safe}")


class SiteLocks:
    """Locks for ``sites`` of the database ``db_path``; ``acquire()`` all or none."""

    def __init__(self, db_path: str | os.PathLike, sites: Iterable[str]):
        self.db_path = Path(db_path)
        self.sites = sorted(set(sites))   # sorted: two crawls never wait on each other in turn
        self._files: dict[str, object] = {}

    @property
    def held(self) -> set[str]:
        return set(self._files)

    def acquire(self) -> "SiteLocks":
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        for site in self.sites:
            path = lock_path(self.db_path, site)
            f = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the crawl
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.seek(0)
                owner = f.read().strip() or "?"
                f.close()
                self.release()
                raise CrawlLocked(
                    f"site '{site}' is already being crawled into {self.db_path} by process "
                    f"{owner} (lock {path}); this run exits without crawling. Let that crawl "
                    f"finish (or stop it); its lock goes away when it ends.") from None
            f.seek(0)
            f.truncate()
            f.write(f"{os.getpid()}\n")
            f.flush()
            self._files[site] = f
        return self

    def release(self) -> None:
        for f in self._files.values():
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)
            finally:
                f.close()
        self._files.clear()

    def __enter__(self) -> "SiteLocks":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

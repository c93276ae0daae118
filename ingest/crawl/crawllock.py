"""One crawl per site and database at a time: a second `scrapy crawl news` of a site that is
still being crawled (a slow hourly cron run overlapping the next) exits with a message
instead of crawling twice.

The lock is the database file's own: an open-file-description lock (fcntl F_OFD_SETLK) on
one byte per key, far past anything SQLite locks (it uses bytes near 1 GiB), so every name of
the file (a symlink, a hard link, a relative path) is one lock: the kernel keys it by the
file's device and inode. Keys are the site names and the hosts they crawl (``host:<host>``),
so an ad-hoc ``-a start=`` crawl of a configured site's host is excluded too, plus ``*`` for
a run of every site. The kernel releases it when the process ends, however it ends, so
SIGKILL never leaves a stale lock. A file beside the (resolved) database,
``.news-ingest-<dev>-<ino>.lock.<key>``, holds the owner's pid, for the message only.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path

ALL_SITES = "*"
HOST_PREFIX = "host:"   # a key naming a host rather than a site

# Key -> byte offset of its lock in the database file: past SQLite's lock bytes (1 GiB) and
# any real database size, one of 2**24 slots by CRC-32 (two keys sharing a slot only make
# two crawls exclude each other, never run at once).
LOCK_BASE = 2**42
LOCK_SLOTS = 2**24


class CrawlLocked(RuntimeError):
    """Another crawl holds the lock of a site this crawl wants."""


def lock_path(db_path: str | os.PathLike, site: str) -> Path:
    """The pid file of ``site``'s lock (for the message): beside the resolved database, named
    by the file's device and inode, so that every name of it in that folder finds it."""
    safe = re.sub(r"[^A-Za-z0-9_.*-]", "_", site)
    real = os.path.realpath(db_path)
    st = os.stat(real)
    return Path(os.path.dirname(real)) / f".news-ingest-{st.st_dev}-{st.st_ino}.lock.{safe}"


def host_keys(hosts: Iterable[str]) -> list[str]:
    """The lock keys of the hosts a crawl fetches from ("www." is the same site)."""
    return sorted({HOST_PREFIX + h.lower().removeprefix("www.") for h in hosts})


def _offset(key: str) -> int:
    return LOCK_BASE + zlib.crc32(key.encode("utf-8")) % LOCK_SLOTS


def _ofd_lock(fd: int, key: str, kind: int) -> bool:
    """Take (F_WRLCK) or drop (F_UNLCK) ``key``'s byte; False when another holds it."""
    # struct flock: l_type, l_whence, l_start, l_len, l_pid (0, as OFD locks require)
    arg = struct.pack("hhqqi", kind, os.SEEK_SET, _offset(key), 1, 0)
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, arg)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):  # held by another open description
            return False
        raise
    return True


class SiteLocks:
    """Locks for ``sites`` of the database ``db_path``; ``acquire()`` all or none."""

    def __init__(self, db_path: str | os.PathLike, sites: Iterable[str]):
        self.db_path = Path(db_path)
        self.sites = sorted(set(sites))   # sorted: two crawls never wait on each other in turn
        self._held: set[str] = set()
        self._fd: int | None = None

    @property
    def held(self) -> set[str]:
        return set(self._held)

    def acquire(self) -> "SiteLocks":
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        # The database file itself (created empty if new: SQLite takes an empty file as a
        # new database), opened through every symlink: its inode is the lock's identity.
        self._fd = os.open(self.db_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        for site in self.sites:
            if not _ofd_lock(self._fd, site, fcntl.F_WRLCK):
                path = lock_path(self.db_path, site)
                try:
                    owner = path.read_text(encoding="utf-8").strip() or "?"
                except OSError:
                    owner = "?"
                self.release()
                what = (f"host '{site.removeprefix(HOST_PREFIX)}'"
                        if site.startswith(HOST_PREFIX) else f"site '{site}'")
                raise CrawlLocked(
                    f"{what} is already being crawled into {self.db_path} by process "
                    f"{owner} (lock on {os.path.realpath(self.db_path)}); this run exits "
                    f"without crawling. Let that crawl finish (or stop it); its lock goes "
                    f"away when it ends.") from None
            self._held.add(site)
            try:
                lock_path(self.db_path, site).write_text(f"{os.getpid()}\n", encoding="utf-8")
            except OSError:  # the pid is for the message only
                pass
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)   # drops every lock of this open file description
            self._fd = None
        self._held.clear()

    def __enter__(self) -> "SiteLocks":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

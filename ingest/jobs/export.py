"""Exports of the stored articles: JSON Lines, CSV, Parquet; whole, filtered or incremental.

Every format gets the same records, the contract of docs/design.md "The record" (the keys of
``ItemAdapter(Article).asdict()``, validated by docs/article.schema.json), so an export equals
what ``scrapy crawl news -O out.jsonl`` writes for the same pages.

- Rows stream from one SQLite statement (``ingest.store.records``), and writers take them one by one (Parquet in row groups of ``PARQUET_BATCH``):
  memory stays flat however many articles there are.
- Output goes to a temporary file beside the target and is renamed over it at the end, so a
  reader never sees half a file and a failed export leaves the old file in place.
- ``cursor``: the name of a consumer. Its position (the last ``article_changes.seq`` it has
  had) is kept in ``export_cursors``; the next export with that name gives only articles
  inserted or changed since. The position moves only after the file is complete.

Writers are registered in ``FORMATS``; a new format is one function and one dict entry.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import functools
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any

from ingest.items import NESTED_FIELDS
from ingest.store import Store
from ingest.store.records import (  # noqa: F401 - EXPORT_FIELDS, iter_records re-exported
    EXPORT_FIELDS, STORE_FIELDS, count_records, get_cursor, iter_records, max_seq, save_cursor)

# Parquet only: each timestamp string again as a typed UTC timestamp, named <field>_utc, for
# engines that sort and filter on instants; the string keeps the publisher's own offset.
# A time without an offset is read as UTC (as SQLite's datetime() does).
UTC_TIMESTAMP_FIELDS = ("published_at", "modified_at", "fetched_at", "first_seen_at",
                        "updated_at")


class ExportError(Exception):
    """A bad export request; the message says what to change."""


@dataclass
class ExportResult:
    path: Path
    format: str
    rows: int
    cursor: str | None = None
    cursor_seq: int | None = None


# --- reading -------------------------------------------------------------------------------

def parse_since(value: str, option: str = "--since") -> str:
    """``--since``: an ISO 8601 date or date-time; naive means UTC. Returns ISO UTC, the form
    of ``articles.updated_at``, so the filter is a plain string comparison on an index."""
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), datetime.min.time())
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(
            f"{option} {value!r} is not a date or time; use ISO 8601 such as 2026-11-27 or "
            "2026-11-27T08:00:00+00:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


# --- writers: (records, binary file) -> rows written -----------------------------------------

def write_jsonl(records: Iterable[dict], out: IO[bytes]) -> int:
    n = 0
    for n, record in enumerate(records, start=1):
        out.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
    return n


# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula
# (OWASP "CSV injection"; tab and carriage return are read as the start of a cell by some).
# The usual guard: such a cell is written with a leading apostrophe, which spreadsheets show
# as text and do not evaluate. On by default; `ingest export --no-formula-guard` turns it off.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(value: Any) -> Any:
    """``value`` prefixed with ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(records: Iterable[dict], out: IO[bytes], *, formula_guard: bool = True) -> int:
    """One column per record field, in the contract's order; nested fields as JSON text.
    With ``formula_guard`` (the default) cells that would run as formulas get a leading ``'``.
    """
    import io

    cell = guard_formula if formula_guard else (lambda v: v)

    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.DictWriter(text, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        n = 0
        for n, record in enumerate(records, start=1):
            writer.writerow({k: cell(json.dumps(v, ensure_ascii=False) if k in NESTED_FIELDS
                                     else v) for k, v in record.items()})
        text.flush()
    finally:
        text.detach()  # leave the binary file open for the caller to close
    return n


# Rows per Parquet row group: big enough for good compression, small enough to keep memory
# flat (a few MB of article text at a time).
PARQUET_BATCH = 2000


def parquet_schema():
    """The typed Parquet schema of the record. Timestamps stay ISO 8601 strings: a Parquet
    timestamp would drop the offset the publisher stated, which the contract keeps; beside
    each, <field>_utc is the same instant as a typed UTC timestamp."""
    try:
        import pyarrow as pa
    except ImportError:
        raise ExportError(
            "Parquet export needs pyarrow: pip install 'news-ingest[parquet]'") from None
    s = pa.string()
    return pa.schema([
        ("url", s), ("canonical_url", s), ("site", s), ("headline", s),
        ("authors", pa.list_(pa.struct([("name", s), ("role", s), ("url", s)]))),
        ("byline", s), ("published_at", s), ("modified_at", s), ("section", s),
        ("summary", s), ("tags", pa.list_(s)), ("language", s),
        ("sections", pa.list_(pa.struct([("heading", s), ("paragraphs", pa.list_(s))]))),
        ("body_text", s), ("word_count", pa.int64()), ("content_hash", s),
        ("fetched_at", s), ("provenance", pa.map_(s, s)),
        ("duplicate_of", s), ("first_seen_at", s), ("updated_at", s),
        *((f"{name}_utc", pa.timestamp("us", tz="UTC")) for name in UTC_TIMESTAMP_FIELDS),
    ])


def _utc(value: str | None) -> datetime | None:
    """An ISO 8601 string as an aware UTC datetime (no offset = UTC); None stays None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None  # stored times are validated ISO 8601; the string column keeps it anyway
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def write_parquet(records: Iterable[dict], out: IO[bytes]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        batch: list[dict] = []
        for record in records:
            record = {**record, "provenance": list(record["provenance"].items()),
                      **{f"{k}_utc": _utc(record[k]) for k in UTC_TIMESTAMP_FIELDS}}
            batch.append(record)
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        if batch or n == 0:  # an empty export is still a valid file with the schema
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


Writer = Callable[[Iterable[dict], IO[bytes]], int]
FORMATS: dict[str, Writer] = {
    "jsonl": write_jsonl,
    "csv": write_csv,
    "parquet": write_parquet,
}


# --- the export --------------------------------------------------------------------------------

# The temporary files of atomic_output: ".<target name>.<8 random chars of mkstemp>.part".
# Only names of this pattern are ever cleaned up (clean_stale_parts).
PART_PATTERN = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.part$")

# Companion files SQLite keeps beside a database; writing over one corrupts the database.
DB_COMPANIONS = ("", "-wal", "-shm", "-journal")


def check_target(out: Path, db_path: str | os.PathLike) -> None:
    """Refuse an ``--out`` that is the database or one of its companion files (by device and
    inode, so a symlink or a hard link is caught too; by resolved name for a companion not
    there yet), or that exists and is not a regular file (a directory, device, FIFO, socket).
    """
    db = Path(db_path)
    try:
        st = os.stat(out)  # follows symlinks: what a write would reach
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else
                "a FIFO" if stat.S_ISFIFO(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise ExportError(f"--out {out} is {kind}, not a file; give a file path "
                          "(or - for standard output)")
    target = out.resolve()
    for suffix in DB_COMPANIONS:
        companion = Path(f"{db}{suffix}")
        same = target == companion.resolve()
        if not same and st is not None:
            with contextlib.suppress(FileNotFoundError):
                cst = os.stat(companion)
                same = (cst.st_dev, cst.st_ino) == (st.st_dev, st.st_ino)
        if same:
            what = "the database" if not suffix else f"the database's {suffix[1:]} file"
            raise ExportError(f"--out {out} is {what} ({companion}); give another file, "
                              "the export would destroy it")


def clean_stale_parts(directory: Path) -> list[Path]:
    """Remove the temporary files of killed exports in ``directory``: names of our
    PART_PATTERN that no running export holds. A running export keeps an exclusive flock on
    its temporary file, which the kernel releases when that process ends however it ends."""
    removed = []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in os.scandir(directory):
            if not PART_PATTERN.match(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
            except (FileNotFoundError, OSError):
                continue  # gone already, or not ours to open
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # an export is writing it right now
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            finally:
                os.close(fd)
    return removed


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that becomes ``path`` only when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_parts(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    fcntl.flock(fd, fcntl.LOCK_EX)  # "in use": clean_stale_parts of another export skips it
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); an export is meant to be read by others.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def export(db_path: str | os.PathLike, out: str | os.PathLike, fmt: str, *,
           since: str | None = None, site: str | None = None, cursor: str | None = None,
           until: str | None = None, published_since: str | None = None,
           published_until: str | None = None,
           progress: Callable[[int], Any] | None = None,
           on_total: Callable[[int], Any] | None = None,
           formula_guard: bool = True) -> ExportResult:
    """Write the articles of ``db_path`` to ``out`` in format ``fmt`` (a key of FORMATS).
    ``out`` of ``-`` is standard output (jsonl and csv). ``formula_guard``: see write_csv.

    ``progress(n)`` is called after each record with 1; ``on_total(total)`` once before the
    first record, with the number of records to come.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        parquet_schema()  # fail before touching anything when pyarrow is missing
    if not Path(db_path).exists():
        raise ExportError(f"no database at {db_path}; crawl first or pass --db")
    since_iso = parse_since(since) if since else None
    given = {"until": until, "published_since": published_since,
             "published_until": published_until}
    times = {name: parse_since(value, "--" + name.replace("_", "-"))
             for name, value in given.items() if value}
    # Only the filters given: cursors made before the newer filters existed still match.
    filters = {"since": since_iso, "site": site, **times}
    to_stdout = str(out) == "-"
    if to_stdout and fmt == "parquet":
        raise ExportError("parquet cannot be written to standard output; give --out a file "
                          "path, or use --format jsonl or csv with --out -")
    out_path = Path(out)
    if not to_stdout:
        check_target(out_path, db_path)
    writer = FORMATS[fmt]
    if fmt == "csv":
        writer = functools.partial(writer, formula_guard=formula_guard)
    with Store(db_path) as store:
        after = 0
        if cursor:
            state = get_cursor(store, cursor)
            if state is not None:
                before = json.loads(state["filters"])
                if before != filters:
                    raise ExportError(
                        f"cursor {cursor!r} was made with filters {before}, not {filters}: "
                        "use the same --since/--site (and --until, --published-since, "
                        "--published-until) with it, or a new cursor name")
                after = state["seq"]
        upto = max_seq(store)
        if on_total:
            on_total(count_records(store, since=since_iso, site=site, after_seq=after,
                                   upto_seq=upto, times=times))

        def records():
            for record in iter_records(store, since=since_iso, site=site, after_seq=after,
                                       upto_seq=upto, times=times):
                yield record
                if progress:
                    progress(1)

        if to_stdout:
            rows = writer(records(), sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with atomic_output(out_path) as f:
                rows = writer(records(), f)
        if cursor:
            save_cursor(store, cursor, seq=upto, filters=filters, rows=rows, fmt=fmt,
                        path="-" if to_stdout else str(out_path.resolve()))
    return ExportResult(out_path, fmt, rows, cursor, upto if cursor else None)

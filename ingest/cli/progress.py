"""The one progress display of the `ingest` commands (export, reextract)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

import click


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """Yields ``(on_total, step)`` for a job: ``on_total(n)`` once the amount of work is
    known, ``step(k)`` as k units complete. A bar on standard error when it is a terminal;
    nothing otherwise (cron, pipes), so logs and captured output stay clean."""
    state: dict = {}
    hidden = not sys.stderr.isatty()

    def on_total(total: int) -> None:
        state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr,
                                         hidden=hidden, show_pos=True,
                                         show_percent=True)
        state["bar"].__enter__()

    def step(n: int) -> None:
        if "bar" in state:
            state["bar"].update(n)

    try:
        yield on_total, step
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

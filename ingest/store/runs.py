"""Crawl runs: recent ones with their stats, for `ingest runs` (read from ``crawl_runs``), and
the status of a stopped one."""

from __future__ import annotations

import json
import os
import sqlite3

from ingest.store import COUNT_COLUMNS, Store

STATUS_PREFIX = "downloader/response_status_count/"
DROP_PREFIX = "ingest/drops/"
EFFICIENCY_PREFIX = "ingest/efficiency/"  # pipelines/efficiency.py
BUDGET_PREFIX = "ingest/budget/stopped/"   # ingest/crawl/budget.py


def mark_run_stopped(db_path: str | os.PathLike, run_id: int, reason: str) -> None:
    """A run closed as "finished" was in fact stopped (Ctrl-C, SIGTERM: Scrapy says so only
    after the pipelines closed): its status becomes ``reason``."""
    with Store(db_path) as store, store.transaction() as conn:
        conn.execute("UPDATE crawl_runs SET status = ? WHERE id = ? AND status = 'finished'",
                     (reason, run_id))


def recent_runs(db_path: str | os.PathLike, limit: int = 10) -> list[dict]:
    """The newest ``limit`` crawl runs, newest first, with the stats we report."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?",
                           (limit,)).fetchall()
    finally:
        con.close()
    runs = []
    for row in rows:
        run = dict(row)
        if run.get("finished_at"):
            for column in COUNT_COLUMNS:  # rows written before counts defaulted to 0
                if run.get(column) is None:
                    run[column] = 0
        try:
            stats = json.loads(run.pop("stats") or "{}")
        except ValueError:
            stats = {}
        run["responses"] = {k[len(STATUS_PREFIX):]: v for k, v in sorted(stats.items())
                            if k.startswith(STATUS_PREFIX)}
        run["drops"] = {k[len(DROP_PREFIX):]: v for k, v in sorted(stats.items())
                        if k.startswith(DROP_PREFIX)}
        run["not_modified"] = stats.get("ingest/pages/not_modified", 0)
        run["skipped_not_due"] = stats.get("ingest/schedule/not_due", 0)
        run["budget_stopped"] = {k[len(BUDGET_PREFIX):]: v for k, v in sorted(stats.items())
                                 if k.startswith(BUDGET_PREFIX)}
        run["efficiency"] = {k[len(EFFICIENCY_PREFIX):]: v for k, v in stats.items()
                             if k.startswith(EFFICIENCY_PREFIX)}
        runs.append(run)
    return runs


def format_runs(runs: list[dict]) -> str:
    if not runs:
        return "no crawl runs yet"
    lines = []
    for r in runs:
        target = r.get("site") or json.loads(r.get("args") or "{}").get("start_arg") or "all"
        duration = f"{r['duration_s']:.1f}s" if r.get("duration_s") is not None else "-"
        lines.append(f"run {r['id']}  {r['started_at']}  {r['status']}  {target}  {duration}")
        lines.append(
            f"  requests {r.get('requests') or 0}; responses "
            + (", ".join(f"{k}: {v}" for k, v in r["responses"].items()) or "-")
            + f"; 304 not modified {r['not_modified']}; not due {r['skipped_not_due']}")
        lines.append(
            f"  articles new {r.get('articles_new') or 0}, updated "
            f"{r.get('articles_updated') or 0}, unchanged {r.get('articles_unchanged') or 0}; "
            f"dropped {r.get('dropped') or 0}; errors {r.get('errors') or 0}")
        for reason, n in r["drops"].items():
            lines.append(f"    drop {n:>5}  {reason}")
        eff = r.get("efficiency") or {}
        if eff:
            share = eff.get("wasted_share")
            lines.append(
                f"  efficiency: {eff.get('requests_per_new_article') or '-'} requests per new "
                f"article; {'-' if share is None else f'{share:.1%}'} of requests 404/410 or "
                f"dropped; first article after {eff.get('first_article_s', '-')}s, 90% after "
                f"{eff.get('p90_article_s', '-')}s ({eff.get('requests_at_p90', '-')} requests)")
        for site, why in r.get("budget_stopped", {}).items():
            lines.append(f"  {site}: stopped by its budget, {why}; the rest is due next run")
    return "\n".join(lines)


"""Incremental crawling: is a URL due for fetching in this run, and with which conditional
headers? Pure decisions over what the store knows (``Known``); the spider asks, the store
answers, this module decides. No Scrapy, no I/O.

The rules, in order (README "Incremental crawling"):

1. a URL we never fetched is fetched;
2. a URL we fetched but did not store as an article is fetched again, except:
   a 404/410 or a "not an article" drop waits ``gone_hours`` after the first time, doubling
   with each repeat up to ``gone_max_days``; another error is retried next run the first
   time, then waits ``error_hours`` doubling with each repeat up to a day (``Policy``).
   Start pages are fetched every run: they are how new articles are found. Other listing
   pages (sections, tags, archives) adapt: one whose fetch showed no new link waits
   ``listing_hours``, doubling with each such fetch in a row up to ``listing_max_hours``;
   a fetch that shows a new link makes it due every run again (``listing_wait``);
3. a stored article is fetched again when its feed or sitemap date is newer than the one we
   had when we last fetched it (or, without one, newer than that fetch);
4. or when it is younger than its site's ``recheck_days`` (young stories get corrected and
   updated; old ones rarely do);
5. otherwise it is not fetched.

Refetches of stored articles are conditional (If-None-Match / If-Modified-Since from the
stored ETag and Last-Modified), so an unchanged page costs a 304 and no body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ingest import settings as defaults
from ingest.store.crawlstate import Known

# A URL failing with errors (not 404/410) is retried at least daily however often it failed:
# errors are mostly passing (a server down for a night), and a day costs one request.
ERROR_MAX_HOURS = 24.0


@dataclass(frozen=True)
class Policy:
    """The revisit policy for what is not an article (settings INGEST_GONE_RECHECK_HOURS,
    INGEST_GONE_RECHECK_MAX_DAYS, INGEST_ERROR_RETRY_HOURS, INGEST_LISTING_RECHECK_HOURS,
    INGEST_LISTING_RECHECK_MAX_HOURS; ingest/settings.py)."""

    gone_hours: float = defaults.INGEST_GONE_RECHECK_HOURS
    gone_max_days: float = defaults.INGEST_GONE_RECHECK_MAX_DAYS
    error_hours: float = defaults.INGEST_ERROR_RETRY_HOURS
    error_max_hours: float = ERROR_MAX_HOURS
    listing_hours: float = defaults.INGEST_LISTING_RECHECK_HOURS
    listing_max_hours: float = defaults.INGEST_LISTING_RECHECK_MAX_HOURS

    @classmethod
    def from_settings(cls, get) -> Policy:
        """The policy from settings; ``get(NAME)`` reads one (ingest.crawl.config.setting
        bound to the crawl's settings, or ingest/settings.py's value)."""
        return cls(gone_hours=get("INGEST_GONE_RECHECK_HOURS"),
                   gone_max_days=get("INGEST_GONE_RECHECK_MAX_DAYS"),
                   error_hours=get("INGEST_ERROR_RETRY_HOURS"),
                   listing_hours=get("INGEST_LISTING_RECHECK_HOURS"),
                   listing_max_hours=get("INGEST_LISTING_RECHECK_MAX_HOURS"))


# Answers that say the page is not there (and will likely stay so).
GONE_STATUSES = frozenset({404, 410})


def retry_wait(known: Known, policy: Policy) -> tuple[timedelta, str] | None:
    """How long after its last fetch a failed URL waits, and why; None if it does not."""
    n = known.failures
    if n <= 0 or known.outcome not in ("error", "dropped"):
        return None
    if known.outcome == "dropped" or known.status in GONE_STATUSES:
        what = "not an article" if known.outcome == "dropped" else f"HTTP {known.status}"
        hours = min(policy.gone_hours * 2 ** (n - 1), policy.gone_max_days * 24)
        return timedelta(hours=hours), f"{what} {n} time(s) in a row"
    if n == 1:
        return None  # one error may be transient: retried next run
    hours = min(policy.error_hours * 2 ** (n - 2), policy.error_max_hours)
    return timedelta(hours=hours), f"failed {n} times in a row ({known.outcome})"


def listing_wait(known: Known, policy: Policy) -> tuple[timedelta, str] | None:
    """How long after its last fetch a listing page that showed no new link waits, and why;
    None when it is due every run (its last fetch showed a new link, or it is no listing)."""
    n = known.listing_quiet
    if n <= 0 or known.outcome != "skipped":
        return None
    hours = min(policy.listing_hours * 2 ** (n - 1), policy.listing_max_hours)
    return timedelta(hours=hours), f"listing page: no new link on {n} fetch(es) in a row"


def waiting(known: Known, policy: Policy) -> tuple[datetime, str] | None:
    """(due time, why) for a URL that is not an article and waits; None if it is due."""
    wait = retry_wait(known, policy)
    last = parse_time(known.fetched_at)
    if wait is None:
        wait = listing_wait(known, policy)
        last = parse_time(known.listing_checked_at) or last
    if wait is None or last is None:
        return None
    return last + wait[0], wait[1]


@dataclass(frozen=True)
class Decision:
    fetch: bool
    reason: str
    headers: dict[str, str]  # conditional request headers (empty for a plain fetch)


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 -> aware datetime (naive taken as UTC); None for missing or unreadable."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


# What a stored ETag or Last-Modified may hold to be sent back: visible ASCII and spaces
# (RFC 9110 field values). A server that sent NUL, DEL or other controls gets no conditional
# header from us (a plain refetch) rather than its bytes echoed into our request.
_HEADER_VALUE = re.compile(r"[\x20-\x7e]+")


def conditional_headers(known: Known) -> dict[str, str]:
    headers = {}
    if known.etag and _HEADER_VALUE.fullmatch(known.etag):
        headers["If-None-Match"] = known.etag
    if known.last_modified and _HEADER_VALUE.fullmatch(known.last_modified):
        headers["If-Modified-Since"] = known.last_modified
    return headers


def decide(known: Known | None, *, hint: str | None, now: datetime,
           recheck_days: float, policy: Policy = Policy()) -> Decision:
    """Whether to fetch a URL this run. ``hint`` is its newest feed/sitemap date (ISO 8601)
    seen in this run, if any; ``recheck_days`` the site's recheck window."""
    if known is None:
        return Decision(True, "new URL", {})
    if not known.is_article:
        wait = waiting(known, policy)
        if wait is not None and now < wait[0]:
            return Decision(False, f"{wait[1]}: next try after "
                                   f"{wait[0].isoformat(timespec='seconds')}", {})
        return Decision(True, f"not stored as an article (last outcome: {known.outcome})", {})
    hint_dt = parse_time(hint)
    if hint_dt is not None:
        baseline = parse_time(known.fetched_lastmod) or parse_time(known.fetched_at)
        if baseline is None or hint_dt > baseline:
            return Decision(True, f"feed/sitemap date {hint} is newer than "
                                  f"{known.fetched_lastmod or known.fetched_at}",
                            conditional_headers(known))
    born = parse_time(known.published_at) or parse_time(known.first_seen_at)
    if born is not None and now - born < timedelta(days=recheck_days):
        return Decision(True, f"younger than the recheck window ({recheck_days:g} days)",
                        conditional_headers(known))
    return Decision(False, "stored and not changed since (feed/sitemap date not newer, "
                           "older than the recheck window)", {})

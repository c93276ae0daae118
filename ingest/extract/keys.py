"""Identity keys, one definition each: what makes two URLs one page, two hosts one site, two
printed names one author and two bodies one text. Extraction, the store and the crawl all use
these, so a record's keys and the database's rows can never disagree."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

from w3lib.url import safe_url_string, url_query_cleaner

from .text import fold

# Query parameters that identify a campaign or a click, never the page.
TRACKING_PARAMS = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src",
    "cmpid", "ncid", "sr_share", "smid", "taid", "__twitter_impression",
)
# Punctuation is not part of a name's identity: "J. Smith" and "J Smith" are one person.
_NAME_PUNCTUATION = re.compile(r"[^\w\s]")


def normalise_url(url: str) -> str:
    """The page's key URL: no fragment, no tracking parameters, and percent-encoded (w3lib
    ``safe_url_string``): control characters, spaces and markup characters (``<>"``) never
    reach a stored URL."""
    url = safe_url_string(url.strip().split("#", 1)[0])
    return url_query_cleaner(url, TRACKING_PARAMS, remove=True, keep_fragments=False)


def site_of(url: str) -> str:
    """The site a URL belongs to: its host, lower case, without "www."."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def author_key(name: str) -> str:
    """One author whatever the printing: case, accents, punctuation and spacing folded
    ("José  Smith", "jose smith" and "Jose-Smith" are one key; so are "J. Smith" and "J Smith")."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NAME_PUNCTUATION.sub(" ", stripped).split())


def content_hash(body_text: str) -> str:
    """sha256 of the body after whitespace folding: equal texts, equal hashes."""
    return hashlib.sha256(fold(body_text).encode("utf-8")).hexdigest()

"""The one check of the template and duplicate settings (INGEST_TEMPLATE_MIN_SHARE,
INGEST_TEMPLATE_MIN_PAGES, INGEST_DUPLICATE_SIMILARITY), whoever passes them: the crawl's
pipelines at start-up, ``ingest reextract``, and the store functions that use them.

Their values live in ingest/settings.py only; the functions that use them take them as
required keyword arguments, so no second default can drift from the first.
"""

from __future__ import annotations

from ingest import settings

# setting -> (the test it must pass, what it must be). A share or similarity of 0 would make
# every block a template or every pair of articles copies; a template from one page is that
# page's own text.
_RULES = {
    "INGEST_TEMPLATE_MIN_SHARE": (lambda v: 0 < v <= 1, "in (0, 1]"),
    "INGEST_TEMPLATE_MIN_PAGES": (lambda v: int(v) == v and v >= 2, "a whole number >= 2"),
    "INGEST_DUPLICATE_SIMILARITY": (lambda v: 0 < v <= 1, "in (0, 1]"),
}


def check_thresholds(*, template_min_share: float | None = None,
                     template_min_pages: int | None = None,
                     duplicate_similarity: float | None = None) -> None:
    """Raise ValueError naming the setting, the rule and an example fix for the first value
    given that is out of range (None: not given, not checked)."""
    given = {"INGEST_TEMPLATE_MIN_SHARE": template_min_share,
             "INGEST_TEMPLATE_MIN_PAGES": template_min_pages,
             "INGEST_DUPLICATE_SIMILARITY": duplicate_similarity}
    for name, value in given.items():
        if value is None:
            continue
        ok, rule = _RULES[name]
        try:
            good = ok(value)
        except TypeError:
            good = False
        if not good:
            raise ValueError(f"{name} must be {rule}, got {value!r}; e.g. "
                             f"-s {name}={getattr(settings, name)} (the default in "
                             f"ingest/settings.py)")

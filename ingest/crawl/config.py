"""Settings read by the Scrapy-side components, with ``ingest/settings.py`` as the one home of
every default: a component asks ``setting(crawler.settings, "INGEST_X")`` and never writes a
fallback literal of its own (two defaults for one setting drifted apart before: the store
batch fell back to 1 in the pipeline against 200 in settings.py)."""

from __future__ import annotations

from ingest import settings as defaults

# A default's type decides how the value is read (Scrapy's typed getters accept strings from
# `-s NAME=VALUE` and convert them).
_GETTERS = {bool: "getbool", int: "getint", float: "getfloat"}


def setting(settings, name: str):
    """The value of ``name`` in Scrapy ``settings``, or its default from ingest/settings.py."""
    try:
        default = getattr(defaults, name)
    except AttributeError:
        raise KeyError(f"{name} has no default in ingest/settings.py; add it there, "
                       f"with a comment on why it has its value") from None
    getter = _GETTERS.get(type(default))
    return getattr(settings, getter)(name, default) if getter else settings.get(name, default)

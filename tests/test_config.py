"""Defaults live in ingest/settings.py only: components read them through one helper."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from ingest import settings as defaults
from ingest.crawl.config import setting
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline

ROOT = Path(__file__).resolve().parent.parent


def test_a_component_without_the_setting_gets_the_settings_py_default(tmp_path):
    crawler = get_crawler(scrapy.Spider, {"INGEST_DB": str(tmp_path / "news.db")})
    pipe = StorePipeline.from_crawler(crawler)
    assert pipe.batch == defaults.INGEST_STORE_BATCH == 200  # the pipeline once said 1
    assert ValidatePipeline.from_crawler(crawler).min_words == defaults.INGEST_MIN_WORDS


def test_a_given_value_wins_and_is_typed():
    crawler = get_crawler(scrapy.Spider, {"INGEST_MIN_WORDS": "12", "INGEST_TEMPLATES": "0"})
    assert setting(crawler.settings, "INGEST_MIN_WORDS") == 12
    assert setting(crawler.settings, "INGEST_TEMPLATES") is False


def test_a_setting_without_a_default_is_an_error_naming_the_fix():
    with pytest.raises(KeyError, match="ingest/settings.py"):
        setting(get_crawler(scrapy.Spider).settings, "INGEST_NO_SUCH_THING")


def test_no_component_writes_a_fallback_of_its_own():
    """settings.getint("INGEST_X", 80) and the like: a second default that can drift."""
    found = []
    for path in [*(p for p in ROOT.glob("ingest/**/*.py") if p.name != "settings.py"), *ROOT.glob("pipelines/*.py"),
                 *ROOT.glob("spiders/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("get", "getint", "getfloat", "getbool")
                    and len(node.args) == 2 and isinstance(node.args[0], ast.Constant)
                    and str(node.args[0].value).startswith("INGEST_")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.args[0].value}")
    assert found == []


def test_library_functions_take_the_settings_as_required_keywords():
    """The template, duplicate, word-count and stats settings reach the library from the
    caller (which reads ingest/settings.py), never from a default of the function's own."""
    import inspect

    from ingest.jobs.reextract import reextract
    from ingest.jobs.stats import site_stats
    from ingest.store.duplicates import link_duplicates
    from ingest.store.templates import refresh_templates

    required = {
        reextract: ("min_share", "min_pages", "min_words", "duplicate_threshold"),
        refresh_templates: ("min_share", "min_pages"),
        link_duplicates: ("threshold",),
        site_stats: ("recent_days",),
    }
    for func, names in required.items():
        params = inspect.signature(func).parameters
        for name in names:
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, (func, name)
            assert params[name].default is inspect.Parameter.empty, (func, name)


def test_no_module_keeps_a_default_constant_of_its_own():
    """A DEFAULT_X beside settings.py's INGEST_X is a second default (the template share and
    the duplicate similarity were each defined twice). The spider's DEFAULT_DENY is not one:
    patterns always added to a site's own, not a value a setting replaces."""
    found = []
    for path in [*(p for p in ROOT.glob("ingest/**/*.py") if p.name != "settings.py"),
                 *ROOT.glob("pipelines/*.py")]:
        for node in ast.parse(path.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {t.id}" for t in targets
                      if isinstance(t, ast.Name) and t.id.startswith("DEFAULT_")]
    assert found == []


@pytest.mark.parametrize("given, name", [
    ({"template_min_share": 0}, "INGEST_TEMPLATE_MIN_SHARE"),
    ({"template_min_share": 1.5}, "INGEST_TEMPLATE_MIN_SHARE"),
    ({"template_min_pages": 1}, "INGEST_TEMPLATE_MIN_PAGES"),
    ({"template_min_pages": 2.5}, "INGEST_TEMPLATE_MIN_PAGES"),
    ({"duplicate_similarity": 0.0}, "INGEST_DUPLICATE_SIMILARITY"),
    ({"duplicate_similarity": "high"}, "INGEST_DUPLICATE_SIMILARITY"),
])
def test_one_validator_names_the_setting_and_the_fix(given, name):
    from ingest.store.thresholds import check_thresholds

    with pytest.raises(ValueError, match=rf"^{name} must be .*; e.g. -s {name}="
                                         rf"{getattr(defaults, name)} "):
        check_thresholds(**given)
    check_thresholds(template_min_share=defaults.INGEST_TEMPLATE_MIN_SHARE,
                     template_min_pages=defaults.INGEST_TEMPLATE_MIN_PAGES,
                     duplicate_similarity=defaults.INGEST_DUPLICATE_SIMILARITY)


def test_a_crawl_with_a_bad_template_setting_is_refused_naming_the_fix():
    from pipelines.store import StorePipeline

    crawler = get_crawler(scrapy.Spider, {"INGEST_TEMPLATE_MIN_SHARE": "2"})
    with pytest.raises(ValueError, match="INGEST_TEMPLATE_MIN_SHARE must be in"):
        StorePipeline.from_crawler(crawler)

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

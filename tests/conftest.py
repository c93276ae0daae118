import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_SITE = FIXTURES / "site"
# Golden fixtures are extracted as if fetched from this host at this time.
GOLDEN_BASE = "http://futureoftech.test/"
FROZEN_FETCHED_AT = "2026-11-27T00:00:00+00:00"


def golden_cases():
    """(page path, url, expected) for every page that has expected JSON beside it."""
    cases = []
    for expected_path in sorted(DEMO_SITE.rglob("*.expected.json")):
        page = expected_path.with_name(expected_path.name.replace(".expected.json", ".html"))
        rel = page.relative_to(DEMO_SITE).as_posix()
        cases.append((page, GOLDEN_BASE + rel, json.loads(expected_path.read_text())))
    for expected_path in sorted((FIXTURES / "pages").glob("*/expected.json")):
        meta = json.loads((expected_path.parent / "meta.json").read_text())
        cases.append((expected_path.parent / "page.html", meta["url"],
                      json.loads(expected_path.read_text())))
    return cases


@pytest.fixture
def demo_server():
    from ingest.demo import serve_directory

    with serve_directory(DEMO_SITE) as base_url:
        yield base_url

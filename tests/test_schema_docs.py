"""docs/schema.md is generated from the live schema and is up to date; every column, view and
trigger has a description; the example queries run."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from ingest.cli import main
from ingest.store import Store, schema_docs
from ingest.store.schema_docs import (
    DOC_PATH,
    EXAMPLE_QUERIES,
    UndocumentedSchema,
    fresh_schema,
    live_schema,
    missing_descriptions,
    render,
)


def test_schema_md_is_up_to_date():
    assert DOC_PATH.exists(), "docs/schema.md is missing: run `ingest schema-docs`"
    assert DOC_PATH.read_text() == render(), \
        "docs/schema.md is out of date: run `ingest schema-docs` and commit it"


def test_every_table_column_view_and_trigger_is_described():
    schema = fresh_schema()
    assert {"articles", "latest_articles", "articles_by_day", "author_stats",
            "field_coverage", "export_cursors", "articles_fts"} <= set(schema)
    assert missing_descriptions(schema) == []


def test_docs_cover_every_column_and_index():
    text = render()
    for name, info in fresh_schema().items():
        assert f"## {name}\n" in text
        for col in info["columns"]:
            assert f"| `{col[0]}` |" in text, (name, col[0])
        for index in info["indexes"]:
            assert f"`{index[0]}`" in text


def test_a_new_column_without_description_fails_with_the_fix(tmp_path):
    with Store(tmp_path / "x.db") as st:
        st.conn.execute("ALTER TABLE articles ADD COLUMN mood TEXT")
        schema = live_schema(st.conn)
    assert missing_descriptions(schema) == ["column articles.mood"]
    with pytest.raises(UndocumentedSchema, match="add it to TABLES.*ingest schema-docs"):
        render(schema)


def test_schema_docs_command_check_and_write(tmp_path):
    out = tmp_path / "schema.md"
    runner = CliRunner()
    stale = runner.invoke(main, ["schema-docs", "--out", str(out), "--check"])
    assert stale.exit_code == 1 and "out of date" in stale.output
    written = runner.invoke(main, ["schema-docs", "--out", str(out)])
    assert written.exit_code == 0 and out.read_text() == render()
    assert runner.invoke(main, ["schema-docs", "--out", str(out), "--check"]).exit_code == 0


@pytest.mark.parametrize("title", list(EXAMPLE_QUERIES))
def test_example_queries_return_rows_on_the_demo_database(demo_crawl, title):
    _, db, _ = demo_crawl
    con = sqlite3.connect(db)
    try:
        rows = con.execute(EXAMPLE_QUERIES[title]).fetchall()
    finally:
        con.close()
    assert rows, title
    assert f"### {title}" in DOC_PATH.read_text()


def test_descriptions_are_one_source(monkeypatch):
    from ingest.jobs.serve import metadata

    meta = metadata("news")["databases"]["news"]["tables"]
    assert meta["articles"]["columns"]["published_at"] == \
        schema_docs.TABLES["articles"].columns["published_at"]
    assert meta["field_coverage"]["description"] == schema_docs.VIEWS["field_coverage"].description

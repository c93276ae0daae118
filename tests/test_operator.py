"""Issue 15, operators: a crawl says how it went and cron can tell (exit status, one summary
line per site, failed pages counted), start-up mistakes are one line naming the fix, and no
remote-control extension runs. Real crawls of 127.0.0.1 servers into real SQLite files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from ingest.crawl.crawllock import SiteLocks

from .conftest import rows
from .servers import TestSite, article_html, crawl, listing_html, serving

SENTENCES = "Engineers said the new chips would ship to cloud customers next spring. " * 20


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ingest(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest.cli", *args], capture_output=True,
                          text=True, timeout=120, **kwargs)


@pytest.fixture
def news_site():
    site = TestSite()
    site.set("/", listing_html("Home", ("/a1.html", "/gone.html")))
    site.set("/a1.html", article_html("Chips for the cloud", published="2026-11-20T08:00:00Z",
                                      body=SENTENCES))
    with serving(site):
        yield site


def test_summary_line_per_site_and_failed_pages_counted(news_site, tmp_path):
    db = tmp_path / "news.db"
    first = crawl(db, start=news_site.url("/"))
    assert first.returncode == 0, first.stderr[-3000:]
    summary = [line for line in first.stderr.splitlines() if "site 127.0.0.1:" in line]
    assert len(summary) == 1, first.stderr[-3000:]
    assert "articles 1 new, 0 updated, 0 unchanged" in summary[0]
    assert summary[0].endswith("failed 1 (HTTP 404: 1)")
    run = rows(db, "select errors, articles_updated from crawl_runs")[0]
    assert run == {"errors": 1, "articles_updated": 0}   # failed pages, not ERROR log lines
    listed = ingest("runs", "--db", str(db), "--json")
    assert listed.returncode == 0, listed.stderr
    record = json.loads(listed.stdout.splitlines()[0])
    assert record["errors"] == 1 and record["articles_updated"] == 0
    assert record["dropped"] == 0   # 0, not null

    second = crawl(db, start=news_site.url("/"))
    assert second.returncode == 0
    line = next(x for x in second.stderr.splitlines() if "site 127.0.0.1:" in x)
    # The 404 is held back by the revisit policy (ingest frontier), so nothing fails this time.
    assert "0 new" in line and line.endswith("failed 0"), line


def test_nothing_fetched_exits_1_with_one_line_per_failure(tmp_path):
    start = f"http://127.0.0.1:{closed_port()}/"
    result = crawl(tmp_path / "news.db", start=start, settings={"RETRY_TIMES": "0"})
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "robots.txt unreachable for" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("nothing could be fetched")
    run = rows(tmp_path / "news.db", "select errors, articles_new from crawl_runs")[0]
    assert run == {"errors": 1, "articles_new": 0}


def test_start_url_answering_404_exits_1_and_says_so(tmp_path):
    site = TestSite()
    with serving(site):
        result = crawl(tmp_path / "news.db", start=site.url("/news/"))
    assert result.returncode == 1, result.stderr[-3000:]
    line = next(x for x in result.stderr.splitlines() if x.startswith("site 127.0.0.1:"))
    assert " 0 fetched;" in line and line.endswith("failed 1 (HTTP 404: 1)")


BAD_SITES = {
    "bad key": ('[sites.x]\nstart_urls = ["http://127.0.0.1:9/"]\nfollow = 1\n',
                "unknown key(s) ['follow']"),
    "bad regex": ('[sites.x]\nstart_urls = ["http://127.0.0.1:9/"]\nallow = ["/(a"]\n',
                  "is not a valid regular expression"),
    "missing start": ('[sites.x]\nmax_depth = 2\n', "has no start URL; add start_urls"),
    "string for a list": ('[sites.x]\nstart_urls = "http://127.0.0.1:9/"\n',
                          "start_urls must be a list of strings"),
}


def one_error_line(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "Task exception was never retrieved" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr[-3000:]
    return errors[0]


@pytest.mark.parametrize("case", sorted(BAD_SITES))
def test_bad_sites_file_is_one_line_and_status_2(tmp_path, case):
    body, fix = BAD_SITES[case]
    sites = tmp_path / "sites.toml"
    sites.write_text(body)
    result = crawl(tmp_path / "news.db", sites_file=sites)
    assert result.returncode == 2
    assert fix in one_error_line(result)


@pytest.mark.parametrize("args, fix", [
    ({"site": "unknown"}, "no site named 'unknown'; known sites:"),
    ({"start": "htp://example.com/"}, "is not an http(s) URL; write it in full"),
])
def test_bad_arguments_are_one_line_and_status_2(tmp_path, args, fix):
    result = crawl(tmp_path / "news.db", **args)
    assert result.returncode == 2
    assert fix in one_error_line(result)


def test_held_lock_is_one_line_and_status_1(tmp_path):
    db = tmp_path / "news.db"
    start = f"http://127.0.0.1:{closed_port()}/"
    locks = SiteLocks(db, ["127.0.0.1"]).acquire()
    try:
        result = crawl(db, start=start)
    finally:
        locks.release()
    assert result.returncode == 1
    assert "is already being crawled" in one_error_line(result)


def test_corrupt_database_is_one_line_and_status_2(tmp_path):
    db = tmp_path / "news.db"
    db.write_bytes(b"this is not a database, just some bytes " * 200)
    result = crawl(db, start=f"http://127.0.0.1:{closed_port()}/")
    assert result.returncode == 2
    assert "not a usable SQLite database" in one_error_line(result)


def test_remote_control_is_off(news_site, tmp_path):
    jobs = tmp_path / "job_files"
    result = crawl(tmp_path / "news.db", start=news_site.url("/"),
                   settings={"REMOTE_CONTROL_JOBS_DIR": str(jobs), "LOG_LEVEL": "INFO"})
    assert result.returncode == 0
    assert not jobs.exists() or not any(jobs.iterdir())
    enabled = result.stderr.split("Enabled extensions:", 1)[1].split("]", 1)[0]
    assert "RemoteControl" not in enabled and "TelnetConsole" not in enabled


def test_sites_check_reads_INGEST_SITES_and_reports_every_error(tmp_path):
    sites = tmp_path / "crawl-sites.toml"
    sites.write_text('[sites.a]\nstart_urls = "http://a.test/"\n'
                     '[sites.b]\nstart_urls = ["http://b.test/"]\nallow = ["/(x"]\nfollow = 1\n')
    result = ingest("sites", "check", env={**os.environ, "INGEST_SITES": str(sites)})
    assert result.returncode == 1
    errors = result.stderr.splitlines()
    assert all(e.startswith(f"error: {sites}: site ") for e in errors), errors
    assert any("'a': start_urls must be a list of strings, not a string" in e for e in errors)
    assert any("'b': unknown key(s) ['follow']" in e for e in errors)
    assert any("'b': allow pattern '/(x' is not a valid regular expression" in e for e in errors)
    assert len(errors) == 3


def test_extract_with_unknown_site_names_the_sites(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body><h1>x</h1></body></html>")
    result = ingest("extract", str(page), "--site", "nosuch")
    assert result.returncode == 1
    assert "has no site named 'nosuch'; sites: arstechnica, " in result.stderr


def test_csv_feed_of_a_run_with_nothing_new_has_the_header(news_site, tmp_path):
    from ingest.items import ARTICLE_FIELDS
    from ingest.jobs.demo import PROJECT_ROOT

    from .servers import crawl_command, crawl_env

    db = tmp_path / "news.db"
    assert crawl(db, start=news_site.url("/")).returncode == 0
    out = tmp_path / "again.csv"   # the second run: the article is not due, nothing scraped
    result = subprocess.run(crawl_command(db, start=news_site.url("/")) + ["-O", str(out)],
                            env=crawl_env(), cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "0 new" in result.stderr
    assert out.read_text(encoding="utf-8").splitlines() == [",".join(ARTICLE_FIELDS)]


ARTICLE_PAGE = article_html("Chips for the cloud", published="2026-11-20T08:00:00Z",
                            body=SENTENCES)


def test_extract_reads_standard_input_in_each_format():
    page = ARTICLE_PAGE.encode()
    as_json = ingest("extract", "-", "--url", "https://x.test/a.html", input=page.decode())
    assert as_json.returncode == 0, as_json.stderr
    record = json.loads(as_json.stdout)
    assert record["headline"] == "Chips for the cloud" and record["url"] == "https://x.test/a.html"
    markdown = ingest("extract", "-", "--format", "markdown", input=page.decode())
    assert markdown.returncode == 0
    assert markdown.stdout.startswith("# Chips for the cloud\n*By Sam Rivera")
    text = ingest("extract", "-", "--format", "text", input=page.decode())
    assert text.stdout.splitlines()[0] == "Chips for the cloud"
    assert "Engineers said the new chips" in text.stdout and "#" not in text.stdout


def test_extract_of_a_page_that_is_not_an_article_exits_1_with_the_reason(tmp_path):
    binary = tmp_path / "photo.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    result = ingest("extract", str(binary))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{binary}: not an article: binary data, not an HTML page"
    assert result.stdout == ""
    listing = ingest("extract", "-", input=listing_html("Home", ("/a.html",)))
    assert listing.returncode == 1
    assert listing.stderr.startswith("-: not an article: ")


@pytest.mark.parametrize("command", [
    ["export", "--format", "jsonl", "--out", "{tmp}/out.jsonl"],
    ["reextract", "-j", "1"],
    ["runs"],
    ["stats"],
])
def test_ingest_commands_on_a_corrupt_database_are_one_line_and_status_2(tmp_path, command):
    db = tmp_path / "news.db"
    db.write_bytes(b"this is not a database, just some bytes " * 200)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command] + ["--db", str(db)]
    result = ingest(*args)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "not a usable SQLite database" in one_error_line(result)


def test_demo_twice_stores_nothing_new(tmp_path):
    db, port = tmp_path / "demo.db", str(closed_port())
    first = ingest("demo", "--db", str(db), "--port", port)
    assert first.returncode == 0, first.stderr[-3000:]
    authors = rows(db, "select name, articles from author_stats order by name")
    second = ingest("demo", "--db", str(db), "--port", port)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "articles stored: 9" in first.stdout and "articles stored: 9" in second.stdout
    runs = rows(db, "select articles_new from crawl_runs order by id")
    assert [r["articles_new"] for r in runs] == [9, 0]
    assert rows(db, "select name, articles from author_stats order by name") == authors


def test_demo_on_a_busy_port_says_so_and_still_runs(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = ingest("demo", "--db", str(tmp_path / "demo.db"), "--port", str(port))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"warning: port {port} is busy, serving on http://127.0.0.1:" in result.stderr
    assert "free port" in result.stderr


def test_demo_site_ships_as_package_data(tmp_path):
    """What `pip install .` copies (setuptools' build_py, as a wheel build runs it) holds the
    whole demo site, so an installed `ingest demo` has something to serve."""
    from ingest.jobs.demo import DEMO_SITE, PROJECT_ROOT

    assert DEMO_SITE.parent.name == "ingest" and (DEMO_SITE / "index.html").is_file()
    built = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q",
                            "build_py", "--build-lib", str(tmp_path)], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    shipped = {p.relative_to(DEMO_SITE).as_posix() for p in DEMO_SITE.rglob("*") if p.is_file()}
    copied = {p.relative_to(tmp_path / "ingest" / "demo_site").as_posix()
              for p in (tmp_path / "ingest" / "demo_site").rglob("*") if p.is_file()}
    assert shipped == copied
    assert (tmp_path / "ingest" / "crawl" / "commands" / "crawl.py").is_file()
    # The installed copy alone (no clone beside it: another working directory) runs the demo.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    demo = subprocess.run([sys.executable, "-m", "ingest.cli", "demo", "--db", "demo.db",
                           "--port", str(closed_port())], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert f"serving {tmp_path / 'ingest' / 'demo_site'}" in demo.stderr
    assert "articles stored: 9" in demo.stdout


def test_progress_line_on_a_terminal_only(news_site, tmp_path):
    from ingest.jobs.demo import PROJECT_ROOT

    from .servers import crawl_command, crawl_env
    from .terminal import run_on_terminal

    news_site.delays["/a1.html"] = 1.5   # the crawl lasts long enough for a few redraws
    settings = {"INGEST_PROGRESS_SECONDS": "0.2"}
    returncode, seen = run_on_terminal(
        crawl_command(tmp_path / "tty.db", start=news_site.url("/"), settings=settings),
        env=crawl_env(), cwd=PROJECT_ROOT, timeout=120)
    assert returncode == 0
    text = seen.decode("utf-8", "replace")
    assert "\r\x1b[K127.0.0.1: fetched " in text and ", queued " in text, text[-2000:]
    assert "site 127.0.0.1: " in text   # the summary still follows

    piped = crawl(tmp_path / "pipe.db", start=news_site.url("/"), settings=settings)
    assert piped.returncode == 0
    assert "queued" not in piped.stderr and "\r" not in piped.stderr


def test_every_command_help_has_an_example():
    from click.testing import CliRunner

    from ingest.cli import main

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            yield [*prefix, name], cmd
            if hasattr(cmd, "commands"):
                yield from walk(cmd, [*prefix, name])

    for words, _cmd in [([], main), *walk(main, [])]:
        result = CliRunner().invoke(main, [*words, "--help"])
        assert result.exit_code == 0, words
        assert "Example" in result.output and "  ingest " in result.output, words


def test_read_only_database_error_names_the_fix(tmp_path):
    """The tests run as root, where a read-only file is still writable; SQLite's own
    read-only error (a real file opened read-only) gets the one line the crawl prints."""
    import sqlite3

    from ingest.crawl.exitstatus import USAGE, startup_failure

    db = tmp_path / "news.db"
    sqlite3.connect(db).execute("create table t (x)").connection.close()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as err:
        con.execute("insert into t values (1)")
    con.close()
    status, line = startup_failure(err.value)
    assert status == USAGE
    assert line.startswith("error: the database (INGEST_DB): cannot write (read-only: ")
    assert "fix the file's or folder's permissions, or pass another database" in line

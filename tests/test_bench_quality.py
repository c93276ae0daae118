"""bench/quality.py: the scoring functions on hand-made inputs, and main on a tiny data set.

The benchmark's peers (trafilatura, newspaper4k, ...) are not needed here: the run test
registers a small extractor of its own, and the ingest run is skipped until ingest.extract
imports.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

QUALITY_PATH = Path(__file__).resolve().parent.parent / "bench" / "quality.py"


def _load_quality():
    spec = importlib.util.spec_from_file_location("bench_quality_under_test", QUALITY_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


q = _load_quality()


# ---- folding and field matches -------------------------------------------------------


def test_fold_nfkc_casefold_quotes_whitespace():
    assert q.fold("  The\u00a0\u201cBig\u201d   Fi\ufb01x\u2019s\n") == "the \"big\" fifix's"
    assert q.fold(None) == ""
    assert q.fold("STRASSE") == q.fold("straße")


def test_headline_match():
    assert q.headline_match("Apple\u2019s new  chip", "apple's new chip") is True
    assert q.headline_match("Apple's new chip", "Apple's new chip | The Verge") is False
    assert q.headline_match("Title", None) is False
    assert q.headline_match(None, "anything") is None  # no label: not counted
    assert q.headline_match("", "anything") is None


def test_authors_match_is_a_set_of_folded_names():
    assert q.authors_match(["RALPH D. RUSSO", "Bob Ferrante"], ["bob ferrante", "Ralph D. Russo"])
    assert q.authors_match([], [])  # labelled none, found none: right
    assert not q.authors_match([], ["Staff"])
    assert not q.authors_match(["A B"], [])
    assert not q.authors_match(["A B", "C D"], ["A B"])
    assert q.authors_match(["A B"], ["A B", "a  b", ""])  # duplicates and blanks ignored


def test_date_match_first_ten_characters():
    assert q.date_match("2023-12-17", "2023-12-17T23:30:00-05:00") is True
    assert q.date_match("2023-12-17", "2023-12-18") is False
    assert q.date_match("2023-12-17", None) is False
    assert q.date_match(None, "2023-12-17") is None  # no label: not counted


def test_accuracy_skips_none():
    assert q.accuracy([True, False, None, True]) == (2 / 3, 3)
    assert q.accuracy([None]) == (None, 0)


# ---- body shingles --------------------------------------------------------------------


def test_tokens_and_shingles():
    assert q.tokens("Hello, world! It's 2023.") == ["Hello", "world", "It", "s", "2023"]
    assert q.shingles("a b c d e") == ["a b c d", "b c d e"]
    assert q.shingles("a b") == ["a b"]  # shorter than 4 tokens: one shingle
    assert q.shingles("") == []
    assert q.shingles(None) == []


def test_body_counts_normalised_by_their_sum():
    tp, fp, fn = q.body_counts("a b c d e", "a b c d x")
    assert (tp, fp, fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))


def test_body_counts_by_count_not_by_set():
    # expected has "a b c d" twice; the prediction has it once
    tp, fp, fn = q.body_counts("a b c d a b c d", "a b c d")
    assert (tp, fp, fn) == pytest.approx((1 / 5, 0, 4 / 5))
    assert q.body_counts("", "") == (0.0, 0.0, 0.0)
    assert q.body_counts("a b c d e", "") == (0.0, 0.0, 1.0)


def test_body_counts_are_case_sensitive_tokens():
    tp, fp, fn = q.body_counts("The cat sat down", "the cat sat down")
    assert tp == 0 and fp == 0.5 and fn == 0.5


def test_page_precision_recall_undefined():
    assert q.page_precision_recall(0, 0, 1) == (None, 0.0)
    assert q.page_precision_recall(0, 1, 0) == (0.0, None)
    assert q.page_precision_recall(0.5, 0.25, 0.25) == (pytest.approx(2 / 3), pytest.approx(2 / 3))


def test_body_scores_average_over_defined_pages_and_f1_from_averages():
    counts = [
        (1.0, 0.0, 0.0),  # perfect page: P 1, R 1
        (0.0, 0.0, 1.0),  # nothing extracted: P undefined (skipped), R 0
        (0.5, 0.5, 0.0),  # P 0.5, R 1
    ]
    s = q.body_scores(counts)
    assert s["precision"] == pytest.approx(0.75)  # mean of 1 and 0.5
    assert s["recall"] == pytest.approx(2 / 3)  # mean of 1, 0, 1
    assert s["f1"] == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))
    assert s["pages_p"] == 2 and s["pages_r"] == 3
    assert q.body_scores([])["f1"] is None


def test_segment_counts_fold_whitespace():
    body = "Intro line.\n\nThe  main\ttext is here.\nShare this"
    seg = q.segment_counts(body, ["The main text", "not there", ""], ["Share this", "Impressum"])
    assert seg["with_total"] == 2 and seg["with_kept"] == 1
    assert seg["without_total"] == 2 and seg["without_removed"] == 1
    assert seg["missing"] == ["not there"] and seg["leaked"] == ["Share this"]
    empty = q.segment_counts("", ["x"], ["y"])
    assert empty["with_kept"] == 0 and empty["without_removed"] == 1


# ---- label and peer value parsing -----------------------------------------------------


def test_as_list_parses_pythonish_and_json_lists():
    assert q.as_list(["a", None, " ", "b"]) == ["a", "b"]
    assert q.as_list("['Yi-Jin Yu', 'Pamela Falk']") == ["Yi-Jin Yu", "Pamela Falk"]
    assert q.as_list('["a"]') == ["a"]
    assert q.as_list("") == [] and q.as_list(None) == []
    assert q.as_list("Jane Doe") == ["Jane Doe"]


def test_to_day():
    assert q.to_day(datetime(2023, 12, 17, 23, 30)) == "2023-12-17"
    assert q.to_day("2023-12-17T23:30:00-05:00") == "2023-12-17"
    assert q.to_day("2023-2-3") == "2023-02-03"
    assert q.to_day("December 17, 2023") == "2023-12-17"
    assert q.to_day("") is None and q.to_day(None) is None
    assert q.to_day("2023-13-45") is None


def test_sniff_decode():
    assert q.sniff_decode(b'<meta charset="iso-8859-1"><p>caf\xe9</p>').endswith("caf\u00e9</p>")
    assert q.sniff_decode("<p>caf\u00e9</p>".encode()) == "<p>caf\u00e9</p>"
    unknown = b'<meta charset="nonsense"><p>\xff</p>'
    assert q.sniff_decode(unknown) == '<meta charset="nonsense"><p>\ufffd</p>'
    assert q.sniff_decode(b"\xef\xbb\xbf<p>x</p>") == "<p>x</p>"
    assert q.sniff_decode(
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">\x93'
    ).endswith("\u201c")


def test_categorize_groups_failures():
    assert q.categorize("date", "2023-12-17", "2023-12-18") == "off by one day (time zone?)"
    assert q.categorize("date", "2023-12-17", "2022-12-17") == "year differs"
    assert q.categorize("date", "2023-12-17", None) == "missing"
    assert q.categorize("headline", "Title", "Title - Site") == "longer (site name / kicker?)"
    assert q.categorize("authors", ["A B"], ["A B", "C D"]) == "extra names"


def test_body_diff_shows_missing_and_extra():
    missing, extra = q.body_diff(
        "one two three four five six seven eight", "one two three four Related stories here"
    )
    assert missing == "five six seven eight"
    assert extra == "Related stories here"


def test_floors():
    summary = {"ingest": {"body_f1": 0.8, "headline": 0.9, "speed_ratio": None}}
    assert q.check_floors("naeb", summary, [("body_f1", 0.7), ("headline", 0.9)]) == []
    missed = q.check_floors("naeb", summary, [("body_f1", 0.85), ("with", 0.5), ("speed_ratio", 1)])
    assert len(missed) == 3
    assert "below the floor" in missed[0] and "not measured" in missed[1]
    assert q.check_floors("naeb", {}, [("date", 0.5)])[0].endswith("ingest was not measured")


# ---- main on a tiny data set ----------------------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>{title} | Tiny News</title><meta name="author" content="{author}">
<meta property="article:published_time" content="{date}T10:00:00+00:00"></head>
<body><nav>Home World Tech</nav><article><h1>{title}</h1>
{paragraphs}</article><aside>Popular Posts: nothing to see</aside></body></html>"""


def _paragraphs(topic: str) -> list[str]:
    """Five article-length paragraphs, so an extractor takes the page for an article."""
    return [
        f"Paragraph {i} on {topic}: engineers at several companies said on Tuesday that the "
        f"{topic} work planned for this year is running ahead of schedule, and that the next "
        f"release, number {i + 4}, would reach customers before the summer, with lower power "
        f"use, fewer defects and a simpler way to build it from source."
        for i in range(1, 6)
    ]


def _make_data_dir(root: Path) -> Path:
    data = root / "tiny"
    (data / "html").mkdir(parents=True)
    specs = {
        # ids out of order on purpose: the run sorts them numerically (2 before 10)
        "10": ("Chips get smaller again", "Ada Lovelace", "2025-07-02", _paragraphs("chip")),
        "2": ("Rust in the kernel grows", "Linus Example", "2024-01-15", _paragraphs("rust")),
    }
    items = {}
    for pid, (title, author, day, paras) in specs.items():
        html = PAGE.format(title=title, author=author, date=day,
                           paragraphs="\n".join(f"<p>{p}</p>" for p in paras))
        rel = f"html/{pid}.html.gz"
        with gzip.open(data / rel, "wb") as fh:
            fh.write(html.encode("utf-8"))
        items[pid] = {"id": pid, "url": f"https://tiny.test/{pid}", "html_file": rel,
                      "title": title, "authors": [author], "date": day,
                      "articleBody": "\n\n".join(paras)}
    items["3"] = {"id": "3", "url": "https://tiny.test/3", "html_file": None, "title": "x",
                  "authors": [], "date": None, "articleBody": "x"}  # no page: skipped
    (data / "ground-truth.json").write_text(json.dumps({"items": items}))
    return data


def _tiny_extractor(html: bytes, url: str) -> dict:
    text = html.decode("utf-8")
    if url.endswith("/10"):
        raise ValueError("boom")  # an exception counts as an empty result and an error
    h1 = re.search(r"<h1>(.*?)</h1>", text).group(1)
    author = re.search(r'name="author" content="([^"]+)"', text).group(1)
    paras = re.findall(r"<p>(.*?)</p>", text)
    return q._result(h1, [author], "2024-01-15", "\n\n".join(paras))


def test_main_skips_absent_data_dir(tmp_path, capsys):
    assert q.main([str(tmp_path / "nope")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_main_rejects_unknown_extractor(tmp_path):
    data = _make_data_dir(tmp_path)
    assert q.main([str(data), "--only", "no-such-thing"]) == 2


def test_main_runs_scores_and_checks_floors(tmp_path, capsys, monkeypatch):
    data = _make_data_dir(tmp_path)
    monkeypatch.setitem(q.EXTRACTORS, "ingest", _tiny_extractor)
    monkeypatch.setattr(q, "availability", lambda name: None)
    out_json = tmp_path / "out" / "pages.json"
    rc = q.main([str(data), "--only", "ingest", "--worst", "3", "--json", str(out_json),
                 "--min", "headline=0.5", "--min", "body_f1=0.5"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "pages: 2 of 3 (1 without html skipped)" in out
    row = next(line for line in out.splitlines() if line.startswith("| ingest |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # page 2 fully right, page 10 raised: body P 1 (page 10 undefined), R 0.5
    assert cells[1:8] == ["0.667", "1.000", "0.500", "0.500", "0.500", "0.500", cells[7]]
    assert cells[-1] == "1"
    assert "ValueError: boom" in out
    assert "## Worst pages for ingest" in out and "id 10 https://tiny.test/10" in out

    payload = json.loads(out_json.read_text())
    assert [p["id"] for p in payload["pages"]] == ["2", "10"]
    assert payload["pages"][0]["extractors"]["ingest"]["scores"]["headline"] is True

    rc = q.main([str(data), "--only", "ingest", "--min", "headline=0.9"])
    assert rc == 1
    assert "headline = 0.500 is below the floor 0.9" in capsys.readouterr().err


def test_main_with_the_project_extractor(tmp_path, capsys):
    pytest.importorskip("ingest.extract")
    data = _make_data_dir(tmp_path)
    out_json = tmp_path / "pages.json"
    rc = q.main([str(data), "--only", "ingest", "--worst", "2", "--json", str(out_json)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "| ingest |" in out
    payload = json.loads(out_json.read_text())
    assert [p["id"] for p in payload["pages"]] == ["2", "10"]
    for page in payload["pages"]:
        result = page["extractors"]["ingest"]
        assert result["error"] is None
        assert result["result"]["body"]  # found some body text
    assert payload["summary"]["ingest"]["errors"] == 0


def test_wcxb_style_set_is_scored_on_its_article_body_and_labelled_authors(tmp_path, capsys,
                                                                              monkeypatch):
    """wcxb-dev has articleBody *and* with/without: bodies are scored by shingles, and pages
    whose author_raw is null (not labelled) are not counted for authors."""
    data = _make_data_dir(tmp_path)
    gt = json.loads((data / "ground-truth.json").read_text())
    for rec in gt["items"].values():
        rec["with"], rec["without"] = ["Paragraph 1"], ["Home"]
        rec["author_raw"] = None
    gt["items"]["2"]["author_raw"] = "Linus Example"
    (data / "ground-truth.json").write_text(json.dumps(gt))
    kind, pages = q.load_ground_truth(data)
    assert kind == "naeb"
    assert [p["authors_labelled"] for p in pages if p["html_file"]] == [True, False]
    monkeypatch.setitem(q.EXTRACTORS, "ingest", _tiny_extractor)
    monkeypatch.setattr(q, "availability", lambda name: None)
    assert q.main([str(data), "--only", "ingest"]) == 0
    out = capsys.readouterr().out
    assert "counted: headline 2, authors 1, date 2 pages" in out
    assert "| extractor | body F1 |" in out


def test_folds_are_site_grouped_and_the_model_row_is_out_of_fold(tmp_path, capsys):
    pytest.importorskip("lightgbm")
    from ingest.extract import train

    root = tmp_path / "data"
    data = root / "naeb-dev"
    (data / "html").mkdir(parents=True)
    items = {}
    for i in range(12):
        site = f"site{i % 6}.test"
        title = f"Story {i} about chips"
        paras = _paragraphs(f"chips {i}")
        html = PAGE.format(title=title, author="Ada Lovelace", date="2025-07-02",
                           paragraphs="<nav><p>Home | News | About us and more links here</p>"
                           "</nav>" + "\n".join(f"<p>{p}</p>" for p in paras))
        rel = f"html/{i}.html.gz"
        with gzip.open(data / rel, "wb") as fh:
            fh.write(html.encode("utf-8"))
        items[str(i)] = {"id": str(i), "url": f"https://{site}/{i}", "html_file": rel,
                         "title": title, "authors": ["Ada Lovelace"], "date": "2025-07-02",
                         "articleBody": "\n\n".join(paras)}
    (data / "ground-truth.json").write_text(json.dumps({"items": items}))
    folds = {}
    for rec in items.values():
        folds.setdefault(train.site_of(rec), set()).add(train.fold_of(train.site_of(rec), 3))
    assert all(len(f) == 1 for f in folds.values())  # a site's pages share one fold
    rc = q.main([str(data), "--only", "ingest,ingest-model", "--folds", "3"])
    out = capsys.readouterr().out
    assert rc == 0, out
    row = next(line for line in out.splitlines() if line.startswith("| ingest-model |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[-1] == "0"  # no errors
    assert float(cells[1]) > 0.9  # body F1 out of fold on pages this easy

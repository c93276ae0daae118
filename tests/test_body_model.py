"""The learned body model: its committed files match the code, and its training labels."""

import json
import re
from types import SimpleNamespace

import pytest
from itemadapter import ItemAdapter

from ingest.extract import body_model, extract_article, model_features, train

from .conftest import FROZEN_FETCHED_AT, golden_cases


def _feature_names(model_file):
    m = re.search(r"^feature_names=(.*)$", model_file.read_text(encoding="utf-8"), re.M)
    assert m, f"{model_file.name} has no feature_names line"
    return tuple(m.group(1).split())


def test_committed_model_features_are_the_ones_the_code_computes():
    """A feature added, removed or reordered in model_features.py forces `make train`."""
    stage1, stage2 = body_model.MODEL_FILES
    assert _feature_names(stage1) == model_features.FEATURES
    assert _feature_names(stage2) == model_features.CONTEXT_FEATURES
    meta = body_model.committed_meta()
    assert tuple(meta["features"]) == model_features.FEATURES
    assert tuple(meta["context_features"]) == model_features.CONTEXT_FEATURES
    assert meta["training_pages"], "the training data's ids are recorded beside the model"


def test_feature_rows_have_one_column_per_name():
    page, url, _ = golden_cases()[0]
    rec = body_model.Recorder()
    extract_article(page.read_bytes(), url, fetched_at=FROZEN_FETCHED_AT, body_model=rec)
    assert rec.rows and all(len(r) == len(model_features.FEATURES) for r in rec.rows)
    ctx = model_features.context_features(rec.blocks, rec.rows, [0.5] * len(rec.rows))
    assert all(len(r) == len(model_features.CONTEXT_FEATURES) for r in ctx)


def test_recorder_keeps_the_rules_result():
    for page, url, _ in golden_cases()[:4]:
        html = page.read_bytes()
        plain = ItemAdapter(extract_article(html, url, fetched_at=FROZEN_FETCHED_AT)).asdict()
        recorded = ItemAdapter(extract_article(html, url, fetched_at=FROZEN_FETCHED_AT,
                                               body_model=body_model.Recorder())).asdict()
        assert recorded == plain


def test_labels_by_majority_of_shingles_and_partial_snippets():
    blocks = [SimpleNamespace(text=t) for t in (
        "the quick brown fox jumps over the lazy dog",   # all shingles in the body
        "Subscribe to our newsletter for more news",     # none
        "lazy dog",                                       # short: its tokens in sequence
        "Home",                                           # short, not in the body
    )]
    page = {"set": "naeb-dev", "articleBody": "Intro. The quick brown fox jumps over the "
            "lazy dog. The end."}
    page["articleBody"] = page["articleBody"].replace("The quick", "the quick")
    assert train.labels(page, blocks) == [1.0, 0.0, 1.0, 0.0]
    seg = {"set": "trafilatura-eval", "with": ["quick brown fox"], "without": ["Home"]}
    assert train.labels(seg, blocks) == [1.0, None, None, 0.0]


def test_committed_model_keeps_a_fixture_body_and_drops_navigation():
    pytest.importorskip("lightgbm")
    model = body_model.committed_model()
    assert body_model.committed_model() is model  # loaded once per process
    page, url, expected = golden_cases()[0]
    rules = extract_article(page.read_bytes(), url, fetched_at=FROZEN_FETCHED_AT)
    learned = extract_article(page.read_bytes(), url, fetched_at=FROZEN_FETCHED_AT,
                              body_model=model)
    assert learned.provenance["sections"] == "model"
    first = rules.sections[0].paragraphs[0]
    assert first in learned.body_text


def test_navigation_stays_a_hard_rule():
    html = ("<html><body><nav><p>" + "A long line of navigation text that reads like prose, "
            "with commas, and full stops. " * 3 + "</p></nav></body></html>")
    rec = body_model.Recorder()
    extract_article(html, "https://example.test/a", body_model=rec)
    assert rec.blocks and all(model_features.is_hard_nav(b) for b in rec.blocks)


def test_model_without_lightgbm_or_stale_features_is_a_clear_error(monkeypatch):
    pytest.importorskip("lightgbm")
    stage1, stage2 = (p.read_text() for p in body_model.MODEL_FILES)
    monkeypatch.setattr(model_features, "FEATURES", model_features.FEATURES + ("new",))
    with pytest.raises(RuntimeError, match="make train"):
        body_model.BodyModel(stage1, stage2)


def test_train_check_needs_data(tmp_path, capsys):
    assert train.main(["--data", str(tmp_path)]) == 2
    assert "no training data" in capsys.readouterr().err


def test_meta_is_json():
    json.loads(body_model.META_FILE.read_text())


def test_crawl_with_the_body_model_setting_stores_model_bodies(tmp_path):
    """INGEST_BODY_MODEL=True: a real crawl of the demo site on 127.0.0.1 stores articles
    whose body the model chose (provenance), as many as the rules store."""
    pytest.importorskip("lightgbm")
    from ingest.jobs.demo import run_crawl, serve_directory

    from .conftest import DEMO_SITE, rows

    counts = {}
    for flag in ("False", "True"):
        db = tmp_path / f"model-{flag}.db"
        with serve_directory(DEMO_SITE) as base_url:
            result = run_crawl(base_url, db, {"INGEST_BODY_MODEL": flag},
                               capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        got = rows(db, "select provenance, word_count from articles")
        counts[flag] = len(got)
        sources = {json.loads(r["provenance"]).get("sections") for r in got}
        assert ("model" in sources) == (flag == "True"), sources
        assert all(r["word_count"] >= 80 for r in got)
    assert counts["True"] == counts["False"] > 0


@pytest.mark.parametrize("page,url,expected", [pytest.param(*c, id=c[1]) for c in golden_cases()])
def test_model_bodies_of_the_golden_fixtures_are_the_hand_written_ones(page, url, expected):
    """The certain rules stay hard under the model: the headline repeated as a heading, the
    title block (standfirst), whole-line boilerplate ("(Reporting by ...)") and the next
    article of an endless-scroll page are never body, whatever the trees score them."""
    pytest.importorskip("lightgbm")
    if "sections" not in expected:
        pytest.skip("no hand-written sections")
    meta = page.parent / "meta.json"
    if page.name == "page.html" and meta.exists() and json.loads(meta.read_text()).get("xfail"):
        pytest.skip("a known extractor gap (xfail in test_golden)")
    record = ItemAdapter(extract_article(page.read_bytes(), url, fetched_at=FROZEN_FETCHED_AT,
                                         body_model=body_model.committed_model())).asdict()
    got = [{"heading": s.heading, "paragraphs": s.paragraphs} if hasattr(s, "heading") else s
           for s in record["sections"]]
    assert got == expected["sections"]


class _KeepsEverything(body_model.BodyModel):
    """A model that scores every block body: what stays dropped is the hard rules' doing."""

    def __init__(self):  # no trees
        self.threshold = body_model.THRESHOLD

    def scores(self, blocks, rows):
        return [1.0] * len(blocks)


def test_pull_quotes_stay_dropped_whatever_the_model_scores():
    said = "The best upgrade is the one you stop noticing after a week"
    prose = ("A light bar sits on top of the monitor and shines down on the desk without "
             "reflecting off the screen, and my eyes feel less tired at the end of the day. ")
    html = (f"<html><body><article><h1>Desk upgrades</h1><p>{prose}</p>"
            f"<blockquote class='pullquote'><p>{said}.</p></blockquote>"
            f"<aside><p>\u201c{said}\u201d</p></aside>"
            f"<p>Cables were the mess I looked at most. {said}. {prose}</p>"
            f"</article></body></html>")
    a = extract_article(html, "https://example.test/a", body_model=_KeepsEverything())
    assert a.provenance["sections"] == "model"
    paras = [p for s in a.sections for p in s.paragraphs]
    assert sum(said in p for p in paras) == 1, paras
    assert paras[-1].startswith("Cables were")


def test_a_kept_heading_whose_text_went_is_dropped_under_the_model():
    """The rules' last step holds for the model's choice: a box title over nothing but a
    dropped line ("Customer service" over a service note) is no section."""
    prose = ("The work itself takes one day for most houses, and the inspector normally "
             "visits within a week, after which the utility reconnects the meter. ")
    html = (f"<html><head><title>Panel upgrades</title></head><body><article><h1>Panel upgrades</h1><p>{prose}</p><p>Then. {prose}</p>"
            "<h3>Customer service</h3><p>Questions about your order? Our customer service team "
            "answers calls from 8am to 6pm.</p></article></body></html>")
    a = extract_article(html, "https://example.test/a", body_model=_KeepsEverything())
    assert [s.heading for s in a.sections] == [None]
    assert "Customer service" not in a.body_text

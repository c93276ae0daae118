"""The learned body model: which blocks of a page are article text.

Trained by ``make train`` (ingest/extract/train.py) on ../shared/data; the trees are
committed beside this file (``body_model.stage1.txt``, ``body_model.stage2.txt``: LightGBM
model strings) with ``body_model.json`` (feature names, training page ids, out-of-fold
scores). The model is read once per process, on first use, and never changes after; it holds
no page state. Inference is one vectorised ``predict`` per stage per page.

Used by ``extract_article(..., body_model=...)`` when ``INGEST_BODY_MODEL`` is on (off by
default: see README, "Learned body model", for the out-of-fold figures that decide it).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from . import model_features as mf

HERE = Path(__file__).resolve().parent
MODEL_FILES = (HERE / "body_model.stage1.txt", HERE / "body_model.stage2.txt")
META_FILE = HERE / "body_model.json"
# A block is body when the stage-2 probability reaches this (a balanced cut: the training
# labels weigh body and chrome blocks by their characters, so 0.5 balances text, not blocks).
THRESHOLD = 0.5


# The rules' drops that are certain, not a judgement the model improves on: the title block
# and the headline itself, whole-line boilerplate ("Advertisement", "(Reporting by ...)"),
# and a heading styled like the page's headline after the body began (the next article).
# "teaser of the lead" and "pull quote": the paragraph each repeats is kept, so dropping it
# loses no text (a retrained model once kept a pull quote the rules had dropped).
HARD_DROPS = frozenset(("before headline", "headline", "boilerplate", "teaser of the lead",
                        "pull quote"))
HARD_DROPS_AFTER = frozenset(("next article",))


class BodyModel:
    """Two boosted-tree stages over the blocks of a page (immutable after construction)."""

    source = "model"  # the provenance of a body it chose

    def __init__(self, stage1: str, stage2: str, threshold: float = THRESHOLD):
        try:
            import lightgbm as lgb
            import numpy as np
        except ImportError as exc:  # the model needs the train extra
            raise RuntimeError(
                "the learned body model needs lightgbm and numpy: "
                "pip install -e '.[train]' (or set INGEST_BODY_MODEL=False)") from exc
        self._np = np
        self._b1 = lgb.Booster(model_str=stage1)
        self._b2 = lgb.Booster(model_str=stage2)
        self.threshold = threshold
        for booster, names in ((self._b1, mf.FEATURES), (self._b2, mf.CONTEXT_FEATURES)):
            if tuple(booster.feature_name()) != tuple(names):
                raise RuntimeError("the body model's features differ from the code's: "
                                   "run `make train` to rebuild it")

    def scores(self, blocks, rows) -> list[float]:
        if not rows:
            return []
        np = self._np
        s1 = self._b1.predict(np.asarray(rows, dtype=np.float64), num_threads=1).tolist()
        rows2 = mf.context_features(blocks, rows, s1)
        return self._b2.predict(np.asarray(rows2, dtype=np.float64), num_threads=1).tolist()

    def choose(self, blocks, rows, rules_kept, why=None):
        """The blocks scored body, less those a certain rule dropped (``why``: the rules'
        reason per dropped block, from content.body_blocks)."""
        scores = self.scores(blocks, rows)
        why = why or {}
        kept = []
        for b, s in zip(blocks, scores):
            reason = why.get(id(b))
            if reason in HARD_DROPS_AFTER and b.el.get("class"):
                # The next article of an endless-scroll page, and all after it: certain only
                # where the headline's class repeats (a bare <h1> again is often a section
                # heading: on wcxb-dev pages the unclassed case cost body text).
                break
            if s >= self.threshold and reason not in HARD_DROPS and not mf.is_hard_nav(b):
                kept.append(b)
        return without_empty_headings(kept)


def without_empty_headings(kept):
    """A kept heading with no text under it (the next kept block is a heading of its level
    or above, or none) is dropped, as the rules' last step drops it: a box's title whose
    text went ("Customer service" over a consent note) is no section."""
    out = []
    for i, b in enumerate(kept):
        if b.kind == "heading":
            nxt = kept[i + 1] if i + 1 < len(kept) else None
            if nxt is None or nxt.kind == "heading" and nxt.level <= b.level:
                continue
        out.append(b)
    return out


@cache
def committed_model() -> BodyModel:
    """The committed model, loaded once per process (lazily: only pages that use it pay)."""
    missing = [p.name for p in MODEL_FILES if not p.is_file()]
    if missing:
        raise RuntimeError(f"body model file(s) missing: {', '.join(missing)}; run `make train`")
    stage1, stage2 = (p.read_text(encoding="utf-8") for p in MODEL_FILES)
    return BodyModel(stage1, stage2)


def committed_meta() -> dict:
    return json.loads(META_FILE.read_text(encoding="utf-8"))


class Recorder:
    """Keeps the rules' choice and records each page's blocks and feature rows (training)."""

    source = "heuristic"

    def __init__(self):
        self.blocks = []
        self.rows = []

    def choose(self, blocks, rows, rules_kept, why=None):
        self.blocks, self.rows = blocks, rows
        return rules_kept

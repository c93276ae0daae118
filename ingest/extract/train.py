"""Train the learned body model from labelled pages (``make train``; needs the train extra).

    python -m ingest.extract.train [--data ../shared/data] [--check]

Data: the folders of ../shared/data (naeb-dev, wcxb-dev: ``articleBody``; trafilatura-eval:
``with``/``without`` snippets as partial labels). Each page goes through ``extract_article``
with a recorder that keeps the rules' result and records the blocks and their features.

Labels: a block is body when most of its 4-token shingles are shingles of the page's
articleBody (a block under 4 tokens: when its tokens occur in the body's token sequence). On
trafilatura-eval a block holding (or held by) a ``with`` snippet is body, one holding (or held
by) a ``without`` snippet is not, others are not used.

Deterministic: pages in sorted id order, fixed seeds, one thread, row-wise histograms. The
same data and code give the same files. ``--check`` rebuilds in memory and says whether the
committed files are what the data and code produce (exit 1 when not).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from . import body_model, extract_article
from . import model_features as mf

SETS = ("naeb-dev", "wcxb-dev", "trafilatura-eval")
SEED = 20251201
# Small and quick on a shared machine: 200 trees of 31 leaves per stage, one thread.
PARAMS = {
    "objective": "binary", "learning_rate": 0.08, "num_leaves": 31,
    "min_data_in_leaf": 40, "lambda_l2": 1.0, "feature_fraction": 0.9,
    "feature_fraction_seed": SEED, "bagging_seed": SEED, "data_random_seed": SEED,
    "seed": SEED, "deterministic": True, "force_row_wise": True, "num_threads": 1,
    "verbosity": -1,
}
NUM_TREES = 200
# Stage 2 learns from stage-1 scores the model did not see the page of: scores of
# site-grouped inner folds (in-sample scores are too sure of themselves).
INNER_FOLDS = 3
# A block's label weighs with its size (body F1 counts shingles, so long blocks matter more),
# damped so that one huge block does not outweigh a page.
def block_weight(text: str) -> float:
    return math.sqrt(len(text) + 1)


_TOKEN = re.compile(r"\w+")


def site_of(page: dict) -> str:
    host = page.get("site") or urlsplit(page.get("url") or "").hostname or page["id"]
    return host.lower().removeprefix("www.")


def fold_of(site: str, k: int) -> int:
    """Site-grouped folds: every page of a site is in the same fold (stable across runs)."""
    return int(hashlib.sha1(site.encode()).hexdigest(), 16) % k


def load_set(data_dir: Path, name: str) -> list[dict]:
    gt = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, rec in gt["items"].items():
        if not rec.get("html_file"):
            continue
        page = dict(rec, id=f"{name}/{rec.get('id', key)}", set=name)
        page["site_key"] = site_of(page)
        pages.append(page)
    pages.sort(key=lambda p: (len(p["id"]), p["id"]))
    return pages


def _list(value):
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    text = str(value).strip()
    if text.startswith("["):
        import ast
        try:
            return [str(v) for v in ast.literal_eval(text) if v]
        except (ValueError, SyntaxError):
            return [text]
    return [text] if text else []


def labels(page: dict, blocks) -> list[float | None]:
    body = page.get("articleBody")
    if body and page["set"] != "trafilatura-eval":
        toks = _TOKEN.findall(body)
        sh = {" ".join(toks[i:i + 4]) for i in range(max(1, len(toks) - 3))}
        seq = " " + " ".join(toks) + " "
        out = []
        for b in blocks:
            bt = _TOKEN.findall(b.text)
            if not bt:
                out.append(0.0)
            elif len(bt) < 4:
                out.append(1.0 if f" {' '.join(bt)} " in seq else 0.0)
            else:
                bs = [" ".join(bt[i:i + 4]) for i in range(len(bt) - 3)]
                out.append(1.0 if sum(s in sh for s in bs) * 2 > len(bs) else 0.0)
        return out
    with_ = [" ".join(s.split()) for s in _list(page.get("with"))]
    without = [" ".join(s.split()) for s in _list(page.get("without"))]
    out = []
    for b in blocks:
        t = b.text
        hit = lambda segs: any(s and (s in t or (len(t) >= 20 and t in s)) for s in segs)  # noqa: E731
        if hit(with_):
            out.append(1.0)
        elif hit(without):
            out.append(0.0)
        else:
            out.append(None)
    return out


def page_examples(data_root: Path, page: dict):
    """(blocks, rows, labels) of one page, via extract_article and a recorder."""
    html = gzip.open(data_root / page["set"] / page["html_file"]).read()
    rec = body_model.Recorder()
    extract_article(html, page.get("url") or "", body_model=rec)
    return rec.blocks, rec.rows, labels(page, rec.blocks)


def collect(data_root: Path, sets=SETS, progress=None) -> list[dict]:
    """Every page's examples (blocks are kept for scoring; rows and labels for training)."""
    out = []
    for name in sets:
        if not (data_root / name / "ground-truth.json").is_file():
            continue
        for page in load_set(data_root / name, name):
            blocks, rows, ys = page_examples(data_root, page)
            out.append({"page": page, "texts": [b.text for b in blocks], "blocks": blocks,
                        "rows": rows, "labels": ys})
            if progress:
                progress(len(out))
    return out


def _matrix(examples, rows_key="rows"):
    X, y, w = [], [], []
    for ex in examples:
        for row, lab, text in zip(ex[rows_key], ex["labels"], ex["texts"]):
            if lab is None:
                continue
            X.append(row)
            y.append(lab)
            w.append(block_weight(text))
    return X, y, w


def _fit(X, y, w, names):
    import lightgbm as lgb
    import numpy as np

    ds = lgb.Dataset(np.asarray(X, dtype=np.float64), label=np.asarray(y), weight=np.asarray(w),
                     feature_name=list(names), categorical_feature=list(mf.CATEGORICAL),
                     free_raw_data=True, params={"verbosity": -1})
    return lgb.train(PARAMS, ds, num_boost_round=NUM_TREES)


def _predict(booster, rows):
    import numpy as np

    if not rows:
        return []
    return booster.predict(np.asarray(rows, dtype=np.float64), num_threads=1).tolist()


def train(examples) -> tuple[str, str]:
    """-> (stage-1 model string, stage-2 model string)."""
    b1 = _fit(*_matrix(examples), mf.FEATURES)
    # Inner site-grouped folds give stage 2 honest stage-1 scores.
    for ex in examples:
        ex["_k"] = fold_of(ex["page"]["site_key"] + "#inner", INNER_FOLDS)
    for k in range(INNER_FOLDS):
        inner = _fit(*_matrix([e for e in examples if e["_k"] != k]), mf.FEATURES)
        for ex in examples:
            if ex["_k"] == k:
                s1 = _predict(inner, ex["rows"])
                ex["rows2"] = mf.context_features(ex["blocks"], ex["rows"], s1)
    b2 = _fit(*_matrix(examples, "rows2"), mf.CONTEXT_FEATURES)
    for ex in examples:
        ex.pop("rows2", None)
        ex.pop("_k", None)
    return b1.model_to_string(num_iteration=-1), b2.model_to_string(num_iteration=-1)


def model_from(strings) -> body_model.BodyModel:
    return body_model.BodyModel(*strings)


def _strip_params(model_str: str) -> str:
    """Model strings end with the training parameters, paths and all: keep the trees only."""
    return model_str.split("\nparameters:", 1)[0].rstrip() + "\n"


def build(data_root: Path, progress=None):
    examples = collect(data_root, progress=progress)
    s1, s2 = train(examples)
    meta = {
        "features": list(mf.FEATURES),
        "context_features": list(mf.CONTEXT_FEATURES),
        "params": PARAMS, "num_trees": NUM_TREES, "inner_folds": INNER_FOLDS,
        "threshold": body_model.THRESHOLD,
        "training_pages": [ex["page"]["id"] for ex in examples],
        "labelled_blocks": dict(Counter(
            "body" if y == 1.0 else "other" for ex in examples for y in ex["labels"]
            if y is not None)),
    }
    return _strip_params(s1), _strip_params(s2), meta


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ingest.extract.train")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--check", action="store_true",
                    help="say whether the committed model is what data and code produce")
    args = ap.parse_args(argv)
    if not any((args.data / s / "ground-truth.json").is_file() for s in SETS):
        print(f"no training data under {args.data} (expected {', '.join(SETS)})",
              file=sys.stderr)
        return 2

    def progress(n):
        if n % 100 == 0:
            print(f"\r{n} pages", end="", file=sys.stderr)

    s1, s2, meta = build(args.data, progress)
    print(file=sys.stderr)
    files = dict(zip(body_model.MODEL_FILES, (s1, s2)))
    if args.check:
        old_meta = json.loads(body_model.META_FILE.read_text()) if body_model.META_FILE.is_file() else {}
        same = all(p.is_file() and p.read_text(encoding="utf-8") == t for p, t in files.items())
        same = same and {k: old_meta.get(k) for k in meta} == json.loads(json.dumps(meta))
        print("committed body model is up to date" if same else
              "committed body model differs from what data and code produce: run `make train`")
        return 0 if same else 1
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    old = json.loads(body_model.META_FILE.read_text()) if body_model.META_FILE.is_file() else {}
    meta["out_of_fold"] = old.get("out_of_fold", {})  # written by bench/quality.py --folds
    body_model.META_FILE.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {', '.join(p.name for p in files)} and {body_model.META_FILE.name} "
          f"({len(meta['training_pages'])} pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

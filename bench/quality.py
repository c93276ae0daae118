#!/usr/bin/env python3
"""Extraction quality and speed: the project's extractor side by side with its peers.

    python bench/quality.py DATA_DIR [--min FIELD=VALUE ...] [--worst N]
                            [--only NAME,NAME] [--limit N] [--json PATH]
                            [--folds K [--save-oof]]

DATA_DIR is a labelled folder such as ../shared/data/naeb-dev or
../shared/data/trafilatura-eval (``ground-truth.json`` plus gzipped pages under
``html/``). The pages are read from there at run time and never copied.

Every registered extractor runs over the same pages in the same run, one page at a time,
pages in numeric id order. Scoring follows ../shared/data/README.md:

* body (naeb-dev): ``\\w+`` tokens, 4-token shingles, per page TP/FP/FN by count, each
  page's counts divided by their sum; precision and recall averaged over the pages where
  they are defined; F1 from the two averages.
* body (trafilatura-eval): share of ``with`` segments found in the body and of ``without``
  segments absent from it (whitespace folded), over all segments.
* headline: equal after NFKC, casefold, curly quotes to straight, whitespace folded.
* authors: the set of names equal after the same folding (no label and no names = right).
* date: the first 10 characters equal; pages with no date label are not counted.

On trafilatura-eval, headline/authors/date are scored only on ``metadata_annotated`` pages.
wcxb-dev has an ``articleBody`` and is scored like naeb-dev; its authors are counted only on
pages whose ``author_raw`` is labelled (null there means "not labelled" as often as "none").

``--folds K``: site-grouped K-fold (``ingest.extract.train.fold_of``: every page of a site
in one fold). For each fold the learned body model (row ``ingest-model``) is trained on the
pages of every data set beside DATA_DIR (../shared/data/*) whose site is not in that fold,
and scored on DATA_DIR's pages of that fold; the other extractors run on the same pages in
the same run. All folds make one table: out-of-fold figures. ``--save-oof`` records the table
in ingest/extract/body_model.json. Needs the train extra (lightgbm).

Exit status: 0 when done (or when DATA_DIR is absent: "skipped"), 1 when a ``--min``
floor is missed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import gzip
import json
import logging
import platform
import re
import statistics
import subprocess
import sys
import time
import unicodedata
import warnings
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------
# Scoring (pure functions, tested in tests/test_bench_quality.py)
# --------------------------------------------------------------------------------------

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    }
)
_TOKEN_RE = re.compile(r"\w+")
SHINGLE = 4


def fold(text: str | None) -> str:
    """NFKC, case folding, curly quotes to straight, whitespace folded."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).casefold().translate(_QUOTES)
    return " ".join(text.split())


def fold_ws(text: str | None) -> str:
    """Whitespace folding only (used for trafilatura-eval segments)."""
    return " ".join((text or "").split())


def headline_match(expected: str | None, got: str | None) -> bool | None:
    """None when there is no label (the page is not counted)."""
    if expected is None or not fold(expected):
        return None
    return fold(expected) == fold(got)


def author_set(names) -> frozenset[str]:
    return frozenset(f for f in (fold(n) for n in (names or [])) if f)


def authors_match(expected, got) -> bool:
    """Set of folded names equal; a page labelled [] is right when nothing is found."""
    return author_set(expected) == author_set(got)


def date_match(expected: str | None, got: str | None) -> bool | None:
    """First 10 characters equal; None when the page has no date label."""
    if not expected:
        return None
    if not got:
        return False
    return str(expected)[:10] == str(got)[:10]


def tokens(text: str | None) -> list[str]:
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = SHINGLE) -> list[str]:
    """n-token shingles; a text shorter than n tokens (but not empty) is one shingle."""
    toks = tokens(text)
    if not toks:
        return []
    return [" ".join(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1))]


def body_counts(expected: str | None, got: str | None) -> tuple[float, float, float]:
    """TP, FP, FN of shingles by count, divided by their sum (all 0 when both are empty)."""
    true, pred = Counter(shingles(expected)), Counter(shingles(got))
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    if not total:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def page_precision_recall(tp: float, fp: float, fn: float) -> tuple[float | None, float | None]:
    p = tp / (tp + fp) if tp + fp > 0 else None
    r = tp / (tp + fn) if tp + fn > 0 else None
    return p, r


def f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def body_scores(counts) -> dict:
    """Average precision and recall over pages where defined; F1 from the two averages."""
    ps, rs = [], []
    for tp, fp, fn in counts:
        p, r = page_precision_recall(tp, fp, fn)
        if p is not None:
            ps.append(p)
        if r is not None:
            rs.append(r)
    p = statistics.fmean(ps) if ps else None
    r = statistics.fmean(rs) if rs else None
    return {"precision": p, "recall": r, "f1": f1(p, r), "pages_p": len(ps), "pages_r": len(rs)}


def segment_counts(body: str | None, with_segs, without_segs) -> dict:
    """How many `with` segments are in the body and how many `without` ones are not."""
    text = fold_ws(body)
    w = [s for s in (fold_ws(x) for x in with_segs or []) if s]
    wo = [s for s in (fold_ws(x) for x in without_segs or []) if s]
    kept = [s for s in w if s in text]
    leaked = [s for s in wo if s in text]
    return {
        "with_total": len(w),
        "with_kept": len(kept),
        "without_total": len(wo),
        "without_removed": len(wo) - len(leaked),
        "missing": [s for s in w if s not in text],
        "leaked": leaked,
    }


def accuracy(values) -> tuple[float | None, int]:
    """Share of True among values that are not None, and how many were counted."""
    counted = [v for v in values if v is not None]
    return (sum(counted) / len(counted) if counted else None), len(counted)


def as_list(value) -> list:
    """Labels may be lists, None, '' or strings holding a Python/JSON list."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(text)
            except (ValueError, SyntaxError):
                continue
            if isinstance(parsed, (list, tuple)):
                return as_list(parsed)
    return [text]


def to_day(value) -> str | None:
    """A peer's date (datetime, date or string) -> 'YYYY-MM-DD' in the page's own terms."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        try:
            return date(y, mo, d).isoformat()
        except ValueError:
            return None
    try:
        from dateutil import parser as dparser

        return dparser.parse(text, fuzzy=True).date().isoformat()
    except Exception:  # noqa: BLE001 - any unparseable date is simply no date
        return None


# --------------------------------------------------------------------------------------
# Decoding for peers that want str (done inside the timed region)
# --------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_LATIN = {"iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii", "iso8859-1", "l1"}


def sniff_decode(raw: bytes) -> str:
    """BOM, else <meta charset>, else UTF-8; undecodable bytes replaced."""
    if isinstance(raw, str):
        return raw
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    encoding = "utf-8"
    m = _META_CHARSET.search(raw[:4096])
    if m:
        name = m.group(1).decode("ascii", "ignore").lower()
        if name in _LATIN:
            name = "cp1252"  # what browsers do
        try:
            if not codecs.lookup(name).name.startswith("utf-16"):
                encoding = codecs.lookup(name).name
        except LookupError:
            pass
    return raw.decode(encoding, errors="replace")


# --------------------------------------------------------------------------------------
# Extractors: name -> adapter(html_bytes, url) -> {headline, authors, date, body}
# Each library is imported lazily by its loader; a missing one is "not installed".
# --------------------------------------------------------------------------------------

@contextmanager
def silenced_peers():
    """Mute all logging and warnings while the benchmark runs (the peers are noisy, and
    some set their loggers up on import), then restore what was there."""
    previous = logging.root.manager.disable
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            yield
        finally:
            logging.disable(previous)


@cache
def _load(name: str):
    """Import what an adapter needs (outside the timed region); raises ImportError."""
    if name == "ingest":
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from ingest.extract import extract_article

        try:
            from itemadapter import ItemAdapter

            def as_dict(article):
                return ItemAdapter(article).asdict()
        except ImportError:  # a plain dataclass is enough
            import dataclasses

            as_dict = dataclasses.asdict
        return extract_article, as_dict
    if name == "ingest-model":
        import lightgbm  # noqa: F401 - the model's trees
        return None
    if name == "trafilatura":
        from trafilatura import bare_extraction

        return bare_extraction
    if name == "newspaper4k":
        import newspaper

        config = newspaper.Config()
        config.fetch_images = False  # no network: never download images
        config.follow_meta_refresh = False
        return newspaper.Article, config
    if name == "readability":
        import lxml.html
        from readability import Document

        return Document, lxml.html
    if name == "goose3":
        from goose3 import Goose

        return Goose({"enable_image_fetching": False})
    raise KeyError(name)


def _result(headline=None, authors=None, date_=None, body=None) -> dict:
    return {
        "headline": headline or None,
        "authors": [str(a).strip() for a in (authors or []) if a and str(a).strip()],
        "date": to_day(date_),
        "body": body or "",
    }


def extract_ingest(html: bytes, url: str) -> dict:
    extract_article, as_dict = _load("ingest")
    d = as_dict(extract_article(html, url))
    names = []
    for a in d.get("authors") or []:
        names.append(a.get("name") if isinstance(a, dict) else getattr(a, "name", a))
    return _result(d.get("headline"), names, d.get("published_at"), d.get("body_text"))


# The model the ``ingest-model`` row uses: the fold's model under --folds, else the
# committed one (in-sample on the data it was trained on: label such figures so).
FOLD_MODEL = [None]


def extract_ingest_model(html: bytes, url: str) -> dict:
    extract_article, as_dict = _load("ingest")
    model = FOLD_MODEL[0]
    if model is None:
        from ingest.extract.body_model import committed_model

        model = committed_model()
    d = as_dict(extract_article(html, url, body_model=model))
    names = [a.get("name") if isinstance(a, dict) else getattr(a, "name", a)
             for a in d.get("authors") or []]
    return _result(d.get("headline"), names, d.get("published_at"), d.get("body_text"))


def extract_trafilatura(html: bytes, url: str) -> dict:
    bare_extraction = _load("trafilatura")
    # Defaults (balanced precision/recall); accepts bytes and decodes them itself.
    # Python output: .text is the main text (comments, when found, are kept apart).
    doc = bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return _result()
    if isinstance(doc, dict):
        get = doc.get
    else:
        def get(key):
            return getattr(doc, key, None)
    authors = [a for a in re.split(r"\s*;\s*", get("author") or "") if a]
    return _result(get("title"), authors, get("date"), get("text"))


def extract_newspaper4k(html: bytes, url: str) -> dict:
    article_cls, config = _load("newspaper4k")
    art = article_cls(url, config=config)
    art.download(input_html=sniff_decode(html))
    art.parse()
    return _result(art.title, art.authors, art.publish_date, art.text)


_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td",
    "th", "table", "blockquote", "pre", "section", "article", "figure", "figcaption", "dd",
    "dt", "header", "footer", "hr",
}


def extract_readability(html: bytes, url: str) -> dict:
    document_cls, lxml_html = _load("readability")
    doc = document_cls(html, url=url)  # accepts bytes and decodes them itself
    title = doc.short_title() or doc.title()
    summary = doc.summary(html_partial=True)
    tree = lxml_html.fromstring(summary)
    for el in tree.iter():  # keep block boundaries, or "end</p><p>Start" glues two words
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
    text = "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())
    return _result(title, None, None, text)


def extract_goose3(html: bytes, url: str) -> dict:
    goose = _load("goose3")
    art = goose.extract(url=url, raw_html=sniff_decode(html))
    return _result(art.title, art.authors, art.publish_date, art.cleaned_text)


EXTRACTORS = {
    "ingest": extract_ingest,
    "ingest-model": extract_ingest_model,
    "trafilatura": extract_trafilatura,
    "newspaper4k": extract_newspaper4k,
    "readability": extract_readability,
    "goose3": extract_goose3,
}

DIST_NAMES = {  # extractor -> distribution whose version is printed
    "ingest": "news-ingest",
    "ingest-model": "lightgbm",
    "trafilatura": "trafilatura",
    "newspaper4k": "newspaper4k",
    "readability": "readability-lxml",
    "goose3": "goose3",
}


def availability(name: str) -> str | None:
    """None when usable, else why not."""
    try:
        _load(name)
    except KeyError:  # an adapter with nothing to load (e.g. one added by a test)
        return None
    except ImportError as exc:
        if name == "ingest":
            return f"not importable ({type(exc).__name__}: {exc})"
        return "not installed"
    except Exception as exc:  # noqa: BLE001
        return f"failed to load ({type(exc).__name__}: {exc})"
    return None


def _version_of(name: str) -> str:
    v = dist_version(DIST_NAMES[name])
    return "(working tree)" if name == "ingest" and v == "-" else v


def dist_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "-"


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def _id_key(item_id: str):
    return (0, int(item_id), "") if str(item_id).isdigit() else (1, 0, str(item_id))


def load_ground_truth(data_dir: Path) -> tuple[str, list[dict]]:
    """Returns (kind, pages) with kind 'naeb' (article bodies) or 'segments'."""
    gt = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    items = gt["items"]
    records = [dict(rec, id=str(rec.get("id", key))) for key, rec in items.items()]
    records.sort(key=lambda r: _id_key(r["id"]))
    # A set with article bodies (naeb-dev, wcxb-dev) is scored on them, else on segments.
    kind = "naeb" if any(r.get("articleBody") for r in records) else "segments"
    pages = []
    for r in records:
        annotated = r.get("metadata_annotated", True)
        # wcxb-dev: author_raw null = not labelled; such pages are not counted for authors.
        authors_labelled = annotated and ("author_raw" not in r or r["author_raw"] is not None)
        if kind == "segments":
            body_label = None
        else:
            body_label = r.get("articleBody") or ""
        pages.append(
            {
                "id": r["id"],
                "url": r.get("url") or "",
                "html_file": r.get("html_file"),
                "annotated": bool(annotated),
                "authors_labelled": bool(authors_labelled),
                "site": r.get("site") or "",
                "headline": r.get("title") if annotated else None,
                "authors": as_list(r.get("authors")),
                "date": r.get("date") if annotated else None,
                "body": body_label,
                "with": as_list(r.get("with")),
                "without": as_list(r.get("without")),
            }
        )
    return kind, pages


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def score_page(kind: str, page: dict, res: dict) -> dict:
    s = {
        "headline": headline_match(page["headline"], res["headline"]),
        "authors": authors_match(page["authors"], res["authors"])
        if page.get("authors_labelled", page["annotated"]) else None,
        "date": date_match(page["date"], res["date"]),
    }
    if kind == "naeb":
        tp, fp, fn = body_counts(page["body"], res["body"])
        p, r = page_precision_recall(tp, fp, fn)
        s["body"] = {"tp": tp, "fp": fp, "fn": fn, "p": p, "r": r, "f1": f1(p, r)}
    else:
        seg = segment_counts(res["body"], page["with"], page["without"])
        s["segments"] = seg
    return s


def run(data_dir: Path, kind: str, pages: list[dict], names: list[str], progress=None):
    """Runs every extractor on every page; returns per-page results."""
    results = []
    for i, page in enumerate(pages):
        html = gzip.open(data_dir / page["html_file"]).read()
        row = {"id": page["id"], "url": page["url"], "extractors": {}}
        for name in names:
            adapter = EXTRACTORS[name]
            error = None
            t0 = time.perf_counter()
            try:
                res = adapter(html, page["url"])
            except Exception as exc:  # noqa: BLE001 - a failure is an empty result
                res, error = _result(), f"{type(exc).__name__}: {exc}"[:300]
            elapsed = time.perf_counter() - t0
            row["extractors"][name] = {
                "result": res,
                "error": error,
                "seconds": elapsed,
                "scores": score_page(kind, page, res),
            }
        results.append(row)
        if progress:
            progress(i + 1, len(pages))
    return results


_EXAMPLES: dict = {}
# Fold models of this run, by (data root, K, fold): the same for every DIR of the run.
_FOLD_MODELS: dict = {}


def run_folds(data_dir: Path, kind: str, pages: list[dict], names: list[str], k: int,
              progress=None) -> list[dict]:
    """Site-grouped K-fold: per fold, train the model on the other folds' sites (all data
    sets beside data_dir), run every extractor on this fold's pages."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from ingest.extract import train

    key = str(data_dir.parent.resolve())
    if key not in _EXAMPLES:  # several DIRs in one run (main per DIR) collect once
        print(f"folds: collecting training blocks under {data_dir.parent} ...", file=sys.stderr)
        _EXAMPLES[key] = train.collect(data_dir.parent)
    examples = _EXAMPLES[key]
    results = []
    for fold in range(k):
        held = [p for p in pages if train.fold_of(train.site_of(p), k) == fold]
        pool = [e for e in examples if train.fold_of(e["page"]["site_key"], k) != fold]
        held_sites = {train.site_of(p) for p in held}
        assert not held_sites & {e["page"]["site_key"] for e in pool}
        # A fold's pool depends on the fold only (sites, not DIR): several DIRs in one run
        # train each fold's model once.
        if (key, k, fold) not in _FOLD_MODELS:
            _FOLD_MODELS[(key, k, fold)] = train.model_from(train.train(pool))
        FOLD_MODEL[0] = _FOLD_MODELS[(key, k, fold)]
        print(f"fold {fold + 1}/{k}: trained on {len(pool)} pages, scoring {len(held)}",
              file=sys.stderr)
        results.extend(run(data_dir, kind, held, names))
        if progress:
            progress(len(results), len(pages))
    FOLD_MODEL[0] = None
    results.sort(key=lambda r: _id_key(r["id"]))
    return results


def save_oof(data_dir: Path, k: int, summary: dict, names: list[str]) -> None:
    meta_path = ROOT / "ingest" / "extract" / "body_model.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    keys = ("body_f1", "body_p", "body_r", "with", "without", "headline", "authors", "date",
            "pages_per_s")
    meta.setdefault("out_of_fold", {})[data_dir.name] = {
        "folds": k, "command": f"bench/quality.py {data_dir} --folds {k}",
        **{n: {key: summary[n].get(key) for key in keys if key in summary[n]} for n in names},
    }
    meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def summarize(kind: str, results: list[dict], names: list[str]) -> dict:
    summary = {}
    for name in names:
        rows = [r["extractors"][name] for r in results]
        times = [x["seconds"] for x in rows]
        total = sum(times)
        s = {
            "pages": len(rows),
            "errors": sum(1 for x in rows if x["error"]),
            "seconds": total,
            "pages_per_s": len(rows) / total if total > 0 else None,
            "median_ms": statistics.median(times) * 1000 if times else None,
        }
        for field in ("headline", "authors", "date"):
            s[field], s[field + "_n"] = accuracy(x["scores"][field] for x in rows)
        if kind == "naeb":
            b = body_scores(
                (x["scores"]["body"]["tp"], x["scores"]["body"]["fp"], x["scores"]["body"]["fn"])
                for x in rows
            )
            s.update(body_f1=b["f1"], body_p=b["precision"], body_r=b["recall"])
        else:
            segs = [x["scores"]["segments"] for x in rows]
            wt = sum(g["with_total"] for g in segs)
            wot = sum(g["without_total"] for g in segs)
            s["with"] = sum(g["with_kept"] for g in segs) / wt if wt else None
            s["without"] = sum(g["without_removed"] for g in segs) / wot if wot else None
            s["with_n"], s["without_n"] = wt, wot
        summary[name] = s
    if "ingest" in summary and "trafilatura" in summary:
        a, b = summary["ingest"]["pages_per_s"], summary["trafilatura"]["pages_per_s"]
        summary["ingest"]["speed_ratio"] = a / b if a and b else None
    if "ingest-model" in summary and "trafilatura" in summary:
        a, b = summary["ingest-model"]["pages_per_s"], summary["trafilatura"]["pages_per_s"]
        summary["ingest-model"]["speed_ratio"] = a / b if a and b else None
    return summary


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


def _fmt(v, digits=3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def table(kind: str, summary: dict, names: list[str], unavailable: dict) -> str:
    if kind == "naeb":
        head = ["extractor", "body F1", "body P", "body R", "headline", "authors", "date",
                "pages/s", "median ms", "errors"]
        keys = ["body_f1", "body_p", "body_r", "headline", "authors", "date"]
    else:
        head = ["extractor", "with kept", "without removed", "headline", "authors", "date",
                "pages/s", "median ms", "errors"]
        keys = ["with", "without", "headline", "authors", "date"]
    rule = "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"
    lines = ["| " + " | ".join(head) + " |", rule]
    for name in names:
        s = summary[name]
        cells = [name] + [_fmt(s[k]) for k in keys]
        cells += [_fmt(s["pages_per_s"], 1), _fmt(s["median_ms"], 1), str(s["errors"])]
        lines.append("| " + " | ".join(cells) + " |")
    for name, why in unavailable.items():
        lines.append("| " + " | ".join([name, why] + [""] * (len(head) - 2)) + " |")
    return "\n".join(lines)


def _git_rev() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        return out.stdout.strip() or "-"
    except Exception:  # noqa: BLE001
        return "-"


def header(data_dir: Path, kind: str, pages: list[dict], total_pages: int, skipped: int,
           names: list[str]) -> str:
    versions = ", ".join(f"{n} {_version_of(n)}" for n in names)
    lines = [
        f"data: {data_dir} ({'article bodies' if kind == 'naeb' else 'with/without segments'})",
        f"pages: {len(pages)} of {total_pages}"
        + (f" ({skipped} without html skipped)" if skipped else ""),
        f"date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"python: {platform.python_version()} ({platform.machine()}), lxml {dist_version('lxml')}",
        f"project: {_git_rev()}",
        f"versions: {versions}",
    ]
    return "\n".join(lines)


def _short(text, n=200) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _runs(toks: list[str], covered: list[bool], limit=200) -> str:
    """Uncovered tokens as runs joined by ' … ', up to limit characters."""
    parts, cur = [], []
    for tok, cov in zip(toks, covered):
        if cov:
            if cur:
                parts.append(" ".join(cur))
                cur = []
        else:
            cur.append(tok)
    if cur:
        parts.append(" ".join(cur))
    return _short(" … ".join(parts), limit)


def body_diff(expected: str, got: str) -> tuple[str, str]:
    """(missing text, extra text): tokens not covered by any shared shingle."""

    def uncovered(a_text, b_text):
        toks = tokens(a_text)
        other = set(shingles(b_text))
        covered = [False] * len(toks)
        if len(toks) < SHINGLE:
            if toks and " ".join(toks) in other:
                covered = [True] * len(toks)
            return toks, covered
        for i in range(len(toks) - SHINGLE + 1):
            if " ".join(toks[i : i + SHINGLE]) in other:
                for j in range(i, i + SHINGLE):
                    covered[j] = True
        return toks, covered

    missing = _runs(*uncovered(expected, got))
    extra = _runs(*uncovered(got, expected))
    return missing, extra


def _day_diff(a: str, b: str) -> int | None:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    except (TypeError, ValueError):
        return None


def categorize(field: str, expected, got, score=None) -> str:
    """A rough failure category, to group the wrong pages."""
    if field == "headline":
        if not got:
            return "missing"
        e, g = fold(expected), fold(got)
        if e in g:
            return "longer (site name / kicker?)"
        if g in e:
            return "shorter (truncated?)"
        return "different"
    if field == "authors":
        e, g = author_set(expected), author_set(got)
        if not g:
            return "missing"
        if not e:
            return "found, none labelled"
        if e < g:
            return "extra names"
        if g < e:
            return "some missing"
        if any(x in y or y in x for x in e for y in g):
            return "name text differs (prefix/suffix/role?)"
        return "different"
    if field == "date":
        if not got:
            return "missing"
        d = _day_diff(expected, got)
        if d is None:
            return "unparseable"
        if d <= 1:
            return "off by one day (time zone?)"
        if expected[5:10] == got[5:10]:
            return "year differs"
        if d <= 31:
            return "within a month (modified date?)"
        return "different"
    if field == "body":
        if not got:
            return "empty"
        p, r = score["p"] or 0.0, score["r"] or 0.0
        if p < 0.5 and r < 0.5:
            return "wrong block"
        if min(p, r) >= 0.8:
            return "minor (P and R >= 0.8)"
        return "too much (P < 0.8: chrome kept)" if p < r else "too little (R < 0.8: body cut)"
    if field == "segments":
        return "with missing" if score["missing"] else "without leaked"
    return "wrong"


def _round_robin(groups: dict[str, list], n: int) -> list:
    """Up to n items, taking from each category in turn so every kind of failure shows."""
    out, queues = [], [list(v) for _, v in sorted(groups.items(), key=lambda kv: -len(kv[1]))]
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out


def worst_report(kind: str, pages: list[dict], results: list[dict], n: int,
                 name: str = "ingest") -> str:
    by_id = {p["id"]: p for p in pages}
    lines = [f"## Worst pages for {name}"]
    fields = ["headline", "authors", "date", "body" if kind == "naeb" else "segments"]
    for field in fields:
        wrong = []
        for row in results:
            x = row["extractors"].get(name)
            if x is None:
                continue
            page, res, sc = by_id[row["id"]], x["result"], x["scores"]
            if field == "body":
                b = sc["body"]
                if b["f1"] is not None and b["f1"] >= 0.95 and not x["error"]:
                    continue
                sort_key = b["f1"] if b["f1"] is not None else -1.0
                cat = categorize("body", page["body"], res["body"], b)
            elif field == "segments":
                g = sc["segments"]
                if not g["missing"] and not g["leaked"]:
                    continue
                sort_key = -(len(g["missing"]) + len(g["leaked"]))
                cat = categorize("segments", None, None, g)
            else:
                if sc[field] is not False:
                    continue
                sort_key = 0
                cat = categorize(field, page[field], res[field])
            if x["error"]:
                cat = "error"
            wrong.append((sort_key, row["id"], cat, page, x))
        wrong.sort(key=lambda w: (w[0], _id_key(w[1])))
        groups: dict[str, list] = defaultdict(list)
        for w in wrong:
            groups[w[2]].append(w)
        by_size = sorted(groups.items(), key=lambda kv: -len(kv[1]))
        cats = ", ".join(f"{c} {len(v)}" for c, v in by_size)
        hosts = Counter(urlsplit(w[3]["url"]).hostname or "-" for w in wrong)
        top_hosts = ", ".join(f"{h} {c}" for h, c in hosts.most_common(5) if c > 1)
        lines.append("")
        label = "body (F1 < 0.95)" if field == "body" else field
        lines.append(f"### {label}: {len(wrong)} wrong" + (f" — {cats}" if cats else ""))
        if top_hosts:
            lines.append(f"sites with several: {top_hosts}")
        for _, pid, cat, page, x in _round_robin(groups, n):
            res = x["result"]
            lines.append(f"- [{cat}] id {pid} {page['url']}")
            if x["error"]:
                lines.append(f"    error: {x['error']}")
            if field == "headline":
                lines.append(f"    expected: {_short(page['headline'], 160)!r}")
                lines.append(f"    got:      {_short(res['headline'], 160)!r}")
            elif field == "authors":
                lines.append(f"    expected: {page['authors']!r}")
                lines.append(f"    got:      {res['authors']!r}")
            elif field == "date":
                lines.append(f"    expected: {page['date']!r}  got: {res['date']!r}")
            elif field == "body":
                b = x["scores"]["body"]
                missing, extra = body_diff(page["body"], res["body"])
                lines.append(
                    f"    F1 {_fmt(b['f1'])} (P {_fmt(b['p'])}, R {_fmt(b['r'])}); "
                    f"words expected {len(tokens(page['body']))}, got {len(tokens(res['body']))}"
                )
                lines.append(f"    missing: {missing or '-'}")
                lines.append(f"    extra:   {extra or '-'}")
            else:
                g = x["scores"]["segments"]
                lines.append(
                    f"    with {g['with_kept']}/{g['with_total']}, without "
                    f"{g['without_removed']}/{g['without_total']}; body {len(res['body'])} chars"
                )
                for s in g["missing"][:3]:
                    lines.append(f"    missing: {_short(s, 200)!r}")
                for s in g["leaked"][:3]:
                    lines.append(f"    leaked:  {_short(s, 200)!r}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Floors
# --------------------------------------------------------------------------------------

FLOOR_FIELDS = {
    "body_f1": "naeb", "headline": None, "authors": None, "date": None,
    "with": "segments", "without": "segments", "speed_ratio": None,
}


def parse_floor(text: str) -> tuple[str, float]:
    field, sep, value = text.partition("=")
    field = field.strip()
    if not sep or field not in FLOOR_FIELDS:
        raise argparse.ArgumentTypeError(
            f"--min wants FIELD=VALUE with FIELD one of {', '.join(FLOOR_FIELDS)}: {text!r}"
        )
    try:
        return field, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--min {text!r}: {value!r} is not a number") from None


def check_floors(kind: str, summary: dict, floors: list[tuple[str, float]]) -> list[str]:
    """Messages for each floor the ingest row misses (or cannot be checked)."""
    missed = []
    row = summary.get("ingest")
    for field, floor in floors:
        need = FLOOR_FIELDS[field]
        if row is None:
            missed.append(f"{field} >= {floor}: ingest was not measured")
            continue
        if need and need != kind:
            missed.append(f"{field} >= {floor}: not measured on this data set")
            continue
        value = row.get(field)
        if value is None:
            why = "trafilatura not in this run" if field == "speed_ratio" else "no value"
            missed.append(f"{field} >= {floor}: {why}")
        elif value < floor:
            missed.append(f"{field} = {value:.3f} is below the floor {floor}")
    return missed


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="bench/quality.py",
        description="Extraction quality and speed of ingest and its peers on labelled pages.",
    )
    ap.add_argument("data_dir", type=Path, help="folder with ground-truth.json and html/")
    ap.add_argument("--min", dest="floors", action="append", type=parse_floor, default=[],
                    metavar="FIELD=VALUE",
                    help="floor for the ingest row (repeatable): " + ", ".join(FLOOR_FIELDS))
    ap.add_argument("--worst", type=int, default=0, metavar="N",
                    help="list up to N wrong pages per field for ingest")
    ap.add_argument("--only", default="", metavar="NAME,NAME",
                    help="extractors to run: " + ", ".join(EXTRACTORS))
    ap.add_argument("--limit", type=int, default=0, metavar="N", help="first N pages only")
    ap.add_argument("--json", type=Path, metavar="PATH", help="write per-page results here")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    ap.add_argument("--folds", type=int, default=0, metavar="K",
                    help="site-grouped K-fold: the ingest-model row out of fold")
    ap.add_argument("--save-oof", action="store_true",
                    help="with --folds: record the table in ingest/extract/body_model.json")
    return ap


def main(argv: list[str] | None = None) -> int:
    with silenced_peers():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    data_dir: Path = args.data_dir
    if not (data_dir / "ground-truth.json").is_file():
        print(f"skipped: {data_dir} not found (no ground-truth.json there)")
        return 0

    # The model row runs by default only out of fold (--folds); asked for by --only without
    # folds it uses the committed model, in-sample on the data it was trained on.
    names = [n.strip() for n in args.only.split(",") if n.strip()] or \
        [n for n in EXTRACTORS if n != "ingest-model" or args.folds]
    unknown = [n for n in names if n not in EXTRACTORS]
    if unknown:
        print(f"unknown extractor(s): {', '.join(unknown)}; known: {', '.join(EXTRACTORS)}",
              file=sys.stderr)
        return 2
    if args.floors and "ingest" not in names:
        print("--min checks the ingest row: add ingest to --only", file=sys.stderr)
        return 2
    if any(f == "speed_ratio" for f, _ in args.floors) and "trafilatura" not in names:
        print("--min speed_ratio compares with trafilatura: add it to --only", file=sys.stderr)
        return 2

    unavailable = {}
    for name in list(names):
        why = availability(name)
        if why:
            unavailable[name] = why
            names.remove(name)
            print(f"{name}: {why}; skipped", file=sys.stderr)

    kind, all_pages = load_ground_truth(data_dir)
    pages = [p for p in all_pages if p["html_file"]]
    skipped = len(all_pages) - len(pages)
    if args.limit:
        pages = pages[: args.limit]

    def progress(i, total):
        if not args.quiet and sys.stderr.isatty():
            print(f"\r{i}/{total} pages", end="" if i < total else "\n", file=sys.stderr)

    if args.folds:
        if args.folds < 2:
            print("--folds wants K >= 2", file=sys.stderr)
            return 2
        if "ingest-model" not in names:
            print("--folds scores the learned model: install the train extra "
                  "(pip install -e '.[train]')", file=sys.stderr)
            return 2
        results = run_folds(data_dir, kind, pages, names, args.folds, progress)
    else:
        results = run(data_dir, kind, pages, names, progress) if names else []
    summary = summarize(kind, results, names)

    print(header(data_dir, kind, pages, len(all_pages), skipped, names + list(unavailable)))
    if kind == "naeb":
        print("body: 4-token shingles, P and R averaged over pages, F1 from the averages; "
              "headline/authors/date: share right")
    else:
        print("with/without: share of segments over all pages; headline/authors/date: share "
              "right on metadata_annotated pages")
    if names:
        s0 = summary[names[0]]
        print(f"counted: headline {s0['headline_n']}, authors {s0['authors_n']}, "
              f"date {s0['date_n']} pages"
              + (f"; with {s0['with_n']}, without {s0['without_n']} segments"
                 if kind != "naeb" else ""))
    print()
    print(table(kind, summary, names, unavailable))
    for name in names:
        errs = [(r["id"], r["extractors"][name]["error"]) for r in results
                if r["extractors"][name]["error"]]
        if errs:
            shown = "; ".join(f"id {i}: {e}" for i, e in errs[:3])
            print(f"\n{name} errors ({len(errs)}): {shown}")
    if summary.get("ingest-model", {}).get("speed_ratio") is not None:
        print(f"\nspeed_ratio (ingest-model / trafilatura pages/s): "
              f"{summary['ingest-model']['speed_ratio']:.2f}")
    if args.folds and args.save_oof:
        save_oof(data_dir, args.folds, summary, names)
    if summary.get("ingest", {}).get("speed_ratio") is not None:
        print(f"\nspeed_ratio (ingest / trafilatura pages/s): "
              f"{summary['ingest']['speed_ratio']:.2f}")

    if args.worst and "ingest" in names:
        print()
        print(worst_report(kind, pages, results, args.worst))

    if args.json:
        payload = {
            "data_dir": str(data_dir),
            "kind": kind,
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "versions": {n: _version_of(n) for n in names},
            "project": _git_rev(),
            "summary": summary,
            "pages": results,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str),
                             encoding="utf-8")
        print(f"\nper-page results written to {args.json}", file=sys.stderr)

    if args.floors:
        missed = check_floors(kind, summary, args.floors)
        for m in missed:
            print(f"FLOOR MISSED: {m}", file=sys.stderr)
        if missed:
            return 1
        print("\nall floors met: " + ", ".join(f"{f} >= {v}" for f, v in args.floors))
    return 0


if __name__ == "__main__":
    # Several data folders: one run each, in one process (--folds collects the training
    # blocks once): bench/quality.py A B --folds 5 == bench/quality.py A --folds 5; ... B.
    argv = sys.argv[1:]
    dirs = [a for a in argv if not a.startswith("-") and Path(a, "ground-truth.json").is_file()]
    if len(dirs) > 1:
        rest = [a for a in argv if a not in dirs]
        sys.exit(max(main([d, *rest]) for d in dirs))
    sys.exit(main())

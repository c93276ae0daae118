"""Per-block features for the learned body model (ingest/extract/body_model.py).

Two stages. Stage 1 sees each block alone: what the hand-written rules decided about it
(chrome marks, the title block, end markers, boilerplate lines, JSON-LD articleBody evidence,
the rules' final keep) beside structural features (inside the element holding most
paragraph text, the parent's and grandparent's size and link share, tag, position, depth) and
text features (length, link density, punctuation). Stage 2 adds the context: the
neighbouring blocks' stage-1 scores and the mean score of the block's parent and grandparent.

``FEATURES`` and ``CONTEXT_FEATURES`` are the names, in column order; the committed model
records them and tests/test_body_model.py checks they are what this code computes (a feature
change forces a retrain).
"""

from __future__ import annotations

import math
import re

from . import content
from .text import fold

# Tag families (a categorical feature): what kind of element a block's text belongs to.
TAG_CODES = {"p": 0, "li": 1, "td": 3, "th": 3, "tr": 3, "blockquote": 5, "figcaption": 6,
             "caption": 6, "dd": 7, "dt": 7, "pre": 8, "address": 9}
TAG_HEADING = 4
TAG_OTHER = 2  # loose text in a div, section, article ...

# Landmarks that usually hold chrome but sometimes the article's header (kept as features;
# <nav> is a hard rule, see NAV_HARD).
SOFT_LANDMARKS = frozenset(("header", "footer", "aside", "form", "menu"))
ARTICLE_LANDMARKS = frozenset(("article", "main"))
# Navigation landmarks are never body, whatever a model says (a certain rule).
NAV_HARD_ROLES = frozenset(("navigation", "menubar", "menu"))

_PUNCT = re.compile(r"[.,;:!?\"'()\u2019\u201c\u201d]")
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?\"'\u201d\u2019)]$")
_NON_ALNUM = re.compile(r"[\W_]+")

FEATURES = (
    "is_heading", "level", "log_chars", "log_words", "link_density", "punct_share",
    "sentence_end", "digit_share", "pos", "pos_from_end", "rules_kept", "chrome",
    "in_container", "before_headline", "end_marker", "boilerplate", "timestamp_line",
    "has_evidence", "in_evidence", "in_main_el", "parent_is_main", "log_parent_chars",
    "parent_link_share", "log_gp_chars", "gp_link_share", "gp_blocks", "depth", "tag",
    "soft_landmark", "article_landmark", "is_good", "style_share", "repeated",
    "words_before_share",
)
CONTEXT_FEATURES = FEATURES + (
    "s1", "s1_prev1", "s1_prev2", "s1_next1", "s1_next2", "s1_parent_mean", "s1_gp_mean",
    "s1_container_mean",
)
# Column of the tag family (LightGBM treats it as categorical).
CATEGORICAL = ("tag",)


def _key(text: str) -> str:
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def is_hard_nav(block) -> bool:
    """Under a <nav> or a navigation role: never body (a certain rule, not a model's call)."""
    for el in block.path:
        if el.tag == "nav" or (el.get("role") or "").strip().lower() in NAV_HARD_ROLES:
            return True
    return False


def block_features(blocks, *, container, kept_ids, headline, evidence) -> list[list[float]]:
    """Stage-1 feature rows, one per block, in the column order of ``FEATURES``."""
    n = len(blocks)
    if not n:
        return []
    # Text and link characters under each element (of the blocks it holds).
    chars: dict = {}
    links: dict = {}
    count: dict = {}
    good_by_parent: dict = {}
    style_good: dict = {}
    styles: dict = {}
    good_total = 0
    texts: dict = {}
    for b in blocks:
        ln = len(b.text)
        texts[b.text] = texts.get(b.text, 0) + 1
        for anc in b.path[:3]:
            chars[anc] = chars.get(anc, 0) + ln
            links[anc] = links.get(anc, 0) + b.link_chars
            count[anc] = count.get(anc, 0) + 1
        if b.is_good:
            parent = b.path[1] if len(b.path) > 1 else None
            if parent is not None:
                good_by_parent[parent] = good_by_parent.get(parent, 0) + ln
            st = styles[id(b)] = content._style(b)
            style_good[st] = style_good.get(st, 0) + ln
            good_total += ln
    main_el = max(good_by_parent, key=good_by_parent.get) if good_by_parent else None
    head_index = -1
    if headline:
        for i, b in enumerate(blocks):
            if b.kind == "heading" and fold(b.text) == headline:
                head_index = i
                break
    ev = _key(evidence) if evidence and len(evidence) >= 200 else ""
    total_words = sum(len(b.text.split()) for b in blocks) or 1
    rows = []
    words_before = 0
    for i, b in enumerate(blocks):
        t = b.text
        ln = len(t)
        w = len(t.split())
        el = b.el
        parent = b.path[1] if len(b.path) > 1 else None
        gp = b.path[2] if len(b.path) > 2 else None
        pc = chars.get(parent, ln) if parent is not None else ln
        gc = chars.get(gp, pc) if gp is not None else pc
        tags = {a.tag for a in b.path[1:] if isinstance(a.tag, str)}
        if b.kind == "heading":
            tag = TAG_HEADING
        else:
            tag = TAG_CODES.get(el.tag, TAG_OTHER) if isinstance(el.tag, str) else TAG_OTHER
        rows.append([
            1.0 if b.kind == "heading" else 0.0,
            float(b.level),
            math.log1p(ln),
            math.log1p(w),
            b.link_density,
            len(_PUNCT.findall(t)) / ln if ln else 0.0,
            1.0 if _SENTENCE_END.search(t) else 0.0,
            len(_DIGIT.findall(t)) / ln if ln else 0.0,
            i / n,
            (n - 1 - i) / n,
            1.0 if id(b) in kept_ids else 0.0,
            1.0 if b.chrome else 0.0,
            1.0 if container is not None and container in b.path else 0.0,
            1.0 if 0 <= i <= head_index else 0.0,
            1.0 if content.is_end_marker(t) else 0.0,
            1.0 if content.is_boilerplate(t) else 0.0,
            # (a date line has a digit: the date parser is skipped for the others)
            1.0 if w <= content.DATELINE_MAX_WORDS and _DIGIT.search(t)
            and content.is_timestamp_line(t) else 0.0,
            1.0 if ev else 0.0,
            1.0 if ev and _key(t)[:80] in ev else 0.0,
            1.0 if main_el is not None and main_el in b.path else 0.0,
            1.0 if main_el is not None and parent is main_el else 0.0,
            math.log1p(pc),
            links.get(parent, 0) / pc if parent is not None and pc else 0.0,
            math.log1p(gc),
            links.get(gp, 0) / gc if gp is not None and gc else 0.0,
            float(count.get(gp, 1)) if gp is not None else 1.0,
            float(len(b.path)),
            float(tag),
            1.0 if tags & SOFT_LANDMARKS else 0.0,
            1.0 if tags & ARTICLE_LANDMARKS else 0.0,
            1.0 if b.is_good else 0.0,
            style_good.get(styles[id(b)], 0) / good_total if b.is_good and good_total else 0.0,
            1.0 if texts[t] > 1 else 0.0,
            words_before / total_words,
        ])
        words_before += w
    return rows


def context_features(blocks, rows, s1) -> list[list[float]]:
    """Stage-2 rows: the stage-1 rows plus the stage-1 scores around each block."""
    n = len(blocks)
    par_sum: dict = {}
    par_n: dict = {}
    gp_sum: dict = {}
    gp_n: dict = {}
    cont_col = FEATURES.index("in_container")
    cont_scores = [s for s, r in zip(s1, rows) if r[cont_col]]
    cont_mean = sum(cont_scores) / len(cont_scores) if cont_scores else 0.0
    parents = []
    for b, s in zip(blocks, s1):
        p = b.path[1] if len(b.path) > 1 else None
        g = b.path[2] if len(b.path) > 2 else None
        parents.append((p, g))
        par_sum[p] = par_sum.get(p, 0.0) + s
        par_n[p] = par_n.get(p, 0) + 1
        gp_sum[g] = gp_sum.get(g, 0.0) + s
        gp_n[g] = gp_n.get(g, 0) + 1
    out = []
    for i in range(n):
        p, g = parents[i]
        out.append(rows[i] + [
            s1[i],
            s1[i - 1] if i >= 1 else -1.0,
            s1[i - 2] if i >= 2 else -1.0,
            s1[i + 1] if i + 1 < n else -1.0,
            s1[i + 2] if i + 2 < n else -1.0,
            par_sum[p] / par_n[p],
            gp_sum[g] / gp_n[g],
            cont_mean,
        ])
    return out

"""Duplicates: one article under several URLs, or syndicated to other sites.

Exact copies share the body's content hash. Near-copies (a changed headline, a partner's
footer) are found with MinHash (datasketch) over word shingles of the body: each article's
signature is stored with its LSH bands, so candidates are found with an index look-up and
confirmed by the estimated Jaccard similarity. Copies are linked, never dropped:
``articles.duplicate_of`` names the original and ``articles.similarity`` how close the copy
is (1.0 for an exact copy).

The original of a group is the earliest published article (undated ones last); among copies
published at the same time (a page under two URLs, a partner that copies the date), the one
stored first (first_seen_at, then id).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from datasketch import MinHash

from ingest.store import Store

# 128 permutations estimate a Jaccard similarity to about +-0.09 (1/sqrt(128)); 32 bands of 4
# rows make pairs above ~0.42 similar very likely to share a band (the look-up threshold),
# well below the similarity we confirm.
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
# Five-word shingles: long enough that two different articles on one topic share few, short
# enough that a changed sentence or footer changes few.
SHINGLE_WORDS = 5
# Bodies shorter than this are too short to call near-copies (teasers, stubs).
MIN_WORDS = 50
SEED = 1
# datasketch 2's 32-bit hashing scheme; signatures are stored as its uint32 values, so a stored
# signature is read back with the scheme and type it was made with.
SCHEME = "affine32"
DTYPE = np.uint32

_WORD = re.compile(r"\w+")


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


# The permutations are a function of NUM_PERM, SEED and SCHEME: made once, not for every
# article (numpy's RandomState per sketch was a seventh of a sketch's cost).
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def sketch(text: str) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_PERMUTATIONS)
    m.update_batch(list(shingles(text)))
    return m


def signature(text: str) -> bytes:
    """The sketch of ``text`` as stored (``article_sketches.minhash``): what a worker process
    computes and hands to ``link_duplicates``, so the writer does not hash every shingle."""
    return np.asarray(sketch(text).hashvalues, dtype=DTYPE).tobytes()


def _values(blob: bytes) -> np.ndarray:
    """A stored signature's hash values. Compared as arrays, not as datasketch MinHash
    objects: making one recomputes its permutations, a third of linking's time."""
    return np.frombuffer(blob, dtype=DTYPE)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures (datasketch's MinHash.jaccard)."""
    return float(np.count_nonzero(a == b)) / float(len(a))


def bands(values: np.ndarray) -> list[tuple[int, int]]:
    """The LSH band keys of a signature's hash values."""
    values = np.asarray(values, dtype=DTYPE)
    out = []
    for band in range(BANDS):
        digest = hashlib.blake2b(values[band * ROWS:(band + 1) * ROWS].tobytes(),
                                 digest_size=8).digest()
        out.append((band, int.from_bytes(digest, "big", signed=True)))
    return out


def _original_key(row: dict) -> tuple:
    return (row["published_at"] is None, row["published_at"] or "", row["first_seen_at"],
            row["id"])


def _article(store: Store, article_id: int) -> dict | None:
    cur = store.conn.execute(
        "SELECT id, canonical_url, published_at, first_seen_at, content_hash, body_text,"
        " word_count, duplicate_of FROM articles WHERE id = ?", (article_id,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cur.description], row))


def link_duplicates(store: Store, article_id: int, *, threshold: float,
                    body_signature: bytes | None = None) -> dict | None:
    """Index the article's sketch and link it with its copies: those whose estimated Jaccard
    similarity is at least ``threshold`` (INGEST_DUPLICATE_SIMILARITY). ``body_signature``:
    ``signature()`` of the article's stored body, when the caller already has it.

    Returns {"original": id, "similarity": s} when the article is a copy, else None.
    """
    with store.transaction() as conn:
        art = _article(store, article_id)
        if art is None:
            return None
        conn.execute("DELETE FROM article_bands WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM article_sketches WHERE article_id = ?", (article_id,))
        matches: dict[int, float] = {}
        if art["body_text"].strip():
            for (other,) in conn.execute(
                    "SELECT id FROM articles WHERE content_hash = ? AND id != ?",
                    (art["content_hash"], article_id)):
                matches[other] = 1.0
        if art["word_count"] >= MIN_WORDS:
            blob = body_signature or signature(art["body_text"])
            mine = _values(blob)
            conn.execute("INSERT INTO article_sketches (article_id, minhash) VALUES (?, ?)",
                         (article_id, blob))
            my_bands = bands(mine)
            conn.executemany("INSERT OR IGNORE INTO article_bands (band, hash, article_id)"
                             " VALUES (?, ?, ?)", [(b, h, article_id) for b, h in my_bands])
            candidates = set()
            for b, h in my_bands:
                candidates.update(r[0] for r in conn.execute(
                    "SELECT article_id FROM article_bands WHERE band = ? AND hash = ?"
                    " AND article_id != ?", (b, h, article_id)))
            for other in candidates - set(matches):
                stored = conn.execute("SELECT minhash FROM article_sketches WHERE article_id = ?",
                                      (other,)).fetchone()
                if stored:
                    sim = similarity(mine, _values(stored[0]))
                    if sim >= threshold:
                        matches[other] = sim
        if not matches:
            if art["duplicate_of"] is not None:  # it changed and no longer copies anything
                conn.execute("UPDATE articles SET duplicate_of = NULL, similarity = NULL"
                             " WHERE id = ?", (article_id,))
            return None
        return _link_group(store, art, matches)


def _link_group(store: Store, art: dict, matches: dict[int, float]) -> dict | None:
    conn = store.conn
    group = {art["id"]: art}
    for other in matches:
        row = _article(store, other)
        if row is None:
            continue
        group[other] = row
        root = row["duplicate_of"]
        if root is not None and root not in group:
            root_row = _article(store, root)
            if root_row is not None:
                group[root] = root_row
    original = min(group.values(), key=_original_key)
    oid = original["id"]
    conn.execute("UPDATE articles SET duplicate_of = NULL, similarity = NULL WHERE id = ?",
                 (oid,))
    # Everything that pointed at a member of the group now points at the original.
    members = [i for i in group if i != oid]
    if members:
        marks = ", ".join("?" * len(members))
        conn.execute(f"UPDATE articles SET duplicate_of = ? WHERE duplicate_of IN ({marks})"
                     f" AND id != ?", [oid, *members, oid])
    for other, sim in matches.items():
        if other != oid and other in group:
            conn.execute("UPDATE articles SET duplicate_of = ?, similarity = ? WHERE id = ?",
                         (oid, sim, other))
    if art["id"] == oid:
        return None
    sim = matches.get(oid, max(matches.values()))
    conn.execute("UPDATE articles SET duplicate_of = ?, similarity = ? WHERE id = ?",
                 (oid, sim, art["id"]))
    return {"original": oid, "similarity": sim}

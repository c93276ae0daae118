"""Duplicates: one article under several URLs, or syndicated to other sites.

Exact copies share the body's content hash. Near-copies (a changed headline, a partner's
footer) are found with MinHash over word shingles of the body: each article's signature is
stored with its LSH bands, so candidates are found with an index look-up and confirmed by
the estimated Jaccard similarity. Copies are linked, never dropped:
``articles.duplicate_of`` names the original and ``articles.similarity`` how close the copy
is (1.0 for an exact copy).

The sketch is computed with numpy, not per shingle in Python: the body's words (``\\w+`` of
the lower-cased text, as ``shingles()`` reads them) are found and hashed from the text's
code points at once, each shingle's hash is a random linear combination of its words'
hashes, and the NUM_PERM hash functions (``((a*x + b) mod 2**64) >> 32``, a 2-independent
family) are one matrix operation over all shingles, whose minimum per row is the
signature. The similarity of two signatures is an estimate of the Jaccard similarity of the
two bodies' shingle sets, as with any MinHash.

The original of a group is the earliest published article (undated ones last); among copies
published at the same time (a page under two URLs, a partner that copies the date), the one
stored first (first_seen_at, then id).
"""

from __future__ import annotations

import re

import numpy as np

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
# The hashing scheme of stored signatures (article_sketches.minhash, NUM_PERM uint32 values).
# "numpy-ms64": this module's; the datasketch "affine32" signatures of databases made before
# it are recomputed by the store's migration (ingest.store.migration_sketches).
SCHEME = "numpy-ms64"
DTYPE = np.uint32
# The signature of a body without words (as datasketch's empty MinHash: every value the
# largest); such bodies are below MIN_WORDS, so it is never stored by link_duplicates.
EMPTY = np.full(NUM_PERM, np.iinfo(DTYPE).max, dtype=DTYPE)

_WORD = re.compile(r"\w+")


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[bytes]:
    """The body's shingles as strings: what the signature is a sketch of (its reference
    definition; ``signature`` hashes the same word sequences without making them)."""
    words = _WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)}


# --- the hash functions: fixed random constants from SEED, made once -------------------------
_RNG = np.random.RandomState(SEED)
# Word hash: sum of code point * weight of its position in the word (mod 2**64): a linear,
# universal hash of the word. Positions past WORD_POSITIONS share weights (words that long
# are not prose; two of them could then collide, which only adds a shingle to the overlap).
WORD_POSITIONS = 4096
_CHAR_WEIGHTS = _RNG.randint(0, 2**63, size=WORD_POSITIONS, dtype=np.uint64) * np.uint64(2) \
    + np.uint64(1)
# Shingle hash: a random odd weight per position in the shingle, top 32 bits of the sum.
_SHINGLE_WEIGHTS = _RNG.randint(0, 2**63, size=SHINGLE_WORDS, dtype=np.uint64) \
    * np.uint64(2) + np.uint64(1)
# The NUM_PERM hash functions h(x) = ((a*x + b) mod 2**64) >> 32 of a 32-bit x
# (multiply-add-shift, 2-independent).
_PERM_A = _RNG.randint(0, 2**63, size=(NUM_PERM, 1), dtype=np.uint64) * np.uint64(2) \
    + np.uint64(1)
_PERM_B = (_RNG.randint(0, 2**63, size=(NUM_PERM, 1), dtype=np.uint64) * np.uint64(2)
           + _RNG.randint(0, 2, size=(NUM_PERM, 1)).astype(np.uint64))
_SHIFT = np.uint64(32)
# Which ASCII code points are \w (the rest are looked up per distinct character).
_ASCII_WORD = np.array([bool(_WORD.fullmatch(chr(c))) for c in range(128)] + [False],
                       dtype=np.int8)


def _is_word_char(c: int) -> bool:
    return _WORD.fullmatch(chr(c)) is not None


def word_hashes(text: str) -> np.ndarray:
    """One uint64 hash per word of ``text`` (``\\w+`` of the lower-cased text), in order."""
    cp = np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not cp.size:
        return np.zeros(0, dtype=np.uint64)
    # 1 where the character is a word character, with a 0 either side (for the edges).
    padded = np.zeros(cp.size + 2, dtype=np.int8)
    is_word = padded[1:-1]
    np.take(_ASCII_WORD, cp, mode="clip", out=is_word)   # code points >= 128: entry 128
    high = np.flatnonzero(cp >= 128)
    if high.size:
        chars, where = np.unique(cp[high], return_inverse=True)
        is_word[high] = np.fromiter((_is_word_char(int(c)) for c in chars), dtype=np.int8,
                                    count=chars.size)[where]
    edges = padded[1:] - padded[:-1]
    starts = np.flatnonzero(edges == 1)
    if not starts.size:
        return np.zeros(0, dtype=np.uint64)
    ends = np.flatnonzero(edges == -1)
    inside = np.flatnonzero(is_word)
    lengths = ends - starts
    # Each word character's position in its word: its index minus its word's start.
    first = np.zeros(starts.size, dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    position = np.arange(inside.size) - np.repeat(first, lengths)
    terms = cp[inside].astype(np.uint64) * _CHAR_WEIGHTS[position % WORD_POSITIONS]
    return np.add.reduceat(terms, first)


def shingle_hashes(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """One 32-bit hash (as uint64) per shingle of ``text`` (repeats included: they change
    no minimum)."""
    words = word_hashes(text)
    if not words.size:
        return words
    n = max(words.size - k + 1, 1)
    k = min(k, words.size)
    combined = words[:n] * _SHINGLE_WEIGHTS[0]
    for j in range(1, k):
        combined += words[j:j + n] * _SHINGLE_WEIGHTS[j]
    return combined >> _SHIFT


def signature_values(text: str) -> np.ndarray:
    """The MinHash signature of ``text``'s shingles: NUM_PERM uint32 values."""
    x = shingle_hashes(text)
    if not x.size:
        return EMPTY.copy()
    values = _PERM_A * x
    values += _PERM_B
    # >> 32 is monotone, so the minimum of the shifted values is the shifted minimum.
    return (values.min(axis=1) >> _SHIFT).astype(DTYPE)


def signature(text: str) -> bytes:
    """The sketch of ``text`` as stored (``article_sketches.minhash``): what a worker process
    computes and hands to ``link_duplicates``, so the writer does not hash every shingle."""
    return signature_values(text).tobytes()


def _values(blob: bytes) -> np.ndarray:
    """A stored signature's hash values."""
    return np.frombuffer(blob, dtype=DTYPE)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal values."""
    return float(np.count_nonzero(a == b)) / float(len(a))


# Band key: a random linear combination (mod 2**64, as a signed 64-bit integer) of the band's
# ROWS values. Two different bands collide with probability about 2**-32: a stray candidate,
# which the similarity check then rejects.
_BAND_WEIGHTS = np.random.RandomState(SEED + 1).randint(
    0, 2**63, size=ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def bands(values: np.ndarray) -> list[tuple[int, int]]:
    """The LSH band keys of a signature's hash values."""
    rows = np.asarray(values, dtype=DTYPE).reshape(BANDS, ROWS).astype(np.uint64)
    keys = (rows * _BAND_WEIGHTS).sum(axis=1, dtype=np.uint64).view(np.int64)
    return list(enumerate(keys.tolist()))


# The candidates of a signature: the articles sharing any of its band keys (one statement,
# each arm an index look-up; a row-value IN (VALUES ...) scans the table instead).
_CANDIDATES_SQL = " UNION ".join(
    ["SELECT article_id FROM article_bands WHERE band = ? AND hash = ?"] * BANDS)


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
            candidates = {r[0] for r in conn.execute(
                _CANDIDATES_SQL, [v for pair in my_bands for v in pair])}
            candidates.discard(article_id)
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

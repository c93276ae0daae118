"""Duplicate sketches (ingest/store/duplicates.py): the numpy MinHash reads the same words and
shingles as the reference definition, estimates their Jaccard similarity, finds near-copies
and not different articles, and the migration recomputes the signatures an older database
stored with the previous scheme."""

import hashlib
import random
import sqlite3

import numpy as np
import pytest

from ingest.store import Store
import ingest.store as store_mod
from ingest.store import duplicates
from ingest.store.duplicates import bands, link_duplicates, shingles, signature, similarity

THRESHOLD = 0.8   # as INGEST_DUPLICATE_SIMILARITY, given explicitly (library functions)


def prose(seed: int, words: int = 400) -> str:
    """Deterministic made-up prose: sentences of words from a 3,000-word vocabulary."""
    rng = random.Random(seed)
    vocab = [f"w{rng.randrange(10**6):06d}"[:rng.randint(3, 9)] + s
             for s in ("", "s", "ed", "ing") for _ in range(750)]
    out, n = [], 0
    while n < words:
        k = rng.randint(6, 18)
        out.append(" ".join(rng.choice(vocab) for _ in range(k)).capitalize() + ".")
        n += k
    return " ".join(out)


def edited(text: str, share: float, seed: int) -> str:
    """``text`` with about ``share`` of its words replaced (a near-copy when small)."""
    rng = random.Random(seed)
    return " ".join(w if rng.random() >= share else f"edit{rng.randrange(10**6)}"
                    for w in text.split())


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_words_are_those_of_the_reference_shingles():
    """word_hashes reads exactly the words of ``\\w+`` over the lower-cased text, in any
    script, and one word always hashes alike (so shingle sets are the reference ones)."""
    rng = random.Random(7)
    alphabet = ("abc XYZ_019 \u00e9\u00df\u0130\u0131 \u4e2d\u6587 \u0661\u0662 \u0301\u200b"
                "-,.\n\t\u00a0\U0001F600\u2163\u00bd\u0416\u0436")
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        words = duplicates._WORD.findall(text.lower())
        hashes = duplicates.word_hashes(text).tolist()
        assert len(hashes) == len(words), text
        seen = {}
        for w, h in zip(words, hashes):
            assert seen.setdefault(w, h) == h, text
        assert len(set(hashes)) == len(seen), text   # different words, different hashes


def test_signature_is_deterministic_and_ignores_case_and_punctuation():
    text = prose(1)
    assert signature(text) == signature(text)
    assert len(signature(text)) == duplicates.NUM_PERM * 4
    assert signature(text.upper().replace(".", " ; ")) == signature(text)
    assert signature(text) != signature(prose(2))


@pytest.mark.parametrize("share", [0.0, 0.02, 0.05, 0.1, 0.2])
def test_similarity_estimates_the_jaccard_of_the_shingles(share):
    """Over 20 pairs per edit rate, the estimate is within 0.15 of the exact Jaccard of the
    two shingle sets (128 permutations: a standard error of at most 0.044) and unbiased
    on average to 0.03."""
    errors = []
    for seed in range(20):
        a = prose(seed)
        b = edited(a, share, seed)
        est = similarity(duplicates.signature_values(a), duplicates.signature_values(b))
        errors.append(est - exact_jaccard(a, b))
    assert max(abs(e) for e in errors) <= 0.15, errors
    assert abs(sum(errors) / len(errors)) <= 0.03, errors


def test_near_copies_are_linked_and_different_articles_are_not(tmp_path):
    with Store(tmp_path / "t.db") as store:
        ids = {}
        for seed in range(12):
            body = prose(100 + seed)
            _, ids[seed] = store.upsert_article(
                {"url": f"https://a.test/{seed}", "headline": f"H{seed}", "body_text": body})
        # A partner's copy: a new headline and a footer, a few words changed.
        copy = edited(prose(105), 0.004, 1) + " Republished with permission of A Test News."
        _, copy_id = store.upsert_article({"url": "https://partner.test/c",
                                           "headline": "Other", "body_text": copy})
        assert exact_jaccard(copy, prose(105)) >= 0.88
        for seed in range(12):
            assert link_duplicates(store, ids[seed], threshold=THRESHOLD) is None
        linked = link_duplicates(store, copy_id, threshold=THRESHOLD)
        assert linked is not None and linked["original"] == ids[5]
        assert THRESHOLD <= linked["similarity"] < 1.0
        rows = store.conn.execute("SELECT id FROM articles WHERE duplicate_of IS NOT NULL")
        assert [r[0] for r in rows] == [copy_id]


def _datasketch_like_signature(text: str) -> bytes:
    """A stand-in for the signatures databases before the numpy sketch stored (datasketch's
    "affine32": the first 4 bytes of each shingle's SHA-1, 128 affine permutations modulo
    the Mersenne prime 2**61 - 1), so the migration meets blobs of the old scheme."""
    rng = np.random.RandomState(1)
    prime, top = np.uint64((1 << 61) - 1), np.uint64(0xFFFFFFFF)
    a = rng.randint(1, int(prime), size=128, dtype=np.uint64)
    b = rng.randint(0, int(prime), size=128, dtype=np.uint64)
    hv = np.array([int.from_bytes(hashlib.sha1(s).digest()[:4], "little")
                   for s in shingles(text)], dtype=np.uint64)
    with np.errstate(over="ignore"):
        values = (((np.outer(hv, a) + b) % prime) & top).min(axis=0)
    return values.astype(np.uint32).tobytes()


def test_migration_recomputes_the_stored_sketches_of_an_older_database(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    version = store_mod.MIGRATIONS.index(store_mod.migration_sketches)
    bodies = {seed: prose(200 + seed) for seed in range(5)}
    # A database made by the schema before the migration, its sketches of the old scheme.
    with monkeypatch.context() as m:
        m.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS[:version])
        m.setattr(duplicates, "signature", _datasketch_like_signature)
        with Store(path) as s:
            ids = {}
            for seed, body in bodies.items():
                _, ids[seed] = s.upsert_article({"url": f"https://old.test/{seed}",
                                                 "body_text": body})
                link_duplicates(s, ids[seed], threshold=THRESHOLD)
            # an exact copy linked before the migration, which must stay linked
            _, same = s.upsert_article({"url": "https://old.test/same", "body_text": bodies[0]})
            assert link_duplicates(s, same, threshold=THRESHOLD)["original"] == ids[0]
            assert s.schema_version() == version
            old = dict(s.conn.execute("SELECT article_id, minhash FROM article_sketches"))
    assert old[ids[1]] == _datasketch_like_signature(bodies[1]) != signature(bodies[1])

    with Store(path) as s:
        assert s.schema_version() == len(store_mod.MIGRATIONS)
        stored = dict(s.conn.execute("SELECT article_id, minhash FROM article_sketches"))
        assert set(stored) == set(old)
        for seed, article_id in ids.items():
            assert stored[article_id] == signature(bodies[seed])
            band_rows = s.conn.execute("SELECT band, hash FROM article_bands WHERE article_id"
                                       " = ? ORDER BY band", (article_id,)).fetchall()
            assert band_rows == bands(duplicates.signature_values(bodies[seed]))
        assert s.conn.execute("SELECT duplicate_of FROM articles WHERE id = ?",
                              (same,)).fetchone()[0] == ids[0]
        # A near-copy crawled after the migration is found against the migrated sketches.
        _, copy = s.upsert_article({"url": "https://new.test/c",
                                    "body_text": edited(bodies[3], 0.004, 2)})
        linked = link_duplicates(s, copy, threshold=THRESHOLD)
    assert linked is not None and linked["original"] == ids[3]
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM article_bands").fetchone()[0] == \
        duplicates.BANDS * (len(ids) + 2)
    con.close()

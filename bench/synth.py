"""Synthetic news text for the benchmarks: deterministic, varied, with a natural word spread.

The words are those of our own demo site (ingest/demo_site) followed by made-up words from
syllables; word frequencies follow Zipf's law (the n-th commonest word is n times rarer than
the first), as in real prose, so that full-text queries meet common and rare terms alike.
Nothing here comes from a publisher's page.
"""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SITE = ROOT / "ingest" / "demo_site"

# Vocabulary size: real news archives have hundreds of thousands of distinct words; 40,000
# gives a long tail of rare terms without slowing generation down.
VOCABULARY_SIZE = 40_000
# Zipf exponent of English prose is close to 1.
ZIPF_EXPONENT = 1.0
_SYLLABLES = ("ka lo mi tra ven sol dar quin bex mor tal vi run pe sha gor lin fen zu cor "
              "nim bra tek plo sar wen dex yor").split()
_WORD = re.compile(r"[a-z]{3,}")

FIRST_NAMES = ("Ada Lin Priya Tomas Dolapo Marcus Jane Wei Sofia Omar Elena Kofi Hana Lucas "
               "Maya Ivan Noor Felix Aiko Diego Lena Ravi Zoe Samuel Ines Arjun Clara Yusuf").split()
LAST_NAMES = ("Byte Kernel Raman Quintero Omole Bell Doe Chen Rossi Haddad Petrova Mensah Sato "
              "Silva Okafor Novak Iqbal Brandt Tanaka Garcia Weber Nair Laurent Adeyemi Costa "
              "Kowalski Moreau Lindqvist").split()
ROLES = ("Reporter", "Senior Editor", "Contributor", "Reporter / Editor", None)
SECTIONS = ("News", "Business", "AI")


def fixture_words() -> list[str]:
    """Distinct words of the demo site's text, commonest first."""
    counts: dict[str, int] = {}
    for page in sorted(FIXTURE_SITE.rglob("*.html")):
        tree = lxml_html.fromstring(page.read_bytes())
        for el in tree.xpath("//style | //script"):
            el.drop_tree()
        text = tree.text_content().lower()
        for w in _WORD.findall(text):
            counts[w] = counts.get(w, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))


class TextGen:
    """Sentences, paragraphs and headlines from a seeded random source."""

    def __init__(self, seed: int = 8, vocabulary_size: int = VOCABULARY_SIZE):
        self.rng = random.Random(seed)
        words = fixture_words()
        seen = set(words)
        made = ("".join(p) for n in (2, 3, 4) for p in itertools.product(_SYLLABLES, repeat=n))
        for w in made:
            if len(words) >= vocabulary_size:
                break
            if w not in seen:
                words.append(w)
                seen.add(w)
        self.words = words
        self.cum_weights = list(itertools.accumulate(
            1 / (rank ** ZIPF_EXPONENT) for rank in range(1, len(words) + 1)))

    def sentence(self, n: int | None = None) -> str:
        n = n or self.rng.randint(8, 24)
        ws = self.rng.choices(self.words, cum_weights=self.cum_weights, k=n)
        return ws[0].capitalize() + " " + " ".join(ws[1:]) + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def headline(self) -> str:
        ws = self.rng.choices(self.words, cum_weights=self.cum_weights, k=self.rng.randint(5, 10))
        return " ".join(ws).capitalize()

    def person(self) -> tuple[str, str | None]:
        return (f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                self.rng.choice(ROLES))

    def sections(self) -> list[tuple[str | None, list[str]]]:
        """(heading, paragraphs): a lead without heading, then 2-5 headed sections."""
        out = [(None, [self.paragraph() for _ in range(self.rng.randint(1, 2))])]
        for _ in range(self.rng.randint(2, 5)):
            out.append((self.headline(), [self.paragraph() for _ in range(self.rng.randint(1, 3))]))
        return out

"""What a crawl does per page must not cost in proportion to what the database already holds.

Measured in SQLite virtual-machine steps (a progress handler called every step), which do
not depend on the machine's speed or load: the work of one more page with 50 pages stored
and with 400 stored must be about the same.
"""

from __future__ import annotations

from ingest.extract.template import PageBlock
from ingest.store import Store
from ingest.store.templates import record_page_blocks

SITE = "scaling.test"
SEEN = "2026-12-01T00:00:00+00:00"
# Blocks on every page of the site (the template) and blocks of one page only.
TEMPLATE = [PageBlock(fingerprint=f"tpl{i}", path=f"body > div.t{i}", text=f"template {i}")
            for i in range(20)]


def _own(n: int) -> list[PageBlock]:
    return [PageBlock(fingerprint=f"own{n}-{i}", path="body > p", text=f"page {n} line {i}")
            for i in range(10)]


def _steps(store: Store, call) -> int:
    count = 0

    def step() -> int:
        nonlocal count
        count += 1
        return 0  # 0: go on

    store.conn.set_progress_handler(step, 1)
    try:
        call()
    finally:
        store.conn.set_progress_handler(None, 1)
    return count


def _record(store: Store, n: int) -> None:
    url = f"http://{SITE}/a/{n}.html"
    record_page_blocks(store, url, TEMPLATE + _own(n), seen_at=SEEN, site=SITE)


def test_recording_a_pages_blocks_does_not_read_every_page_sharing_them(tmp_path):
    with Store(tmp_path / "t.db") as store:
        for n in range(50):
            _record(store, n)
        small = _steps(store, lambda: _record(store, 50))
        for n in range(51, 400):
            _record(store, n)
        large = _steps(store, lambda: _record(store, 400))
        # Still the candidates it was: every template block on two pages or more.
        fps = {r[0] for r in store.conn.execute(
            "SELECT fingerprint FROM site_templates WHERE site = ?", (SITE,))}
    assert fps == {b.fingerprint for b in TEMPLATE}
    # 8x the pages: reading every row of each shared block (the old SELECT DISTINCT) cost
    # about 8x the steps; index probes cost a little more for a deeper B-tree.
    assert large < 1.5 * small, (small, large)


def test_a_block_on_a_second_page_becomes_a_candidate(tmp_path):
    with Store(tmp_path / "t.db") as store:
        one = [PageBlock(fingerprint="shared", path="body > p", text="shared line")]
        record_page_blocks(store, f"http://{SITE}/1", one, seen_at=SEEN, site=SITE)
        # Its own page again (a refetch) does not make it shared.
        record_page_blocks(store, f"http://{SITE}/1", one, seen_at=SEEN, site=SITE)
        assert store.conn.execute("SELECT count(*) FROM site_templates").fetchone()[0] == 0
        record_page_blocks(store, f"http://{SITE}/2", one, seen_at=SEEN, site=SITE)
        rows = store.conn.execute(
            "SELECT site, fingerprint, path, example_text FROM site_templates").fetchall()
    assert [tuple(r) for r in rows] == [(SITE, "shared", "body > p", "shared line")]

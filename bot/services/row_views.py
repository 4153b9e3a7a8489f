"""Filling the frozen data objects services return from database rows, field by field name, so a
view that copies twenty columns is not twenty lines of `name=row.name`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

View = TypeVar("View", bound="DataclassInstance")

_FIELD_NAMES: dict[type[Any], tuple[str, ...]] = {}


def view_of(cls: type[View], row: object, **given: Any) -> View:
    """A `cls` whose fields come from `row`'s attributes of the same names; `given` supplies the
    fields the row has no attribute for (or overrides one). A missing one is an AttributeError."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    taken = {name: getattr(row, name) for name in names if name not in given}
    return cls(**taken, **given)

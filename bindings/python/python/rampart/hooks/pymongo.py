"""pymongo: the ``Collection`` methods that take a filter (or, for ``aggregate``, a
pipeline). The filter is turned into JSON (a compiled regex as ``{"$regex": ...}``,
other BSON values as text) and checked before the driver does any I/O."""

from __future__ import annotations

import json
import re
from types import ModuleType
from typing import Any, Callable, Optional

from .. import sinks
from ._patch import patch

TARGET = "pymongo.collection"

#: Methods whose first argument is a filter or pipeline.
FIRST = (
    "find",
    "find_one",
    "find_raw_batches",
    "count_documents",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
    "aggregate",
    "aggregate_raw_batches",
)
#: keyword of the filter when it is not given by position.
KEYWORD = {"aggregate": "pipeline", "aggregate_raw_batches": "pipeline", "find": "filter", "find_one": "filter"}


def _default(value: Any) -> Any:
    pattern = getattr(value, "pattern", None)
    if isinstance(value, re.Pattern) or (pattern is not None and hasattr(value, "flags")):
        return {"$regex": pattern if isinstance(pattern, str) else str(pattern)}
    if isinstance(value, (set, frozenset)):
        return list(value)
    return str(value)


def filter_json(value: Any) -> Optional[str]:
    if not isinstance(value, (dict, list, tuple)):
        return None
    try:
        return json.dumps(value, default=_default, ensure_ascii=False)
    except (TypeError, ValueError):  # a cycle, keys that are not strings: pymongo refuses it too
        return None


def _checker(name: str, position: int) -> Callable[[Any], Any]:
    operation = f"pymongo.Collection.{name}"
    keyword = KEYWORD.get(name, "filter")

    def make(original: Any) -> Any:
        def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
            if sinks.current() is not None:
                value = args[position] if len(args) > position else kwargs.get(keyword)
                text = filter_json(value)
                if text is not None:
                    sinks.nosql(operation, text)
            return original(self, *args, **kwargs)

        return hooked

    return make


def apply(collection: ModuleType) -> None:
    cls = collection.Collection
    for name in FIRST:
        if hasattr(cls, name):
            patch(cls, name, _checker(name, 0))
    patch(cls, "distinct", _checker("distinct", 1))  # distinct(key, filter)

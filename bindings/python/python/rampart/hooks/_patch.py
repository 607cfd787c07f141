"""Patching, undoable, and applied whenever the patched module is imported.

:func:`when_imported` runs a callback on a module now if it is already imported, or
right after its first import otherwise (through a ``sys.meta_path`` finder), so
``rampart.protect()`` may run before or after the application imports its libraries.
:func:`patch` replaces an attribute and records the original; :func:`unpatch_all`
restores every one.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .. import events

_lock = threading.RLock()
#: (owner, attribute, original value or _ABSENT)
_patches: List[Tuple[Any, str, Any]] = []
#: module name -> [(label, callback)] still waiting for the import
_waiting: Dict[str, List[Tuple[str, Callable[[ModuleType], None]]]] = {}
_applied: List[str] = []
_ABSENT = object()
_MARK = "__rampart_original__"


def patch(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
    """Replaces ``owner.name`` with ``make(original)``, once (a second patch of an
    already patched attribute does nothing)."""
    with _lock:
        original = getattr(owner, name)
        if hasattr(original, _MARK):
            return
        own = owner.__dict__.get(name, _ABSENT) if isinstance(owner, type) else original
        replacement = make(original)
        if callable(replacement) and not isinstance(replacement, type):
            try:
                functools.update_wrapper(replacement, original)
                setattr(replacement, _MARK, original)
            except (AttributeError, TypeError):
                pass
        setattr(owner, name, replacement)
        _patches.append((owner, name, own))


def unpatch_all() -> None:
    with _lock:
        while _patches:
            owner, name, original = _patches.pop()
            if original is _ABSENT:
                try:
                    delattr(owner, name)
                except AttributeError:
                    pass
            else:
                setattr(owner, name, original)
        _waiting.clear()
        _applied.clear()


def applied() -> List[str]:
    with _lock:
        return list(_applied)


def waiting() -> List[str]:
    with _lock:
        return sorted({label for callbacks in _waiting.values() for label, _ in callbacks})


def when_imported(module_name: str, label: str, callback: Callable[[ModuleType], None]) -> None:
    """Runs ``callback(module)`` now if ``module_name`` is imported, else right after
    its import. Failures write an error line and leave the module unpatched."""
    with _lock:
        module = sys.modules.get(module_name)
        if module is None or _initializing(module):
            _waiting.setdefault(module_name, []).append((label, callback))
            _install_finder()
            return
    _run(label, callback, module)


def _initializing(module: ModuleType) -> bool:
    spec = getattr(module, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


def _run(label: str, callback: Callable[[ModuleType], None], module: ModuleType) -> None:
    try:
        callback(module)
    except Exception as error:  # noqa: BLE001 -- a hook that cannot apply must not break the import
        events.emit(_hook_error_line(label, error))
        return
    with _lock:
        _applied.append(label)


def _hook_error_line(label: str, error: BaseException) -> str:
    """An error event (docs/events.md) saying a hook could not be applied."""
    from .. import _agent

    message = f"{label}: {type(error).__name__}: {error}"
    engine = _agent.engine()
    if engine is not None:
        return engine.error_event_json("", "hook_not_applied", message, operation=label)
    import json

    return json.dumps(
        {"threat": None, "action": "failed_open", "error": {"kind": "hook_not_applied", "message": message}}
    )


def _imported(module_name: str, module: ModuleType) -> None:
    with _lock:
        callbacks = _waiting.pop(module_name, [])
    for label, callback in callbacks:
        _run(label, callback, module)


class _Loader:
    """Delegates to the real loader, then runs the waiting callbacks."""

    def __init__(self, loader: Any, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: Any) -> Optional[ModuleType]:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _imported(self._name, module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self._busy = threading.local()

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: Any = None) -> Any:
        if fullname not in _waiting:
            return None
        busy = getattr(self._busy, "names", None)
        if busy is None:
            busy = self._busy.names = set()
        if fullname in busy:
            return None
        busy.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            busy.discard(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return None
        spec.loader = _Loader(spec.loader, fullname)
        return spec


_finder: Optional[_Finder] = None


def _install_finder() -> None:
    global _finder
    if _finder is None:
        _finder = _Finder()
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def subclass_cache() -> Callable[[type, type], type]:
    """``hooked(base, mixin)``: a subclass of ``base`` with ``mixin``'s methods first,
    made once per base (for C types whose methods cannot be patched in place)."""
    cache: Dict[type, type] = {}

    def hooked(base: type, mixin: type) -> type:
        if issubclass(base, mixin):
            return base
        cls = cache.get(base)
        if cls is None:
            cls = type(base.__name__, (mixin, base), {"__module__": base.__module__, "__doc__": base.__doc__})
            cache[base] = cls
        return cls

    return hooked

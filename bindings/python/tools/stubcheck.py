"""Checks python/rampart/_rampart.pyi against the compiled extension module.

Every public name of the module must be in the stub and the reverse; for classes, the
same methods and properties; for functions and methods, the same parameter names and
kinds (from pyo3's text signatures). Exit status 1 and one line per difference when
they drift.

    python bindings/python/tools/stubcheck.py
"""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

STUB = Path(__file__).resolve().parent.parent / "python" / "rampart" / "_rampart.pyi"
#: Dunder methods worth comparing (the rest come from object or pyo3).
DUNDERS = {"__init__", "__len__"}

Params = Tuple[Tuple[str, str], ...]


def stub_tree() -> Tuple[Dict[str, Optional[Params]], Dict[str, Dict[str, Optional[Params]]]]:
    """(module-level names -> params or None, class name -> member -> params or None)."""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    names: Dict[str, Optional[Params]] = {}
    classes: Dict[str, Dict[str, Optional[Params]]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names[node.name] = _params(node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = None
        elif isinstance(node, ast.ClassDef):
            names[node.name] = None
            members: Dict[str, Optional[Params]] = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    is_property = any(isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list)
                    members[item.name] = None if is_property else _params(item)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members[item.target.id] = None
            classes[node.name] = members
    return {k: v for k, v in names.items() if not k.startswith("_") or k == "_panic_for_test"}, classes


def _params(node: ast.FunctionDef) -> Params:
    args = node.args
    out: List[Tuple[str, str]] = []
    for a in args.posonlyargs + args.args:
        out.append((a.arg, "positional"))
    if args.vararg:
        out.append((args.vararg.arg, "var_positional"))
    for a in args.kwonlyargs:
        out.append((a.arg, "keyword_only"))
    if args.kwarg:
        out.append((args.kwarg.arg, "var_keyword"))
    return tuple(p for p in out if p[0] not in ("self", "cls"))


def runtime_params(obj: object) -> Optional[Params]:
    try:
        signature = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    kinds = {
        inspect.Parameter.POSITIONAL_ONLY: "positional",
        inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
        inspect.Parameter.VAR_POSITIONAL: "var_positional",
        inspect.Parameter.KEYWORD_ONLY: "keyword_only",
        inspect.Parameter.VAR_KEYWORD: "var_keyword",
    }
    return tuple((p.name, kinds[p.kind]) for p in signature.parameters.values() if p.name not in ("self", "cls"))


def check() -> List[str]:
    from rampart import _rampart as module

    problems: List[str] = []
    stub_names, stub_classes = stub_tree()
    runtime = {n for n in dir(module) if not n.startswith("_") or n in ("__version__", "_panic_for_test")}
    runtime.discard("__version__")
    stub_names.pop("__version__", None)
    for name in sorted(runtime - set(stub_names)):
        problems.append(f"{name}: in the module, missing from the stub")
    for name in sorted(set(stub_names) - runtime):
        problems.append(f"{name}: in the stub, not in the module")
    for name in sorted(runtime & set(stub_names)):
        obj = getattr(module, name)
        if inspect.isclass(obj):
            problems += _check_class(name, obj, stub_classes.get(name, {}))
        elif callable(obj):
            got, want = runtime_params(obj), stub_names[name]
            if got is not None and got != want:
                problems.append(f"{name}: parameters {got} in the module, {want} in the stub")
    return problems


def _check_class(name: str, cls: type, members: Dict[str, Optional[Params]]) -> List[str]:
    problems: List[str] = []
    if issubclass(cls, BaseException):
        return problems  # exception classes: only their presence matters
    runtime = {
        n
        for n, v in vars(cls).items()
        if (not n.startswith("_") or n in DUNDERS) and not (n == "__init__" and v is object.__init__)
    }
    if "__init__" not in runtime and cls.__text_signature__ is not None and "__new__" in vars(cls):  # type: ignore[attr-defined]
        runtime.add("__init__")
    for member in sorted(runtime - set(members)):
        problems.append(f"{name}.{member}: in the module, missing from the stub")
    for member in sorted(set(members) - runtime):
        problems.append(f"{name}.{member}: in the stub, not in the module")
    for member in sorted(runtime & set(members)):
        want = members[member]
        if want is None:
            continue
        obj = cls if member == "__init__" else getattr(cls, member)
        got = runtime_params(obj)
        if got is not None and got != want:
            problems.append(f"{name}.{member}: parameters {got} in the module, {want} in the stub")
    return problems


def main() -> int:
    problems = check()
    for problem in problems:
        print(f"_rampart.pyi: {problem}", file=sys.stderr)
    if problems:
        print(f"_rampart.pyi drifted from the extension module ({len(problems)} differences)", file=sys.stderr)
        return 1
    print("_rampart.pyi matches the extension module")
    return 0


if __name__ == "__main__":
    sys.exit(main())

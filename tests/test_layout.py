"""The package layout: imports among jgraph's modules go one way (no cycles, and
from later pipeline stages to earlier ones), and the pipeline (graph, compile,
runtime) asks an op's ``OpDef`` what it needs: no op-type strings, no hidden
underscore attributes.

Every module's imports are read from its source (``ast``), function-level ones
included, so a cycle hidden inside a function still fails. Imports under ``if
TYPE_CHECKING:`` are left out: they name types for annotations and never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "jgraph"


def _module_names(package: Path) -> dict[str, Path]:
    modules = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for statement in node.body:
                skipped.update(id(n) for n in ast.walk(statement))
    return skipped


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports (``from pkg import module``
    counts as importing that module, not the package)."""
    modules = _module_names(package)
    root = package.name

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        skipped = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[
                        : len(package.split(".")) - node.level + 1
                    ]
                    base = ".".join([*parent, *([base] if base else [])])
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            else:
                continue
            for target in targets:
                if target.split(".")[0] != root:
                    continue
                resolved = resolve(target)
                if resolved is not None and resolved != name:
                    edges[name].add(resolved)
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (``[a, b, ..., a]``), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(edges[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(edges):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_the_import_graph_is_read() -> None:
    edges = import_graph()
    assert "jgraph.graph.graph" in edges["jgraph.ops.conversion"]
    assert "jgraph.ops.math_ops" in edges["jgraph.ops"]  # from jgraph.ops import x


def test_function_level_imports_count_and_type_only_ones_do_not(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from pkg.a import x\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n"
    )
    edges = import_graph(package)
    assert edges["pkg.b"] == {"pkg.a"}
    assert edges["pkg.c"] == set()
    assert find_cycle(edges) == ["pkg.a", "pkg.b", "pkg.a"]


def test_there_are_no_import_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_found_and_named() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# -- stages ---------------------------------------------------------------------------

# Each package is a stage of the pipeline; a module may import its own stage and
# earlier ones only. Leaf modules (errors, config) may be imported by any stage.
STAGES = {
    "jgraph.errors": 0,
    "jgraph.config": 0,
    "jgraph.logging": 0,
    "jgraph._behavior": 0,
    "jgraph.graph": 1,
    "jgraph.ops": 2,
    "jgraph.compile": 3,
    "jgraph.runtime": 4,
    # clients of the core
    "jgraph.train": 5,
    "jgraph.layers": 5,
    "jgraph.checkpoint": 5,
    "jgraph.summary": 5,
    "jgraph.data": 5,
    "jgraph.distribute": 5,
    "jgraph.losses": 5,
    "jgraph.metrics": 5,
    "jgraph.initializers": 5,
    "jgraph.examples": 5,
}
PUBLIC_NAMESPACES = 6  # jgraph itself, tf.nn, tf.math, tf.compat, ...


def stage_of(module: str) -> int:
    parts = module.split(".")
    for length in range(len(parts), 0, -1):
        stage = STAGES.get(".".join(parts[:length]))
        if stage is not None:
            return stage
    return PUBLIC_NAMESPACES


def test_imports_go_from_later_stages_to_earlier_ones() -> None:
    upward = [
        f"{module} (stage {stage_of(module)}) imports {target} (stage"
        f" {stage_of(target)})"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if stage_of(target) > stage_of(module)
    ]
    assert not upward, "\n".join(upward)


# -- the pipeline asks the OpDef ---------------------------------------------------------

PIPELINE = ("graph", "compile", "runtime")

# Underscore names that are other libraries' public API (NamedTuple, sys).
_LIBRARY_NAMES = frozenset(
    {"_asdict", "_replace", "_fields", "_make", "_getframe", "_exit"}
)
# TF1's conversion protocol: a Variable stands for its tensor in graph elements.
_TF1_PROTOCOL = frozenset({"_as_graph_element", "_as_tensor"})


def _is_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def pipeline_violations(source: str) -> list[str]:
    """Op-type string comparisons, lookups of op types by string, reads of
    underscore attrs, and underscore attributes of other modules' objects."""
    tree = ast.parse(source)
    defined = {
        n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)
    } | {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
    }
    found = []
    for node in ast.walk(tree):
        text = f"line {getattr(node, 'lineno', '?')}: {ast.unparse(node)}"
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            typed = any(
                isinstance(s, ast.Attribute) and s.attr == "type" for s in sides
            )
            strings = any(
                _is_string(s)
                or (
                    isinstance(s, ast.Tuple | ast.List | ast.Set)
                    and any(_is_string(e) for e in s.elts)
                )
                for s in sides
            )
            if typed and strings:
                found.append(f"op-type comparison, {text}")
        elif isinstance(node, ast.Subscript) and _is_string(node.slice):
            key = node.slice.value  # type: ignore[attr-defined]
            if isinstance(node.value, ast.Name) and node.value.id == "REGISTRY":
                found.append(f"op type looked up by string, {text}")
            if (
                isinstance(node.value, ast.Attribute)
                and node.value.attr == "attrs"
                and key.startswith("_")
            ):
                found.append(f"underscore attr read, {text}")
        elif isinstance(node, ast.Call):
            func, args = node.func, node.args
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "get"
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "attrs"
                and args
                and _is_string(args[0])
                and args[0].value.startswith("_")  # type: ignore[attr-defined]
            ):
                found.append(f"underscore attr read, {text}")
            if (
                isinstance(func, ast.Name)
                and func.id in ("getattr", "hasattr")
                and len(args) > 1
                and _is_string(args[1])
                and not (isinstance(args[0], ast.Name) and args[0].id == "self")
            ):
                name = args[1].value  # type: ignore[attr-defined]
                if name.startswith("_") and not name.startswith("__"):
                    if name not in _TF1_PROTOCOL:
                        found.append(f"underscore attribute of another object, {text}")
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Load)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (
                isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            )
            and node.attr not in defined | _LIBRARY_NAMES
        ):
            found.append(f"underscore attribute of another module's object, {text}")
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for stage in PIPELINE for p in (PACKAGE / stage).glob("*.py")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_the_pipeline_asks_the_opdef(path: Path) -> None:
    violations = pipeline_violations(path.read_text())
    assert not violations, "\n".join(violations)


def test_the_pipeline_check_finds_what_it_forbids() -> None:
    source = (
        "def f(op, other):\n"
        '    if op.type == "Const": pass\n'
        '    if op.type in ("Placeholder", "X"): pass\n'
        '    REGISTRY["Const"]\n'
        '    op.attrs["_iterator"]\n'
        '    op.attrs.get("_read_only")\n'
        "    other._variables\n"
        '    getattr(other, "_secret")\n'
    )
    assert len(pipeline_violations(source)) == 7
    allowed = (
        "class A:\n"
        "    def f(self, t):\n"
        "        self._x = 1\n"
        "        t._x\n"
        "        t._replace(a=1)\n"
        '        getattr(t, "_as_tensor")\n'
        '        t.attrs["var_names"]\n'
    )
    assert pipeline_violations(allowed) == []

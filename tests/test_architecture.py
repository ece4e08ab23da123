"""The package's layout, checked from the source with `ast` (ARCHITECTURE.md).

- imports flow one way, down the layers: publish -> present -> analysis -> privacy -> data -> base;
- no import circle, not even through an import inside a function;
- no module imports another module's private names (``from x import _y`` or ``x._y``);
- no module over ~400 lines, no function over 60 lines unless its docstring says why;
- every subpackage's ``__all__`` lists exactly its modules, and ARCHITECTURE.md names them;
- the notebooks import modules in one style: ``from pianozona.<subpackage> import <module>``.
"""

from __future__ import annotations

import ast
import graphlib
import importlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path


from tests.conftest import ROOT

PACKAGE = ROOT / "pianozona"
# Lower layers first; a module may import only from its own layer or a lower one.
LAYERS = ("base", "data", "privacy", "analysis", "present", "publish", "top")
BASE_MODULES = {"pianozona.errors", "pianozona.files", "pianozona.formatting", "pianozona.names"}
TOP_MODULES = {"pianozona", "pianozona.cli"}
SUBPACKAGES = ("data", "analysis", "privacy", "present", "publish")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LONG_REASON = "longer than 60 lines because"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the pianozona module imported (resolved to a module file)
    names: tuple[str, ...]  # names taken with ``from target import ...``
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"), filename=str(modules()[name]))


def layer(name: str) -> str:
    if name in BASE_MODULES:
        return "base"
    if name in TOP_MODULES:
        return "top"
    return name.split(".")[1]


def resolve(current: str, node: ast.ImportFrom) -> str:
    """Absolute module named by a ``from ... import`` (relative imports resolved against `current`)."""
    if not node.level:
        return node.module or ""
    package = current if modules()[current].name == "__init__.py" else current.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports(name: str) -> list[Import]:
    """Every import of a pianozona module by module `name`, wherever it is in the file."""
    found = []
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, (), node.lineno) for alias in node.names
                      if alias.name.split(".")[0] == "pianozona"]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(name, node)
            if target.split(".")[0] != "pianozona":
                continue
            plain = tuple(alias.name for alias in node.names if f"{target}.{alias.name}" not in modules())
            found += [Import(name, f"{target}.{alias.name}", (), node.lineno) for alias in node.names
                      if f"{target}.{alias.name}" in modules()]
            if plain:
                found.append(Import(name, target, plain, node.lineno))
    return found


def all_imports() -> list[Import]:
    return [imp for name in modules() for imp in imports(name)]


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_the_source_is_found():
    assert len(modules()) >= 30
    assert {"pianozona.analysis.needs", "pianozona.privacy.gate", "pianozona.publish.runner"} <= set(modules())
    assert len(all_imports()) > 50


def import_graph(found: list[Import], known: set[str]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (itself and modules outside `known` left out)."""
    graph: dict[str, set[str]] = {name: set() for name in known}
    for imp in found:
        if imp.target in known and imp.target != imp.module:
            graph[imp.module].add(imp.target)
    return graph


def circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of `graph` (its modules in order, the first repeated at the end), or None."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        return list(error.args[1])
    return None


def test_no_import_circles():
    found = circle(import_graph(all_imports(), set(modules())))
    assert found is None, "circolarità di import: " + " -> ".join(found or [])


def test_the_checker_sees_a_circle_and_only_a_circle():
    def imp(module, target):
        return Import(module, target, (), 1)

    known = {"p.a", "p.b", "p.c"}
    chain = [imp("p.a", "p.b"), imp("p.b", "p.c"), imp("p.a", "p.a"), imp("p.c", "os")]
    assert circle(import_graph(chain, known)) is None  # importing itself or the standard library is no circle
    found = circle(import_graph(chain + [imp("p.c", "p.a")], known))
    assert found is not None and found[0] == found[-1] and set(found) == known


def test_imports_flow_down_the_layers():
    wrong = [f"{imp.module}:{imp.line} ({layer(imp.module)}) importa {imp.target} ({layer(imp.target)})"
             for imp in all_imports()
             if imp.target in modules() and LAYERS.index(layer(imp.target)) > LAYERS.index(layer(imp.module))]
    assert not wrong, "\n".join(wrong)


def private_attribute_uses(name: str) -> list[str]:
    """``module._name`` where `module` is a name bound to a pianozona module in this file."""
    bound = {}
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pianozona.") and alias.asname:
                    bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            target = resolve(name, node)
            for alias in node.names:
                if f"{target}.{alias.name}" in modules():
                    bound[alias.asname or alias.name] = f"{target}.{alias.name}"
    return [f"{name}:{node.lineno} usa {bound[node.value.id]}.{node.attr}" for node in ast.walk(tree(name))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
            and bound[node.value.id] != name and is_private(node.attr)]


def test_no_module_imports_another_modules_private_names():
    wrong = [f"{imp.module}:{imp.line} importa {', '.join(n for n in imp.names if is_private(n))} da {imp.target}"
             for imp in all_imports() if imp.target != imp.module and any(map(is_private, imp.names))]
    wrong += [use for name in modules() for use in private_attribute_uses(name)]
    assert not wrong, "\n".join(wrong)


def test_no_module_is_too_long():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"moduli oltre {MAX_MODULE_LINES} righe: {long}"


def test_no_function_is_too_long_without_a_reason():
    long = []
    for name in modules():
        for node in ast.walk(tree(name)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                reason = LONG_REASON in (ast.get_docstring(node) or "").lower()
                if lines > MAX_FUNCTION_LINES and not reason:
                    long.append(f"{name}.{node.name}: {lines} righe")
    assert not long, "\n".join(long)


def test_each_subpackage_lists_exactly_its_modules():
    for sub in SUBPACKAGES:
        package = importlib.import_module(f"pianozona.{sub}")
        on_disk = {p.stem for p in (PACKAGE / sub).glob("*.py") if p.stem != "__init__"}
        doc = package.__doc__ or ""
        if sub == "privacy":  # re-exports its API instead of listing modules
            assert on_disk <= set(re.findall(r"`(\w+)`", doc)), doc
            continue
        assert set(package.__all__) == on_disk, sub
        assert all(f"`{m}`" in doc for m in on_disk), f"pianozona.{sub}: the docstring must name {on_disk}"
        for module in on_disk:  # lazy access works
            assert getattr(package, module).__name__ == f"pianozona.{sub}.{module}"


def test_import_pianozona_gives_the_public_face():
    import pianozona

    assert callable(pianozona.load_district) and "anziani" in pianozona.AREE
    for sub in SUBPACKAGES:
        assert getattr(pianozona, sub).__name__ == f"pianozona.{sub}"


def test_architecture_md_names_every_subpackage_and_module():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [name for name in modules() if name != "pianozona"
               and name.rpartition(".")[2] not in text and name.split(".")[1] not in text]
    missing += [sub for sub in SUBPACKAGES if f"pianozona/{sub}/" not in text]
    missing += [name for name in modules() if name.count(".") == 2
                and not re.search(rf"`{name.rpartition('.')[2]}`", text)]
    assert not missing, f"ARCHITECTURE.md does not name: {missing}"


NOTEBOOK_IMPORT = re.compile(r"^\s*(from|import)\s+(pianozona[\w.]*)(?:\s+import\s+(.+))?$")


def notebook_imports() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                for line in "".join(cell["source"]).splitlines():
                    if m := NOTEBOOK_IMPORT.match(line):
                        found.append((path.name, m.group(2), m.group(3) or ""))
    return found


def test_notebooks_import_modules_from_their_subpackage():
    found = notebook_imports()
    assert found, "no pianozona import found in the notebooks"
    wrong = []
    for notebook, source, names in found:
        taken = [n.split(" as ")[0].strip() for n in names.split(",") if n.strip()]
        if source == "pianozona":
            wrong += [f"{notebook}: from pianozona import {n}" for n in taken
                      if n in {m.rpartition(".")[2] for m in modules() if m.count(".") == 2}]
        elif source.count(".") == 1:
            wrong += [f"{notebook}: {source}.{n} is not a module" for n in taken if f"{source}.{n}" not in modules()]
        else:
            wrong.append(f"{notebook}: import from {source} (use 'from pianozona.<subpackage> import <module>')")
    assert not wrong, "\n".join(wrong)

"""Promises of the project itself: conda and pip agree, the demo data are reproducible."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib

import yaml

from .conftest import HEAVY_MARKERS, ROOT


def _name(requirement: str) -> str:
    """Normalised project name (PEP 503: case and -_. do not matter; conda spells some with _)."""
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ ;\[]", requirement.strip(), maxsplit=1)[0].lower())


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_names = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        pip_names |= {_name(r) for r in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names = set()
    for item in env["dependencies"]:
        if isinstance(item, dict):
            conda_names |= {_name(r) for r in item["pip"] if not r.startswith("-e")}
        elif _name(item) not in ("python", "pip"):
            conda_names.add(_name(item))
    assert conda_names == pip_names


def test_demo_data_script_reproduces_committed_files(tmp_path):
    committed = {p.name: p.read_bytes() for p in (ROOT / "data" / "pavia").glob("*.csv")}
    subprocess.run([sys.executable, str(ROOT / "scripts" / "genera_dati_pavia.py"), str(tmp_path)], check=True,
                   timeout=300)
    regenerated = {p.name: p.read_bytes() for p in tmp_path.glob("*.csv")}
    assert len(committed) == 5
    assert regenerated == committed, "scripts/genera_dati_pavia.py no longer reproduces data/pavia: rerun and commit"


def test_makefile_help_lists_report_and_test():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=60).stdout
    assert "make report" in out and "make test" in out and "make lab" in out and "make test-fast" in out


def test_the_fast_loop_leaves_out_every_heavy_marker_and_the_markers_are_registered():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert {line.split(":")[0] for line in options["markers"]} == set(HEAVY_MARKERS)
    fast = re.search(r"^FAST := (.*)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert fast == " and ".join(f"not {marker}" for marker in HEAVY_MARKERS)
    assert "--strict-markers" in options["addopts"]


def _calls(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):  # papermill.execute_notebook, proc.wait, subprocess.run
                owner = getattr(node.func.value, "id", "")
                yield f"{owner}.{node.func.attr}", {k.arg for k in node.keywords}, len(node.args), node.lineno


def test_nothing_a_test_starts_can_wait_for_ever():
    """A pytest-wide backstop and nbval's cell limit; every notebook, process and wait in the tests has its own."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert 0 < options["timeout"] <= 900 and "--nbval-cell-timeout=" in options["addopts"]
    unbounded = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if "fixtures" in path.parts:
            continue
        for name, keywords, positional, line in _calls(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if name.endswith(".execute_notebook") and "execution_timeout" not in keywords:
                unbounded.append(f"{where} papermill without execution_timeout (use tests.conftest.execute_notebook)")
            elif "timeout" not in keywords and (name == "subprocess.run" or name.endswith((".communicate", ".wait"))
                                                and not positional):
                unbounded.append(f"{where} {name}() without timeout")
    assert not unbounded, "\n".join(unbounded)


def test_every_table_column_is_documented_in_data_readme():
    from pianozona.data.schema import TABLES

    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for spec in TABLES.values():
        assert f"### `{spec.name}`" in readme
        for column in spec.columns:
            assert f"`{column.name}`" in readme, f"{spec.name}.{column.name} missing from data/README.md"


def test_the_readme_python_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert blocks, "README.md has no Python example"
    for block in blocks:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
        assert "pianozona" in namespace

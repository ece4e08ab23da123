"""The kernel template: what it pre-imports (the modules the suite's notebooks import) and its warm-up."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

import pianozona
from pianozona.analysis import needs
from pianozona.publish.planning import plan_run
from pianozona.publish.template import KernelTemplate, cell_imports, preload_modules
from tests.conftest import execute_notebook
from tests.publish.conftest import FIXTURES


def test_modules_to_preload_come_from_the_notebooks_imports(tmp_path, reports_root):
    plan = plan_run("pavia", areas="anziani", notebooks_dir=FIXTURES, out_dir=reports_root)
    modules = preload_modules(job.notebook for job in plan.jobs)
    assert {"matplotlib.pyplot", "pandas", "pianozona.formatting", "IPython.display"} <= set(modules)
    assert cell_imports("%matplotlib inline\nimport ipywidgets, numpy as np\nfrom .x import y\n"
                        "from scipy import stats") == ["ipywidgets", "numpy", "scipy", "scipy.stats"]
    # subpackages import their modules on first use: the template must preload the modules themselves
    assert cell_imports("from pianozona.analysis import needs, stats as s") == [
        "pianozona.analysis", "pianozona.analysis.needs", "pianozona.analysis.stats"]


# ---------------------------------------------------------------------------
# the warm-up: the run's district work done once in the template, inherited by every kernel

KERNEL_CHECK = """
import json
import os
import pianozona
from pianozona.analysis import needs
from pianozona.data import datasets
reads = []
real = datasets.read_config
datasets.read_config = lambda folder: reads.append(str(folder)) or real(folder)
district = pianozona.load_district("pavia")
result = needs.analyse(district, "anziani", 2023)
print(json.dumps({"reads": len(reads), "memo": needs.analyse.cache_info(), "users": float(result.district["utenti"]),
                  "parent": os.getppid()}))
"""


def _kernel_output(folder: Path, warm: list[dict], monkeypatch, job: dict | None = None) -> dict:
    """Start a template with `warm`, run KERNEL_CHECK in a kernel it forks for `job` (its parameters:
    by default Pavia 2023), return what it printed.

    The template works in `folder`, the kernel in another folder: the warm-up must reach it whatever
    the working directory."""
    from pianozona import privacy
    from pianozona.publish import kernels

    elsewhere = folder / "altrove"
    elsewhere.mkdir()
    notebook = elsewhere / "controllo.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(KERNEL_CHECK)]), notebook)
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    template = KernelTemplate(("pianozona.analysis.needs",), folder, folder, warm)
    previous = kernels.use_template(template.address, str(folder / "kernel.log"))
    kernels.kernel_for(job or {"district": "pavia", "year": 2023})
    try:
        nb = execute_notebook(notebook, folder / "out.ipynb", kernel_name="python3", cwd=str(elsewhere),
                              kernel_manager_class=kernels.KernelManager)
    finally:
        kernels.close_template()
        kernels.use_template(*previous[:2])
        kernels.kernel_for({})
        template.stop()
    return json.loads(nb.cells[0].outputs[0]["text"])


@pytest.mark.kernel
def test_a_kernel_forked_after_the_warm_up_finds_district_and_analysis_in_memory(tmp_path, monkeypatch):
    got = _kernel_output(tmp_path, [{"district": "pavia", "year": 2023, "areas": ["anziani"]}], monkeypatch)
    assert got["reads"] == 0  # load_district did not read the files again
    assert got["memo"] == {"hits": 1, "misses": 0}  # computed by the warm-up's helper, sent back: a hit here
    assert "riscaldamento: " in (tmp_path / "modello.log").read_text(encoding="utf-8")
    pavia = pianozona.load_district("pavia")
    assert got["users"] == needs.analyse(pavia, "anziani", 2023, publish=True).district["utenti"]


@pytest.mark.kernel
def test_a_failed_warm_up_leaves_the_kernels_to_compute_it(tmp_path, monkeypatch):
    warm = [{"district": "atlantide", "year": 2023, "areas": ["*"]},
            {"district": "pavia", "year": 1999, "areas": ["*"]}]
    got = _kernel_output(tmp_path, warm, monkeypatch, job={"district": "pavia", "year": 1999})
    assert got["reads"] == 0 and got["memo"] == {"hits": 0, "misses": 1}  # pavia loaded, not analysed
    log = (tmp_path / "modello.log").read_text(encoding="utf-8")
    assert "atlantide: caricamento non riuscito" in log and "pavia 1999 anziani: ParameterError" in log


@pytest.mark.kernel
def test_without_a_warm_up_the_kernel_computes_it_itself(tmp_path, monkeypatch):
    got = _kernel_output(tmp_path, [], monkeypatch)
    assert got["reads"] == 1 and got["memo"] == {"hits": 0, "misses": 1}
    assert "riscaldamento: " not in (tmp_path / "modello.log").read_text(encoding="utf-8")


@pytest.mark.kernel
def test_the_warm_up_helpers_serve_every_kernel_of_their_district_and_the_territorys_then_exit(tmp_path, monkeypatch):
    import psutil

    from pianozona import privacy
    from pianozona.publish import kernels

    notebook = tmp_path / "controllo.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(KERNEL_CHECK)]), notebook)
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    template = KernelTemplate(("pianozona.analysis.needs",), tmp_path, tmp_path,
                              [{"district": "pavia", "year": 2023, "areas": ["anziani"]}])
    previous = kernels.use_template(template.address, str(tmp_path / "kernel.log"))
    seen, left = [], None
    try:
        for job in ({"district": "pavia", "year": 2023}, {"territory": "t"}, {"district": "pavia", "year": 2023}):
            kernels.kernel_for(job)
            nb = execute_notebook(notebook, tmp_path / "out.ipynb", kernel_name="python3", cwd=str(tmp_path),
                                  kernel_manager_class=kernels.KernelManager)
            seen.append(json.loads(nb.cells[0].outputs[0]["text"]))
        left = psutil.Process(template.proc.pid).children()  # the kernels are gone, and the helper
    finally:
        kernels.close_template()
        kernels.use_template(*previous[:2])
        kernels.kernel_for({})
        template.stop()
    assert [got["parent"] for got in seen] == [template.proc.pid] * 3 and left == []
    # Pavia's warm-up, done once by the helper, reached all three: none read the files or analysed
    assert [(got["reads"], got["memo"]) for got in seen] == [(0, {"hits": 1, "misses": 0})] * 3
    assert (tmp_path / "modello.log").read_text(encoding="utf-8").count("riscaldamento: ") == 1

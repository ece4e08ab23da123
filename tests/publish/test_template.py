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
import pianozona
from pianozona.analysis import needs
from pianozona.data import datasets
reads = []
real = datasets.read_config
datasets.read_config = lambda folder: reads.append(str(folder)) or real(folder)
district = pianozona.load_district("pavia")
result = needs.analyse(district, "anziani", 2023)
print(json.dumps({"reads": len(reads), "memo": needs.analyse.cache_info(), "users": float(result.district["utenti"])}))
"""


def _kernel_output(folder: Path, warm: list[dict], monkeypatch) -> dict:
    """Start a template with `warm`, run KERNEL_CHECK in a kernel it forks, return what it printed."""
    from pianozona import privacy
    from pianozona.publish import kernels

    notebook = folder / "controllo.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(KERNEL_CHECK)]), notebook)
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    template = KernelTemplate(("pianozona.analysis.needs",), folder, folder, warm)
    monkeypatch.setattr(kernels.TemplateClient, "address", template.address)
    monkeypatch.setattr(kernels.TemplateClient, "stream", None)
    monkeypatch.setattr(kernels.TemplateClient, "log", str(folder / "kernel.log"))
    try:
        nb = execute_notebook(notebook, folder / "out.ipynb", kernel_name="python3", cwd=str(folder),
                              kernel_manager_class=kernels.kernel_manager())
    finally:
        if kernels.TemplateClient.stream is not None:
            kernels.TemplateClient.stream.close()
        template.stop()
    return json.loads(nb.cells[0].outputs[0]["text"])


@pytest.mark.kernel
def test_a_kernel_forked_after_the_warm_up_finds_district_and_analysis_in_memory(tmp_path, monkeypatch):
    got = _kernel_output(tmp_path, [{"district": "pavia", "year": 2023, "areas": ["anziani"]}], monkeypatch)
    assert got["reads"] == 0  # load_district did not read the files again
    assert got["memo"] == {"hits": 1, "misses": 0, "size": 1}  # computed by the warm-up helper, installed
    assert "riscaldamento: " in (tmp_path / "modello.log").read_text(encoding="utf-8")
    pavia = pianozona.load_district("pavia")
    assert got["users"] == needs.analyse(pavia, "anziani", 2023, publish=True).district["utenti"]


@pytest.mark.kernel
def test_a_failed_warm_up_leaves_the_kernels_to_compute_it(tmp_path, monkeypatch):
    warm = [{"district": "atlantide", "year": 2023, "areas": ["*"]},
            {"district": "pavia", "year": 1999, "areas": ["*"]}]
    got = _kernel_output(tmp_path, warm, monkeypatch)
    assert got["reads"] == 0 and got["memo"] == {"hits": 0, "misses": 1, "size": 1}  # pavia loaded, not analysed
    log = (tmp_path / "modello.log").read_text(encoding="utf-8")
    assert "atlantide: caricamento non riuscito" in log and "pavia 1999 anziani: ParameterError" in log

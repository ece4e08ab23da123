"""What the kernel template pre-imports: the modules the suite's notebooks import."""

from __future__ import annotations

from pianozona.publish.planning import plan_run
from pianozona.publish.template import cell_imports, preload_modules
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

"""publish.warm: what the run's jobs share (warm_specs) and the warm-up that never fails the run."""

from __future__ import annotations

import io
from pathlib import Path

import nbformat
import pytest

from pianozona import privacy
from pianozona.analysis import needs
from pianozona.data import cache
from pianozona.publish.planning import Job
from pianozona.publish.warm import warm_specs, warm_up


def _notebook(folder: Path, name: str, code: str) -> Path:
    path = folder / f"{name}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)
    return path


def test_specs_follow_what_the_notebooks_call(tmp_path):
    area_nb = _notebook(tmp_path, "area", "d = pianozona.load_district(district)\na = needs.analyse(d, area, year)")
    profile_nb = _notebook(tmp_path, "scheda", "d = pianozona.load_district(district)\n"
                                                "x = [needs.analyse(d, a, year) for a in d.aree]")
    plain_nb = _notebook(tmp_path, "panoramica", "d = pianozona.load_district(district)")
    other_nb = _notebook(tmp_path, "vuoto", "print(1)")
    jobs = [Job("a1", "", area_nb, {"district": "pavia", "year": 2023, "area": "anziani"}),
            Job("a2", "", area_nb, {"district": "pavia", "year": 2023, "area": "minori"}),
            Job("p", "", plain_nb, {"district": "pavia", "year": 2023}),
            Job("o", "", other_nb, {"district": "lodi", "year": 2023})]
    assert warm_specs(jobs) == [{"district": "pavia", "year": 2023, "areas": ["anziani", "minori"]}]
    jobs.append(Job("s", "", profile_nb, {"district": "pavia", "year": 2023, "comune": "018110"}))
    assert warm_specs(jobs)[0]["areas"] == ["*", "anziani", "minori"]
    assert warm_specs(jobs[2:3]) == [{"district": "pavia", "year": 2023, "areas": []}]


@pytest.fixture
def publishing(monkeypatch):
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    # only the analyses the specs ask for: the package's warmable functions (profile's, registered once another
    # test has imported it) would analyse every area and change the counts these tests check
    monkeypatch.setattr(cache, "warmable", lambda: ())
    cache.clear()
    yield
    cache.clear()


def test_warm_up_fills_the_cache_and_reports_failures(publishing):
    log = io.StringIO()
    failures = warm_up([{"district": "pavia", "year": 2023, "areas": ["anziani"]},
                        {"district": "atlantide", "year": 2023, "areas": ["*"]}], log=log)
    assert needs.analyse.cache_info()["misses"] == 1
    assert len(failures) == 1 and failures[0].startswith("atlantide: caricamento non riuscito (DataError")
    assert "riscaldamento: " in log.getvalue()


def test_warm_up_stops_at_its_time_bound(publishing):
    specs = [{"district": "pavia", "year": 2023, "areas": ["anziani"]},
             {"district": "pavia", "year": 2022, "areas": ["*"]}]
    failures = warm_up(specs, timeout_s=0.05, log=io.StringIO())  # the first spec takes longer than that
    assert failures == ["riscaldamento interrotto dopo 0.05 s: i rapporti calcolano da sé il resto"]
    assert needs.analyse.cache_info()["misses"] == 1  # the second spec was left to the jobs


def test_warm_drawing_loads_the_fonts_a_first_chart_needs_and_nothing_without_matplotlib():
    import subprocess
    import sys

    code = ("import sys\nfrom pianozona.publish.warm import warm_drawing\nwarm_drawing()\n"
            "print('matplotlib' in sys.modules)\n"
            "import matplotlib.font_manager as fm\nbefore = fm._get_font.cache_info().currsize\n"
            "warm_drawing()\nprint(before, fm._get_font.cache_info().currsize)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120).stdout.split()
    assert out[0] == "False"  # the notebooks draw nothing: matplotlib is not even imported
    assert out[1] == "0" and int(out[2]) >= 2  # regular and bold fonts loaded, kept for the forked kernels

"""publish.warm: what the run's jobs share (warm_specs) and the warm-up that never fails the run."""

from __future__ import annotations

import io
from pathlib import Path

import nbformat
import pytest

from pianozona import privacy
from pianozona.analysis import memo, needs
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
    monkeypatch.setattr(memo, "warmable", lambda: ())
    memo.clear()
    yield
    memo.clear()


def test_warm_up_fills_the_memo_and_reports_failures(publishing):
    log = io.StringIO()
    failures = warm_up([{"district": "pavia", "year": 2023, "areas": ["anziani"]},
                        {"district": "atlantide", "year": 2023, "areas": ["*"]}], log=log)
    assert needs.analyse.cache_info()["size"] == 1
    assert len(failures) == 1 and failures[0].startswith("atlantide: caricamento non riuscito (DataError")
    assert "riscaldamento: " in log.getvalue()


def test_warm_up_stops_at_its_time_bound(publishing):
    failures = warm_up([{"district": "pavia", "year": 2023, "areas": ["*"]}], timeout_s=0.05, log=io.StringIO())
    assert failures == ["riscaldamento interrotto dopo 0.05 s: i rapporti calcolano da sé il resto"]
    assert needs.analyse.cache_info()["size"] < 7


def test_the_helper_computes_in_another_process_and_installs_here(publishing, monkeypatch):
    from pianozona.data import datasets
    from pianozona.data import cache
    from pianozona.publish.warm import start_helper

    cache.clear()
    helper = start_helper([{"district": "pavia", "year": 2023, "areas": ["minori"]}], ["pianozona.analysis.needs"])
    assert helper is not None and helper.finish(log=io.StringIO())
    assert needs.analyse.cache_info() == {"hits": 0, "misses": 0, "size": 1}  # not computed in this process
    reads = []
    monkeypatch.setattr(datasets, "read_config", lambda folder: reads.append(folder))
    district = datasets.load_district("pavia")
    needs.analyse(district, "minori", 2023)
    assert reads == [] and needs.analyse.cache_info()["hits"] == 1
    assert start_helper([]) is None


def test_helpers_share_the_districts_and_install_all_of_them(publishing):
    from pianozona.data import cache
    from pianozona.publish.warm import start_helpers

    cache.clear()
    specs = [{"district": "pavia", "year": year, "areas": ["minori"]} for year in (2022, 2023)]
    specs.append({"district": "pavia", "year": 2023, "areas": ["anziani"]})
    helpers = start_helpers(specs, ["pianozona.analysis.needs"], count=2)
    assert len(helpers.helpers) == 2  # specs dealt round: (2022 minori, 2023 anziani), (2023 minori)
    assert helpers.finish(log=io.StringIO())
    assert needs.analyse.cache_info() == {"hits": 0, "misses": 0, "size": 3}  # all three, none computed here
    one = start_helpers(specs[:1], count=4)
    assert len(one.helpers) == 1 and one.finish(log=io.StringIO())  # never more helpers than specs to warm
    assert start_helpers([], count=2) is None


def test_a_helper_late_is_killed_and_gives_nothing(publishing):
    from pianozona.data import cache
    from pianozona.publish.warm import start_helper

    cache.clear()
    log = io.StringIO()
    helper = start_helper([{"district": "pavia", "year": 2023, "areas": ["*"]}])
    assert helper.finish(timeout_s=0.01, log=log) is False
    assert "non ha finito in tempo" in log.getvalue() and needs.analyse.cache_info()["size"] == 0


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

"""Each notebook of the suite reads only the district inputs it declares (`planning.SuiteEntry.inputs`).

A report is keyed on its declared inputs only, so an undeclared read would let a change go unseen: the
report would be called up to date while built from old data.  Here every notebook of the suite runs in
this process (no kernel: its code cells in order, with the runner's parameters and publication mode)
on a district that notes which of its attributes the code touches, mapped to the inputs of
`pianozona.data.inputs`.  What every page shows of the district (name, years, demo flag, the office's
sources) is keyed apart as the district's facts (`planning.district_info`), so `show.demo_banner`,
`show.sources` (but for the population's sources it names) and the years' check count as facts.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pytest

import pianozona
from pianozona.data import territory as territori
from pianozona.data.inputs import CONFIG, INPUTS, POPULATION
from pianozona.present import display
from pianozona.privacy import PUBLISH_ENV_VAR
from pianozona.publish.planning import DEFAULT_NOTEBOOKS, SUITE
from pianozona.publish.territory import COMPARISON, COMPARISON_INPUTS
from tests.conftest import ROOT

#: which input each attribute of a District reads (None: the district's facts, keyed apart)
INPUT_OF = {
    "config": (CONFIG,), "comuni": (CONFIG,), "codice": (CONFIG,), "nome": (CONFIG,), "aree": (CONFIG,),
    "popolazione": (POPULATION,), "stranieri": (POPULATION,), "fonti_popolazione": (POPULATION,),
    "confronti": (POPULATION,), "anni_popolazione": (POPULATION,), "nearest_population_year": (POPULATION,),
    "popolazione_a_rischio": (CONFIG, POPULATION), "population_note": (POPULATION,),
    **{name: (name,) for name in INPUTS if name not in (CONFIG, POPULATION)},
    "anni_dati": None, "dimostrativo": None, "check_year": None,
}
TERRITORY_DISTRICTS = ("ambito-vigevano", "ambito-pavia")


class Tracked:
    """A District that notes, in `seen`, the inputs behind every attribute the code reads."""

    def __init__(self, district, seen: set[str]) -> None:
        object.__setattr__(self, "district", district)
        object.__setattr__(self, "seen", seen)

    def __getattr__(self, name: str):
        if name == "fingerprint":
            return ""  # never served from a cache: every read happens here
        if name not in INPUT_OF:
            raise AssertionError(f"attributo di District non classificato nel test: {name}")
        self.seen.update(INPUT_OF[name] or ())
        return getattr(self.district, name)


def facts_only(function, *inputs: str):
    """`show.demo_banner`, `show.sources`: they show the district's facts (keyed apart) and these `inputs`."""
    def call(district, *args, **kwargs):
        getattr(district, "seen", set()).update(inputs)
        return function(getattr(district, "district", district), *args, **kwargs)
    return call


@pytest.fixture
def tracking(monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.setenv(PUBLISH_ENV_VAR, "1")
    monkeypatch.setattr(display, "demo_banner", facts_only(display.demo_banner))
    monkeypatch.setattr(display, "sources", facts_only(display.sources, POPULATION))  # the population's sources
    seen: dict[str, set[str]] = {}
    real = pianozona.load_district

    def load(where, **kwargs):
        district = real(where, **kwargs)
        return Tracked(district, seen.setdefault(district.codice, set()))

    monkeypatch.setattr(pianozona, "load_district", load)
    monkeypatch.setattr(territori, "load_districts", lambda config, **kw: [load(f, **kw) for f in config.folders])
    return seen


def run_notebook(name: str, parameters: dict) -> None:
    """The notebook's code cells, in order, in one namespace, the parameters set as papermill injects them."""
    cells = json.loads((DEFAULT_NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    namespace: dict = {}
    for number, cell in enumerate(c for c in cells if c["cell_type"] == "code"):
        exec(compile("".join(cell["source"]), f"{name}.ipynb[{number}]", "exec"), namespace)
        if number == 0:
            namespace.update(parameters)
    import matplotlib.pyplot as plt

    plt.close("all")


CASES = [(entry, extra) for entry in SUITE for extra in (
    [{"area": "anziani"}, {"area": "immigrazione"}] if entry.per_area else
    [{"comune": "018151"}] if entry.per_comune else [{}])]


@pytest.mark.suite  # every notebook of the suite, in this process (no kernel): about 30 s
@pytest.mark.parametrize("entry, extra", CASES, ids=[f"{e.notebook}-{'-'.join(x.values())}" for e, x in CASES])
def test_each_notebook_reads_only_the_inputs_it_declares(tracking, entry, extra, capsys):
    run_notebook(entry.notebook, {"district": "pavia", "year": 2023, "metrics_path": "", **extra})
    capsys.readouterr()
    assert tracking["pavia"], "il notebook non ha letto il distretto"
    undeclared = tracking["pavia"] - set(entry.inputs)
    assert not undeclared, f"{entry.notebook} legge {sorted(undeclared)} senza dichiararli in SUITE"


@pytest.mark.suite
def test_the_comparison_reads_only_what_it_declares_of_each_district(tracking, tmp_path, capsys):
    example = ROOT / "data" / "territori" / "provincia_pavia"
    file = tmp_path / "due_ambiti.yml"
    file.write_text("codice: due_ambiti\nnome: Due ambiti\ndistretti:\n"
                    + "".join(f"  - cartella: {example / name}\n" for name in TERRITORY_DISTRICTS)
                    + 'confronti:\n  provincia: {codice: "018", nome: "Provincia di Pavia"}\n'
                      '  regione: {codice: "03", nome: "Lombardia"}\n', encoding="utf-8")
    run_notebook(COMPARISON, {"territory": str(file), "year": 2023, "metrics_path": ""})
    capsys.readouterr()
    assert len(tracking) == len(TERRITORY_DISTRICTS)
    for code, seen in tracking.items():
        assert seen and not seen - set(COMPARISON_INPUTS), (code, sorted(seen - set(COMPARISON_INPUTS)))


def test_the_tracker_sees_an_undeclared_read(tracking):
    district = pianozona.load_district("pavia")
    assert district.obiettivi is not None and tracking["pavia"] == {"obiettivi"}
    with pytest.raises(AssertionError, match="non classificato"):
        district.qualcosa_di_nuovo
    assert Path(DEFAULT_NOTEBOOKS).is_dir()

"""explorer: the view of a selection is a plain function, checked against the raw tables; the widget follows the
menus, without a front end too."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import numpy as np
import pandas as pd
import pytest

import pianozona
from pianozona import privacy
from pianozona.analysis import needs
from pianozona.errors import ParameterError
from pianozona.present import charts, explorer
from tests.conftest import CELL_TIMEOUT_S, KERNEL_START_TIMEOUT_S


@pytest.fixture(scope="module")
def district():
    return pianozona.load_district("pavia")


def _raw_users(district, area, year):
    """Users of `area` in `year` per comune code, summed over services straight from the office's table."""
    rows = district.utenti[(district.utenti["area"] == area) & (district.utenti["anno"] == year)]
    return rows.groupby("codice_comune")["utenti"].sum()


def test_district_view_defaults_to_the_latest_year_and_matches_the_raw_tables(district):
    view = explorer.selection_view(district, "anziani")
    assert view.year == max(district.anni_dati) and view.comune is None and view.chart == "forest"
    assert not view.protected and view.notice == explorer.RAW_NOTICE and "non condividere" in view.notice
    codes = dict(zip(district.comuni["comune"], district.comuni["codice_comune"]))
    users = _raw_users(district, "anziani", view.year)
    comuni = view.table[view.table["comune"] != needs.TOTAL_LABEL]
    assert sorted(comuni["comune"]) == sorted(district.comuni["comune"])
    for name, count in zip(comuni["comune"], comuni["utenti"]):
        assert count == users.get(codes[name], 0), name
    at_risk = district.popolazione_a_rischio("anziani", [view.year])["popolazione_a_rischio"].sum()
    assert view.comparator == pytest.approx(users.sum() / at_risk * 1000)
    assert list(view.chart_data["comune"]) == list(comuni["comune"])


def test_comune_view_follows_one_comune_up_to_the_year(district):
    view = explorer.selection_view(district, "minori", 2021, "018091")
    assert view.comune == "Mezzana Rabattone" and view.chart == "trend"
    assert list(view.table["anno"]) == [y for y in district.anni_dati if y <= 2021]
    assert set(view.table["comune"]) == {"Mezzana Rabattone"}
    users = [_raw_users(district, "minori", y).get("018091", 0) for y in view.table["anno"]]
    assert list(view.table["utenti"]) == users


def test_borrowed_population_is_called_an_estimate(district):
    borrowed = explorer.selection_view(district, "anziani", 2021)
    own = explorer.selection_view(district, "anziani", 2023)
    assert any(n.startswith("Stima") and "2021 (popolazione 2022)" in n for n in borrowed.notes)
    assert not any(n.startswith("Stima") for n in own.notes)
    assert "contati per servizio" in own.notes[0]  # utenti are per service, not persons
    assert own.labels["utenti"] == "Utenti dei servizi"


def test_publication_mode_protects_the_view(district):
    raw = explorer.selection_view(district, "disabili", 2023)
    small = raw.table[(raw.table["utenti"] >= 1) & (raw.table["utenti"] <= 4)]
    assert not small.empty, "the bundled data have small counts on purpose"
    shared = explorer.selection_view(district, "disabili", 2023, publish=True)
    assert shared.protected and shared.notice == explorer.PROTECTED_NOTICE
    hidden = shared.table[shared.table["comune"].isin(small["comune"])]
    assert hidden["utenti" + privacy.FLAG_SUFFIX].all() and hidden["utenti"].isna().all()
    assert hidden[["copertura", "lower", "upper"]].isna().all().all()


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"area": "giovani"}, "aree valide: anziani"),
    ({"area": "anziani", "year": 1999}, "anni con dati nel distretto: 2019"),
    ({"area": "anziani", "comune": "001001"}, "codici del distretto: 018110"),
])
def test_bad_selection_is_a_parameter_error_naming_the_valid_values(district, kwargs, words):
    with pytest.raises(ParameterError, match=words):
        explorer.selection_view(district, **kwargs)


def test_draw_makes_the_house_charts_with_the_raw_mark(district):
    forest = explorer.draw(explorer.selection_view(district, "anziani", 2023))
    assert charts.describe(forest).startswith("Grafico a intervalli") and "12 unità" in charts.describe(forest)
    texts = [t.get_text() for t in forest.figure.findobj(lambda o: hasattr(o, "get_text"))]
    assert any(explorer.RAW_MARK in t for t in texts)
    trend = explorer.draw(explorer.selection_view(district, "anziani", 2023, "018110"))
    assert charts.describe(trend).startswith("Andamento nel tempo") and "dal 2019 al 2023" in charts.describe(trend)
    shared = explorer.draw(explorer.selection_view(district, "anziani", 2023, publish=True))
    texts = [t.get_text() for t in shared.figure.findobj(lambda o: hasattr(o, "get_text"))]
    assert not any(explorer.RAW_MARK in t for t in texts)


def test_choices_list_areas_years_newest_first_and_the_district_before_its_comuni(district):
    options = explorer.choices(district)
    assert [v for _, v in options["area"]] == list(district.aree)
    assert [v for _, v in options["year"]] == sorted(district.anni_dati, reverse=True)
    assert options["comune"][0] == (explorer.DISTRICT_CHOICE, explorer.DISTRICT_VALUE)
    assert {v for _, v in options["comune"][1:]} == set(district.comuni["codice_comune"])


def test_widget_is_built_and_each_menu_change_shows_a_new_view(district, monkeypatch):
    shown: list[explorer.View] = []
    monkeypatch.setattr(explorer, "show", lambda view, **_: shown.append(view))
    box = explorer.explore(district)
    import ipywidgets as widgets

    assert isinstance(box, widgets.VBox) and isinstance(box.children[-1], widgets.Output)
    assert box.children[0].value == explorer.RAW_NOTICE
    assert [m.description for m in box.menus.values()] == ["Area", "Anno", "Comune"]
    assert (shown[-1].area, shown[-1].year, shown[-1].comune) == ("anziani", max(district.anni_dati), None)
    box.menus["area"].value = "minori"
    box.menus["year"].value = 2020
    box.menus["comune"].value = "018110"
    assert [(v.area, v.year, v.comune) for v in shown[1:]] == [
        ("minori", max(district.anni_dati), None), ("minori", 2020, None), ("minori", 2020, "Pavia")]
    assert shown[-1].chart == "trend" and list(shown[-1].table["anno"]) == [2019, 2020]


def test_widget_starts_on_the_given_selection_and_refuses_a_bad_one(district, monkeypatch):
    shown: list[explorer.View] = []
    monkeypatch.setattr(explorer, "show", lambda view, **_: shown.append(view))
    explorer.explore(district, area="poverta", year=2022, comune="018041")
    assert (shown[0].area, shown[0].year, shown[0].comune) == ("poverta", 2022, "Cava Manara")
    with pytest.raises(ParameterError):
        explorer.explore(district, year=2031)


def test_table_values_are_finite_coverage_with_intervals_around_it(district):
    table = explorer.selection_view(district, "immigrazione", 2023).table
    ok = table["utenti"] > 0
    assert np.all(table.loc[ok, "lower"] <= table.loc[ok, "copertura"])
    assert np.all(table.loc[ok, "copertura"] <= table.loc[ok, "upper"])
    assert pd.api.types.is_numeric_dtype(table["copertura"])


def test_the_comune_menu_starts_on_the_whole_district_and_comes_back_to_it(district, monkeypatch):
    shown: list[explorer.View] = []
    monkeypatch.setattr(explorer, "show", lambda view, **_: shown.append(view))
    menu = explorer.explore(district).menus["comune"]
    assert (menu.index, menu.label) == (0, explorer.DISTRICT_CHOICE)  # a value, not a blank menu
    menu.value = "018110"
    menu.index = 0  # what JupyterLab sends when the planner picks "Tutto il distretto" again
    assert menu.label == explorer.DISTRICT_CHOICE and shown[-1].comune is None and shown[-1].chart == "forest"
    assert explorer.selection_view(district, "anziani", 2023, explorer.DISTRICT_VALUE).comune is None


# In a fresh interpreter with an IPython shell (a shell changes sys.modules["__main__"]: not in this process).
WITHOUT_FRONT_END = """
import json
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from pianozona.present import explorer

InteractiveShell.instance(history_load_length=0)
with capture_output() as cell:  # what the cell itself displays: the explorer shows nothing there
    box = explorer.explore("pavia", area="anziani", year=2023)
    captures = []
    box.output.observe(lambda change: captures.append(change.new), names="msg_id")
    first = box.output.outputs
    box.menus["comune"].value = "018110"
print(json.dumps({"cell": len(cell.outputs), "captures": captures, "first": first, "then": box.output.outputs}))
"""


def test_without_a_front_end_each_view_is_the_output_widgets_state_and_nothing_is_captured(tmp_path):
    """The view travels as the Output widget's state: no display inside ``with output:`` that a headless
    client (nbclient) would have to answer as the widget's front end, the pattern of the papermill hang."""
    done = subprocess.run([sys.executable, "-c", WITHOUT_FRONT_END], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={**__import__("os").environ, "IPYTHONDIR": str(tmp_path / "ipython")})
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    assert got["cell"] == 0 and got["captures"] == []
    for outputs, title in ((got["first"], "Anziani\\: i comuni nel 2023"), (got["then"], "Anziani\\: Pavia per anno")):
        assert {o["output_type"] for o in outputs} == {"display_data"}
        texts = [o["data"].get("text/markdown", "") for o in outputs]
        assert f"# {title}" in texts and not [t for t in texts if "non condividere" in t]  # the label says it once
        assert any("<caption>Utenti dei servizi e copertura" in o["data"].get("text/html", "") for o in outputs)
        image = [o for o in outputs if "image/png" in o["data"]]
        assert len(image) == 1 and image[0]["metadata"]["image/png"]["alt"].startswith(("Grafico", "Andamento"))
    assert "# Anziani\\: i comuni nel 2023" not in [o["data"].get("text/markdown") for o in got["then"]]  # replaced


@pytest.mark.kernel
def test_in_a_kernel_run_by_nbclient_the_client_never_plays_the_output_widget():
    """nbclient mimics an Output widget's front end when a cell captures output into it (output hooks, and a
    message to the kernel per output): the explorer gives it nothing to mimic, and its view is in the state."""
    from nbclient import NotebookClient

    class Watching(NotebookClient):
        """Counts the times the kernel makes the client capture a cell's output into an Output widget."""

        captures = 0

        def register_output_hook(self, msg_id, hook):
            self.captures += 1
            super().register_output_hook(msg_id, hook)

    code = "from pianozona.present import explorer\nexplorer.explore('pavia', area='minori', year=2022)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    client = Watching(nb, timeout=CELL_TIMEOUT_S, startup_timeout=KERNEL_START_TIMEOUT_S, kernel_name="python3")
    client.execute()
    assert client.captures == 0  # never asked to play the widget's front end
    states = [s for s in client.widget_state.values() if s.get("_model_name") == "OutputModel"]
    assert len(states) == 1 and states[0]["msg_id"] == ""
    assert any("Minori e famiglia" in o["data"].get("text/markdown", "") for o in states[0]["outputs"])
    views = [o for o in nb.cells[0].outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1

"""The planners' explorer in JupyterLab: area, year and comune menus over a coverage table and its chart.

`selection_view` is a plain function: for one choice of area, year and comune it returns a `View`
(title, notice, table, chart data) that `show` puts in a notebook's output and `draw` turns into a
chart.  `explore` wraps them in ipywidgets menus.

The view reaches the explorer's Output widget as its `outputs` state (`rendered`), never by displaying
inside ``with output:``.  Captured display makes a client without a browser (nbclient, hence papermill)
play the widget's front end: it answers each captured output with a message to the kernel on the shell
channel while it waits there for the cell's reply, and jupyter_client sends it through a blocking shadow of
the asyncio socket, so the wake-up for a reply that arrives meanwhile can be lost — the cell then waits for
ever with the kernel idle (jupyter/nbclient#312, papermill#723).  Set as state, the outputs travel inside the
widget's own update message; JupyterLab draws them the same.  The numbers come from
`pianozona.analysis.needs.coverage_table`, which follows the run's mode like every analysis: in
JupyterLab the data are raw, and every view says so ("dati non protetti: non condividere"); with
publication mode on the same view is protected and says that instead.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pandas as pd

from pianozona import privacy
from pianozona.analysis import needs
from pianozona.data.datasets import District, load_district
from pianozona.errors import ParameterError
from pianozona.present import charts, display
from pianozona.present.style import DEFAULT_SOURCE

__all__ = ["DISTRICT_CHOICE", "DISTRICT_VALUE", "PROTECTED_NOTICE", "RAW_MARK", "RAW_NOTICE", "View", "choices", "draw",
           "explore", "rendered", "selection_view", "show"]

RAW_MARK = "dati non protetti: non condividere"
RAW_NOTICE = ("Dati non protetti: non condividere. Qui si vedono i conteggi esatti, anche quelli piccoli; "
              "per un documento da condividere usare 'pianozona run'.")
PROTECTED_NOTICE = "Modalità pubblicazione: i conteggi da 1 a 4, e ciò che li rivelerebbe, sono nascosti."
DISTRICT_CHOICE = "Tutto il distretto"
DISTRICT_VALUE = ""  # the Comune menu's value for the whole district (None would leave a Dropdown blank)
_COLUMNS = ["anno", "comune", "utenti", "popolazione_a_rischio", "anno_popolazione", "copertura", "lower", "upper"]
_DECIMALS = {"copertura": 1, "lower": 1, "upper": 1, "popolazione_a_rischio": 0, "utenti": 0}
_YLABEL = "{what} per 1.000 residenti a rischio"


@dataclass(frozen=True)
class View:
    """What the explorer shows for one selection.

    `table` holds the rows shown (coverage with 95% intervals, plus the privacy flag columns);
    `chart` is "forest" (the comuni of one year against the district) or "trend" (one comune or
    the district over the years) and `chart_data` its rows; `protected` is False on raw data.
    """

    district: str
    area: str
    year: int
    comune: str | None
    protected: bool
    notice: str
    title: str
    caption: str
    labels: dict[str, str]
    table: pd.DataFrame
    chart: str
    chart_data: pd.DataFrame
    chart_title: str
    ylabel: str
    comparator: float | None
    notes: tuple[str, ...]


def _district(district: District | str) -> District:
    return district if isinstance(district, District) else load_district(district)


def choices(district: District) -> dict[str, list[tuple[str, object]]]:
    """The menus' options as (label, value): areas by label, years newest first, comuni (district first)."""
    return {
        "area": [(area.etichetta, code) for code, area in district.aree.items()],
        "year": [(str(y), y) for y in sorted(district.anni_dati, reverse=True)],
        "comune": [(DISTRICT_CHOICE, DISTRICT_VALUE)]
        + [(str(name), str(code)) for code, name in zip(district.comuni["codice_comune"], district.comuni["comune"])],
    }


def _checked(district: District, area: str, year: int | None, comune: str | None) -> tuple[int, str | None]:
    """The year to show (latest with data when None) and the comune's name (None: the district, given as None
    or DISTRICT_VALUE); ParameterError otherwise."""
    if area not in district.aree:
        raise ParameterError("area", area, "aree valide: " + ", ".join(district.aree))
    if not district.anni_dati:
        raise ParameterError("district", district.codice, "il distretto non ha dati di servizio (tabella utenti)")
    year = district.anni_dati[-1] if year is None else district.check_year(year)
    if comune is None or comune == DISTRICT_VALUE:
        return year, None
    names = dict(zip(district.comuni["codice_comune"].astype(str), district.comuni["comune"].astype(str)))
    if str(comune) not in names:
        raise ParameterError("comune", comune, "codici del distretto: " + ", ".join(names))
    return year, names[str(comune)]


def _notes(rows: pd.DataFrame, what: str) -> tuple[str, ...]:
    """Say what is counted and which years borrow another year's population (an estimate)."""
    notes = [needs.MEASURE_WORDS[what]["note"]]
    borrowed = rows[rows["anno"] != rows["anno_popolazione"]]
    pairs = sorted({(int(a), int(p)) for a, p in zip(borrowed["anno"], borrowed["anno_popolazione"])})
    if pairs:
        listed = ", ".join(f"{a} (popolazione {p})" for a, p in pairs)
        notes.append("Stima: per questi anni manca la popolazione ISTAT e si usa quella dell'anno più vicino: "
                     f"{listed}.")
    return tuple(notes)


def selection_view(district: District | str, area: str, year: int | None = None, comune: str | None = None, *,
                   publish: bool | None = None) -> View:
    """The view of one selection: `comune` None (or DISTRICT_VALUE) shows every comune in `year`, a code shows
    that comune by year.

    `year` None means the latest year with service data; `publish` follows `privacy.protect`
    (None: the run's mode).
    """
    district = _district(district)
    year, name = _checked(district, area, year, comune)
    what = needs.measure(district, area)
    table = needs.coverage_table(district, area, district.anni_dati, publish=publish)
    protected = table.attrs.get("pianozona.privacy", {}).get("mode") != "esplorazione"
    flags = [c for c in needs.FLAGS if c in table.columns]
    label = district.aree[area].etichetta
    words = needs.MEASURE_WORDS[what]["header"]
    if name is None:
        rows = table[table["anno"] == year]
        total = rows[rows["comune"] == needs.TOTAL_LABEL]
        comparator = float(total["copertura"].iloc[0]) if len(total) and pd.notna(total["copertura"].iloc[0]) else None
        chart, chart_data = "forest", rows[rows["comune"] != needs.TOTAL_LABEL]
        title, chart_title = f"{label}: i comuni nel {year}", f"Copertura per comune con intervallo al 95%, {year}"
    else:
        rows = table[(table["comune"] == name) & (table["anno"] <= year)]
        chart, chart_data, comparator = "trend", rows, None
        title, chart_title = f"{label}: {name} per anno", f"Copertura di {name} per anno"
    shown = rows[_COLUMNS + flags].reset_index(drop=True)
    return View(district=district.nome, area=area, year=year, comune=name, protected=protected,
                notice=PROTECTED_NOTICE if protected else RAW_NOTICE, title=title,
                caption=f"{words} e copertura per 1.000 residenti a rischio — {district.nome}",
                labels={**needs.COVERAGE_LABELS, "utenti": words}, table=shown, chart=chart,
                chart_data=chart_data.reset_index(drop=True), chart_title=chart_title,
                ylabel=_YLABEL.format(what=words), comparator=comparator, notes=_notes(shown, what))


def draw(view: View, *, ax=None):
    """The chart of `view` in the house style (forest plot of the comuni, or trend by year); returns the Axes."""
    data = view.chart_data
    source = f"{DEFAULT_SOURCE}, {view.district}; ISTAT" + ("" if view.protected else f" — {RAW_MARK}")
    if view.chart == "forest":
        return charts.forest_plot(data, value="copertura", lower="lower", upper="upper", label="comune",
                                  comparator=view.comparator, comparator_label="Distretto",
                                  title=view.chart_title, xlabel=view.ylabel, source=source, ax=ax)
    return charts.trend_plot(data, year="anno", value="copertura", lower="lower", upper="upper",
                             title=view.chart_title, ylabel=view.ylabel, source=source, ax=ax)


def show(view: View, *, notice: bool = True) -> None:
    """Put `view` in the notebook's output: notice, heading, table, notes and chart (all escaped).

    `notice=False` leaves the notice out, for a place that already shows it (the explorer's own label).
    """
    if notice:
        display.paragraph(view.notice)
    display.heading(view.title, view.district)
    display.table(view.table, caption=view.caption, labels=view.labels, decimals=_DECIMALS)
    for note in view.notes:
        display.paragraph(note)
    ax = draw(view)
    display.figure(ax, alt=charts.describe(ax))


def rendered(view: View) -> tuple[dict, ...]:
    """What `show` puts in a notebook for `view` (less the notice, which the explorer's label shows), as an
    Output widget's `outputs` (nbformat display_data).

    Captured in the kernel with IPython's `capture_output`: nothing reaches the cell's own output stream.
    Needs an IPython shell (a kernel); without one there is nowhere to display and the tuple is empty.
    """
    from IPython.utils.capture import capture_output

    with capture_output(stdout=False, stderr=False, display=True) as captured:
        show(view, notice=False)  # the explorer's label above the menus says it once
    return tuple({"output_type": "display_data", "data": {mime: _text(value) for mime, value in out.data.items()},
                  "metadata": out.metadata} for out in captured.outputs)


def _text(value):
    """Binary output (a PNG from an older IPython) as the base64 text nbformat and the widget expect."""
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value


def explore(district: District | str, *, area: str | None = None, year: int | None = None,
            comune: str | None = None):
    """An ipywidgets explorer: menus for area, year and comune; the table and the chart follow the choice.

    Returns the widget (a VBox); shown as the last line of a cell it appears in JupyterLab.  The Comune menu
    starts on "Tutto il distretto" unless `comune` names one.  Every view is set as the Output widget's
    state (`rendered`), so a headless run (papermill) never has to play the widget's front end.
    """
    import ipywidgets as widgets

    district = _district(district)
    options = choices(district)
    area = area or options["area"][0][1]
    first_year, _ = _checked(district, area, year, comune)
    menus = {
        "area": widgets.Dropdown(options=options["area"], value=area, description="Area"),
        "year": widgets.Dropdown(options=options["year"], value=first_year, description="Anno"),
        "comune": widgets.Dropdown(options=options["comune"], value=comune or DISTRICT_VALUE, description="Comune"),
    }
    out = widgets.Output()
    warning = widgets.Label(value=RAW_NOTICE if not privacy.is_publish_mode() else PROTECTED_NOTICE,
                            style={"font_weight": "bold", "text_color": "#9f1d20"})

    def refresh(_change=None) -> None:
        out.outputs = rendered(selection_view(district, menus["area"].value, menus["year"].value,
                                              menus["comune"].value))

    for menu in menus.values():
        menu.observe(refresh, names="value")
    refresh()
    box = widgets.VBox([warning, widgets.HBox(list(menus.values())), out])
    box.menus, box.output = menus, out  # reachable from tests and from a planner's own code
    return box

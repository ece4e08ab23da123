"""Tests of pianozona.present.charts: draw each chart on sample data and check what was drawn."""

from __future__ import annotations

import inspect
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from pianozona.present import charts, charts_forest, labels, scaffold, style
from pianozona.analysis import stats
from pianozona.errors import ParameterError

# A warning (numpy, pandas, matplotlib) while drawing NaN or anything else is a failure.
pytestmark = pytest.mark.filterwarnings("error")

COMUNI = ["Pavia", "Borgarello", "Carbonara al Ticino", "Cava Manara", "Certosa di Pavia", "Cura Carpignano",
          "Marzano", "Roncaro", "San Genesio ed Uniti", "San Martino Siccomario"]
ENGLISH_DECIMAL = re.compile(r"^-?\d+\.\d{1,2}$")  # "0.25" or "12.5": a decimal point, not a thousands dot



@pytest.fixture
def units() -> pd.DataFrame:
    """Ten comuni: users over population at risk; Marzano's count hidden by the privacy layer."""
    pop = [15500, 600, 350, 1600, 1100, 1150, 450, 300, 1000, 1500]
    users = [1900, 40, 20, 160, 120, 70, np.nan, 22, 150, 140]
    return pd.DataFrame({"comune": COMUNI, "utenti": users, "popolazione_a_rischio": pop})


@pytest.fixture
def rates(units) -> pd.DataFrame:
    est = stats.rate_ci(units["utenti"], units["popolazione_a_rischio"], multiplier=1000)
    return units.assign(tasso=est.value, inf=est.lower, sup=est.upper)


@pytest.fixture
def series() -> pd.DataFrame:
    """Ten years of a clearly rising coverage rate, given in shuffled order."""
    years = np.arange(2014, 2024)
    est = stats.rate_ci(np.array([80, 85, 90, 95, 100, 110, 150, 170, 190, 210]), np.full(10, 1500.0), multiplier=1000)
    df = pd.DataFrame({"anno": years, "copertura": est.value, "inf": est.lower, "sup": est.upper})
    return df.sample(frac=1, random_state=1)


def by_gid(ax, gid: str) -> list:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def tick_texts(ax, axis: str) -> list[str]:
    ax.figure.canvas.draw()
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in labels if t.get_text()]


# ---------------------------------------------------------------- theme and numbers
def test_charts_do_not_change_global_settings_but_use_the_house_style(units):
    with mpl.rc_context({"axes.facecolor": "#ffeeee", "grid.color": "#ff0000"}):
        before = dict(mpl.rcParams)
        ax = charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio")
        ax.figure.canvas.draw()
        assert dict(mpl.rcParams) == before
        assert to_hex(ax.get_facecolor()) == "#ffffff"
        assert to_hex(ax.yaxis.get_major_ticks()[-1].gridline.get_color()) == "#e8e8e8"


def test_the_house_look_and_describe_are_offered_here_as_notebooks_call_them():
    assert charts.describe is scaffold.describe and charts.literal is style.literal
    assert (charts.PALETTE, charts.DEFAULT_SOURCE) == (style.PALETTE, style.DEFAULT_SOURCE)
    assert charts.set_theme is style.set_theme and charts.italian_formatter is style.italian_formatter
    assert all(hasattr(charts, name) for name in charts.__all__)


def test_every_option_is_keyword_only():
    for func in (charts.funnel_plot, charts.forest_plot, charts.trend_plot):
        params = list(inspect.signature(func).parameters.values())
        assert params[0].name == "data"
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])
        assert inspect.signature(func).parameters["ax"].default is None
    with pytest.raises(TypeError):
        charts.funnel_plot(pd.DataFrame({"x": [1], "n": [2]}), "x", "n")


# ---------------------------------------------------------------- funnel plot
def test_funnel_points_limits_and_centre(units):
    ax = charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio", label="comune", statistic="rate")
    ok = units["utenti"].notna()
    points = by_gid(ax, "funnel_points")[0].get_offsets()
    assert len(points) == ok.sum() == 9
    expected = units.loc[ok, "utenti"] / units.loc[ok, "popolazione_a_rischio"] * 1000
    assert np.allclose(np.sort(points[:, 1]), np.sort(expected))
    mean = units.loc[ok, "utenti"].sum() / units.loc[ok, "popolazione_a_rischio"].sum() * 1000
    assert np.allclose(by_gid(ax, "funnel_centre")[0].get_ydata(), mean)
    for name in ("upper_3sd", "upper_2sd", "lower_2sd", "lower_3sd"):
        line = by_gid(ax, f"funnel_{name}")[0]
        xs, ys = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        pick = [0, len(xs) // 3, len(xs) - 1]
        ref = stats.funnel_limits(mean, xs[pick], statistic="rate", multiplier=1000)
        assert np.allclose(ys[pick], getattr(ref, name))
    assert xs.min() <= units["popolazione_a_rischio"].min() and xs.max() >= units["popolazione_a_rischio"].max()


def test_funnel_colours_labels_and_legend_follow_funnel_significance(units):
    ax = charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio", label="comune", statistic="rate",
                            highlight="Pavia")
    codes = stats.funnel_significance(units["utenti"], units["popolazione_a_rischio"], statistic="rate",
                                      multiplier=1000)
    shown = codes != "not_assessable"
    colours = [to_hex(c) for c in by_gid(ax, "funnel_points")[0].get_facecolors()]
    assert colours == [charts._FUNNEL_COLOURS[c] for c in codes[shown]]
    outside = {n for n, c in zip(COMUNI, codes) if c not in ("within", "not_assessable")}
    assert outside and {t.get_text() for t in by_gid(ax, "funnel_label")} == outside | {"Pavia"}
    assert len(by_gid(ax, "funnel_highlight")[0].get_offsets()) == 1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == ["limiti 2σ (95%)", "limiti 3σ (99,8%)", legend[2]]
    assert legend[2].startswith("media del distretto (")
    assert "entro i limiti" in legend and "oltre i limiti 3σ" in legend


def test_funnel_texts_and_italian_ticks(units):
    ax = charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio", statistic="proportion", multiplier=1,
                            title="Anziani in carico", source="Consorzio Sociale Pavese")
    assert ax.get_title(loc="left") == "Anziani in carico"
    assert ax.get_xlabel() == "Popolazione a rischio" and ax.get_ylabel() == "Proporzione"
    assert by_gid(ax, "source")[0].get_text() == "Fonte: Consorzio Sociale Pavese"
    xs, ys = tick_texts(ax, "x"), tick_texts(ax, "y")
    assert any("." in t and len(t) > 4 for t in xs)  # "10.000"
    assert any("," in t for t in ys) and not any(ENGLISH_DECIMAL.match(t) for t in ys)


def test_funnel_nan_is_skipped_and_counted(units):
    units.loc[3, ["utenti", "popolazione_a_rischio"]] = 0  # no denominator: not assessable
    ax = charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio", label="comune")
    assert len(by_gid(ax, "funnel_points")[0].get_offsets()) == 8
    text = charts.describe(ax)
    assert "8 unità su 10" in text and "2 unità non mostrate" in text
    assert "(Cava Manara, Marzano)" in text and text.startswith("Grafico a imbuto:")


def test_funnel_with_nothing_to_draw():
    df = pd.DataFrame({"x": [np.nan, np.nan], "n": [100, 200]})
    ax = charts.funnel_plot(df, x="x", n="n")
    assert by_gid(ax, "empty")[0].get_text() == "Nessun dato da mostrare"
    assert "2 unità non mostrate" in charts.describe(ax)


def test_funnel_bad_arguments(units):
    with pytest.raises(ParameterError, match="colonne disponibili: comune, utenti, popolazione_a_rischio"):
        charts.funnel_plot(units, x="utenti", n="residenti")
    with pytest.raises(ParameterError, match="statistic"):
        charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio", statistic="media")
    with pytest.raises(ParameterError, match="highlight"):
        charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio", label="comune", highlight="Milano")
    with pytest.raises(ParameterError, match="numeri"):
        charts.funnel_plot(units, x="comune", n="popolazione_a_rischio")
    with pytest.raises(ParameterError, match="DataFrame"):
        charts.funnel_plot(units.to_dict(), x="utenti", n="popolazione_a_rischio")


# ---------------------------------------------------------------- forest plot
def test_forest_rows_sorted_with_comparator(rates):
    ax = charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune", comparator=98.4)
    ok = rates.dropna(subset=["tasso"]).sort_values("tasso")
    points = by_gid(ax, "forest_points")[0].get_offsets()
    assert len(points) == len(ok) == 9
    assert np.allclose(points[:, 0], ok["tasso"]) and np.array_equal(points[:, 1], np.arange(9))
    assert [t.get_text() for t in ax.get_yticklabels()] == ok["comune"].tolist()
    assert len(by_gid(ax, "forest_intervals")[0].get_segments()) == 9
    assert by_gid(ax, "forest_comparator")[0].get_xdata()[0] == 98.4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["valore e intervallo di confidenza",
                                                                   "Distretto: 98,4"]
    assert ax.get_ylabel() == "Comune" and ax.get_title(loc="left") == "Tasso"
    assert not any(ENGLISH_DECIMAL.match(t) for t in tick_texts(ax, "x"))


def test_forest_benchmark_colours(rates):
    ax = charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune", comparator=98.4,
                            comparator_label="Media regionale", polarity="alto_meglio")
    ok = rates.dropna(subset=["tasso"]).sort_values("tasso")
    cats = stats.benchmark(ok["tasso"], ok["inf"], ok["sup"], 98.4, "alto_meglio")
    colours = [to_hex(c) for c in by_gid(ax, "forest_points")[0].get_facecolors()]
    assert colours == [charts_forest.BENCHMARK[c][0] for c in cats]
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "Rispetto al riferimento"
    assert [t.get_text() for t in legend.get_texts()][-1] == "Media regionale: 98,4"
    assert {"migliori", "peggiori"} <= {t.get_text() for t in legend.get_texts()}
    text = charts.describe(ax)
    assert f"{(cats == 'peggiore').sum()} peggiori" in text and "1 unità non mostrata" in text and "(Marzano)" in text


def test_forest_missing_limit_drops_only_the_bar(rates):
    rates.loc[0, "sup"] = np.nan
    ax = charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune")
    assert len(by_gid(ax, "forest_points")[0].get_offsets()) == 9
    assert len(by_gid(ax, "forest_intervals")[0].get_segments()) == 8
    assert by_gid(ax, "forest_comparator") == []


def test_forest_bad_arguments(rates):
    with pytest.raises(ParameterError, match="colonne disponibili"):
        charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="nome")
    with pytest.raises(ParameterError, match="comparator"):
        charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune", polarity="alto_meglio")
    with pytest.raises(ParameterError, match="polarity"):
        charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune", comparator=1,
                           polarity="boh")


# ---------------------------------------------------------------- trend chart
def test_trend_points_band_years_and_verdict(series):
    ax = charts.trend_plot(series, year="anno", value="copertura", lower="inf", upper="sup",
                           source="Consorzio Sociale Pavese")
    points = by_gid(ax, "trend_points")[0].get_offsets()
    assert len(points) == 10 and np.array_equal(points[:, 0], np.arange(2014, 2024))
    assert len(by_gid(ax, "trend_band")) == 1
    ordered = series.sort_values("anno")
    trend = stats.recent_trend(ordered["copertura"], ordered["inf"], ordered["sup"], years=ordered["anno"])
    assert trend.verdict == "in aumento" and trend.significant
    verdict = by_gid(ax, "trend_verdict")[0].get_text()
    assert verdict == "Tendenza recente (2019–2023): in aumento (significativa)"
    assert verdict in charts.describe(ax)
    assert tick_texts(ax, "x") == [str(y) for y in range(2014, 2024)]
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d+)?", t) for t in tick_texts(ax, "y"))
    assert ax.get_xlabel() == "Anno" and ax.get_title(loc="left") == "Utenti per 1.000 residenti a rischio"
    assert by_gid(ax, "source")[0].get_text() == "Fonte: Consorzio Sociale Pavese"


def test_trend_not_calculable_and_verdict_off(series):
    short = series.sort_values("anno").tail(3)
    ax = charts.trend_plot(short, year="anno", value="copertura", lower="inf", upper="sup")
    assert by_gid(ax, "trend_verdict")[0].get_text() == (
        "Tendenza recente: non calcolabile: servono 5 anni consecutivi, disponibili 3")
    ax = charts.trend_plot(series, year="anno", value="copertura", lower="inf", upper="sup", verdict=False)
    assert by_gid(ax, "trend_verdict") == [] and "Tendenza" not in charts.describe(ax)


def test_trend_nan_year_is_a_gap_and_counted(series):
    series.loc[series["anno"] == 2021, ["copertura", "inf", "sup"]] = np.nan
    ax = charts.trend_plot(series, year="anno", value="copertura", lower="inf", upper="sup")
    assert len(by_gid(ax, "trend_points")[0].get_offsets()) == 9
    line = np.asarray(by_gid(ax, "trend_line")[0].get_ydata(), dtype=float)
    assert np.isnan(line).sum() == 1  # the line breaks instead of joining 2020 to 2022
    text = charts.describe(ax)
    assert "1 anno non mostrato" in text and "(2021)" in text
    assert "non calcolabile" in by_gid(ax, "trend_verdict")[0].get_text()


def test_trend_bad_arguments(series):
    with pytest.raises(ParameterError, match="colonne disponibili"):
        charts.trend_plot(series, year="year", value="copertura", lower="inf", upper="sup")
    with pytest.raises(ParameterError, match="una riga per anno"):
        charts.trend_plot(pd.concat([series, series]), year="anno", value="copertura", lower="inf", upper="sup")
    with pytest.raises(ParameterError, match="anni interi"):
        charts.trend_plot(series.assign(anno=series["anno"] + 0.5), year="anno", value="copertura",
                          lower="inf", upper="sup")


# ---------------------------------------------------------------- axes and descriptions
def test_given_axes_is_used_and_returned(units, rates, series):
    fig, (a1, a2, a3) = plt.subplots(1, 3)
    assert charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio", ax=a1) is a1
    assert charts.forest_plot(rates, value="tasso", lower="inf", upper="sup", label="comune", ax=a2) is a2
    assert charts.trend_plot(series, year="anno", value="copertura", lower="inf", upper="sup", ax=a3) is a3
    assert plt.get_fignums() == [fig.number]
    assert len(by_gid(a1, "funnel_points")) == 1 and len(by_gid(a3, "trend_points")) == 1
    text = charts.describe(fig)
    assert text.index("Grafico a imbuto") < text.index("Grafico a intervalli") < text.index("Andamento nel tempo")


# ---------------------------------------------------------------- text from data is shown literally
ODD_NAMES = ["Pieve $x$ Porto", r"Casei $\frac{1}{0}$ Gerola", "Costa $ De' Nobili", "50% {0} %s", "", "Ponte\nNuovo"]


def svg_text(fig) -> str:
    """The figure as SVG with text kept as text (svg.fonttype 'none'), XML entities decoded."""
    import html
    import io

    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    return html.unescape(buffer.getvalue())


def _odd_units() -> pd.DataFrame:
    pop = [15500, 600, 350, 1600, 1100, 1150]
    users = [2400, 2, np.nan, 160, 120, 70]  # far above, far below, one hidden by the privacy layer
    return pd.DataFrame({"comune": ODD_NAMES, "utenti": users, "popolazione_a_rischio": pop})


def test_funnel_and_forest_show_dollar_names_literally_and_without_tex():
    df = _odd_units()
    # usetex on would send every label to LaTeX (not installed here): the charts must not use it
    with mpl.rc_context({"text.usetex": True}):
        funnel = charts.funnel_plot(df, x="utenti", n="popolazione_a_rischio", label="comune", statistic="rate",
                                    highlight="Pieve $x$ Porto", title="Utenti $ per mille", mean_label="media $A$")
        est = stats.rate_ci(df["utenti"], df["popolazione_a_rischio"])
        forest = charts.forest_plot(df.assign(v=est.value, lo=est.lower, hi=est.upper), value="v", lower="lo",
                                    upper="hi", label="comune", comparator=120, comparator_label="Distretto $D$")
        texts = {"funnel": svg_text(funnel.figure), "forest": svg_text(forest.figure)}
    for name in ("Pieve $x$ Porto", r"Casei $\frac{1}{0}$ Gerola"):
        assert name in texts["funnel"] and name in texts["forest"]
    assert "Utenti $ per mille" in texts["funnel"] and "media $A$" in texts["funnel"]
    assert "Distretto $D$: 120" in texts["forest"] and "50% {0} %s" in texts["forest"]
    labels = [t.get_text() for t in by_gid(funnel, "funnel_label")]
    assert r"Pieve \$x\$ Porto" in labels  # escaped in matplotlib's string, shown with plain "$"
    assert "Pieve $x$ Porto" in charts.describe(funnel)  # the text alternative keeps the name as written


def test_describe_handles_odd_names_and_hidden_units():
    df = _odd_units()
    ax = charts.funnel_plot(df, x="utenti", n="popolazione_a_rischio", label="comune", statistic="rate")
    text = charts.describe(ax)
    assert "\n" not in text and "5 unità su 6 mostrate" in text
    assert text.endswith("1 unità non mostrata perché il dato manca o non è pubblicabile (Costa $ De' Nobili).")
    assert "Casei $\\frac{1}{0}$ Gerola" in text and "Ponte Nuovo" in text  # a newline becomes a space
    assert len(by_gid(ax, "funnel_points")[0].get_offsets()) == 5  # the hidden unit is not drawn
    est = stats.rate_ci(df["utenti"], df["popolazione_a_rischio"])
    forest = charts.forest_plot(df.assign(v=est.value, lo=est.lower, hi=est.upper), value="v", lower="lo",
                                upper="hi", label="comune")
    text = charts.describe(forest)
    assert "da Casei $\\frac{1}{0}$ Gerola (3,33) a Pieve $x$ Porto" in text
    assert text.endswith("(Costa $ De' Nobili).")


def test_funnel_rate_points_are_coloured_outside_exactly_when_beyond_the_drawn_line():
    rng = np.random.default_rng(5)
    pop = rng.integers(80, 20000, 150).astype(float)
    users = rng.poisson(pop * 0.012 * rng.uniform(0.4, 1.9, 150))
    df = pd.DataFrame({"comune": [f"C{i}" for i in range(150)], "utenti": users, "popolazione_a_rischio": pop})
    ax = charts.funnel_plot(df, x="utenti", n="popolazione_a_rischio", statistic="rate")
    xs, ys = by_gid(ax, "funnel_points")[0].get_offsets().T
    colours = [to_hex(c) for c in by_gid(ax, "funnel_points")[0].get_facecolors()]
    lines = {g: by_gid(ax, g)[0] for g in ("funnel_upper_2sd", "funnel_lower_2sd", "funnel_upper_3sd",
                                           "funnel_lower_3sd")}

    def at_points(gid):  # the drawn line read at each point's own denominator (part of the line's grid)
        line = lines[gid]
        position = np.searchsorted(line.get_xdata(), xs)
        assert np.array_equal(line.get_xdata()[position], xs)
        return line.get_ydata()[position]

    beyond3 = (ys > at_points("funnel_upper_3sd")) | (ys < at_points("funnel_lower_3sd"))
    beyond2 = (ys > at_points("funnel_upper_2sd")) | (ys < at_points("funnel_lower_2sd"))
    expected = np.where(beyond3, "#d55e00", np.where(beyond2, "#e69f00", "#5b6770"))
    assert beyond2.sum() > 10 and (~beyond2).sum() > 10  # both kinds are present
    assert colours == list(expected)


# ---------------------------------------------------------------- readable at every size (issue 12)
def _many_units(n: int, seed: int = 3) -> pd.DataFrame:
    """n comuni, a sixth of them with coverage far from the rest: many outside the funnel's limits."""
    rng = np.random.default_rng(seed)
    pop = rng.integers(300, 20000, n).astype(float)
    rate = np.where(np.arange(n) % 6 == 0, rng.choice([0.04, 0.16], n), 0.08)
    return pd.DataFrame({"comune": [f"Comune {i:04d}" for i in range(n)], "utenti": rng.poisson(rate * pop),
                         "popolazione_a_rischio": pop})


def test_funnel_of_many_units_names_only_the_farthest_outside(units):
    many = _many_units(1500)
    ax = charts.funnel_plot(many, x="utenti", n="popolazione_a_rischio", label="comune", statistic="rate",
                            highlight="Comune 0001")
    named = [t.get_text() for t in by_gid(ax, "funnel_label")]
    assert len(named) == labels.MAX_POINT_LABELS + 1 and "Comune 0001" in named
    codes = stats.funnel_significance(many["utenti"], many["popolazione_a_rischio"], statistic="rate",
                                      multiplier=1000)
    outside = many.loc[codes != "within"]
    assert len(outside) > 100
    mean = many["utenti"].sum() / many["popolazione_a_rischio"].sum() * 1000
    z = ((outside["utenti"] / outside["popolazione_a_rischio"] * 1000 - mean)
         / np.sqrt(mean * 1000 / outside["popolazione_a_rischio"])).abs()
    farthest = set(outside.loc[z.sort_values(ascending=False).index[:labels.MAX_POINT_LABELS], "comune"])
    assert set(named) - {"Comune 0001"} == farthest
    text = charts.describe(ax)
    assert f"Fuori dai limiti di controllo {len(outside):,} unità".replace(",", ".") in text
    assert f"e altre {len(outside) - labels.MAX_POINT_LABELS:,} unità.".replace(",", ".") in text
    assert sum(name in text for name in outside["comune"]) == labels.MAX_POINT_LABELS
    plt.close(ax.figure)


def test_funnel_of_a_small_district_names_every_unit_outside(units):
    ax = charts.funnel_plot(units, x="utenti", n="popolazione_a_rischio", label="comune", statistic="rate")
    codes = stats.funnel_significance(units["utenti"], units["popolazione_a_rischio"], statistic="rate",
                                      multiplier=1000)
    outside = [n for n, c in zip(COMUNI, codes) if c not in ("within", "not_assessable")]
    text = charts.describe(ax)
    assert all(name in text for name in outside) and "altre" not in text

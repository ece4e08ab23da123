"""Tests of pianozona.present.charts_district: names taken from data are drawn literally (no mathtext)."""

from __future__ import annotations

import html
import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from shapely.geometry import box

from pianozona.present import charts, charts_district

pytestmark = pytest.mark.filterwarnings("error")

DOLLAR = r"Area $\frac{1}{0}$ e $x$"  # mathtext that would stop the drawing with a parse error



def svg_text(ax) -> str:
    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none"}):
        ax.figure.savefig(buffer, format="svg")
    return html.unescape(buffer.getvalue())


def test_status_plot_area_labels_are_literal():
    data = pd.DataFrame({"area": [DOLLAR, DOLLAR, "Anziani"], "stato": ["raggiunto", "in linea", "non raggiunto"]})
    with mpl.rc_context({"text.usetex": True}):  # TeX is not installed: it must not be used
        ax = charts_district.status_plot(data)
        text = svg_text(ax)
    assert DOLLAR in text and "Anziani" in text
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Anziani", charts.literal(DOLLAR)]
    assert "su 3 obiettivi" in charts.describe(ax)


def test_stacked_bars_names_and_years_are_literal():
    data = pd.DataFrame({"2022": [10.0, 5.0], "2023 $": [12.0, 4.0]}, index=["Fondo $A$ regionale", "Comuni"])
    ax = charts_district.stacked_bars(data, title="Fondi $ per anno", ylabel="Euro")
    text = svg_text(ax)
    assert "Fondo $A$ regionale" in text and "2023 $" in text and "Fondi $ per anno" in text
    assert "Fondo $A$ regionale" in charts.describe(ax)


def test_pyramid_reference_label_is_literal():
    rows = [(start, f"{start}-{start + 4}", sex, share) for start in (0, 5, 65) for sex, share in (("M", 5.0),
                                                                                                    ("F", 6.0))]
    data = pd.DataFrame(rows, columns=["inizio", "classe", "sesso", "quota"])
    ax = charts_district.pyramid_plot(data, reference=data, reference_label="Regione $L$")
    assert "Regione $L$" in svg_text(ax) and "(Regione $L$)" in charts.describe(ax)


def test_map_labels_are_literal():
    geopandas = pytest.importorskip("geopandas")
    data = geopandas.GeoDataFrame({"comune": ["Pieve $x$ Porto", "Borgo"], "tasso": [1.5, 2.5]},
                                  geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    ax = charts_district.map_plot(data, value="tasso", label="comune", title="Mappa", legend_label="Tasso $")
    text = svg_text(ax)
    assert "Pieve $x$ Porto" in text and "Tasso $" in text
    assert "il più basso a Pieve $x$ Porto" in charts.describe(ax)


def test_map_of_many_comuni_names_only_what_fits():
    geopandas = pytest.importorskip("geopandas")
    from pianozona.present import labels
    side = 40  # 1,600 squares, the larger ones first in the list of names to try
    cells = [box(i, j, i + 1 + (i % 3 == 0), j + 1 + (j % 5 == 0)) for i in range(side) for j in range(side)]
    data = geopandas.GeoDataFrame({"comune": [f"Comune con un nome lungo {k}" for k in range(len(cells))],
                                   "tasso": [float(k % 17) for k in range(len(cells))]}, geometry=cells)
    ax = charts_district.map_plot(data, value="tasso", label="comune", title="Mappa", legend_label="Tasso")
    named = [t for t in ax.texts if t.get_gid() == "map_label"]
    assert 1 <= len(named) <= labels.MAX_MAP_LABELS
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in named]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert f"Sulla mappa sono scritti i nomi di {len(named)} comuni su 1600" in charts.describe(ax)
    plt.close(ax.figure)


def test_map_of_a_small_district_names_every_comune():
    geopandas = pytest.importorskip("geopandas")
    data = geopandas.GeoDataFrame({"comune": [f"C{k}" for k in range(12)], "tasso": [float(k) for k in range(12)]},
                                  geometry=[box(k % 4, k // 4, k % 4 + 1, k // 4 + 1) for k in range(12)])
    ax = charts_district.map_plot(data, value="tasso", label="comune", title="Mappa", legend_label="Tasso")
    assert sorted(t.get_text() for t in ax.texts if t.get_gid() == "map_label") == sorted(data["comune"])
    assert "Sulla mappa sono scritti" not in charts.describe(ax)
    plt.close(ax.figure)


def _contrast(one, other) -> float:
    """WCAG contrast ratio of two RGB colours (components 0-1)."""
    def luminance(rgb):
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_map_label_is_readable_on_the_darkest_fill():
    """Trial F19: 'Novi di Modena' straddled a border, half on the dark-blue fill. Each label sits on its own light
    backing: its text keeps a 4.5:1 contrast over the darkest colour of the map's scale."""
    geopandas = pytest.importorskip("geopandas")
    data = geopandas.GeoDataFrame({"comune": ["Novi di Modena", "Carpi"], "tasso": [219.7, 183.9]},
                                  geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    ax = charts_district.map_plot(data, value="tasso", label="comune", title="Mappa", legend_label="Indice")
    darkest = mpl.colormaps["Blues"](1.0)
    for label in (t for t in ax.texts if t.get_gid() == "map_label"):
        backing = label.get_bbox_patch()
        assert backing is not None, label.get_text()
        face, alpha = mpl.colors.to_rgba(backing.get_facecolor()), backing.get_alpha()
        alpha = face[3] if alpha is None else alpha
        shown = [alpha * f + (1 - alpha) * d for f, d in zip(face[:3], darkest[:3])]
        assert _contrast(mpl.colors.to_rgb(label.get_color()), shown) >= 4.5, label.get_text()
    plt.close(ax.figure)

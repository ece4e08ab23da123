"""Timing of the funnel, forest and map charts at 12, 186 and 1,500 units (a script, not a test).

Run:  .venv/bin/python benchmarks/bench_scale.py [--png CARTELLA] [--ripetizioni N]

Synthetic units (not real data): populations from 300 to 20,000, a sixth of
them with coverage far from the rest, so that many fall outside the funnel's
limits and outside the forest's comparator.  Each chart is drawn and saved as
PNG (the cost a report pays).  For the funnel the script also times the
previous way, every unit outside the limits labelled and de-overlapped
pairwise (`scaffold.declutter`), to show what the capped, grid-placed labels
save.  It prints times, the ratio 1,500 / 150 units for each chart (linear is
~10, quadratic ~100) and the labels drawn.  With ``--png`` the charts are
written there to be looked at.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import geopandas
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from shapely.geometry import box

from pianozona.present import charts, charts_district, scaffold

matplotlib.use("Agg")  # off screen (switching after importing pyplot is allowed before any figure exists)

SIZES = (12, 150, 186, 1500)
#: The previous funnel labels take ~50 s at 186 units on this machine and over 15 minutes at 1,500: not run there.
BEFORE_UP_TO = 186


def units(n: int, seed: int = 7) -> pd.DataFrame:
    """n comuni with users, population at risk, coverage per 1,000 and a crude 95% interval."""
    rng = np.random.default_rng(seed)
    pop = rng.integers(300, 20000, n).astype(float)
    rate = np.where(np.arange(n) % 6 == 0, rng.choice([0.04, 0.16], n), 0.08)
    users = rng.poisson(rate * pop).astype(float)
    cov = users / pop * 1000
    half = 1.96 * np.sqrt(np.maximum(users, 1)) / pop * 1000
    return pd.DataFrame({"comune": [f"Comune {i:04d}" for i in range(n)], "utenti": users,
                         "popolazione_a_rischio": pop, "copertura": cov, "lower": cov - half, "upper": cov + half})


def territory(df: pd.DataFrame) -> geopandas.GeoDataFrame:
    """The units as squares of uneven size on a grid (a map with as many polygons)."""
    side = int(np.ceil(np.sqrt(len(df))))
    rng = np.random.default_rng(1)
    cells = [box(i % side, i // side, i % side + rng.uniform(0.5, 1), i // side + rng.uniform(0.5, 1))
             for i in range(len(df))]
    return geopandas.GeoDataFrame({"comune": df["comune"], "copertura": df["copertura"]}, geometry=cells)


def funnel(df: pd.DataFrame):
    return charts.funnel_plot(df, x="utenti", n="popolazione_a_rischio", label="comune", statistic="rate")


def funnel_before(df: pd.DataFrame):
    """The previous labels: every unit outside the limits, de-overlapped pairwise."""
    ax = charts.funnel_plot(df, x="utenti", n="popolazione_a_rischio", statistic="rate")
    from pianozona.analysis import stats
    codes = stats.funnel_significance(df["utenti"], df["popolazione_a_rischio"], statistic="rate", multiplier=1000)
    out = df[codes != "within"]
    texts = [ax.annotate(name, (n, x / n * 1000), xytext=(5, 3), textcoords="offset points", fontsize="small")
             for name, n, x in zip(out["comune"], out["popolazione_a_rischio"], out["utenti"])]
    scaffold.declutter(ax, texts)
    return ax


def forest(df: pd.DataFrame):
    district = df["utenti"].sum() / df["popolazione_a_rischio"].sum() * 1000
    return charts.forest_plot(df, value="copertura", lower="lower", upper="upper", label="comune",
                              comparator=district)


def mapped(df: pd.DataFrame):
    return charts_district.map_plot(territory(df), value="copertura", label="comune", title="Copertura",
                                    legend_label="Copertura per 1.000")


CHARTS = {"imbuto": funnel, "imbuto (prima: tutte le etichette, a coppie)": funnel_before, "intervalli": forest,
          "mappa": mapped}


def once(draw, df: pd.DataFrame, png: Path | None, name: str) -> tuple[float, int, float]:
    """Seconds to draw and save one chart; its texts from data; its height in pixels."""
    start = time.perf_counter()
    ax = draw(df)
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=100)
    seconds = time.perf_counter() - start
    if png is not None:
        (png / f"{name}_{len(df)}.png").write_bytes(buffer.getvalue())
    texts = sum(t.get_gid() in ("funnel_label", "map_label") or t.get_gid() is None for t in ax.texts)
    ticks = len(ax.get_yticklabels()) if draw is forest else 0
    height = ax.figure.get_size_inches()[1] * 100
    plt.close(ax.figure)
    return seconds, texts + ticks, height


def main() -> None:
    parser = argparse.ArgumentParser(description="Tempi di imbuto, intervalli e mappa a 12, 186 e 1.500 unità.")
    parser.add_argument("--png", type=Path, help="cartella dove scrivere i grafici per guardarli")
    parser.add_argument("--ripetizioni", type=int, default=3, help="ripetizioni per misura (si stampa la mediana)")
    args = parser.parse_args()
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
    funnel(units(12))  # warm-up: imports, fonts
    tables = {n: units(n) for n in SIZES}
    print(f"{'grafico':<46}{'unità':>7}{'mediana s':>11}{'nomi':>6}{'altezza px':>12}", flush=True)
    for name, draw in CHARTS.items():
        medians = {}
        for n, df in tables.items():
            if draw is funnel_before and n > BEFORE_UP_TO:
                print(f"{name:<46}{n:>7}   non misurato (oltre 15 minuti)", flush=True)
                continue
            runs = [once(draw, df, args.png if draw is not funnel_before else None, name.split()[0])
                    for _ in range(args.ripetizioni)]
            medians[n] = statistics.median(r[0] for r in runs)
            print(f"{name:<46}{n:>7}{medians[n]:>11.3f}{runs[0][1]:>6}{runs[0][2]:>12.0f}", flush=True)
        top = max(medians)
        print(f"{'':<46}rapporto {top} / 150 unità: {medians[top] / medians[150]:.1f} "
              f"(unità × {top / 150:.1f}: lineare ~{top / 150:.1f}, quadratico ~{(top / 150) ** 2:.0f})", flush=True)


if __name__ == "__main__":
    main()

"""District charts in the house style: population pyramid, map (names only where they fit), objectives status, budget.

Same conventions as `pianozona.present.charts` (data first, keyword-only options,
`ax=None`, returns the Axes, Italian numbers, a source line, and a text
alternative readable with `charts.describe(ax)`), built on the same pieces: the
look of `pianozona.present.style` and the steps of `pianozona.present.scaffold`.
Text taken from data (comune names, area labels, legend entries, tick labels)
goes through `style.literal`, so a "$" in a name shows as a dollar sign and is
never read as mathtext.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from pianozona.analysis.verification import COLOURS, STATUSES
from pianozona.formatting import num
from pianozona.present import labels
from pianozona.present.scaffold import axes_for, checked_table, finish, side_legend
from pianozona.present.style import DEFAULT_SOURCE, INK, MUTED, PALETTE, italian_formatter, literal

EQUAL_AREA = "EPSG:3035"  # ETRS89-LAEA Europe: comuni's areas compared in square metres, not in squared degrees


def pyramid_plot(data: pd.DataFrame, *, reference: pd.DataFrame | None = None, reference_label: str = "Regione",
                 title: str = "Piramide per età", source: str | None = "ISTAT, popolazione al 1° gennaio",
                 ax: Axes | None = None) -> Axes:
    """Population pyramid from `overview.pyramid` (columns inizio, classe, sesso, quota); males left.

    `reference` (same layout) is drawn as an outline: the shape to compare with.
    """
    df = checked_table(data, inizio="inizio", classe="classe", sesso="sesso", quota="quota")
    with axes_for(ax, (7.5, 6.0)) as ax:
        classes = df.drop_duplicates("inizio").sort_values("inizio")
        pos = np.arange(len(classes))
        share = df.pivot_table(index="inizio", columns="sesso", values="quota").reindex(classes["inizio"])
        ax.barh(pos, -share["M"], color=PALETTE[0], label="Maschi", gid="pyramid_m")
        ax.barh(pos, share["F"], color=PALETTE[1], label="Femmine", gid="pyramid_f")
        handles = [Patch(color=PALETTE[0], label="Maschi"), Patch(color=PALETTE[1], label="Femmine")]
        if reference is not None:
            ref = reference.pivot_table(index="inizio", columns="sesso", values="quota").reindex(classes["inizio"])
            for sex, sign in (("M", -1), ("F", 1)):
                ax.step(sign * ref[sex].to_numpy(), pos, where="mid", color="black", linewidth=1.2, gid="reference")
            handles.append(Line2D([], [], color="black", label=literal(reference_label)))
        ax.set_yticks(pos, [literal(c) for c in classes["classe"]])
        limit = float(np.nanmax(share.to_numpy())) * 1.15
        ax.set_xlim(-limit, limit)
        ax.xaxis.set_major_formatter(lambda v, _pos=None: num(abs(v), 1))
        ax.axvline(0, color=MUTED, linewidth=0.8)
        side_legend(ax, handles)
        oldest = df.loc[df["inizio"] >= 65, "quota"].sum()
        text = (f"Piramide dell'età: quota di residenti per classe di 5 anni, maschi a sinistra e femmine a destra. "
                f"I residenti di 65 anni e oltre sono il {num(oldest)}% del totale.")
        if reference is not None:
            ref_old = reference.loc[reference["inizio"] >= 65, "quota"].sum()
            text += f" Il profilo di confronto ({reference_label}) ha il {num(ref_old)}% di residenti 65+."
        return finish(ax, title=title, xlabel="Quota dei residenti (%)", ylabel="Classe di età", source=source,
                       description=text)


def _map_labels(ax: Axes, data, label: str) -> list:
    """Names of the largest comuni first, each kept only if it overlaps no name kept (`labels.place_or_drop`)."""
    geographic = data.crs is not None and data.crs.is_geographic  # degrees: areas in an equal-area projection
    shapes = data.geometry.to_crs(EQUAL_AREA) if geographic else data.geometry
    order = np.argsort(-shapes.area.to_numpy(), kind="stable")[:4 * labels.MAX_MAP_LABELS]
    points = data.geometry.iloc[order].representative_point()
    names = data[label].iloc[order].astype(str)
    backing = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}  # F19: readable
    texts = [ax.annotate(literal(name), (point.x, point.y), ha="center", va="center", fontsize=7, color=INK,
                         gid="map_label", bbox=backing) for name, point in zip(names, points)]
    return labels.place_or_drop(ax, texts)[0]


def map_plot(data, *, value: str, label: str, title: str, legend_label: str, decimals: int = 1,
             source: str | None = "ISTAT; confini comunali openpolis (CC BY 4.0)", ax: Axes | None = None) -> Axes:
    """Choropleth of the comuni (a GeoDataFrame with `value` and `label` columns).

    Names are drawn largest comune first and only where they overlap no other
    name, at most `labels.MAX_MAP_LABELS`: every comune of a small district,
    the largest of a province; the text alternative says how many are named.
    """
    checked_table(pd.DataFrame(data.drop(columns="geometry")), value=value, label=label)
    with axes_for(ax, (7.0, 6.0)) as ax:
        data.plot(column=value, ax=ax, cmap="Blues", edgecolor="white", linewidth=0.8, legend=True,
                  legend_kwds={"label": literal(legend_label), "shrink": 0.7,
                               "format": italian_formatter(decimals)}, missing_kwds={"color": "#d9d9d9"})
        ax.set_axis_off()
        ranked = data.sort_values(value, ascending=False)
        text = (f"Mappa dei {len(data)} comuni colorati per {legend_label.lower()}: il valore più alto è a "
                f"{ranked.iloc[0][label]} ({num(ranked.iloc[0][value], decimals)}), il più basso a "
                f"{ranked.iloc[-1][label]} ({num(ranked.iloc[-1][value], decimals)}).")
        finish(ax, title=title, xlabel="", ylabel="", source=None, description=text)  # the layout the names fit in
        named = _map_labels(ax, data, label) if len(data) else []
        if len(named) < len(data):
            text += (f" Sulla mappa sono scritti i nomi di {len(named)} comuni su {len(data)}, i più estesi tra "
                     "quelli che non si sovrappongono.")
        return finish(ax, title=title, xlabel="", ylabel="", source=source, description=text)


def status_plot(data: pd.DataFrame, *, status: str = "stato", group: str = "area",
                title: str = "Stato degli obiettivi", source: str | None = DEFAULT_SOURCE,
                ax: Axes | None = None) -> Axes:
    """Stacked horizontal bars: number of objectives per `group` in each status (traffic-light colours)."""
    df = checked_table(data, status=status, group=group)
    counts = pd.crosstab(df[group], df[status]).reindex(columns=list(STATUSES), fill_value=0)
    with axes_for(ax, (7.5, 0.5 * len(counts) + 1.8)) as ax:
        left, rows = np.zeros(len(counts)), np.arange(len(counts))
        for name in STATUSES:
            ax.barh(rows, counts[name], left=left, color=COLOURS[name], label=name, gid=f"status_{name}")
            left += counts[name].to_numpy()
        ax.set_yticks(rows, [literal(g) for g in counts.index])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(italian_formatter(0))
        ax.invert_yaxis()
        side_legend(ax, [Patch(color=COLOURS[s], label=s) for s in STATUSES])
        totals = counts.sum()
        text = ("Obiettivi per area secondo lo stato: " +
                ", ".join(f"{int(totals[s])} {s}" for s in STATUSES) + f", su {int(totals.sum())} obiettivi.")
        return finish(ax, title=title, xlabel="Numero di obiettivi", ylabel="", source=source, description=text)


def stacked_bars(data: pd.DataFrame, *, title: str, ylabel: str, source: str | None = DEFAULT_SOURCE,
                 ax: Axes | None = None) -> Axes:
    """Stacked vertical bars: rows of `data` are the parts, columns the years (e.g. funds by source)."""
    parts = data.drop(index="Totale", errors="ignore")
    with axes_for(ax, (8.0, 4.8)) as ax:
        years, slots = [str(c) for c in parts.columns], np.arange(len(parts.columns))
        bottom = np.zeros(len(years))
        for i, (name, row) in enumerate(parts.iterrows()):
            ax.bar(slots, row.to_numpy(float), bottom=bottom, color=PALETTE[i % len(PALETTE)], label=literal(name))
            bottom += row.to_numpy(float)
        ax.set_xticks(slots, [literal(y) for y in years])
        ax.yaxis.set_major_formatter(italian_formatter(0))
        side_legend(ax, [Patch(color=PALETTE[i % len(PALETTE)], label=literal(n)) for i, n in enumerate(parts.index)])
        text = (f"Barre impilate per anno ({years[0]}–{years[-1]}): il totale passa da {num(bottom[0], 0)} a "
                f"{num(bottom[-1], 0)}; la voce maggiore nell'ultimo anno è "
                f"{parts.iloc[:, -1].idxmax()} ({num(parts.iloc[:, -1].max(), 0)}).")
        return finish(ax, title=title, xlabel="Anno", ylabel=ylabel, source=source, description=text)

"""What a notebook shows: Italian tables, charts with a text alternative, banners, metrics.

Notebooks call these instead of formatting things themselves, so every report
looks the same and stays accessible:

* `table(df, caption=...)`: an HTML table with a caption, header cells and
  Italian number formats (suppressed small counts shown as "< 5");
* `figure(ax_or_fig, alt=...)`: the chart as an embedded PNG whose output
  metadata carries `alt` (the report renderer turns it into the `<img alt>`);
* `demo_banner(district)`: the warning shown when figures rest on
  `dimostrativo` data;
* `write_metrics(path, metrics)`: the small JSON of key figures a notebook
  leaves next to its output (written atomically).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import html

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from . import privacy
from .areas import AREE
from .charts import describe
from .formatting import data_lunga, num
from .indicators import ETICHETTE

__all__ = ["INDICATOR_DECIMALS", "INDICATOR_LABELS", "change_labels", "demo_banner", "describe", "figure",
           "heading", "key_figures", "num", "paragraph", "sources", "status_table", "table", "write_metrics"]

INDICATOR_LABELS = {"territorio": "Territorio", **ETICHETTE}
INDICATOR_DECIMALS = {"popolazione": 0}
STATUS_SYMBOLS = {"raggiunto": "●", "in linea": "◐", "non raggiunto": "○", "non misurato": "–"}

BANNER = ("**Dati dimostrativi.** I dati di servizi, spesa e obiettivi di questo documento sono illustrativi "
          "(`fonte = dimostrativo`), generati per mostrare il funzionamento dello strumento: non descrivono "
          "l'attività reale del distretto. La popolazione è quella reale ISTAT.")


NOTEBOOK_ONLY = {"pianozona": {"solo_notebook": True}}  # the HTML page header says it already


def demo_banner(district) -> None:
    """Show the demo-data banner when any office table rests on `dimostrativo` rows.

    In a published page the report header carries the same banner, so this
    output is marked notebook-only there.
    """
    if district.dimostrativo:
        display(Markdown(f"> ⚠️ {BANNER}"), metadata=NOTEBOOK_ONLY)


def heading(title: str, subtitle: str | None = None) -> None:
    """The document's title (level-1 heading) and a subtitle with the date of production.

    The subtitle is notebook-only: the published page's header shows district, year and date.
    """
    display(Markdown(f"# {title}"))
    if subtitle:
        display(Markdown(f"**{subtitle}** · documento prodotto il {data_lunga()}"), metadata=NOTEBOOK_ONLY)


def paragraph(text: str) -> None:
    """A paragraph of narrative computed in Python."""
    display(Markdown(text))


def key_figures(figures: dict[str, str]) -> None:
    """The key figures of a document as a short list.

    The plain-text form carries the same figures, so that `pytest --nbval-lax`
    compares the numbers themselves in cells marked `# NBVAL_CHECK_OUTPUT`.
    """
    markdown = "\n".join(f"- **{name}**: {value}" for name, value in figures.items())
    plain = "\n".join(f"{name}: {value}" for name, value in figures.items())
    display({"text/markdown": markdown, "text/plain": plain}, raw=True)


def sources(district) -> None:
    """Closing note: where the data come from."""
    fonti = district.fonti_popolazione
    pop = "; ".join(f"{int(r.anno)}: {r.fonte}" for r in fonti.itertuples())
    office = sorted(set(district.utenti["fonte"].dropna()) | set(district.spesa["fonte"].dropna()))
    display(Markdown(f"---\n*Fonti.* Popolazione residente al 1° gennaio ({pop}). Dati dell'ufficio di piano: "
                     f"{', '.join(office)}. Elaborazione con pianozona."))


def change_labels(frame: pd.DataFrame) -> dict[str, str]:
    """Readable headers for `overview.changes` columns such as `indice_vecchiaia_2023`."""
    labels = {"territorio": "Territorio", "variazione_popolazione_pct": "Variazione popolazione (%)",
              "variazione_vecchiaia": "Variazione indice di vecchiaia (punti)"}
    for col in frame.columns:
        name, _, year = col.rpartition("_")
        if year.isdigit() and name in ETICHETTE:
            labels[col] = f"{ETICHETTE[name]} {year}"
    return labels


def status_table(objectives: pd.DataFrame, *, caption: str) -> None:
    """The traffic-light table of the objectives: status as symbol + word (never colour alone)."""
    shown = objectives.assign(stato=[f"{STATUS_SYMBOLS.get(s, '')} {s}" for s in objectives["stato"]],
                              area=objectives["area"].map(lambda a: AREE[a].etichetta if a in AREE else a))
    cols = {"codice": "Codice", "area": "Area", "indicatore": "Indicatore", "unita": "Unità",
            "anno_base": "Anno base", "valore_base": "Valore base", "target": "Target",
            "anno_target": "Anno target", "valore": "Valore", "atteso": "Atteso", "stato": "Stato"}
    table(shown[list(cols)], caption=caption, labels=cols,
          decimals={"valore_base": 0, "target": 0, "valore": 0, "atteso": 0})


def _cell(value, decimals: int) -> str:
    if isinstance(value, str) or isinstance(value, bool):
        return str(value)
    return num(value, decimals)


def table(frame: pd.DataFrame, *, caption: str, decimals: dict[str, int] | None = None,
          labels: dict[str, str] | None = None, index: bool = False) -> None:
    """Display `frame` as an accessible HTML table with Italian numbers."""
    decimals = decimals or {}
    data = frame.reset_index() if index else frame
    counts = [str(c)[: -len("_soppresso")] for c in data.columns if str(c).endswith("_soppresso")]
    protected = bool(counts)
    if protected:
        data = privacy.format_suppressed(
            data, formatter=lambda v, c: _cell(v, decimals.get(c, 0 if c in counts else 1)))
    shown = pd.DataFrame(index=data.index)
    for col in data.columns:
        series = data[col]
        if str(col).startswith("anno") and pd.api.types.is_numeric_dtype(series):
            shown[col] = [str(int(v)) if pd.notna(v) else "n.d." for v in series]  # years: 2023, not 2.023
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            digits = decimals.get(col, 0 if pd.api.types.is_integer_dtype(series) else 1)
            shown[col] = [_cell(v, digits) for v in series]
        else:
            shown[col] = series.astype(object).where(series.notna(), "n.d.").astype(str)
    source = frame.reset_index() if index else frame
    text_cols = [c for c in data.columns if c in source.columns and not pd.api.types.is_numeric_dtype(source[c])]
    shown.columns = [(labels or {}).get(c, c) for c in data.columns]
    left = [(labels or {}).get(c, c) for c in text_cols]
    styler = shown.style.hide(axis="index").set_caption(html.escape(caption))
    if left:
        styler = styler.set_properties(subset=left, **{"text-align": "left"})
    styler = styler.set_table_attributes('class="pz-table"')
    display(HTML(styler.to_html()))
    if protected and any(v in (privacy.primary_marker(), privacy.SECONDARY_MARKER) for v in shown.to_numpy().ravel()):
        display(Markdown(f"*{privacy.suppression_legend()}*"))


def figure(chart, *, alt: str, dpi: int = 110) -> None:
    """Display a matplotlib Axes or Figure as PNG with `alt` in the output metadata, then close it."""
    import matplotlib.pyplot as plt

    fig = chart.get_figure() if hasattr(chart, "get_figure") else chart
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png", metadata={"alt": alt}))


def write_metrics(path: str | os.PathLike, metrics: dict) -> Path | None:
    """Write the key figures as JSON (atomically); an empty path writes nothing."""
    if not path:
        return None
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, suffix=".tmp", encoding="utf-8") as fh:
        json.dump(metrics, fh, ensure_ascii=False, indent=2, default=_plain)
    os.replace(fh.name, target)
    return target


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"valore non serializzabile: {value!r}")

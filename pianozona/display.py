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

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from .formatting import num

BANNER = ("**Dati dimostrativi.** I dati di servizi, spesa e obiettivi di questo documento sono illustrativi "
          "(`fonte = dimostrativo`), generati per mostrare il funzionamento dello strumento: non descrivono "
          "l'attività reale del distretto. La popolazione è quella reale ISTAT.")


def demo_banner(district) -> None:
    """Show the demo-data banner when any office table rests on `dimostrativo` rows."""
    if district.dimostrativo:
        display(Markdown(f"> ⚠️ {BANNER}"))


def _cell(value, decimals: int) -> str:
    if isinstance(value, str):
        return value
    return num(value, decimals)


def table(frame: pd.DataFrame, *, caption: str, decimals: dict[str, int] | None = None,
          labels: dict[str, str] | None = None, index: bool = False) -> None:
    """Display `frame` as an accessible HTML table with Italian numbers."""
    decimals = decimals or {}
    data = frame.reset_index() if index else frame
    shown = pd.DataFrame(index=data.index)
    for col in data.columns:
        series = data[col]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            digits = decimals.get(col, 0 if pd.api.types.is_integer_dtype(series) else 1)
            shown[col] = [_cell(v, digits) for v in series]
        else:
            shown[col] = series.astype(object).where(series.notna(), "n.d.").astype(str)
    shown.columns = [(labels or {}).get(c, c) for c in data.columns]
    styler = shown.style.hide(axis="index").set_caption(caption)
    styler = styler.set_table_attributes('class="pz-table"')
    display(HTML(styler.to_html()))


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

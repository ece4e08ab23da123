"""What a notebook shows: Italian tables, charts with a text alternative, banners, metrics.

Notebooks call these instead of formatting things themselves, so every report
looks the same and stays accessible:

* `table(df, caption=...)`: an HTML table with a caption, header cells and
  Italian number formats (hidden counts shown as "n.d.");
* `figure(ax_or_fig, alt=...)`: the chart as an embedded PNG whose output
  metadata carries `alt` (the report renderer turns it into the `<img alt>`);
* `demo_banner(district)`: the warning shown when figures rest on
  `dimostrativo` data;
* `heading(title, subtitle)`, `paragraph(text)`, `key_figures({name: value})`,
  `sources(district)`: text of the document;
* `write_metrics(path, metrics)`: the small JSON of key figures a notebook
  leaves next to its output (written atomically; NaN becomes ``null``);
* `reading_guide(codes)`: the "Come leggere" notes of the indicators a report
  shows, from the dictionary of definitions, with a link to the published dictionary.

Escape by construction: every string these functions receive is PLAIN TEXT.
Values from the office's files (a comune named ``<b>x</b>`` or ``*Pavia*``)
show literally: tables go through an autoescaping Jinja template, text goes
out as markdown whose special characters are backslash-escaped
(`escape_markdown`), and the only markup is the one these functions add
themselves (the ``#`` of a heading, the ``**`` of a key-figure name).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from pianozona import privacy
from pianozona.errors import DataError, ParameterError
from pianozona.files import write_atomic
from pianozona.data.areas import AREE
from pianozona.present.scaffold import describe
from pianozona.formatting import MISSING, data_lunga, num, years_text
from pianozona.analysis import definitions, definitions_methods
from pianozona.analysis.glossary import DICTIONARY_FILE, DICTIONARY_TITLE
from pianozona.analysis.indicators import ETICHETTE
from pianozona.present.safe_html import environment
from pianozona.present.spreadsheet import Number, record_table

__all__ = ["INDICATOR_DECIMALS", "INDICATOR_LABELS", "change_labels", "demo_banner", "describe",
           "escape_markdown", "figure", "heading", "key_figures", "num", "paragraph", "population_note",
           "reading_guide", "sources",
           "status_table",
           "table", "WIDE_COLUMNS", "write_metrics"]

INDICATOR_LABELS = {"territorio": "Territorio", **ETICHETTE}
INDICATOR_DECIMALS = {"popolazione": 0}
#: a table with more columns than this prints on a landscape page (class ``pz-table-larga``)
WIDE_COLUMNS = 7
STATUS_SYMBOLS = {"raggiunto": "●", "in linea": "◐", "in ritardo sul percorso": "◔", "non raggiunto": "○",
                  "non avviato": "◇", "non misurato": "–", "non pubblicato": "◌"}

BANNER = ("**Dati dimostrativi.** I dati di servizi, spesa e obiettivi di questo documento sono illustrativi "
          "(`fonte = dimostrativo`), generati per mostrare il funzionamento dello strumento: non descrivono "
          "l'attività reale del distretto. La popolazione è quella reale ISTAT.")


NOTEBOOK_ONLY = {"pianozona": {"solo_notebook": True}}  # the HTML page header says it already

# Characters that are markdown (or HTML) anywhere in a line: `:` too, so that no
# `https://` or `javascript:` becomes a link.  Backslash escapes of ASCII
# punctuation are CommonMark: the reader sees the character itself.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~!#:$])")
# What starts a block at the beginning of a line: list or setext marks, the dot of an ordered list.
_MD_LINE_START = re.compile(r"(?:^|(?<=\n))(?:([-+=])|(\d+)([.)]))")
_MD_NEXT_LINE_START = re.compile(r"(?<=\n)(?:([-+=])|(\d+)([.)]))")
_MD_INDENT = re.compile(r"^[ \t]+", re.M)


def escape_markdown(text, *, inline: bool = False) -> str:
    """`text` as markdown that renders to exactly `text` (HTML and markdown syntax shown literally).

    Leading blanks of each line are dropped (they would make a code block).
    `inline=True` when the text goes in the middle of a line (e.g. after
    ``**name**: ``), where a leading ``-`` or ``1.`` is not a list.
    """
    escaped = _MD_INDENT.sub("", _MD_INLINE.sub(r"\\\1", str(text)))
    starts = _MD_NEXT_LINE_START if inline else _MD_LINE_START
    return starts.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)


def demo_banner(district) -> None:
    """Show the demo-data banner when any office table rests on `dimostrativo` rows.

    In a published page the report header carries the same banner, so this
    output is marked notebook-only there.
    """
    if district.dimostrativo:
        display(Markdown(f"> ⚠️ {BANNER}"), metadata=NOTEBOOK_ONLY)


def section(title: str, level: int = 2) -> None:
    """A section heading (level 2 by default) from plain text, escaped like every text of this module."""
    if level not in (2, 3, 4):
        raise ParameterError("level", level, "usare 2, 3 o 4 (il livello 1 è il titolo del documento: heading)")
    display(Markdown(f"{'#' * level} {escape_markdown(title, inline=True)}"))


def heading(title: str, subtitle: str | None = None) -> None:
    """The document's title (level-1 heading) and a subtitle with the date of production.

    The subtitle is notebook-only: the published page's header shows district, year and date.
    """
    display(Markdown(f"# {escape_markdown(title)}"))
    if subtitle:
        display(Markdown(f"**{escape_markdown(subtitle, inline=True)}** · documento prodotto il {data_lunga()}"),
                metadata=NOTEBOOK_ONLY)


def paragraph(text: str) -> None:
    """A paragraph of narrative computed in Python; `text` is plain text, shown literally."""
    display(Markdown(escape_markdown(text)))


def reading_guide(codes) -> None:
    """How to read the indicators `codes` (codes or column keys of the dictionary of definitions), from the dictionary.

    Each indicator's name and definition, the comparison methods they use, what the markers of
    protected values mean, and a relative link to the dictionary published beside the report
    (``dizionario.html``; in JupyterLab, where it is not beside the notebook, the link goes nowhere).
    """
    chosen = list(dict.fromkeys(definitions.for_column(code) or definitions.get(code) for code in codes))
    lines = [f"- **{escape_markdown(i.nome, inline=True)}**: {escape_markdown(i.definizione, inline=True)}"
             for i in chosen]
    methods = dict.fromkeys(i.metodo_confronto for i in chosen if i.confronto not in ("nessuno", "percorso"))
    text = list(methods)
    if any(i.protetto for i in chosen):
        text.append(" ".join(f"«{marker}»: {meaning}" for marker, meaning in definitions_methods.marker_meanings()))
    blocks = ["\n".join(lines), *(escape_markdown(t) for t in text),
              f"Le definizioni complete, i metodi e la tutela dei piccoli numeri sono nel "
              f"[{DICTIONARY_TITLE.lower()}]({DICTIONARY_FILE}) pubblicato con i rapporti."]
    display(Markdown("\n\n".join(b for b in blocks if b)))


def key_figures(figures: dict[str, str]) -> None:
    """The key figures of a document as a short list.

    The plain-text form carries the same figures, so that `pytest --nbval-lax`
    compares the numbers themselves in cells marked `# NBVAL_CHECK_OUTPUT`.
    """
    markdown = "\n".join(f"- **{escape_markdown(name, inline=True)}**: {escape_markdown(value, inline=True)}"
                         for name, value in figures.items())
    plain = "\n".join(f"{name}: {value}" for name, value in figures.items())
    display({"text/markdown": markdown, "text/plain": plain}, raw=True)


def sources(district) -> None:
    """Closing note: where the data come from (ISTAT for the population, whichever file or package carried it)."""
    years = sorted(int(y) for y in district.fonti_popolazione["anno"])
    office = sorted(set(district.utenti["fonte"].dropna()) | set(district.spesa["fonte"].dropna()))
    text = (f"Popolazione residente al 1° gennaio: ISTAT ({years_text(years)}). Dati dell'ufficio di piano: "
            f"{', '.join(map(str, office))}. Elaborazione con pianozona.")
    display(Markdown(f"---\n*Fonti.* {escape_markdown(text, inline=True)}"))


def population_note(district, years) -> None:
    """The one sentence on estimated population for `years` (`District.population_note`), if any year borrows."""
    note = district.population_note(years)
    if note:
        paragraph(note)


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
    flags = [c for c in objectives.columns if str(c).endswith("_soppresso")
             and str(c).removesuffix("_soppresso") in cols]
    table(shown[list(cols) + flags], caption=caption, labels=cols,
          decimals={"valore_base": 0, "target": 0, "valore": 0, "atteso": 0})


def _cell(value, decimals: int, *, year: bool = False) -> str | Number:
    """A cell as shown: text stays text, a number becomes a `Number` (value rounded as its Italian text)."""
    if isinstance(value, str) or isinstance(value, bool):
        return str(value)
    text = str(int(value)) if year else num(value, decimals)
    if text == MISSING:
        return text
    return Number(float(int(value)) if year else float(Decimal(text.replace(".", "").replace(",", "."))),
                  0 if year else decimals, text, year)


def _shown_columns(data: pd.DataFrame, decimals: dict[str, int], counts: list[str]) -> pd.DataFrame:
    """Every cell as the page shows it (text or `Number`); suppressed counts already carry their markers."""
    shown = pd.DataFrame(index=data.index)
    for col in data.columns:
        series = data[col]
        if str(col).startswith("anno") and pd.api.types.is_numeric_dtype(series):
            shown[col] = pd.Series([_cell(v, 0, year=True) if pd.notna(v) else MISSING for v in series],
                                  index=data.index, dtype=object)  # 2023, not 2.023
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            digits = decimals.get(col, 0 if pd.api.types.is_integer_dtype(series) else 1)
            shown[col] = pd.Series([_cell(v, digits) for v in series], index=data.index, dtype=object)
        elif series.dtype == object and any(isinstance(v, Number) for v in series):
            shown[col] = series  # a protected column: markers and numbers, as `format_suppressed` left them
        else:
            shown[col] = series.astype(object).where(series.notna(), MISSING).astype(str)
    return shown


def table(frame: pd.DataFrame, *, caption: str, decimals: dict[str, int] | None = None,
          labels: dict[str, str] | None = None, index: bool = False, full: pd.DataFrame | None = None,
          indicators: list[str] | None = None) -> None:
    """Display `frame` as an accessible HTML table with Italian numbers.

    Cells, caption and headers are plain text, escaped by the template (a cell
    ``<b>x</b>`` shows those characters); text columns are left-aligned
    (class ``testo``), header cells carry ``scope="col"``.  During a report
    run the table is also recorded, as shown, for the report's spreadsheet
    (`pianozona.present.spreadsheet.record_table`); with `full` (the whole table of
    which `frame` shows some rows, e.g. `pianozona.analysis.shortlist`) the spreadsheet
    gets every row of `full`, formatted the same way.  The record names each column by its key (the
    frame's column name, which the dictionary of definitions maps to an indicator); a table whose
    columns are not indicators (indicators by territory, one indicator by year) names the
    `indicators` it shows (codes of `pianozona.analysis.definitions`).
    """
    columns, cells, texts, protected = _formatted(frame, decimals or {}, labels, index)
    display(HTML(environment().get_template("table.html.j2").render(caption=caption, columns=columns, rows=texts,
                                                                         wide_columns=WIDE_COLUMNS)))
    legend = _legend(texts, protected)
    if legend:
        display(Markdown(f"*{escape_markdown(legend, inline=True)}*"))
    if full is not None:
        columns, cells, texts, protected = _formatted(full, decimals or {}, labels, index)
        legend = _legend(texts, protected)
    record_table(caption, [c["label"] for c in columns], cells, legend=legend, keys=[c["key"] for c in columns],
                 indicators=indicators)


def _legend(texts: list[list[str]], protected: bool) -> str:
    """The suppression legend, when a protected table shows a hidden value."""
    shown = protected and any(v == privacy.MARKER for row in texts for v in row)
    return privacy.suppression_legend() if shown else ""


def _formatted(frame: pd.DataFrame, decimals: dict[str, int], labels: dict[str, str] | None,
               index: bool) -> tuple[list[dict], list[list], list[list[str]], bool]:
    """A table's columns, shown cells, their text and whether it holds protected counts."""
    data = frame.reset_index() if index else frame
    counts = [str(c)[: -len("_soppresso")] for c in data.columns if str(c).endswith("_soppresso")]
    protected = bool(counts)
    if protected:
        data = privacy.format_suppressed(
            data, formatter=lambda v, c: _cell(v, decimals.get(c, 0 if c in counts else 1)))
    shown = _shown_columns(data, decimals, counts)
    source = frame.reset_index() if index else frame
    text_cols = {c for c in data.columns if c in source.columns and not pd.api.types.is_numeric_dtype(source[c])}
    columns = [{"label": str((labels or {}).get(c, c)), "text": c in text_cols, "key": str(c)} for c in data.columns]
    cells = shown.to_numpy().tolist()
    return columns, cells, [[str(v) for v in row] for row in cells], protected


def figure(chart, *, alt: str, dpi: int = 110) -> None:
    """Display a matplotlib Axes or Figure as PNG with `alt` in the output metadata, then close it."""
    import matplotlib.pyplot as plt

    fig = chart.get_figure() if hasattr(chart, "get_figure") else chart
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png", metadata={"alt": alt}))


def write_metrics(path: str | os.PathLike, metrics: dict) -> Path | None:
    """Write the key figures as JSON (atomically); an empty path writes nothing.

    The file is strict JSON: a missing figure (NaN, ``pd.NA``) is written as
    ``null``; an infinite one (e.g. a change over a base of 0) raises
    `DataError` naming the key, since JSON has no infinity and the figure is
    wrong rather than missing.
    """
    if not path:
        return None
    target = Path(path)
    finite = _json_ready(metrics, target, "")
    return write_atomic(target, json.dumps(finite, ensure_ascii=False, indent=2, allow_nan=False, default=_plain))


def _json_ready(value, target: Path, key: str):
    """`value` with NaN/NA turned into None; DataError on ±inf (`key` names where, e.g. ``cifre.spesa``)."""
    if isinstance(value, dict):
        return {k: _json_ready(v, target, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v, target, f"{key}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, float) and math.isinf(value):
        raise DataError("cifra chiave infinita: JSON non la può rappresentare e il valore non ha senso da "
                        "pubblicare", file=target, column=key, value=value,
                        fix="Controllare il calcolo (di solito una divisione per zero) e scrivere None "
                            "se la cifra non è calcolabile")
    return value


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"valore non serializzabile: {value!r}")

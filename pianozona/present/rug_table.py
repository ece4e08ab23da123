"""The verdict table ("tartan rug"): units × indicators, each cell the value and its verdict in words and colour.

`verdict_table` takes a LONG table (one row per unit and indicator, as the
analysis produces it) and shows a real HTML table: units as row headers
(``<th scope="row">``), indicators as column headers (``<th scope="col">``),
both in order of first appearance.  Each cell holds the value in Italian
format (`pianozona.formatting.num` with the row's decimals) and the verdict
against the comparator as a symbol (`SYMBOLS`, drawn in print too) followed by
the full word, visually hidden but read by screen readers; the background
colour (CSS class ``pz-verdetto-<verdict>``, colours told apart with any colour
vision, text contrast at least 4.5:1) only supplements them.  A value hidden
by `pianozona.privacy.protect` shows its marker ("n.d."), no colour and no verdict; the legend of the symbols
and, when a marker is shown, `privacy.suppression_legend` follow the table.

Everything is rendered by the autoescaping ``verdict_table.html.j2``: a comune
named ``<b>x</b>`` shows those characters.  The table is recorded, as shown,
for the report's spreadsheet (`spreadsheet.record_table`), two columns per
indicator, the value (a number rounded as shown; hidden cells as their marker,
never the value) and its verdict in words.  A verdict other than "non confrontabile" or
"non valutato" on a hidden or missing value is refused (`ParameterError`): it
would tell the reader something about the value that is not shown.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from pianozona import privacy
from pianozona.errors import ParameterError
from pianozona.formatting import num
from pianozona.present.safe_html import environment
from pianozona.present.spreadsheet import Number, record_table

__all__ = ["ABSENT", "CLASS_PREFIX", "SYMBOLS", "VERDICTS", "WIDE_COLUMNS", "css_class", "verdict_table"]

#: The verdicts of a comparison with the comparator (the district), in the order of the legends.
VERDICTS = ("superiore", "inferiore", "simile", "non confrontabile", "non valutato")
#: The verdicts that say nothing about a value, the only ones a hidden or missing value may carry.
SILENT_VERDICTS = ("non confrontabile", "non valutato")
#: The symbol of each verdict, shown in the cell and the legend (the shapes of the spine chart's markers).
SYMBOLS = {"superiore": "▲", "inferiore": "▼", "simile": "●", "non confrontabile": "◇", "non valutato": "□"}
#: What each verdict means, for the legend.
MEANINGS = {"superiore": "significativamente più alto del distretto",
            "inferiore": "significativamente più basso del distretto",
            "simile": "non diverso in modo significativo dal distretto",
            "non confrontabile": "confronto non possibile (dato mancante o non pubblicato)",
            "non valutato": "confronto non calcolato per questo indicatore"}
#: Text of a cell with no row in `data` (the indicator does not apply to the unit, or no data).
ABSENT = "–"
#: Prefix of the CSS classes of the table (``pz-verdetto-superiore``, ``pz-verdetto-nascosto`` ...).
CLASS_PREFIX = "pz-verdetto"
#: A table with more indicator columns than this prints on a landscape page (as `display.WIDE_COLUMNS`):
#: the overview's seven areas print on a portrait page.
WIDE_COLUMNS = 7


def css_class(verdict: str) -> str:
    """The CSS class of a cell with `verdict`: ``"non confrontabile"`` → ``"pz-verdetto-non-confrontabile"``."""
    return f"{CLASS_PREFIX}-{verdict.replace(' ', '-')}"


def _where(i: int, unit, indicator) -> str:
    return f"riga {i + 1} di data ({unit} × {indicator})"


def _checked(data, columns: dict[str, str]) -> pd.DataFrame:
    """`data` as a DataFrame with every named column, index reset; one row per unit and indicator."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", type(data).__name__, "passare una tabella pandas (DataFrame) in formato lungo")
    available = ", ".join(map(str, data.columns)) or "(nessuna)"
    for param, col in columns.items():
        if not any(c == col for c in data.columns):
            raise ParameterError(param, col, f"colonne disponibili: {available}")
    df = data.reset_index(drop=True)
    twice = df.duplicated([columns["row"], columns["column"]], keep="first")
    if twice.any():
        i = int(np.flatnonzero(twice)[0])
        unit, indicator = df[columns["row"]].iloc[i], df[columns["column"]].iloc[i]
        raise ParameterError("data", f"{unit} × {indicator}", f"{_where(i, unit, indicator)}: la coppia compare "
                             "due volte; serve una sola riga per unità e indicatore")
    return df


def _suppression(value, where: str, col: str) -> bool:
    """True when the cell is hidden: True/False as `privacy.protect`'s flag (empty: not hidden)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if not isinstance(value, str) and pd.isna(value):
        return False
    raise ParameterError("suppression", value, f"{where}, colonna '{col}': valori ammessi True (nascosto), "
                         "False o vuoto")


def _verdict(value, where: str, col: str) -> str:
    text = str(value).strip() if isinstance(value, str) else value
    if text not in VERDICTS:
        raise ParameterError("verdict", value, f"{where}, colonna '{col}': valori ammessi "
                             + ", ".join(f"'{v}'" for v in VERDICTS))
    return text


def _number(value: float, digits, where: str, col: str) -> Number:
    """`value` as shown with `digits` decimals, checked to be a whole number of at least 0."""
    try:
        whole = not isinstance(digits, bool) and float(digits) == int(digits) >= 0
    except (TypeError, ValueError, OverflowError):
        whole = False
    if not whole:
        raise ParameterError("decimals", digits, f"{where}, colonna '{col}': indicare i decimali come intero "
                             "non negativo (0, 1, 2 ...)")
    text = num(value, int(digits))
    return Number(float(Decimal(text.replace(".", "").replace(",", "."))), int(digits), text)


def _cell(i: int, line: dict, cols: dict[str, str]) -> dict:
    """One cell as shown from row `i` of data (`line`: its values by option): text, the spreadsheet value,
    verdict (None when hidden) and CSS class."""
    where = _where(i, line["row"], line["column"])
    hidden = _suppression(line["suppression"], where, cols["suppression"])
    verdict = _verdict(line["verdict"], where, cols["verdict"])
    given = line["value"]
    raw = np.nan if hidden else line["number"]
    if not hidden and pd.isna(raw) and not pd.isna(given):
        raise ParameterError("value", given, f"{where}, colonna '{cols['value']}': serve un numero "
                             "(cella vuota per un valore nascosto o mancante)")
    if pd.isna(raw) and verdict not in SILENT_VERDICTS:
        state = "nascosto" if hidden else "mancante"
        raise ParameterError("verdict", verdict, f"{where}: valore {state} con verdetto '{verdict}', che "
                             "direbbe qualcosa del valore; usare 'non confrontabile'")
    if hidden:  # the marker only: never the value, whatever the column holds
        return {"text": privacy.MARKER, "recorded": privacy.MARKER, "verdict": None,
                "class": f"{CLASS_PREFIX}-nascosto"}
    if pd.isna(raw):
        return {"text": ABSENT, "recorded": ABSENT, "verdict": verdict, "class": css_class(verdict)}
    shown = _number(float(raw), line["decimals"], where, cols["decimals"])
    return {"text": shown.text, "recorded": shown, "verdict": verdict, "class": css_class(verdict)}


def _grid(df: pd.DataFrame, cols: dict[str, str]) -> tuple[list[str], list[str], list[list[dict]]]:
    """Units, indicators (first appearance) and the cells row by row; an absent pair is an empty cell."""
    lines = {option: df[col].tolist() for option, col in cols.items()}
    lines["number"] = pd.to_numeric(df[cols["value"]], errors="coerce").tolist()
    units = list(dict.fromkeys(str(u) for u in lines["row"]))
    indicators = list(dict.fromkeys(str(c) for c in lines["column"]))
    empty = {"text": ABSENT, "recorded": ABSENT, "verdict": None, "class": f"{CLASS_PREFIX}-assente"}
    grid = {(u, c): empty for u in units for c in indicators}
    for i in range(len(df)):
        line = {option: values[i] for option, values in lines.items()}
        grid[(str(line["row"]), str(line["column"]))] = _cell(i, line, cols)
    return units, indicators, [[grid[(u, c)] for c in indicators] for u in units]


def _legend_items(cells: list[list[dict]]) -> list[dict]:
    """The verdicts present in the table, in `VERDICTS` order, with symbol, class and meaning."""
    present = {c["verdict"] for row in cells for c in row if c["verdict"]}
    return [{"verdict": v, "symbol": SYMBOLS[v], "class": css_class(v), "meaning": MEANINGS[v]}
            for v in VERDICTS if v in present]


def verdict_table(data: pd.DataFrame, *, caption: str, row: str = "comune", column: str = "indicatore",
                  value: str = "valore", verdict: str = "verdetto", suppression: str = "soppressione",
                  decimals: str = "decimali", code: str = "codice_indicatore") -> None:
    """Display the verdict table of a long table `data` (see the module docstring) and record it.

    Columns of `data`: `row` (the unit, e.g. the comune), `column` (the
    indicator), `value` (a number; empty when hidden or missing), `verdict`
    (one of `VERDICTS`), `suppression` (True where the value is hidden, as
    `privacy.protect`'s flag column says) and `decimals` (the decimals of the
    value); `code`, when `data` has it, the indicator's code in the dictionary of definitions (the
    spreadsheet's sheet "Definizioni" defines those).  `caption` is plain text.
    """
    cols = {"row": row, "column": column, "value": value, "verdict": verdict, "suppression": suppression,
            "decimals": decimals}
    df = _checked(data, cols)
    units, indicators, cells = _grid(df, cols)
    hidden = any(c["text"] == privacy.MARKER and c["verdict"] is None for line in cells for c in line)
    legend = privacy.suppression_legend() if hidden else ""
    absent = ABSENT if any(c["text"] == ABSENT for line in cells for c in line) else ""
    html = environment().get_template("verdict_table.html.j2").render(
        caption=str(caption), corner=str(row).replace("_", " ").capitalize(), units=units, indicators=indicators,
        rows=cells, symbols=SYMBOLS, wide=len(indicators) > WIDE_COLUMNS, legend=_legend_items(cells),
        absent=absent, suppression_legend=legend)
    display(HTML(html))
    header = [str(row).replace("_", " ").capitalize()]
    header += [h for c in indicators for h in (c, f"{c} (verdetto)")]
    recorded = [[u] + [x for c in line for x in (c["recorded"], c["verdict"] or "")] for u, line in zip(units, cells)]
    notes = (_legend_text(cells), f"«{absent}»: dato non disponibile." if absent else "", legend)
    codes = list(dict.fromkeys(str(c) for c in data[code])) if code in data.columns else None
    record_table(str(caption), header, recorded, legend=" ".join(t for t in notes if t), indicators=codes)


def _legend_text(cells: list[list[dict]]) -> str:
    """The legend of the verdicts as one sentence (the spreadsheet's note)."""
    items = _legend_items(cells)
    return ("Verdetto rispetto al distretto: " + "; ".join(f"{i['symbol']} {i['verdict']}: {i['meaning']}"
                                                            for i in items) + ".") if items else ""

"""The tables a report shows, recorded while its notebook runs and written as one spreadsheet (xlsx).

Recording cannot be forgotten: `pianozona.present.display.table` calls `record_table` for every
table it shows, and `record_table` appends the table, exactly as shown, to the file named by the
environment variable `TABLES_ENV_VAR` (``PIANOZONA_TABELLE``), which the report runner sets for
each job's kernel (``pianozona run``); in JupyterLab it is not set and nothing is written.  The
runner then turns that record into ``<report>.xlsx`` with `write_workbook`: one sheet per table,
named from its caption (at most 31 characters, unique), the Italian headers of the page, the values
as the page shows them (the suppression marker "n.d." stays text, numbers are numbers
rounded as shown, with the same decimals), a sheet "Note" with each table's full caption and the
legend of the marker, and a last sheet "Definizioni": the dictionary's definition of every
indicator the report's tables showed (`pianozona.analysis.glossary`; a table records the keys of its
columns, or the indicators it shows, for that), the methods they use and the protection rule.

Escape by construction, spreadsheet side: every text cell goes through `safe_text`, so a value
from the office's files that a spreadsheet program would run as a formula (one starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe and is stored as
text; characters XML cannot hold are dropped.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import NamedTuple

from pianozona.files import atomic_path

__all__ = ["DEFINITIONS_SHEET", "FORMULA_STARTS", "MAX_SHEET_NAME", "NOTES_SHEET", "Number", "TABLES_ENV_VAR",
           "read_tables", "record_table", "safe_text", "sheet_names", "write_workbook"]

#: the environment variable naming the file where a run records the tables of a job (unset: nothing recorded)
TABLES_ENV_VAR = "PIANOZONA_TABELLE"
#: what makes a spreadsheet program read a text cell as a formula (or hide where one starts)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET_NAME = 31  # Excel's limit
NOTES_SHEET = "Note"
DEFINITIONS_SHEET = "Definizioni"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Number(NamedTuple):
    """A number as a table shows it: `value` already rounded to `digits` decimals, and its Italian `text`.

    ``year=True`` for a year (shown ``2023``, without a thousands separator).
    """

    value: float
    digits: int
    text: str
    year: bool = False

    def __str__(self) -> str:
        return self.text


def record_table(caption: str, columns: list[str], rows: list[list], *, legend: str = "",
                 keys: list[str] | None = None, indicators: list[str] | None = None) -> bool:
    """Append a shown table to the run's record (see the module docstring); False when no run records.

    `rows` hold text (`str`) and `Number` cells; `legend` is the note shown under the table (the
    meaning of "n.d."), empty when it has none.  `keys` are the columns' keys (the data's
    column names, which `pianozona.analysis.definitions.for_column` maps to indicators);
    `indicators` the codes of the indicators a table shows where its columns do not say them (a
    table of indicators by territory, of one indicator by year).
    """
    target = os.environ.get(TABLES_ENV_VAR)
    if not target:
        return False
    cells = [[_recorded(cell) for cell in row] for row in rows]
    line = json.dumps({"caption": str(caption), "columns": [str(c) for c in columns], "rows": cells,
                       "legend": str(legend), "keys": [str(k) for k in keys or []],
                       "indicators": [str(i) for i in indicators or []]}, ensure_ascii=False, allow_nan=False)
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    return True


def _recorded(cell) -> object:
    if isinstance(cell, Number):
        return {"n": cell.value, "d": cell.digits, "t": cell.text, "y": cell.year}
    return str(cell)


def read_tables(path: str | os.PathLike) -> list[dict]:
    """The tables recorded in `path` (an empty list when the file does not exist)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def safe_text(value) -> str:
    """`value` as text a spreadsheet program shows literally: never a formula, only characters XML can hold."""
    text = _XML_ILLEGAL.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _shortened(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut between words with "…" (never "Indicatori per comune e verdett")."""
    if len(text) <= limit:
        return text.rstrip(" '")
    cut = text[: limit - 1]
    whole = text[limit - 1] in " ,;:.-"  # the cut falls between words: the last one is complete
    words = cut if whole or " " not in cut.strip() else cut.rsplit(" ", 1)[0]
    return words.rstrip(" ',:;-") + "…"


def sheet_names(captions: list[str]) -> list[str]:
    """One valid, unique sheet name per caption: forbidden characters dropped, at most 31 characters, cut
    between words (the Note sheet gives every table's full caption)."""
    names: list[str] = []
    taken = {NOTES_SHEET.casefold(), DEFINITIONS_SHEET.casefold()}
    for number, caption in enumerate(captions, start=1):
        base = " ".join(_SHEET_FORBIDDEN.sub(" ", _XML_ILLEGAL.sub("", str(caption))).split()).strip("'")
        base = base or f"Tabella {number}"
        name, copy = _shortened(base, MAX_SHEET_NAME), 1
        while name.casefold() in taken:
            copy += 1
            suffix = f" ({copy})"
            name = _shortened(base, MAX_SHEET_NAME - len(suffix)) + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def write_workbook(tables: list[dict], target: str | os.PathLike, *, title: str = "",
                   areas: list | tuple | None = None) -> Path:
    """Write the recorded `tables` as an xlsx workbook at `target`, whole or not at all.

    `title` (the report's title) heads the "Note" sheet; `areas` ((code, label, population at risk)
    of the district's areas; default the area registry's) go in the sheet "Definizioni".
    """
    from openpyxl import Workbook

    target = Path(target)
    book = Workbook()
    book.remove(book.active)
    names = sheet_names([t["caption"] for t in tables])
    for name, table in zip(names, tables):
        _fill_sheet(book.create_sheet(name), table)
    _fill_notes(book.create_sheet(NOTES_SHEET), names, tables, title)
    _fill_definitions(book.create_sheet(DEFINITIONS_SHEET), tables, areas)
    with atomic_path(target) as tmp:
        book.save(tmp)
    return target


def _fill_sheet(sheet, table: dict) -> None:
    """Headers in row 1 (bold, frozen, with a filter), then the rows as shown."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    columns = table["columns"]
    sheet.append([safe_text(c) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(c)) for c in columns]
    for row in table["rows"]:
        sheet.append([_value(cell) for cell in row])
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell["t"] if isinstance(cell, dict) else str(cell)))
        for cell, shown in zip(sheet[sheet.max_row], row):
            if isinstance(shown, dict):
                cell.number_format = _number_format(shown)
            else:
                cell.data_type = "s"  # text stays text, whatever it looks like
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


def _value(cell):
    if isinstance(cell, dict):
        return int(cell["n"]) if cell["d"] == 0 and float(cell["n"]).is_integer() else cell["n"]
    return safe_text(cell)


def _number_format(cell: dict) -> str:
    if cell.get("y"):
        return "0"
    return "#,##0" + ("." + "0" * cell["d"] if cell["d"] else "")


def _fill_notes(sheet, names: list[str], tables: list[dict], title: str) -> None:
    """The last sheet: the report's title, each sheet with its table's full caption, the legends."""
    from openpyxl.styles import Font

    if title:
        sheet.append([safe_text(title)])
        sheet["A1"].font = Font(bold=True)
        sheet.append([])
    sheet.append(["Foglio", "Tabella"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for name, table in zip(names, tables):
        sheet.append([safe_text(name), safe_text(table["caption"])])
    legends = sorted({t["legend"] for t in tables if t.get("legend")})
    if legends:
        sheet.append([])
        for legend in legends:
            sheet.append([safe_text(legend)])
    from pianozona.analysis.definitions_methods import unpublished_note
    from pianozona.analysis.glossary import DICTIONARY_FILE, DICTIONARY_TITLE

    sheet.append([])
    sheet.append([safe_text(unpublished_note())])
    sheet.append([f"Definizioni degli indicatori: foglio «{DEFINITIONS_SHEET}» e {DICTIONARY_TITLE.lower()} "
                  f"pubblicato con i rapporti ({DICTIONARY_FILE})."])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 90


def _fill_definitions(sheet, tables: list[dict], areas) -> None:
    """The sheet "Definizioni": the dictionary's entry of each indicator the tables showed, methods, protection."""
    from openpyxl.styles import Alignment, Font

    from pianozona.analysis import definitions, glossary

    codes = list(dict.fromkeys(code for table in tables for code in definitions.resolve(table)[0]))
    entry = glossary.build(areas, codes)
    header, rows = glossary.sheet_rows(entry)
    sheet.append([safe_text(h) for h in header])
    for row in rows:
        sheet.append([safe_text(value) for value in row])
    blocks = [(glossary.AREA_HEADERS, entry.areas), (("Metodo", "Intervallo di confidenza"), entry.intervals),
              (("Metodo", "Confronto"), entry.comparisons), (("Segno", "Significato"), entry.markers),
              (("Tutela dei piccoli numeri",), tuple((line,) for line in entry.rule))]
    for titles, lines in blocks:
        if lines:
            sheet.append([])
            sheet.append([safe_text(t) for t in titles])
            sheet[sheet.max_row][0].font = Font(bold=True)
            for line in lines:
                sheet.append([safe_text(value) for value in line])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKL", (34, 28, 70, 40, 40, 45, 14, 40, 60, 60, 50, 40)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

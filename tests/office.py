"""A district filled as an office fills it (issue 20's "done when"), for the tests that need one.

`office_district` creates the district with ``pianozona nuovo-distretto`` (the empty workbook), then types the
office's tables into its sheets the way the Carpi trial did: comune codes as numbers (Excel drops the leading
zero), amounts as Italian text ("€ 12.500,00"), years as numbers, the optional sheets (servizi, persone) left
empty as the template allows, `fonte` the office's own ("gestionale"), three years of data (2021-2023) and
objectives whose target year is after the verified year (a plan in progress).  The figures are the
illustrative ones of `pianozona.data.demo`, relabelled: the point is how they are typed, not what they say.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from click.testing import CliRunner

from pianozona.cli import main
from pianozona.data import demo
from pianozona.data.config import read_config

#: the Carpi trial's district: four comuni of the province of Modena (Emilia-Romagna)
CARPI = "Carpi, Campogalliano, Novi di Modena, Soliera"
YEARS = (2021, 2022, 2023)
SOURCE = "gestionale"


def _euro(value: float) -> str:
    """An amount as an Italian office types it: '€ 1.234.567,89'."""
    whole, cents = f"{value:,.2f}".split(".")
    return f"€ {whole.replace(',', '.')},{cents}"


def _typed(table, name: str):
    """Rows of a demo table as typed in Excel: codes as numbers, amounts as Italian text, the office's source."""
    for row in table.to_dict("records"):
        if "anno" in row and row["anno"] not in YEARS and name != "obiettivi":
            continue
        row["fonte"] = SOURCE
        if "codice_comune" in row:
            row["codice_comune"] = int(row["codice_comune"])  # 036005 becomes 36005, as Excel does
        if "importo_euro" in row:
            row["importo_euro"] = _euro(row["importo_euro"])
        if name == "obiettivi":  # a three-year plan verified in its second year: targets in 2024 and 2025
            row["anno_base"], row["anno_target"] = 2021, 2024 if row["codice"] < "M" else 2025
        yield row


def office_district(root: Path, code: str = "carpi", comuni: str = CARPI, name: str = "Distretto di Carpi",
                    *, capofila: str = "Unione delle Terre d'Argine") -> Path:
    """Create `<root>/<code>` with nuovo-distretto and fill its workbook as an office would; return the folder."""
    made = CliRunner().invoke(main, ["nuovo-distretto", code, "--comuni", comuni, "--nome", name,
                                     "--cartella", str(root)])
    assert made.exit_code == 0, made.output
    folder = root / code
    config = folder / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "# ente_capofila: \"Nome dell'ente capofila\"", f"ente_capofila: \"{capofila}\""), encoding="utf-8")
    codes = list(read_config(folder).comuni)
    tables = demo.demo_tables(codes)
    base = {row["codice_obiettivo"]: row for row in tables["misure"].to_dict("records") if row["anno"] == YEARS[0]}
    tables["obiettivi"]["valore_base"] = tables["obiettivi"]["codice"].map(lambda c: base[c]["valore"])
    book = openpyxl.load_workbook(folder / "dati.xlsx")
    for sheet in ("utenti", "spesa", "obiettivi", "misure"):  # servizi and persone stay empty (optional)
        headers = [cell.value for cell in book[sheet][1]]
        for row in _typed(tables[sheet], sheet):
            book[sheet].append([row.get(h) for h in headers])
    book.save(folder / "dati.xlsx")
    return folder

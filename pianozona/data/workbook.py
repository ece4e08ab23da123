"""The empty workbook a planner fills in: one sheet per table of the data contract, with instructions.

Built from `pianozona.data.schema.TABLES`, so it follows the contract: headers in
row 1, drop-down lists for areas, funding sources, polarity and yes/no, and an
'Istruzioni' sheet naming every column.  `pianozona nuovo-distretto` writes it
into a new district folder; `scripts/genera_modello.py` writes the copy kept in
``data/modello/dati.xlsx``.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from pianozona.data.areas import AREE
from pianozona.data.leps_registry import FIGURE, LEPS
from pianozona.data.schema import FONTI_FINANZIAMENTO, POLARITA, TABLES, TableSpec

KIND_HELP = {
    "year": "anno a 4 cifre", "comune": "codice ISTAT a 6 cifre (es. 018110) o nome del comune", "area": "codice area",
    "int": "numero intero ≥ 0", "amount": "importo in euro ≥ 0 (virgola per i decimali)", "float": "numero",
    "text": "testo", "fonte_finanziamento": "fonte di finanziamento", "polarita": "alto_meglio / basso_meglio",
    "yesno": "sì / no", "fte": "equivalenti a tempo pieno ≥ 0 (virgola per i decimali, es. 2,5)",
    "figura": "figura professionale", "leps": "codice del LEPS", "stato_leps": "sì / no / parziale",
}
LISTS = {"area": list(AREE), "fonte_finanziamento": list(FONTI_FINANZIAMENTO), "polarita": list(POLARITA),
         "yesno": ["sì", "no"], "figura": list(FIGURE), "leps": list(LEPS), "stato_leps": ["sì", "no", "parziale"]}
#: rows of each sheet that get the drop-down lists
LIST_ROWS = 5000


def build_workbook() -> Workbook:
    """The empty workbook, in memory: the 'Istruzioni' sheet, then one sheet per table."""
    book = Workbook()
    info = book.active
    info.title = "Istruzioni"
    info.append(["Modello dati pianozona: un foglio per tabella; non cambiare i nomi dei fogli né delle colonne."])
    info.append(["Compilare i fogli di questo file nella cartella del distretto, accanto a distretto.yml, poi "
                 "controllarli con: pianozona validate"])
    info.append([])
    info.append(["foglio", "colonna", "contenuto", "obbligatoria", "note"])
    info["A1"].font = Font(bold=True)
    for spec in TABLES.values():
        _add_sheet(book, spec)
        for col in spec.columns:
            info.append([spec.name, col.name, KIND_HELP[col.kind], "no" if col.nullable else "sì", col.help])
    info.append([])
    info.append(["Aree: " + ", ".join(f"{a.codice} ({a.etichetta})" for a in AREE.values())])
    info.append(["Fonti di finanziamento: " + ", ".join(f"{k} ({v})" for k, v in FONTI_FINANZIAMENTO.items())])
    info.append(["Figure del personale: " + ", ".join(f"{k} ({v})" for k, v in FIGURE.items())])
    info.append(["LEPS: " + ", ".join(f"{k} ({v.nome})" for k, v in LEPS.items())])
    optional = [f"{spec.name} ({spec.title.lower()})" for spec in TABLES.values() if not spec.required]
    info.append(["Fogli facoltativi, da lasciare vuoti o cancellare se i dati mancano: " + "; ".join(optional)])
    return book


def _add_sheet(book: Workbook, spec: TableSpec) -> None:
    sheet = book.create_sheet(spec.name)
    sheet.append([c.name for c in spec.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, col in enumerate(spec.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(14, len(col.name) + 4)
        if col.kind in LISTS:
            rule = DataValidation(type="list", formula1='"' + ",".join(LISTS[col.kind]) + '"', allow_blank=True)
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{LIST_ROWS}")


def write_workbook(path: str | Path) -> Path:
    """Write the empty workbook to `path` (its folder is created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_workbook().save(path)
    return path

"""Write data/modello/dati.xlsx: the workbook a planner fills in for a new district.

One sheet per table of the data contract (pianozona.data.schema.TABLES), headers
in row 1, drop-down lists for areas, funding sources and polarity, plus an
'Istruzioni' sheet.  Copy it into data/<district>/ next to distretto.yml: the
loader reads each sheet as the table of the same name.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pianozona.data.areas import AREE  # noqa: E402
from pianozona.data.schema import FONTI_FINANZIAMENTO, POLARITA, TABLES  # noqa: E402

KIND_HELP = {
    "year": "anno a 4 cifre", "comune": "codice ISTAT a 6 cifre (es. 018110)", "area": "codice area",
    "int": "numero intero ≥ 0", "amount": "importo in euro ≥ 0 (virgola per i decimali)", "float": "numero",
    "text": "testo", "fonte_finanziamento": "fonte di finanziamento", "polarita": "alto_meglio / basso_meglio",
    "yesno": "sì / no",
}
LISTS = {"area": list(AREE), "fonte_finanziamento": list(FONTI_FINANZIAMENTO), "polarita": list(POLARITA),
         "yesno": ["sì", "no"]}


def main() -> None:
    book = Workbook()
    info = book.active
    info.title = "Istruzioni"
    info.append(["Modello dati pianozona: un foglio per tabella; non cambiare i nomi dei fogli né delle colonne."])
    info.append(["Copiare questo file in data/<distretto>/dati.xlsx accanto a distretto.yml, poi: pianozona validate <distretto>"])
    info.append([])
    info.append(["foglio", "colonna", "contenuto", "obbligatoria", "note"])
    info["A1"].font = Font(bold=True)
    for spec in TABLES.values():
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
                rule.add(f"{letter}2:{letter}5000")
            info.append([spec.name, col.name, KIND_HELP[col.kind], "no" if col.nullable else "sì", col.help])
    info.append([])
    info.append(["Aree: " + ", ".join(f"{a.codice} ({a.etichetta})" for a in AREE.values())])
    info.append(["Fonti di finanziamento: " + ", ".join(f"{k} ({v})" for k, v in FONTI_FINANZIAMENTO.items())])
    optional = [f"{spec.name} ({spec.title.lower()})" for spec in TABLES.values() if not spec.required]
    info.append(["Fogli facoltativi, da lasciare vuoti o cancellare se i dati mancano: " + "; ".join(optional)])
    out = ROOT / "data" / "modello" / "dati.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)


if __name__ == "__main__":
    main()

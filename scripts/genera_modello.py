"""Write data/modello/dati.xlsx: the workbook a planner fills in for a new district.

The workbook is built by `pianozona.data.workbook` (one sheet per table of the
data contract, drop-down lists, an 'Istruzioni' sheet); `pianozona
nuovo-distretto` writes the same workbook into a new district folder.
"""

from __future__ import annotations

from pathlib import Path

from pianozona.data.workbook import write_workbook

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    write_workbook(ROOT / "data" / "modello" / "dati.xlsx")


if __name__ == "__main__":
    main()

"""The cost of the protection: how many counts each district hides, per area, small counts and complements apart.

    python scripts/costo_protezione.py                    # Pavia and the nine districts of the example territory
    python scripts/costo_protezione.py data/pavia other/  # any district folders

For every district, area and year of its data, the cells a run publishes (the comuni with the district
total, and the services with the area total) are counted: how many there are, how many are hidden
because they are small counts (1 to 4), and how many more are hidden to protect them (complements).
It reads the published tables through `needs.protected_tables`, the same way every report does, so it
can be run against an older checkout of the package (``PYTHONPATH=<old checkout>``) to compare.
Prints one Markdown table per district and the totals.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pianozona
from pianozona.analysis import needs

ROOT = Path(__file__).resolve().parent.parent
FLAG = "utenti_soppresso"


def district_cost(folder: str | Path) -> list[dict]:
    """Per area (all years together): cells published, small counts hidden, complements hidden."""
    district = pianozona.load_district(folder)
    rows = []
    for area in district.aree:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shown = needs.protected_tables(district, area, district.anni_dati, publish=True)
            raw = needs.protected_tables(district, area, district.anni_dati, publish=False)
        cells = small = complements = 0
        for published, truth in zip(shown, raw):
            hidden = published[FLAG].to_numpy(bool)
            values = truth["utenti"].to_numpy(float)
            is_small = (values >= 1) & (values <= 4)
            cells += len(published)
            small += int((hidden & is_small).sum())
            complements += int((hidden & ~is_small).sum())
        rows.append({"area": area, "celle": cells, "piccole": small, "complementi": complements})
    return rows


def table(name: str, rows: list[dict]) -> str:
    lines = [f"### {name}", "", "| area | celle | nascoste: piccole | nascoste: complementi | nascoste in tutto |",
             "|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['area']} | {r['celle']} | {r['piccole']} | {r['complementi']} | "
                     f"{r['piccole'] + r['complementi']} |")
    total = {k: sum(r[k] for r in rows) for k in ("celle", "piccole", "complementi")}
    lines.append(f"| **totale** | {total['celle']} | {total['piccole']} | {total['complementi']} | "
                 f"{total['piccole'] + total['complementi']} |")
    return "\n".join(lines)


def main(folders: list[str]) -> None:
    if not folders:
        territory = ROOT / "data" / "territori" / "provincia_pavia"
        folders = [str(ROOT / "data" / "pavia"), *sorted(str(p) for p in territory.iterdir() if p.is_dir())]
    grand = {"celle": 0, "piccole": 0, "complementi": 0}
    for folder in folders:
        rows = district_cost(folder)
        print(table(Path(folder).name, rows), end="\n\n")
        for key in grand:
            grand[key] += sum(r[key] for r in rows)
    print(f"Tutti: {grand['celle']} celle, {grand['piccole']} piccole e {grand['complementi']} complementi nascosti.")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The district's budget: the numbers behind `bilancio.ipynb`.

Funds by source and year, spending by area per resident and per user, and the
change on the previous year — all from the `spesa`, `utenti` and population tables.
"""

from __future__ import annotations

import pandas as pd

from pianozona.analysis import definitions, needs
from pianozona.data.datasets import District
from pianozona.analysis.indicators import spesa_pro_capite
from pianozona.data.schema import FONTI_FINANZIAMENTO

FLAGS = needs.FLAGS  # the suppression flag of the users column


AREA_LABELS = {"etichetta": "Area",
               **definitions.nomi(["importo_euro", "spesa_per_residente", "utenti", "spesa_per_utente"]),
               "variazione_pct": "Variazione sull'anno prec. (%)"}


def funds_by_source(district: District) -> pd.DataFrame:
    """Euro per funding source (rows, in the registry's order) and year (columns), with a total row."""
    spesa = district.spesa.dropna(subset=["anno", "importo_euro"])
    pivot = spesa.pivot_table(index="fonte_finanziamento", columns="anno", values="importo_euro", aggfunc="sum",
                              fill_value=0.0)
    order = [k for k in FONTI_FINANZIAMENTO if k in pivot.index]
    pivot = pivot.loc[order]
    pivot.index = [FONTI_FINANZIAMENTO[k] for k in order]
    pivot.loc["Totale"] = pivot.sum()
    pivot.index.name = "Fonte di finanziamento"
    pivot.columns = [int(c) for c in pivot.columns]
    return pivot


def _users(district: District, year: int, publish: bool | None) -> pd.DataFrame:
    """Users per area in `year`: the district totals of the area reports, protected the same way."""
    rows = []
    for area in district.aree:
        total = needs.district_totals(district, area, [year], publish=publish)
        rows.append(total.assign(area=area)[["area", "utenti", *FLAGS]])
    return pd.concat(rows, ignore_index=True).set_index("area")


def spending_by_area(district: District, year: int, *, publish: bool | None = None) -> pd.DataFrame:
    """Spending per area in `year`: total, per resident, users, per user, change % on the previous year.

    The users of each area are the district total of its needs analysis
    (`needs.district_totals`), so a total hidden there is hidden here too and
    the spending per user with it.  Users are counted per service (or as
    distinct persons where the district gives the `persone` table).
    """
    table = spesa_pro_capite(district, anni=[year - 1, year])
    now = table[table["anno"] == year].set_index("area")
    before = table[table["anno"] == year - 1].set_index("area")
    out = now[["importo_euro", "spesa_per_residente"]].copy()
    out = out.join(_users(district, year, publish))
    out[FLAGS[0]] = out[FLAGS[0]].fillna(False).astype(bool)
    out["spesa_per_utente"] = (out["importo_euro"] / out["utenti"]).where(out["utenti"] > 0)
    out["variazione_pct"] = (out["importo_euro"] / before["importo_euro"].reindex(out.index) - 1) * 100
    out = out.reindex([a for a in district.aree if a in out.index])
    out.insert(0, "etichetta", [district.aree[a].etichetta for a in out.index])
    return out[["etichetta", "importo_euro", "spesa_per_residente", "utenti", "spesa_per_utente", "variazione_pct",
                *FLAGS]]


def residents(district: District, year: int) -> int:
    """Residents of the district in `year` (nearest population year)."""
    pop = district.popolazione
    return int(pop.loc[pop["anno"] == district.nearest_population_year(year), "residenti"].sum())


def metrics(district: District, year: int) -> dict:
    """Key figures for the metrics JSON."""
    funds = funds_by_source(district)
    total = float(funds.loc["Totale", year])
    previous = float(funds.loc["Totale", year - 1]) if year - 1 in funds.columns else None
    return {
        "anno": year,
        "spesa_totale_euro": round(total, 2),
        "variazione_pct": round((total / previous - 1) * 100, 6) if previous else None,
        "spesa_per_residente": round(total / residents(district, year), 6),
    }

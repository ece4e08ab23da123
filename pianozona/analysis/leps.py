"""The social-worker LEPS and what the law's contribution would be, and the checklist of the other LEPS.

The rule (L. 30 dicembre 2020, n. 178, art. 1, c. 797): a livello essenziale
delle prestazioni of one social worker per 5,000 residents of the ambito, a
further service target of one per 4,000, and a yearly contribution from the
Fondo Povertà (its "quota servizi") to the ambito

a) 40,000 euro for each social worker on a permanent contract (``a tempo
   indeterminato``), counted in full-time equivalents, beyond the ratio 1:6,500
   and up to 1:5,000;
b) 20,000 euro for each one beyond 1:5,000 and up to 1:4,000.

Computed here as the text says, on the residents of the district (`residents`):
with R residents and F permanent FTE, the first band holds
``min(max(F - R/6500, 0), R/5000 - R/6500)`` FTE and the second
``min(max(F - R/5000, 0), R/4000 - R/5000)``; the contribution is 40,000 and
20,000 euro per FTE of each band.  Fractions of FTE count (the law counts
"in termini di equivalente a tempo pieno"; D.M. 4 febbraio 2021, n. 15 counts
the yearly average of social workers in service, as FTE); nothing is rounded
but the euro shown.  Residents are ISTAT's at 1 January of the year (the
district's population; the nearest year when it is missing, said in
``anno_popolazione``), as the D.M. 15/2021 uses for the split among comuni;
the Ministry's yearly decree fixes the figure it uses.  Staff on other contracts
are shown and never counted.  The result is an estimate of what the rule gives,
not money granted: the amount is recognised by the Ministry's decree on the
data the ambito enters in SIOSS by 28 February, within the fund's resources.

Staff numbers are not counts of people served: they are published as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona.analysis import definitions
from pianozona.data.datasets import District
from pianozona.data.leps_registry import ASSISTENTE_SOCIALE, FIGURE, LEPS, STATI

__all__ = ["VIEWS", "population_note", "CHECK_SYMBOLS", "EURO_FIRST", "EURO_SECOND", "LABELS", "RATIO_FLOOR",
           "RATIO_LEPS", "RATIO_TARGET", "RULE_TEXT", "STAFF_LABELS", "availability", "checklist", "contribution",
           "metrics", "position", "social_workers", "staff_table", "summary"]

RATIO_FLOOR, RATIO_LEPS, RATIO_TARGET = 6500, 5000, 4000
EURO_FIRST, EURO_SECOND = 40_000, 20_000
RULE_TEXT = (
    "La legge di bilancio 2021 (L. 178/2020, art. 1, c. 797) fissa un livello essenziale delle prestazioni di un "
    "assistente sociale a tempo indeterminato ogni 5.000 residenti dell'ambito e un obiettivo di servizio di uno "
    "ogni 4.000, e riconosce all'ambito, sul Fondo povertà, un contributo annuo di 40.000 euro per ogni assistente "
    "sociale a tempo indeterminato (in equivalenti a tempo pieno) oltre il rapporto 1:6.500 e fino a 1:5.000, e di "
    "20.000 euro per ognuno oltre 1:5.000 e fino a 1:4.000. Le frazioni di equivalente a tempo pieno contano. Il "
    "contributo qui è una stima di ciò che la regola dà, non una somma concessa: l'importo è riconosciuto dal "
    "decreto annuale del Ministero del lavoro sui dati inseriti in SIOSS entro il 28 febbraio, nei limiti del "
    "Fondo. Gli assistenti sociali a tempo determinato sono mostrati ma non contano.")
#: the headers of `social_workers`: every number column is an indicator of the dictionary, under its name
LABELS = {
    "anno": "Anno", "residenti": "Residenti al 1° gennaio",
    **definitions.nomi(["fte_indeterminato", "fte_determinato", "residenti_per_as", "soglia_6500", "soglia_5000",
                        "soglia_4000", "mancanti_6500", "mancanti_5000", "mancanti_4000", "fascia_40000",
                        "fascia_20000", "contributo_euro"]),
    "posizione": "Dove si colloca",
}


#: the three tables a page shows of `social_workers` (one wide table would not fit a page)
VIEWS = {
    "rapporto": ["anno", "residenti", "fte_indeterminato", "fte_determinato", "residenti_per_as", "posizione"],
    "soglie": ["anno", "soglia_6500", "soglia_5000", "soglia_4000", "mancanti_6500", "mancanti_5000",
               "mancanti_4000"],
    "contributo": ["anno", "fascia_40000", "fascia_20000", "contributo_euro"],
}
#: the headers of `staff_table` (the dictionary's "Personale (FTE)", per contract)
STAFF_LABELS = {"anno": "Anno", "figura": "Figura", "personale_indeterminato": "Tempo indeterminato (FTE)",
                "personale_determinato": "Tempo determinato (FTE)", "personale_totale": "Totale (FTE)"}
_STAFF_COLUMNS = {"indeterminato": "personale_indeterminato", "determinato": "personale_determinato",
                  "totale": "personale_totale"}
#: the state of a LEPS in words and a symbol (never colour alone)
CHECK_SYMBOLS = {"sì": "● sì", "parziale": "◐ parziale", "no": "○ no", "non indicato": "– non indicato"}


def contribution(residents: float, fte: float) -> dict[str, float]:
    """Thresholds, missing FTE and the yearly contribution the rule gives for `residents` and permanent `fte`."""
    r, f = float(residents), max(float(fte), 0.0)
    floor, leps, target = r / RATIO_FLOOR, r / RATIO_LEPS, r / RATIO_TARGET
    first = min(max(f - floor, 0.0), leps - floor)
    second = min(max(f - leps, 0.0), target - leps)
    return {"soglia_6500": floor, "soglia_5000": leps, "soglia_4000": target,
            "mancanti_6500": max(floor - f, 0.0), "mancanti_5000": max(leps - f, 0.0),
            "mancanti_4000": max(target - f, 0.0), "fascia_40000": first, "fascia_20000": second,
            "contributo_euro": EURO_FIRST * first + EURO_SECOND * second,
            "residenti_per_as": r / f if f > 0 else np.nan}


def position(residents_per_as: float) -> str:
    """Where an ambito stands against the three ratios, in words."""
    if not np.isfinite(residents_per_as):
        return "nessun assistente sociale a tempo indeterminato"
    if residents_per_as <= RATIO_TARGET:
        return "obiettivo di servizio raggiunto (1:4.000)"
    if residents_per_as <= RATIO_LEPS:
        return "LEPS raggiunto (1:5.000)"
    if residents_per_as <= RATIO_FLOOR:
        return "tra 1:6.500 e il LEPS"
    return "sotto 1:6.500"


def availability(district: District) -> str | None:
    """None when the district has a `personale` or `leps` table with rows; else why the report is skipped."""
    if any(t is not None and not t.empty for t in (district.personale, district.leps)):
        return None
    return ("livelli_essenziali non eseguito: il distretto non ha le tabelle facoltative 'personale' né 'leps' "
            "(vedi data/README.md)")


def _residents(district: District, year: int) -> tuple[int, int]:
    source = district.nearest_population_year(year)
    pop = district.popolazione
    return int(pop.loc[pop["anno"] == source, "residenti"].sum()), source


def social_workers(district: District, until: int | None = None) -> pd.DataFrame:
    """Per year of the `personale` table (up to `until`): residents, social workers (FTE), ratios, contribution."""
    staff = district.personale
    if staff is not None and until is not None:
        staff = staff[staff["anno"] <= until]
    if staff is None or staff.empty:
        return pd.DataFrame(columns=["anno", "anno_popolazione", *[c for c in LABELS if c != "anno"]])
    workers = staff[staff["figura"] == ASSISTENTE_SOCIALE]
    rows = []
    for year in sorted(int(y) for y in staff["anno"].dropna().unique()):
        mine = workers[workers["anno"] == year]
        permanent = float(mine.loc[mine["tempo_indeterminato"].fillna(False).astype(bool), "fte"].sum())
        fixed = float(mine.loc[~mine["tempo_indeterminato"].fillna(False).astype(bool), "fte"].sum())
        residents, source = _residents(district, year)
        rule = contribution(residents, permanent)
        rows.append({"anno": year, "anno_popolazione": source, "residenti": residents,
                     "fte_indeterminato": permanent, "fte_determinato": fixed, **rule,
                     "posizione": position(rule["residenti_per_as"])})
    table = pd.DataFrame(rows)
    return table[["anno", "anno_popolazione", *[c for c in LABELS if c != "anno"]]]


def staff_table(district: District, until: int | None = None) -> pd.DataFrame:
    """FTE per year (up to `until`) and figure, permanent and not: the `personale` table summed, figures named."""
    staff = district.personale
    if staff is not None and until is not None:
        staff = staff[staff["anno"] <= until]
    if staff is None or staff.empty:
        return pd.DataFrame(columns=list(STAFF_LABELS))
    kind = np.where(staff["tempo_indeterminato"].fillna(False).astype(bool), "indeterminato", "determinato")
    table = (staff.assign(contratto=kind).pivot_table(index=["anno", "figura"], columns="contratto", values="fte",
                                                      aggfunc="sum", fill_value=0.0)
             .reindex(columns=["indeterminato", "determinato"], fill_value=0.0).reset_index())
    table["totale"] = table["indeterminato"] + table["determinato"]
    order = {code: i for i, code in enumerate(FIGURE)}
    table = table.sort_values(["anno", "figura"], key=lambda s: s.map(order) if s.name == "figura" else s)
    table["figura"] = table["figura"].map(FIGURE)
    table["anno"] = table["anno"].astype(int)
    return table.rename(columns=_STAFF_COLUMNS)[list(STAFF_LABELS)].reset_index(drop=True)


def checklist(district: District, year: int) -> tuple[pd.DataFrame, int | None]:
    """Every LEPS of the registry with its state in the latest year up to `year` of the `leps` table.

    Returns the table (LEPS, stato, nota, riferimento) and the year it describes (None
    when the table has no year up to `year`: every state is then "non indicato").
    """
    table = district.leps
    known = table[table["anno"] <= year] if table is not None and not table.empty else None
    shown = int(known["anno"].max()) if known is not None and not known.empty else None
    rows = known[known["anno"] == shown].set_index("leps") if shown is not None else pd.DataFrame()
    out = []
    for code, item in LEPS.items():
        state = STATI.get(rows.at[code, "stato"], "non indicato") if code in rows.index else "non indicato"
        note = rows.at[code, "nota"] if code in rows.index and "nota" in rows else None
        out.append({"leps": item.nome, "stato": CHECK_SYMBOLS[state], "nota": "" if pd.isna(note) else str(note),
                    "riferimento": item.riferimento})
    return pd.DataFrame(out), shown


def summary(table: pd.DataFrame, year: int) -> str:
    """One paragraph on the year (the latest of the table up to `year`), in Italian words."""
    from pianozona.formatting import num

    row = _row(table, year)
    if row is None:
        return "La tabella del personale non ha assistenti sociali per questo anno."
    text = (f"Nel {int(row.anno)} l'ambito ha {num(row.fte_indeterminato, 1)} assistenti sociali a tempo "
            f"indeterminato (equivalenti a tempo pieno) per {num(row.residenti, 0)} residenti")
    text += (f": un assistente sociale ogni {num(row.residenti_per_as, 0)} residenti, {row.posizione}."
             if np.isfinite(row.residenti_per_as) else ".")
    if row.mancanti_5000 > 0:
        text += f" Al LEPS mancano {num(row.mancanti_5000, 1)} equivalenti a tempo pieno."
    text += (f" Con la regola della legge il contributo annuo stimato è di {num(row.contributo_euro, 0)} euro "
             "(una stima, non una somma concessa).")
    return text


def population_note(table: pd.DataFrame) -> str:
    """The sentence saying which years borrow the residents of the nearest year ('' when none does)."""
    borrowed = table[table["anno"] != table["anno_popolazione"]]
    if borrowed.empty:
        return ""
    parts = [f"{int(a)} quelli del {int(p)}" for a, p in zip(borrowed["anno"], borrowed["anno_popolazione"])]
    return ("Per gli anni senza popolazione ISTAT nei dati del distretto si usano i residenti dell'anno più vicino: "
            f"per il {'; per il '.join(parts)}.")


def _row(table: pd.DataFrame, year: int):
    rows = table[table["anno"] <= year] if not table.empty else table
    return next(rows.sort_values("anno").tail(1).itertuples(), None) if not rows.empty else None


def metrics(table: pd.DataFrame, checks: pd.DataFrame, year: int) -> dict:
    """The key figures: the year's FTE, residents per social worker, the estimate, LEPS in place."""
    from pianozona.formatting import num

    row = _row(table, year)
    active = int((checks["stato"] == CHECK_SYMBOLS["sì"]).sum())
    out = {"anno": year, "fonte_regola": definitions.get("contributo_stimato").fonte, "leps_attivi": active,
           "leps_elencati": len(checks), "in_evidenza": {definitions.nome("leps_attivi"): f"{active} su {len(checks)}"}}
    if row is not None:
        out.update({"anno_personale": int(row.anno), "fte_indeterminato": round(float(row.fte_indeterminato), 3),
                    "residenti_per_as": round(float(row.residenti_per_as), 1)
                    if np.isfinite(row.residenti_per_as) else None,
                    "contributo_stimato_euro": round(float(row.contributo_euro), 2), "posizione": row.posizione})
        out["in_evidenza"] = {
            definitions.nome("residenti_per_as"): num(row.residenti_per_as, 0)
            if np.isfinite(row.residenti_per_as) else "n.d.",
            definitions.nome("contributo_euro"): num(row.contributo_euro, 0), **out["in_evidenza"]}
    return out

"""Annual verification of the plan's objectives: the numbers behind `verifica_annuale.ipynb`.

`objectives_table` gives every objective with its value in the verified year
and its progress on the straight path from baseline to target (share of the
way, expected value, gap, status: the rules are in
`pianozona.analysis.progress`).  `history` gives the plan's starting point:
the measures from before the objectives' baseline years, when the district has
any.

Which values are counts.  An objective's `unita` says what its values count;
every unit except money, percentages and rates (`NON_COUNT_UNITS`) is taken
as a count of people or of what they receive (persone, ragazzi, accessi,
prestiti ...).  Such a value is protected with the district's counts
(`protection.objective_hidden`): hidden when it is from 1 to
`privacy.DEFAULT_THRESHOLD`, when the objective names a service (`servizio`)
whose count is hidden that year, or when it equals a count hidden that year.
With a hidden value or baseline go the status (`non pubblicato`) and every
number computed from it: the variation, the share of the way, the expected
value and the gap (any one of them, with the baseline and the target, would
give the hidden value back).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import definitions
from pianozona.analysis.protection import objective_hidden
from pianozona.data.areas import AREE
from pianozona.analysis.progress import STATUSES, expected_value, progress, status, status_counts
from pianozona.data.datasets import District

__all__ = ["COLOURS", "DERIVED", "HISTORY_LABELS", "NON_COUNT_UNITS", "PROGRESS_LABELS", "STATUSES", "status_counts",
           "expected_value", "history", "history_note", "history_sources", "history_title", "history_years",
           "is_count", "metrics", "objectives_table", "progress_view", "status"]

NON_COUNT_UNITS = frozenset({"euro", "€", "%", "percentuale", "per cento", "per mille", "tasso", "indice",
                             "rapporto", "giorni", "ore", "mesi", "anni"})
HISTORY_LABELS = {"area": "Area", "indicatore": "Indicatore", "unita": "Unità", "anno": "Anno",
                  **definitions.nomi(["valore"]),
                  "variazione_pct": "Variazione dal primo anno (%)", "nota": "Nota", "fonte": "Fonte"}
PROGRESS_LABELS = {"codice": "Codice", "indicatore": "Indicatore", "valore_base": "Valore base", "target": "Target",
                   **definitions.nomi(["valore", "atteso", "scarto", "percorso_pct", "percorso_atteso_pct"]),
                   "stato": "Stato"}
#: Numbers computed from an objective's value and baseline: hidden with either of them.
DERIVED = ("atteso", "scarto", "percorso_pct", "variazione_da_base_pct")
#: Status colours told apart with any colour vision (Okabe-Ito): dark blue reached, light blue on track,
#: orange behind the path (before the target year), vermillion not reached (the target year come), greys without
#: a verdict; a chart or table also writes the status in words.
COLOURS = {"raggiunto": "#0072b2", "in linea": "#56b4e9", "in ritardo sul percorso": "#e69f00",
           "non raggiunto": "#d55e00", "non avviato": "#cccccc", "non misurato": "#999999",
           "non pubblicato": "#666666"}


def is_count(unita: pd.Series) -> np.ndarray:
    """True where an objective's unit counts people or what they receive (see the module docstring)."""
    text = unita.fillna("").astype(str).str.strip().str.lower()
    return (~text.isin(NON_COUNT_UNITS) & ~text.str.contains("euro|%", regex=True)).to_numpy()


def _named_service(table: pd.DataFrame) -> pd.Series:
    """The `servizio` an objective says it counts ('' when the office did not say)."""
    if "servizio" not in table.columns:
        return pd.Series([""] * len(table), index=table.index)
    return table["servizio"].fillna("").astype(str)


def objectives_table(district: District, year: int, *, publish: bool | None = None) -> pd.DataFrame:
    """Every objective with baseline, target, the year's value and its progress (`progress.progress`).

    When publishing, values and baselines that the district's protection hides
    (`protection.objective_hidden`) are NaN, with
    `valore_soppresso`/`valore_base_soppresso` True and status `non pubblicato`;
    the numbers derived from them (`DERIVED`) are NaN too, and
    ``attrs[privacy.ATTRS_KEY]["derived"]`` tells `privacy.format_suppressed`
    (hence `display.table`) to show them as "n.d.".
    """
    obj = district.obiettivi.drop(columns=["_riga"], errors="ignore").copy()
    values = district.misure[district.misure["anno"] == year].set_index("codice_obiettivo")["valore"]
    obj["valore"] = obj["codice"].map(values).astype(float)
    obj = obj.join(progress(obj, year))
    obj["variazione_da_base_pct"] = (obj["valore"] / obj["valore_base"] - 1) * 100
    counts = is_count(obj["unita"])
    named = _named_service(obj)
    hidden_value = objective_hidden(district, obj["valore"], pd.Series(year, index=obj.index), obj["area"], named,
                                    counts, publish=publish)
    hidden_base = objective_hidden(district, obj["valore_base"], obj["anno_base"], obj["area"], named, counts,
                                   publish=publish)
    obj.loc[hidden_value, "valore"] = np.nan
    obj.loc[hidden_base, "valore_base"] = np.nan
    obj.loc[hidden_value | hidden_base, list(DERIVED)] = np.nan
    obj.loc[hidden_value | hidden_base, "stato"] = "non pubblicato"
    for col, hidden in (("valore", hidden_value), ("valore_base", hidden_base)):
        obj[col + privacy.FLAG_SUFFIX] = hidden
    table = obj[["codice", "area", "obiettivo", "indicatore", "unita", "polarita", "anno_base", "valore_base",
                 "target", "anno_target", "valore", "atteso", "scarto", "percorso_pct", "percorso_atteso_pct",
                 "stato", "variazione_da_base_pct", "fonte", "valore_soppresso",
                 "valore_base_soppresso"]].reset_index(drop=True)
    table.attrs[privacy.ATTRS_KEY] = {"derived": {col: ["valore", "valore_base"] for col in DERIVED}}
    return table


def progress_view(objectives: pd.DataFrame) -> pd.DataFrame:
    """The columns of `objectives_table` that show progress, in reading order (labels: `PROGRESS_LABELS`)."""
    view = objectives[[c for c in PROGRESS_LABELS] + [c for c in objectives.columns
                                                      if str(c).endswith(privacy.FLAG_SUFFIX)]]
    view.attrs = dict(objectives.attrs)
    return view


def _before_baseline(district: District) -> pd.DataFrame:
    """The measures with the baseline year of their objective, and `prima` True when they come before it."""
    rows = district.misure.drop(columns=["_riga"], errors="ignore").merge(
        district.obiettivi[["codice", "anno_base"]], left_on="codice_obiettivo", right_on="codice", how="inner")
    return rows.assign(prima=rows["anno"] < rows["anno_base"])


def history_sources(district: District) -> list[str]:
    """The sources (`fonte`) of the measures from before their objective's baseline year: the plan's history.

    Empty when the district has no such measure: then there is no history to show.
    """
    rows = _before_baseline(district)
    return sorted(str(f) for f in rows.loc[rows["prima"], "fonte"].dropna().unique())


def history(district: District, source: str | None = None, *, publish: bool | None = None) -> pd.DataFrame:
    """The plan's starting point: the measures up to each objective's baseline year from the history's sources.

    The sources are `history_sources` (those of the measures from before a
    baseline year), or `source` when given.  For each indicator with more
    than one year, the change from the first to the last year is computed
    here (a plan's prose is never copied).  No measure before the baselines:
    an empty table with the same columns.  When publishing, small counts are
    NaN (`valore_soppresso` True) and so are the variations computed from them.
    """
    sources = history_sources(district) if source is None else [source]
    rows = _before_baseline(district)
    rows = rows[rows["fonte"].isin(sources) & (rows["anno"] <= rows["anno_base"])].drop(columns="codice")
    wanted = [c for c in ("codice", "area", "indicatore", "unita", "servizio") if c in district.obiettivi.columns]
    rows = rows.merge(district.obiettivi[wanted], left_on="codice_obiettivo", right_on="codice",
                      how="left").drop(columns="codice")
    rows = rows.sort_values(["codice_obiettivo", "anno"], ignore_index=True)
    if "nota" not in rows:
        rows["nota"] = ""
    first = rows.groupby("codice_obiettivo")["valore"].transform("first")
    first_year = rows.groupby("codice_obiettivo")["anno"].transform("first")
    rows["variazione_pct"] = np.where(rows["anno"] > first_year, (rows["valore"] / first - 1) * 100, np.nan)
    hidden = objective_hidden(district, rows["valore"], rows["anno"], rows["area"], _named_service(rows),
                              is_count(rows["unita"]), publish=publish)
    rows["area"] = rows["area"].map(lambda a: AREE[a].etichetta if a in AREE else a)
    first_hidden = pd.Series(hidden, index=rows.index).groupby(rows["codice_obiettivo"]).transform("first")
    rows.loc[hidden, "valore"] = np.nan
    rows.loc[hidden | first_hidden.to_numpy(dtype=bool), "variazione_pct"] = np.nan
    rows["valore" + privacy.FLAG_SUFFIX] = hidden
    table = rows[["codice_obiettivo", "area", "indicatore", "unita", "anno", "valore", "variazione_pct", "nota",
                  "fonte", "valore_soppresso"]].reset_index(drop=True)
    table.attrs[privacy.ATTRS_KEY] = {"derived": {"variazione_pct": "valore"}}
    return table


def history_years(table: pd.DataFrame) -> str:
    """The years of a `history` table as a page writes them: '2009–2011', or '2011' for one year."""
    first, last = int(table["anno"].min()), int(table["anno"].max())
    return str(first) if first == last else f"{first}–{last}"


def history_title(table: pd.DataFrame) -> str:
    """The heading of the history section from its years, e.g. 'Il punto di partenza: 2009–2011'."""
    return f"Il punto di partenza: {history_years(table)}"


def history_note(table: pd.DataFrame) -> str:
    """The sentence under the history heading: its sources (as the office wrote them) and how variations are made."""
    sources = ", ".join(sorted(str(f) for f in table["fonte"].dropna().unique()))
    return (f"I valori degli indicatori fino agli anni di base degli obiettivi ({history_years(table)}), "
            f"da cui partono i target. Fonte: {sources}. "
            "Le variazioni sono calcolate qui dai valori, non riprese dal testo della fonte.")


def metrics(table: pd.DataFrame, year: int) -> dict:
    """The key figures of the verification: number of objectives, of objectives in each status, and `stati`,
    every status present counted in words (what the index shows)."""
    counts = table["stato"].value_counts()
    by_status = {s.replace(" ", "_"): int(counts.get(s, 0)) for s in STATUSES}
    return {"anno": year, "obiettivi": int(len(table)), **by_status, "stati": status_counts(table["stato"])}

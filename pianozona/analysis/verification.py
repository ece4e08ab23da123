"""Annual verification of the plan's objectives: the numbers behind `verifica_annuale.ipynb`.

Status of an objective in a year, from its baseline, target and polarity:

* `raggiunto`: the year's value meets the target (≥ target when higher is
  better, ≤ when lower is better);
* `in linea`: not yet met, but at least where the straight path from baseline
  (anno_base) to target (anno_target) says it should be in that year;
* `non raggiunto`: behind that path, or the target year has passed unmet;
* `non misurato`: no value for the year;
* `non pubblicato`: (publication mode only) the value is a count from 1 to 4
  of people or of what they receive, hidden like every small count: its status
  would say on which side of the target or of the path it lies.

Which values are counts.  An objective's `unita` says what its values count;
every unit except money, percentages and rates (`NON_COUNT_UNITS`) is taken
as a count of people or of what they receive (persone, ragazzi, accessi,
prestiti ...), so a value from 1 to `privacy.DEFAULT_THRESHOLD` is hidden in a
shared report, with the variation computed from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.data.areas import AREE
from pianozona.data.datasets import District

STATUSES = ("raggiunto", "in linea", "non raggiunto", "non misurato", "non pubblicato")
NON_COUNT_UNITS = frozenset({"euro", "€", "%", "percentuale", "per cento", "per mille", "tasso", "indice",
                             "rapporto", "giorni", "ore", "mesi", "anni"})
HISTORY_LABELS = {"area": "Area", "indicatore": "Indicatore", "unita": "Unità", "anno": "Anno", "valore": "Valore",
                  "variazione_pct": "Variazione dal primo anno (%)", "nota": "Nota"}
COLOURS = {"raggiunto": "#1a7f37", "in linea": "#d4a72c", "non raggiunto": "#cf222e", "non misurato": "#8c959f",
           "non pubblicato": "#57606a"}


def expected_value(base, target, base_year, target_year, year) -> np.ndarray:
    """Where the straight path from baseline to target stands in `year` (clipped to the target)."""
    base, target = np.asarray(base, float), np.asarray(target, float)
    span = np.asarray(target_year, float) - np.asarray(base_year, float)
    share = np.clip(np.divide(np.asarray(year, float) - np.asarray(base_year, float), span,
                              out=np.ones_like(span), where=span > 0), 0.0, 1.0)
    return base + (target - base) * share


def status(value, base, target, base_year, target_year, year, polarity) -> np.ndarray:
    """Vectorised status (see module docstring); `polarity` is 'alto_meglio' or 'basso_meglio' per row."""
    value = np.asarray(value, float)
    sign = np.where(np.asarray(polarity) == "basso_meglio", -1.0, 1.0)
    expected = expected_value(base, target, base_year, target_year, year)
    met = sign * value >= sign * np.asarray(target, float)
    on_track = (sign * value >= sign * expected) & (np.asarray(year) < np.asarray(target_year))
    out = np.where(met, "raggiunto", np.where(on_track, "in linea", "non raggiunto"))
    return np.where(np.isnan(value), "non misurato", out)


def is_count(unita: pd.Series) -> np.ndarray:
    """True where an objective's unit counts people or what they receive (see the module docstring)."""
    text = unita.fillna("").astype(str).str.strip().str.lower()
    return (~text.isin(NON_COUNT_UNITS) & ~text.str.contains("euro|%", regex=True)).to_numpy()


def small_count(values: pd.Series, counts: np.ndarray, publish: bool | None = None) -> np.ndarray:
    """True where a value must be hidden in a shared report: a count from 1 to the threshold, when publishing."""
    if not (bool(publish) or privacy.is_publish_mode()):
        return np.zeros(len(values), dtype=bool)
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return counts & (v >= 1) & (v <= privacy.DEFAULT_THRESHOLD)


def objectives_table(district: District, year: int, *, publish: bool | None = None) -> pd.DataFrame:
    """Every objective with baseline, target, the year's value, the expected value and the status.

    When publishing, small counts among the values and baselines are NaN, with
    `valore_soppresso`/`valore_base_soppresso` True and status `non pubblicato`.
    """
    obj = district.obiettivi.drop(columns=["_riga"], errors="ignore").copy()
    values = district.misure[district.misure["anno"] == year].set_index("codice_obiettivo")["valore"]
    obj["valore"] = obj["codice"].map(values).astype(float)
    obj["atteso"] = expected_value(obj["valore_base"], obj["target"], obj["anno_base"].astype(float),
                                   obj["anno_target"].astype(float), year)
    obj["stato"] = status(obj["valore"], obj["valore_base"], obj["target"], obj["anno_base"].astype(float),
                          obj["anno_target"].astype(float), year, obj["polarita"])
    obj["variazione_da_base_pct"] = (obj["valore"] / obj["valore_base"] - 1) * 100
    counts = is_count(obj["unita"])
    hidden_value = small_count(obj["valore"], counts, publish)
    hidden_base = small_count(obj["valore_base"], counts, publish)
    obj.loc[hidden_value, "valore"] = np.nan
    obj.loc[hidden_base, "valore_base"] = np.nan
    obj.loc[hidden_value | hidden_base, "variazione_da_base_pct"] = np.nan
    obj.loc[hidden_value | hidden_base, "stato"] = "non pubblicato"
    for col, hidden in (("valore", hidden_value), ("valore_base", hidden_base)):
        obj[col + privacy.FLAG_SUFFIX] = hidden
        obj[col + privacy.KIND_SUFFIX] = np.where(hidden, privacy.PRIMARY, "")
    return obj[["codice", "area", "obiettivo", "indicatore", "unita", "polarita", "anno_base", "valore_base",
                "target", "anno_target", "valore", "atteso", "stato", "variazione_da_base_pct", "fonte",
                "valore_soppresso", "valore_soppressione", "valore_base_soppresso", "valore_base_soppressione"]]


def history(district: District, source: str = "piano di zona 2012-2014", *,
            publish: bool | None = None) -> pd.DataFrame:
    """The plan's own historical figures, with variations computed from the figures themselves.

    For each indicator with more than one year, the change from the first to
    the last year is computed here (the plan's prose is never copied).  When
    publishing, small counts are NaN (`valore_soppresso` True) and so are the
    variations computed from them.
    """
    rows = district.misure[district.misure["fonte"] == source].drop(columns=["_riga"], errors="ignore")
    rows = rows.merge(district.obiettivi[["codice", "area", "indicatore", "unita"]],
                      left_on="codice_obiettivo", right_on="codice", how="left").drop(columns="codice")
    rows = rows.sort_values(["codice_obiettivo", "anno"], ignore_index=True)
    first = rows.groupby("codice_obiettivo")["valore"].transform("first")
    first_year = rows.groupby("codice_obiettivo")["anno"].transform("first")
    rows["variazione_pct"] = np.where(rows["anno"] > first_year, (rows["valore"] / first - 1) * 100, np.nan)
    rows["area"] = rows["area"].map(lambda a: AREE[a].etichetta if a in AREE else a)
    hidden = small_count(rows["valore"], is_count(rows["unita"]), publish)
    first_hidden = pd.Series(hidden, index=rows.index).groupby(rows["codice_obiettivo"]).transform("first")
    rows.loc[hidden, "valore"] = np.nan
    rows.loc[hidden | first_hidden.to_numpy(), "variazione_pct"] = np.nan
    rows["valore" + privacy.FLAG_SUFFIX] = hidden
    rows["valore" + privacy.KIND_SUFFIX] = np.where(hidden, privacy.PRIMARY, "")
    return rows[["codice_obiettivo", "area", "indicatore", "unita", "anno", "valore", "variazione_pct", "nota",
                 "valore_soppresso", "valore_soppressione"]]


def metrics(table: pd.DataFrame, year: int) -> dict:
    counts = table["stato"].value_counts()
    return {"anno": year, "obiettivi": int(len(table)), **{s.replace(" ", "_"): int(counts.get(s, 0)) for s in STATUSES}}

"""The change of a rate between two years, with the exact conditional test of two Poisson rates.

A series shorter than the five years of the trend test (`trend.recent_trend`)
still has a question worth answering: did coverage change between the last two
years?  Two counts `x1` (earlier year, `n1` residents at risk) and `x2` (later
year, `n2`) are compared with the exact conditional test: given the total
``x1 + x2``, under equal rates ``x2 ~ Binomial(x1 + x2, n2 / (n1 + n2))``
(Przyborowski & Wileński 1940; Breslow & Day, *Statistical Methods in Cancer
Research* II, 1987, §2.3; the test of R's ``poisson.test(c(x2, x1), c(n2, n1))``).
The two-sided p-value is `scipy.stats.binomtest`'s, which sums the outcomes no
more likely than the one observed, as R's ``binom.test`` does; the rate ratio's
interval comes from the Clopper-Pearson interval of the binomial proportion.

`coverage_change` applies it to a protected table (per comune and the district
total): a count hidden in either year gives "non confrontabile", so nothing is
computed from a value that is not published.  No correction for testing many
comuni is made: with 12 comuni one "significant" change in a stable district
is not surprising, and the page says so.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats as st

from pianozona.analysis import definitions, naming
from pianozona.analysis.arguments import as_output, check_confidence, count_array, same_index
from pianozona.analysis.trend import Trend
from pianozona.privacy import FLAG_SUFFIX

__all__ = ["CHANGE_LABELS", "CHANGE_VERDICTS", "NOT_COMPARABLE", "RateComparison", "change_labels", "change_sentence",
           "coverage_change", "over_time_sentence", "rate_comparison", "trend_sentence", "verdict_of"]

#: The verdict in words, by direction of a significant change (or none).
CHANGE_VERDICTS = {"up": "aumentata", "down": "diminuita", "flat": "stabile (differenza non significativa)"}
NOT_COMPARABLE = "non confrontabile"
#: Column headers of a `coverage_change` table (the years are added by `change_labels`).
CHANGE_LABELS = {"comune": "Comune", "servizio": "Servizio", **definitions.nomi(["differenza", "rapporto"]),
                 "lower": "Limite inferiore 95%", "upper": "Limite superiore 95%", **definitions.nomi(["p_value"]),
                 "verdetto": "Copertura"}
NO_USERS = "stabile (nessun utente nei due anni)"


class RateComparison(NamedTuple):
    """Later rate against earlier: `ratio` (x2/n2)/(x1/n1) with its exact interval, two-sided `p_value`, `verdict`."""
    ratio: Any
    lower: Any
    upper: Any
    p_value: Any
    verdict: Any


def _one(x1: float, n1: float, x2: float, n2: float, confidence: float, alpha: float) -> tuple:
    """The comparison of one pair of counts (NaN where a value is missing or a denominator is 0)."""
    nan = float("nan")
    if not all(np.isfinite([x1, n1, x2, n2])) or n1 <= 0 or n2 <= 0:
        return nan, nan, nan, nan, NOT_COMPARABLE
    total = int(round(x1 + x2))
    if total == 0:
        return nan, nan, nan, nan, NO_USERS
    test = st.binomtest(int(round(x2)), total, n2 / (n1 + n2))
    ci = test.proportion_ci(confidence_level=confidence, method="exact")
    with np.errstate(divide="ignore"):
        odds = np.divide([test.statistic, ci.low, ci.high], 1 - np.array([test.statistic, ci.low, ci.high]))
    ratio, lower, upper = odds * (n1 / n2)
    direction = "flat" if test.pvalue >= alpha else ("up" if x2 / n2 > x1 / n1 else "down")
    return float(ratio), float(lower), float(upper), float(test.pvalue), CHANGE_VERDICTS[direction]


def rate_comparison(x1: Any, n1: Any, x2: Any, n2: Any, *, confidence: float = 0.95) -> RateComparison:
    """Compare the rate x2/n2 (later year) with x1/n1 (earlier): exact conditional test of two Poisson rates.

    Inputs broadcast together (scalars give scalars back, arrays arrays).  The
    change is significant when the two-sided p-value is below
    ``1 - confidence`` (0.05 by default, the level of the report's intervals).
    `verdict`: 'aumentata', 'diminuita', 'stabile (differenza non
    significativa)', 'stabile (nessun utente nei due anni)' when both counts
    are 0, or 'non confrontabile' where a value is missing (a hidden count) or
    a denominator is 0.  A ratio is ``inf`` when x1 = 0 < x2.
    """
    same_index(x1=x1, n1=n1, x2=x2, n2=n2)
    level = check_confidence(confidence)
    arrays = np.broadcast_arrays(count_array(x1, "x1"), count_array(n1, "n1"), count_array(x2, "x2"),
                                 count_array(n2, "n2"))
    shape = arrays[0].shape
    flat = [a.ravel() for a in arrays]
    rows = [_one(*values, level, 1 - level) for values in zip(*flat)]
    columns = list(zip(*rows)) if rows else [[]] * 5
    numbers = [np.asarray(c, dtype=float).reshape(shape) for c in columns[:4]]
    verdict = np.asarray(columns[4], dtype=object).reshape(shape)
    return RateComparison(*(as_output(a) for a in numbers), as_output(verdict))


def coverage_change(table: pd.DataFrame, year: int, *, label: str = "comune", count: str = "utenti",
                    population: str = "popolazione_a_rischio", multiplier: float = 1000) -> pd.DataFrame:
    """Per row label (comune or the district total): coverage in the year before `year` and in `year`, and the test.

    `table` is a protected table with columns anno, `label`, `count`,
    `population` and the flag column of `count`; the earlier year is the last
    one before `year` in it.  Returns `label`, anno_precedente, utenti_precedente,
    copertura_precedente, utenti, copertura, differenza (per `multiplier`),
    rapporto, lower, upper (of the ratio), p_value, verdetto; empty when the
    table has no earlier year.  Where a count is hidden in either year every
    number is NaN and the verdict is 'non confrontabile'.
    """
    earlier = sorted(y for y in table["anno"].unique() if y < year)
    if not earlier:
        return pd.DataFrame(columns=[label, "anno_precedente", "utenti_precedente", "copertura_precedente",
                                     "utenti", "copertura", "differenza", "rapporto", "lower", "upper",
                                     "p_value", "verdetto"])
    flag = count + FLAG_SUFFIX
    cols = [label, count, population, flag]
    now = table.loc[table["anno"] == year, cols].set_index(label)
    before = table.loc[table["anno"] == earlier[-1], cols].set_index(label).reindex(now.index)
    hidden = (now[flag].astype(bool) | before[flag].fillna(True).astype(bool)).to_numpy()
    x1, x2 = before[count].to_numpy(float), now[count].to_numpy(float)
    x1, x2 = np.where(hidden, np.nan, x1), np.where(hidden, np.nan, x2)
    n1, n2 = before[population].to_numpy(float), now[population].to_numpy(float)
    test = rate_comparison(x1, n1, x2, n2)
    with np.errstate(all="ignore"):
        rate1, rate2 = x1 / n1 * multiplier, x2 / n2 * multiplier
    return pd.DataFrame({
        label: now.index, "anno_precedente": earlier[-1], "utenti_precedente": x1, "copertura_precedente": rate1,
        "utenti": x2, "copertura": rate2, "differenza": rate2 - rate1, "rapporto": np.atleast_1d(test.ratio),
        "lower": np.atleast_1d(test.lower), "upper": np.atleast_1d(test.upper),
        "p_value": np.atleast_1d(test.p_value), "verdetto": np.atleast_1d(test.verdict),
    })


def change_labels(change: pd.DataFrame, year: int) -> dict[str, str]:
    """Headers of a `coverage_change` table, naming the two years compared."""
    before = int(change["anno_precedente"].iloc[0]) if not change.empty else year - 1
    return {**CHANGE_LABELS, "copertura_precedente": f"Copertura per 1.000 {before}",
            "copertura": f"Copertura per 1.000 {year}", "utenti_precedente": f"Utenti {before}",
            "utenti": f"Utenti {year}"}


def change_sentence(change: pd.DataFrame, year: int, *, label: str = "comune", district_label: str) -> str:
    """The Sintesi sentences on the change of coverage since the previous year (district, then comuni), in Italian."""
    rows = change.set_index(label)
    if change.empty or district_label not in rows.index:
        return "La variazione della copertura non è calcolabile: serve almeno un anno precedente con dati."
    before, verdict = int(change["anno_precedente"].iloc[0]), rows.loc[district_label, "verdetto"]
    span = f"Tra il {before} e il {year}"
    if verdict == NOT_COMPARABLE:
        return (f"{span} la variazione della copertura non è calcolabile: "
                "il valore di uno dei due anni non è pubblicato.")
    if verdict.startswith("stabile"):
        text = f"{span} la copertura del distretto non cambia in modo statisticamente significativo"
    else:
        text = f"{span} la copertura del distretto è {verdict} in modo statisticamente significativo"
    text += " (test esatto sul confronto di due tassi)."
    comuni = rows.drop(index=district_label)
    up = comuni.index[comuni["verdetto"] == CHANGE_VERDICTS["up"]].tolist()
    down = comuni.index[comuni["verdetto"] == CHANGE_VERDICTS["down"]].tolist()
    moves = ([f"è aumentata in modo significativo a {naming.name_few(up)}"] if up else []) + \
        ([f"è diminuita in modo significativo a {naming.name_few(down)}"] if down else [])
    if moves:
        text += f" Tra i comuni, la copertura {' ed '.join(moves)}."
    return text


def verdict_of(change: pd.DataFrame, name: str, *, label: str = "comune") -> str:
    """The verdict of row `name` of a `coverage_change` table ('' when the table has no such row)."""
    rows = change[change[label] == name]
    return str(rows["verdetto"].iloc[0]) if not rows.empty else ""


def trend_sentence(trend: Trend) -> str:
    """The Sintesi sentence on the five-year trend (`trend.recent_trend`), in Italian."""
    if str(trend.verdict).startswith("non calcolabile"):
        return f"La tendenza recente non è calcolabile ({str(trend.verdict).split(': ', 1)[-1]})."
    if trend.significant:
        return (f"Negli ultimi cinque anni la copertura è in {'aumento' if trend.direction == 'up' else 'diminuzione'} "
                "in modo statisticamente significativo.")
    return "Negli ultimi cinque anni la copertura non mostra variazioni statisticamente significative."


def over_time_sentence(trend: Trend, change: pd.DataFrame, year: int, *, short: bool, district_label: str) -> str:
    """The Sintesi on coverage over time: the change since the previous year when `short`, else the trend."""
    return change_sentence(change, year, district_label=district_label) if short else trend_sentence(trend)

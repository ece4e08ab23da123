"""Progress of an objective on the straight path from baseline to target: share of the way, expected value, gap, status.

An objective goes from `valore_base` in `anno_base` to `target` in `anno_target`.
In the verified year:

* the **share of the way** (`share_of_way`) is ``(value - base) / (target - base)``
  in per cent: 171 against a target of 175 from a base of 140 is 88.6 %.  The
  same formula serves both polarities (from 38 down to 20, a value of 27 is
  61.1 % of the way); it is undefined when the target equals the base;
* the **expected share** (`expected_share`) is the share of the time gone:
  ``(year - anno_base) / (anno_target - anno_base)``, 0-100 % (100 % from the
  target year on; undefined before the baseline year);
* the **expected value** (`expected_value`) is where the straight path stands,
  ``base + (target - base) * expected share``, and the **gap** is the measured
  value minus the expected one;
* the **status** (`status`), with the polarity (`basso_meglio`: lower is better):
  `raggiunto` when the value meets the target; before the target year, `in linea`
  when the value is at least where the path expects it and `in ritardo sul percorso`
  when it is behind (a plan in progress is never called a failure); `non raggiunto`
  only from the target year on, with the target unmet; `non avviato` when the year
  comes before the baseline year (the path has not begun); `non misurato` without a
  value.  `non pubblicato` is set by `pianozona.analysis.verification` when
  protection hides the value or the base.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona.formatting import num, pct

STATUSES = ("raggiunto", "in linea", "in ritardo sul percorso", "non raggiunto", "non avviato", "non misurato",
            "non pubblicato")
#: the plural of each status, for counts ("3 raggiunti", "2 in linea")
STATUS_PLURALS = {"raggiunto": "raggiunti", "non raggiunto": "non raggiunti", "non avviato": "non avviati",
                  "non misurato": "non misurati", "non pubblicato": "non pubblicati"}


def _floats(*arrays) -> list[np.ndarray]:
    return [np.asarray(a, dtype=float) for a in arrays]


def _number(value) -> str:
    """A value as the page writes it: whole numbers without decimals, others with one."""
    return num(value, 0 if float(value).is_integer() else 1)


def expected_share(base_year, target_year, year) -> np.ndarray:
    """Share of the time from `base_year` to `target_year` gone in `year`, 0-1; NaN before the baseline year.

    A path of zero length (target year = baseline year) is complete from its year on.
    """
    base_year, target_year, year = _floats(base_year, target_year, year)
    span = target_year - base_year
    gone = np.divide(year - base_year, span, out=np.ones(np.broadcast(span, year).shape), where=span > 0)
    return np.where(year < base_year, np.nan, np.clip(gone, 0.0, 1.0))


def expected_value(base, target, base_year, target_year, year) -> np.ndarray:
    """Where the straight path from baseline to target stands in `year` (the baseline before it, the target after)."""
    base, target = _floats(base, target)
    share = np.nan_to_num(expected_share(base_year, target_year, year), nan=0.0)
    return base + (target - base) * share


def share_of_way(value, base, target) -> np.ndarray:
    """Per cent of the way from `base` to `target` covered by `value` (may be < 0 or > 100); NaN if target = base."""
    value, base, target = _floats(value, base, target)
    way = target - base
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(way != 0, (value - base) / np.where(way != 0, way, 1.0) * 100, np.nan)


def status(value, base, target, base_year, target_year, year, polarity) -> np.ndarray:
    """Vectorised status (see the module docstring); `polarity` is 'alto_meglio' or 'basso_meglio' per row."""
    value, target, year_f, target_year_f = _floats(value, target, year, target_year)
    sign = np.where(np.asarray(polarity) == "basso_meglio", -1.0, 1.0)
    expected = expected_value(base, target, base_year, target_year, year)
    with np.errstate(invalid="ignore"):
        met = sign * value >= sign * target
        on_track = sign * value >= sign * expected
    in_progress = np.where(on_track, "in linea", "in ritardo sul percorso")
    out = np.where(met, "raggiunto", np.where(year_f < target_year_f, in_progress, "non raggiunto"))
    out = np.where(np.isnan(value), "non misurato", out)
    return np.where(year_f < np.asarray(base_year, dtype=float), "non avviato", out)


def status_counts(states) -> str:
    """Every status present, counted, in `STATUSES` order: "1 raggiunto, 1 in linea, 3 in ritardo sul percorso"."""
    counts = pd.Series(list(states), dtype=object).value_counts()
    return ", ".join(f"{int(counts[s])} {s if counts[s] == 1 else STATUS_PLURALS.get(s, s)}"
                     for s in STATUSES if s in counts) or "nessun obiettivo"


def progress(objectives: pd.DataFrame, year: int) -> pd.DataFrame:
    """Columns `atteso`, `scarto`, `percorso_pct`, `percorso_atteso_pct` and `stato` for a table of objectives.

    `objectives` has `valore`, `valore_base`, `target`, `anno_base`, `anno_target`
    and `polarita`.  Before the baseline year the expected value, the gap and
    both shares are NaN: the path has not begun.
    """
    base_year, target_year = objectives["anno_base"].astype(float), objectives["anno_target"].astype(float)
    started = (year >= base_year).to_numpy()
    atteso = expected_value(objectives["valore_base"], objectives["target"], base_year, target_year, year)
    out = pd.DataFrame(index=objectives.index)
    out["atteso"] = np.where(started, atteso, np.nan)
    out["scarto"] = objectives["valore"].to_numpy(dtype=float) - out["atteso"].to_numpy()
    out["percorso_pct"] = np.where(started, share_of_way(objectives["valore"], objectives["valore_base"],
                                                         objectives["target"]), np.nan)
    out["percorso_atteso_pct"] = expected_share(base_year, target_year, year) * 100
    out["stato"] = status(objectives["valore"], objectives["valore_base"], objectives["target"], base_year,
                          target_year, year, objectives["polarita"])
    return out


def example(objectives: pd.DataFrame, year: int) -> str:
    """A worked example of the rules on the first objective whose share of the way is shown ('' if none).

    `objectives` is the (protected) table of `verification.objectives_table`: a
    hidden value has no share, so it is never the example.
    """
    shown = objectives[np.isfinite(objectives["percorso_pct"].to_numpy(dtype=float))]
    if shown.empty:
        return ""
    row = shown.iloc[0]
    unit = f" {row['unita']}" if str(row.get("unita", "") or "").strip() else ""
    return (f"Un esempio: «{row['indicatore']}» ({row['codice']}) parte da {_number(row['valore_base'])}{unit} "
            f"nel {int(row['anno_base'])} con target {_number(row['target'])} nel {int(row['anno_target'])}. "
            f"Nel {year} il valore è {_number(row['valore'])}: ha percorso il {pct(row['percorso_pct'])} della "
            f"strada; il percorso lineare prevedeva {_number(row['atteso'])} ({pct(row['percorso_atteso_pct'])} "
            f"della strada), quindi lo scarto è {_number(row['scarto'])} e lo stato è «{row['stato']}».")

"""Tables for the privacy tests: one area, a district over years, two-way and three-way tables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from pianozona.privacy import PrivacyWarning, protect

DISTRICT = "Totale distretto"
ALL_AREAS = "Totale"
LABELS = {DISTRICT, ALL_AREAS}
KEYS = ["anno", "comune", "area"]


def one_area(values: dict[str, int], total: int | None = "sum") -> pd.DataFrame:
    """One year and area: a row per comune, and the district total (their sum, `total`, or none)."""
    rows = [{"anno": 2023, "comune": c, "area": "anziani", "utenti": v} for c, v in values.items()]
    if total is not None:
        rows.append({"anno": 2023, "comune": DISTRICT, "area": "anziani",
                     "utenti": sum(values.values()) if total == "sum" else total})
    return pd.DataFrame(rows)


def district_long(seed: int, n_comuni=12, areas=("anziani", "minori", "disabili"), years=(2022, 2023)):
    """Comuni x areas x years plus a 'Totale distretto' row per year and area."""
    rng = np.random.default_rng(seed)
    rows = []
    for anno in years:
        for area in areas:
            draws = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 40], size=n_comuni,
                               p=[.2, .1, .1, .05, .05, .1, .1, .1, .1, .1])
            for i, v in enumerate(draws):
                rows.append({"anno": anno, "comune": f"C{i:02d}", "area": area, "utenti": int(v)})
            rows.append({"anno": anno, "comune": DISTRICT, "area": area, "utenti": int(draws.sum())})
    return pd.DataFrame(rows)


def two_way(matrix: np.ndarray, anno=2023) -> pd.DataFrame:
    """Comuni x areas with district totals, area totals and the grand total."""
    matrix = np.asarray(matrix)
    comuni = [f"C{i}" for i in range(matrix.shape[0])] + [DISTRICT]
    areas = [f"A{j}" for j in range(matrix.shape[1])] + [ALL_AREAS]
    full = np.zeros((matrix.shape[0] + 1, matrix.shape[1] + 1), dtype=int)
    full[:-1, :-1] = matrix
    full[-1, :-1] = matrix.sum(axis=0)
    full[:-1, -1] = matrix.sum(axis=1)
    full[-1, -1] = matrix.sum()
    rows = [{"anno": anno, "comune": c, "area": a, "utenti": int(full[i, j])}
            for i, c in enumerate(comuni) for j, a in enumerate(areas)]
    return pd.DataFrame(rows)


def hidden_comuni(out: pd.DataFrame) -> set[str]:
    """The comuni whose count is hidden."""
    return set(out.loc[out["utenti_soppresso"], "comune"])


def protect_long(df, **kwargs):
    """`protect` in publication mode with the comune margin by default; a PrivacyWarning fails the test."""
    kwargs.setdefault("counts", "utenti")
    kwargs.setdefault("keys", KEYS)
    kwargs.setdefault("groups", ["comune"])
    kwargs.setdefault("publish", True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrivacyWarning)
        return protect(df, **kwargs)


def cube(values: np.ndarray) -> pd.DataFrame:
    """comune x area x sesso with every total (Totale distretto / Totale / Totale)."""
    comuni = [f"C{i}" for i in range(values.shape[0])] + [DISTRICT]
    areas = [f"A{j}" for j in range(values.shape[1])] + [ALL_AREAS]
    sexes = ["F", "M"][: values.shape[2]] + [ALL_AREAS]
    full = np.zeros(tuple(n + 1 for n in values.shape), dtype=int)
    full[:-1, :-1, :-1] = values
    for axis in range(3):  # add each margin in turn: margins of margins come out right
        index = [slice(None)] * 3
        index[axis] = -1
        source = [slice(None)] * 3
        source[axis] = slice(0, -1)
        full[tuple(index)] = full[tuple(source)].sum(axis=axis)
    return pd.DataFrame([{"comune": c, "area": a, "sesso": x, "utenti": int(full[i, j, k])}
                         for i, c in enumerate(comuni) for j, a in enumerate(areas)
                         for k, x in enumerate(sexes)])


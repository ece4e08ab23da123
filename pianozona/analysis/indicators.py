"""ISTAT demographic indicators, coverage per target area and spending per head.

Formulas: ../shared/reference/indicators.md (ages inclusive; 65+ means age ≥ 65).
All functions take and return tidy pandas tables; groups with a zero
denominator get NaN, never an exception or infinity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pianozona.analysis import definitions
from pianozona.data.areas import get_area
from pianozona.errors import ParameterError

# name -> (numerator bands, denominator bands, multiplier); a band is (age_min, age_max, sex or None)
_BANDS = {
    "p0_14": (0, 14, None), "p15_64": (15, 64, None), "p65": (65, 100, None), "p75": (75, 100, None),
    "p85": (85, 100, None), "p60_64": (60, 64, None), "p15_19": (15, 19, None), "p40_64": (40, 64, None),
    "p15_39": (15, 39, None), "p0_4": (0, 4, None), "f15_49": (15, 49, "F"), "p0_17": (0, 17, None),
}
_INDICATORS = {
    "indice_vecchiaia": (("p65",), ("p0_14",)),
    "indice_dipendenza_strutturale": (("p0_14", "p65"), ("p15_64",)),
    "indice_dipendenza_anziani": (("p65",), ("p15_64",)),
    "indice_dipendenza_giovanile": (("p0_14",), ("p15_64",)),
    "indice_ricambio": (("p60_64",), ("p15_19",)),
    "indice_struttura": (("p40_64",), ("p15_39",)),
    "carico_figli": (("p0_4",), ("f15_49",)),
    "quota_65": (("p65",), ("popolazione",)),
    "quota_75": (("p75",), ("popolazione",)),
    "quota_85": (("p85",), ("popolazione",)),
    "quota_minori": (("p0_17",), ("popolazione",)),
}

#: Italian names of the demographic indicators and of coverage (the dictionary's names: `definitions`).
ETICHETTE = {
    **definitions.nomi(["popolazione", "indice_vecchiaia", "indice_dipendenza_strutturale", "indice_dipendenza_anziani",
                        "indice_dipendenza_giovanile", "indice_ricambio", "indice_struttura", "carico_figli",
                        "quota_65", "quota_75", "quota_85", "quota_minori", "incidenza_stranieri"]),
    "copertura": "Utenti per 1.000 residenti a rischio",  # an axis label: one of the dictionary's headers of copertura
}


def _ratio(num: pd.Series, den: pd.Series, multiplier: float = 100.0) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float)
    out = np.divide(num * multiplier, den, out=np.full(len(num), np.nan), where=den.to_numpy() > 0)
    return pd.Series(out, index=num.index)


def _group_keys(popolazione: pd.DataFrame, by: str | Sequence[str] | None) -> list[str]:
    keys = [by] if isinstance(by, str) else list(by or ["codice_comune"])
    if "anno" in popolazione.columns and "anno" not in keys:
        keys = ["anno", *keys]
    missing = [k for k in keys if k not in popolazione.columns]
    if missing:
        from pianozona.errors import ParameterError

        raise ParameterError("by", missing[0], f"colonne disponibili: {', '.join(popolazione.columns)}")
    return keys


def demografici(popolazione: pd.DataFrame, by: str | Sequence[str] | None = "codice_comune",
                stranieri: pd.DataFrame | None = None) -> pd.DataFrame:
    """Demographic indicators per group and year.

    `popolazione` is long (`eta`, `sesso`, `residenti` plus the grouping
    columns, e.g. `codice_comune`, `territorio`); `by` names the grouping
    column(s); `anno` is always added when present.  With `stranieri` (same
    layout, foreign residents) the incidence of foreign residents is added.
    """
    keys = _group_keys(popolazione, by)
    eta = popolazione["eta"].to_numpy()
    sex = popolazione["sesso"].to_numpy()
    res = popolazione["residenti"].to_numpy(dtype=float)
    parts = {"popolazione": res}
    for name, (lo, hi, only) in _BANDS.items():
        mask = (eta >= lo) & (eta <= hi)
        if only:
            mask &= sex == only
        parts[name] = np.where(mask, res, 0.0)
    frame = pd.DataFrame(parts, index=popolazione.index)
    for k in keys:
        frame[k] = popolazione[k].to_numpy()
    sums = frame.groupby(keys, sort=True).sum()
    out = pd.DataFrame(index=sums.index)
    out["popolazione"] = sums["popolazione"].astype("int64")
    for name, (num, den) in _INDICATORS.items():
        out[name] = _ratio(sums[list(num)].sum(axis=1), sums[list(den)].sum(axis=1))
    if stranieri is not None:
        foreign = stranieri.groupby(keys)["residenti"].sum().reindex(out.index)
        out["incidenza_stranieri"] = _ratio(foreign, out["popolazione"])
    return out.reset_index()


MISURE = {"utenti": "utenti dei servizi (chi usa più servizi è contato più volte)",
          "persone": "persone distinte in carico"}


def copertura(district, area: str | None = None, anni: Sequence[int] | None = None,
              livello: str = "comune", misura: str = "utenti") -> pd.DataFrame:
    """Users (or persons) per 1,000 residents at risk, per year, comune (or district) and area.

    ``misura="utenti"`` (default) sums the `utenti` table over the area's
    services: a person who uses two services counts twice.  ``misura="persone"``
    uses the optional `persone` table (distinct persons per comune, area and
    year, from the office's case records).  Either way the numerator column is
    called ``utenti``; say which it is with `MISURE`.  Years without population
    use the nearest population year, named in `anno_popolazione`.
    """
    if misura not in MISURE:
        raise ParameterError("misura", misura, "valori ammessi: " + ", ".join(MISURE))
    aree = [area] if area else list(district.aree)
    for code in aree:
        get_area(code)
    source = district.utenti if misura == "utenti" else district.persone
    if source is None:
        raise ParameterError("misura", misura, "il distretto non ha la tabella 'persone': usare misura='utenti'")
    users = source.dropna(subset=["anno", misura]).rename(columns={misura: "utenti"})
    users = users[users["area"].isin(aree)].astype({"anno": int, "utenti": int})
    if anni is not None:
        users = users[users["anno"].isin(list(anni))]
    years = sorted(users["anno"].unique().tolist()) or list(anni or district.anni_popolazione)
    at_risk = pd.concat([district.popolazione_a_rischio(a, years) for a in aree], ignore_index=True)
    totals = users.groupby(["anno", "codice_comune", "area"], as_index=False)["utenti"].sum()
    table = at_risk.merge(totals, on=["anno", "codice_comune", "area"], how="left")
    table["utenti"] = table["utenti"].fillna(0).astype(int)
    if livello == "distretto":
        table = table.groupby(["anno", "area", "anno_popolazione"], as_index=False)[
            ["utenti", "popolazione_a_rischio"]].sum()
        table.insert(1, "territorio", district.nome)
    else:
        table = table.merge(district.comuni[["codice_comune", "comune"]], on="codice_comune", how="left")
    table["copertura"] = _ratio(table["utenti"], table["popolazione_a_rischio"], 1000.0)
    first = ["anno", "codice_comune", "comune"] if livello != "distretto" else ["anno", "territorio"]
    rest = ["area", "utenti", "popolazione_a_rischio", "anno_popolazione", "copertura"]
    table = table.assign(_ordine=table["area"].map({code: i for i, code in enumerate(district.aree)}))
    return table.sort_values(["anno", "_ordine", first[1]], ignore_index=True)[first + rest]


def spesa_pro_capite(district, anni: Sequence[int] | None = None) -> pd.DataFrame:
    """Spending per area and year: total, per resident of the district and per user."""
    spesa = district.spesa.dropna(subset=["anno", "importo_euro"]).astype({"anno": int})
    if anni is not None:
        spesa = spesa[spesa["anno"].isin(list(anni))]
    by_area = spesa.groupby(["anno", "area"], as_index=False)["importo_euro"].sum()
    residents = district.popolazione.groupby("anno")["residenti"].sum()
    by_area["anno_popolazione"] = by_area["anno"].map(district.nearest_population_year)
    by_area["residenti"] = by_area["anno_popolazione"].map(residents)
    users = district.utenti.dropna(subset=["anno", "utenti"]).astype({"anno": int, "utenti": int})
    users = users.groupby(["anno", "area"], as_index=False)["utenti"].sum()
    out = by_area.merge(users, on=["anno", "area"], how="left")
    out["utenti"] = out["utenti"].fillna(0).astype(int)
    out["spesa_per_residente"] = _ratio(out["importo_euro"], out["residenti"], 1.0)
    out["spesa_per_utente"] = _ratio(out["importo_euro"], out["utenti"], 1.0)
    return out

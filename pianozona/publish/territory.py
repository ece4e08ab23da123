"""A territory's run: every district's suite and the comparison of the districts, one year, one pool.

`plan_territory` reads `data/territori/<codice>.yml` (`pianozona.data.territory`), plans each
district's suite with `pianozona.publish.planning.plan_run`, and adds the comparison report
(``confronto_ambiti``) in ``<out>/territori/<codice>/<year>/``, whose index links each district's
index.  ``run_reports(territory=...)`` (`pianozona.publish.runner`) runs them all on one executor,
one kernel template (whose warm-up helpers load and analyse each district once, side by side), each folder published
and locked as a district run does.

The year is the latest one every district has data for (or the one asked, which every district
must have).  ``comuni`` narrows the comuni's profiles over the whole territory: each name or code
must belong to one of its districts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pianozona.data.territory import TerritoryConfig, read_territory
from pianozona.errors import ParameterError
from pianozona.files import file_hash
from pianozona.names import NameIndex, split_list
from pianozona.publish.keys import keyed
from pianozona.publish.planning import (
    DEFAULT_OUT, GROUP_TERRITORY, NEEDS, DistrictInfo, Job, Plan, district_info, inside, plan_run,
)
from pianozona.publish.stale import FACTS_INPUT

__all__ = ["COMPARISON", "TERRITORY_REPORTS", "TerritoryPlan", "plan_territory"]

#: the comparison notebook (in the notebooks folder) and where territories publish, under the output root
COMPARISON = "confronto_ambiti"
TERRITORY_REPORTS = "territori"
#: the inputs of each district the comparison reads (`pianozona.data.inputs`), and the name of the territory file's
COMPARISON_INPUTS = NEEDS
TERRITORY_INPUT = "territorio"


@dataclass(frozen=True)
class TerritoryPlan:
    """A checked territory run: the territory, the year, each district's plan and the comparison's plan."""

    territory: TerritoryConfig
    year: int
    districts: tuple[Plan, ...]
    comparison: Plan  # its index links the districts' indexes (`Plan.members`)

    @property
    def plans(self) -> list[Plan]:
        """Every plan in the order they publish: the districts, then the comparison (its index reads theirs)."""
        return [*self.districts, self.comparison]


def plan_territory(territory: str | os.PathLike, year: int | str | None = None, *,
                   areas: Sequence[str] | str | None = None, comuni: Sequence[str] | str | None = None,
                   notebooks_dir: str | os.PathLike | None = None,
                   out_dir: str | os.PathLike = DEFAULT_OUT) -> TerritoryPlan:
    """Every district's jobs and the comparison job of a territory (a code of data/territori/ or a .yml path).

    Raises `DataError` (territory file, a district's data, two districts with one code) or
    `ParameterError` (year, areas, comuni, a district code that would publish among the territories),
    all before any kernel starts.
    """
    config = read_territory(territory)
    root = Path(out_dir)
    infos = [district_info(member.folder, root) for member in config.members]
    _check_codes(config, infos)
    year = _common_year(year, config, infos)
    towns = _split_comuni(comuni, infos)
    districts = tuple(plan_run(info.folder, year, areas=areas, comuni=towns[info.codice],
                               notebooks_dir=notebooks_dir, out_dir=out_dir) for info in infos)
    return TerritoryPlan(config, year, districts, _comparison(config, year, districts, root))


def _check_codes(config: TerritoryConfig, infos: list[DistrictInfo]) -> None:
    """A district code `territori` would publish among the territories (two equal codes: `read_territory`)."""
    for member, info in zip(config.members, infos):
        if info.codice == TERRITORY_REPORTS:
            where = f"{config.file}, riga {member.line}" if member.line else str(config.file)
            raise ParameterError("codice", info.codice, f"{where}: il distretto {info.nome} pubblicherebbe nella "
                                 f"cartella dei territori: cambiare 'codice' in {info.folder / 'distretto.yml'}")


def _common_year(year: int | str | None, config: TerritoryConfig, infos: list[DistrictInfo]) -> int:
    common = set(infos[0].anni).intersection(*(info.anni for info in infos[1:]))
    if year is None:
        if not common:
            raise ParameterError("year", None, f"i distretti di {config.nome} non hanno un anno di dati in comune: "
                                 + "; ".join(f"{i.nome}: {', '.join(map(str, i.anni)) or 'nessuno'}" for i in infos))
        return max(common)
    try:
        value = int(str(year).strip())
    except ValueError:
        value = None
    missing = [info for info in infos if value not in info.anni]
    if missing:
        raise ParameterError("year", year, f"anni con dati per ogni distretto di {config.nome}: "
                             f"{', '.join(map(str, sorted(common))) or 'nessuno'}; senza {year}: "
                             f"{', '.join(i.nome for i in missing)} (opzione --anno)")
    return value


def _split_comuni(comuni: Sequence[str] | str | None, infos: list[DistrictInfo]) -> dict[str, list[str] | None]:
    """Each district's share of the comuni asked for (None: all of them); ParameterError for one in none."""
    if comuni is None:
        return {info.codice: None for info in infos}
    if isinstance(comuni, str) and not comuni.strip():
        return {info.codice: [] for info in infos}
    share: dict[str, list[str]] = {info.codice: [] for info in infos}
    index = NameIndex((info, [code, name]) for info in infos for code, name in info.comuni)
    for value in split_list(comuni):
        owners = index.find(value.zfill(6) if value.isdigit() else value)
        if not owners:
            raise ParameterError("comuni", value, "non è un comune dei distretti del territorio: vedere i codici ISTAT "
                                 "nei distretto.yml (opzione --comuni)")
        share[owners[0].codice].append(value)
    return share


def _comparison(config: TerritoryConfig, year: int, districts: tuple[Plan, ...], root: Path) -> Plan:
    """The comparison's plan: one job, in <out>/territori/<codice>/<year>/, keyed on the territory file and on
    the inputs the comparison reads of every district (`COMPARISON_INPUTS`)."""
    first = districts[0]
    files = {f"{TERRITORY_REPORTS}/{config.file.name}": file_hash(config.file)}
    inputs = {TERRITORY_INPUT: keyed(files[f"{TERRITORY_REPORTS}/{config.file.name}"])}
    for plan in districts:
        files.update({f"{plan.district.codice}/{name}": value for name, value in plan.district.data_files.items()})
        inputs.update({f"{plan.district.codice}/{name}": plan.district.inputs.get(name) for name in COMPARISON_INPUTS})
        inputs[f"{plan.district.codice}/{FACTS_INPUT}"] = plan.district.facts
    info = DistrictInfo(config.codice, config.nome, config.file.parent, (year,),
                        any(plan.district.dimostrativo for plan in districts), (), files, inputs,
                        keyed([config.nome, *(plan.district.facts for plan in districts)]))
    job = Job(COMPARISON, f"Confronto tra gli ambiti: {config.nome}", _notebook(first.notebooks_dir),
              {"territory": str(config.file.resolve()), "year": year}, GROUP_TERRITORY, tuple(inputs))
    resolved = root.resolve()
    out = inside(resolved, resolved / TERRITORY_REPORTS / config.codice / str(year), config.codice)
    return Plan(info, year, (job,), first.notebooks_dir, out, tuple(plan.out_dir for plan in districts))


def _notebook(folder: Path) -> Path:
    path = folder / f"{COMPARISON}.ipynb"
    if not path.is_file():
        raise ParameterError("notebooks", str(folder), f"manca {COMPARISON}.ipynb: il confronto di un territorio "
                             "lo richiede")
    return path

"""The plan of a run: the suite, the jobs and their parameters, incremental keys.

`plan_run` turns a district, a year and the area codes into the checked jobs of the suite (`Plan`);
`job_key` and `is_up_to_date` decide which published reports are still current (HMACs: see
`pianozona.publish.keys`).  A report is keyed on the inputs its notebook declares
(`SuiteEntry.inputs`: the objectives and measures for the annual verification only, ...) and on the
district's facts every page shows (name, years, comuni, demo flag, sources): a change reruns only the
reports that read it; `stale_inputs` names what a job found changed while the run read it.
Nothing here starts a kernel or publishes (`parameters`, `runner`, `site` do; `runner.RunOptions`
checks the run's options).  Every path a run writes is checked to resolve inside the output folder
(`inside`); what a run keeps for itself (lock, district facts, executed notebooks, failures) is in its
private folder (`private_folder`), never among the pages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pianozona.data.areas import AREE
from pianozona.data.config import CONFIG_FILE, district_folder, read_config
from pianozona.data.inputs import CONFIG, POPULATION, SURVEY, district_facts
from pianozona.errors import DataError, ParameterError
from pianozona.files import PACKAGE_ROOT, digest, file_hash, folder_fingerprint, read_json, state_folder, write_atomic
from pianozona.names import NameIndex, split_list
from pianozona.privacy import district_secret
from pianozona.publish.keys import keyed, package_fingerprint
from pianozona.publish.optional import optional_reports, survey_files

DEFAULT_NOTEBOOKS = PACKAGE_ROOT.parent / "notebooks"
DEFAULT_OUT = Path("reports")
METRICS_PARAMETER = "metrics_path"  # injected when the notebook declares it: where to write its key figures
PRIVATE = "rapporti"  # under the state folder: one private folder per output folder (`private_folder`)
FACTS = "distretto.json"  # the district facts cache, in the private folder of <out>/<district>
FACT_FIELDS = {"nome", "anni", "dimostrativo", "comuni", "fatti", "ingressi", "avvisi", "protezione",
               "facoltativi", "aree"}


#: the headings of the index, in order: the district's reports, then the comuni's
GROUP_DISTRICT = "Rapporti del distretto"
GROUP_COMUNI = "Schede dei comuni"
#: the headings of a territory's index (`pianozona.publish.territory`)
GROUP_TERRITORY = "Confronto tra gli ambiti"
GROUP_MEMBERS = "Indici dei distretti"


@dataclass(frozen=True)
class SuiteEntry:
    """One notebook of the suite; `per_area` runs it once per area, `per_comune` once per comune; `inputs`: the
    district's inputs it reads (`pianozona.data.inputs`), checked by ``tests/publish/test_inputs.py``.

    An `optional` report runs only for a district that has what it needs (`optional_reports`
    says why not, and the run prints that line instead).
    """

    notebook: str
    title: str
    per_area: bool = False
    per_comune: bool = False
    group: str = GROUP_DISTRICT
    optional: bool = False
    inputs: tuple[str, ...] = (CONFIG, POPULATION, "utenti", "spesa", "obiettivi", "misure", "servizi", "persone")


#: what a needs analysis reads (`pianozona.analysis.needs`: users, persons, spending, population at risk)
NEEDS = (CONFIG, POPULATION, "utenti", "spesa", "persone")
SUITE = (
    SuiteEntry("panoramica", "Panoramica del distretto", inputs=(CONFIG, POPULATION, "servizi")),
    SuiteEntry("bisogni_area", "Bisogni per area", per_area=True, inputs=NEEDS),
    SuiteEntry("verifica_annuale", "Verifica annuale del Piano di Zona",  # the protection: objectives against users
               inputs=(CONFIG, POPULATION, "utenti", "persone", "obiettivi", "misure")),
    SuiteEntry("bilancio", "Bilancio", inputs=NEEDS),
    SuiteEntry("livelli_essenziali", "Livelli essenziali (LEPS): assistenti sociali e servizi", optional=True,
               inputs=(CONFIG, POPULATION, "personale", "leps")),
    SuiteEntry("confronto_italia", "Confronto con la regione e l'Italia (ISTAT)", optional=True,
               inputs=(CONFIG, POPULATION, SURVEY, *NEEDS[2:])),
    SuiteEntry("quadro_sindaci", "Quadro dei comuni per l'Assemblea dei Sindaci", group=GROUP_COMUNI, inputs=NEEDS),
    SuiteEntry("scheda_comune", "Scheda del comune", per_comune=True, group=GROUP_COMUNI, inputs=NEEDS),
)


@dataclass(frozen=True)
class DistrictInfo:
    """What planning needs to know about a district (cached by data fingerprint)."""

    codice: str
    nome: str
    folder: Path
    anni: tuple[int, ...]
    dimostrativo: bool
    comuni: tuple[tuple[str, str], ...] = ()  # (ISTAT code, name) in the district's order
    data_files: dict = field(default_factory=dict, compare=False)  # relative path -> sha256 (never published)
    inputs: dict = field(default_factory=dict, compare=False)  # input -> keyed fingerprint (`keyed_inputs`)
    facts: str = ""  # keyed digest of what every page shows of the district (name, years, comuni, sources)
    warnings: tuple[str, ...] = ()  # the data's warnings (`pianozona validate`), repeated by every run's log
    protection: tuple[str, ...] = ()  # what the district's protection could not achieve (analysis.protection.audit)
    secret_hash: str = ""  # digest of the protection secret: another secret draws other complements (in memory only)
    skipped: tuple[tuple[str, str], ...] = ()  # (notebook, why) of the optional reports this district cannot run
    ente: str | None = None  # ente_capofila of distretto.yml, shown on every page beside the district's name
    aree: tuple[tuple[str, str, str], ...] = ()  # (code, label, population at risk) of its areas, overrides applied


@dataclass(frozen=True)
class Job:
    """One notebook execution: `name` is the stem of its output files."""

    name: str
    title: str
    notebook: Path
    parameters: dict
    group: str = GROUP_DISTRICT  # the heading of the index it is listed under
    inputs: tuple[str, ...] = ()  # keys of `DistrictInfo.inputs` its report is built from


@dataclass(frozen=True)
class Plan:
    """A checked run: the district, the year, the jobs in suite order and where the reports go."""

    district: DistrictInfo
    year: int
    jobs: tuple[Job, ...]
    notebooks_dir: Path
    out_dir: Path  # <out>/<district>/<year>
    members: tuple[Path, ...] = ()  # a territory's plan: its districts' report folders, linked from its index


# ---------------------------------------------------------------------------
# planning and parameter checks


def plan_run(district: str | os.PathLike = "pavia", year: int | str | None = None, *,
             areas: Sequence[str] | str | None = None, comuni: Sequence[str] | str | None = None,
             notebooks_dir: str | os.PathLike | None = None, out_dir: str | os.PathLike = DEFAULT_OUT) -> Plan:
    """The jobs of the suite for a district and year, every value checked (no kernel started).

    `areas` and `comuni` (ISTAT codes or names) narrow the per-area and
    per-comune reports; None means all of them.
    Raises `DataError` (unknown district, invalid data) or `ParameterError`.
    """
    notebooks = _notebooks_dir(notebooks_dir)
    root = Path(out_dir).resolve()
    _outside(state_folder(), root)
    info = district_info(district, Path(out_dir))
    _check_protection(info)
    year = _check_year(year, info)
    codes = _check_areas(areas)
    towns = check_comuni(comuni, info)
    value = str(info.folder.resolve()) if (Path(district) / CONFIG_FILE).is_file() else str(district)
    jobs, skipped = [], dict(info.skipped)
    for entry in SUITE:
        if entry.optional and entry.notebook in skipped:
            continue
        path = _notebook_path(notebooks, entry.notebook)
        base = {"district": value, "year": year}
        if entry.per_area:
            jobs += [Job(f"{entry.notebook}_{code}", f"{entry.title}: {AREE[code].etichetta}", path,
                         {**base, "area": code}, entry.group, entry.inputs) for code in codes]
        elif entry.per_comune:
            jobs += [Job(f"{entry.notebook}_{code}", f"{entry.title}: {name}", path, {**base, "comune": code},
                         entry.group, entry.inputs) for code, name in towns]
        else:
            jobs.append(Job(entry.notebook, entry.title, path, base, entry.group, entry.inputs))
    return Plan(info, year, tuple(jobs), notebooks, inside(root, root / info.codice / str(year), info.codice))


def district_info(district: str | os.PathLike, out_root: Path = DEFAULT_OUT) -> DistrictInfo:
    """Name, years, demo flag, comuni and the keyed fingerprint of each input of a district.

    They are kept in the private folder of ``<out>/<district>`` (`FACTS`), keyed on the content of the
    district's files: the data are loaded only when a file changed.
    """
    folder = district_folder(district)
    config = read_config(folder)
    files = folder_fingerprint(folder)
    if config.ambito_istat:
        files.update(survey_files(folder))
    root = Path(out_root).resolve()
    cache = private_folder(inside(root, root / config.codice, config.codice)) / FACTS
    secret = digest(district_secret(folder, config.codice).hex())  # other complements drawn: audit again
    key = keyed({"dati": digest(files), "pacchetto": package_fingerprint(), "protezione": secret})
    facts = read_json(cache)
    if facts.get("chiave") != key or not FACT_FIELDS <= set(facts):
        facts = _read_facts(folder, key)
        if folder_fingerprint(folder) == files:  # not saved meanwhile: what was read is what the key says
            try:
                write_atomic(cache, json.dumps(facts, ensure_ascii=False))
            except OSError:
                pass  # a state folder that cannot be written only costs speed
    return DistrictInfo(config.codice, facts["nome"], folder, tuple(facts["anni"]), facts["dimostrativo"],
                        tuple(tuple(c) for c in facts["comuni"]), files, facts["ingressi"], keyed(facts["fatti"]),
                        tuple(facts["avvisi"]), tuple(facts["protezione"]), secret,
                        tuple(tuple(pair) for pair in facts["facoltativi"]), config.ente_capofila,
                        tuple(tuple(area) for area in facts["aree"]))


def _read_facts(folder: Path, key: str) -> dict:
    """What planning needs of a district, read from its data (`load_district`); inputs keyed (never in the clear).

    With the audit of its protection (`analysis.protection.audit`): what could not be protected stops the run.
    """
    from pianozona.analysis.protection import audit
    from pianozona.data.datasets import load_district

    loaded = load_district(folder)
    facts = district_facts(loaded)
    return {"chiave": key, **facts, "fatti": facts, "ingressi": keyed_inputs(loaded.inputs),
            "avvisi": [problem.format() for problem in loaded.problems.warnings], "protezione": audit(loaded),
            "facoltativi": [list(pair) for pair in optional_reports(loaded)],
            "aree": [[code, area.etichetta, area.describe_population(loaded.stranieri is not None)]
                     for code, area in loaded.aree.items()]}


def keyed_inputs(inputs: dict[str, str]) -> dict[str, str]:
    """A district's input fingerprints keyed with the local secret (`pianozona.publish.keys.keyed`)."""
    return {name: keyed(value) for name, value in inputs.items()}


def private_folder(out: Path) -> Path:
    """The private folder of the output folder `out`: what a run keeps for itself and never publishes.

    ``$XDG_STATE_HOME/pianozona/rapporti/<last two folder names>-<digest of the resolved path>``: the lock,
    the district facts, the executed notebooks and the failures' details of that folder.
    """
    resolved = Path(out).resolve()
    name = "-".join(part for part in resolved.parts[-2:] if part not in ("/", "\\")) or "radice"
    return state_folder() / PRIVATE / f"{name}-{digest(str(resolved))[:16]}"


def _check_protection(info: DistrictInfo) -> None:
    """Stop before any kernel starts when the district's protection leaves a hidden count recoverable."""
    if info.protection:
        raise DataError(
            "protezione incompleta: alcuni valori nascosti resterebbero ricavabili dai rapporti ("
            + "; ".join(info.protection) + ")", file=str(info.folder),
            fix="pubblicare a un livello più aggregato (unire servizi o comuni molto piccoli) e riprovare")


def _notebooks_dir(folder: str | os.PathLike | None) -> Path:
    if folder is not None:
        path = Path(folder)
    else:  # the checkout's notebooks/, else the current folder's (an installed package has no checkout)
        path = DEFAULT_NOTEBOOKS if DEFAULT_NOTEBOOKS.is_dir() else Path.cwd() / "notebooks"
    if not path.is_dir():
        raise ParameterError("notebooks", str(path), "cartella dei notebook non trovata: indicarla con --notebooks")
    return path.resolve()


def _notebook_path(folder: Path, name: str) -> Path:
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        raise ParameterError("notebooks", str(folder), f"manca {name}.ipynb: la suite richiede "
                             f"{', '.join(e.notebook + '.ipynb' for e in SUITE)}")
    return path


def _check_year(year: int | str | None, info: DistrictInfo) -> int:
    if not info.anni:
        raise ParameterError("year", year, f"{info.nome} non ha anni con dati di utenti o spesa: "
                             f"completare utenti.csv o spesa.csv in {info.folder}")
    if year is None:
        return max(info.anni)
    try:
        value = int(str(year).strip())
    except ValueError:
        value = None
    if value not in info.anni:
        raise ParameterError("year", year, f"anni con dati per {info.nome}: "
                             f"{', '.join(map(str, info.anni))} (opzione --year)")
    return value


def _check_areas(areas: Sequence[str] | str | None) -> list[str]:
    if areas is None:
        return list(AREE)
    asked = split_list(areas)
    if not asked:
        raise ParameterError("areas", areas, f"indicare codici separati da virgola: {', '.join(AREE)}")
    index = NameIndex((code, [code, area.etichetta]) for code, area in AREE.items())
    codes = []
    for value in asked:
        found = index.find(value)
        if len(found) != 1:
            raise ParameterError("area", value, f"aree valide: {', '.join(AREE)}")
        codes.append(found[0])
    return list(dict.fromkeys(codes))


def check_comuni(comuni: Sequence[str] | str | None, info: DistrictInfo) -> list[tuple[str, str]]:
    """(code, name) of the comuni asked for (ISTAT codes or names; None: all; "": none), in the district's order.

    Names are compared by `pianozona.names` (accents, apostrophes, case and "S." for a saint do not count).
    """
    if comuni is None:
        return list(info.comuni)
    if isinstance(comuni, str) and not comuni.strip():
        return []  # --comuni "": no profiles
    index = NameIndex((code, [code, name]) for code, name in info.comuni)
    chosen = {}
    for value in split_list(comuni):
        found = index.find(value.zfill(6) if value.isdigit() else value)
        if len(found) != 1:
            raise ParameterError("comuni", value, f"comuni di {info.nome}: "
                                 f"{', '.join(f'{name} ({code})' for code, name in info.comuni)} (opzione --comuni)")
        chosen[found[0]] = True
    return [(code, name) for code, name in info.comuni if code in chosen]


def inside(root: Path, path: Path, code: str) -> Path:
    """`path` resolved, if it is inside the output folder `root`; else ParameterError naming district `code`."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise ParameterError("codice", code, f"porterebbe a scrivere in {resolved}, fuori dalla cartella dei "
                             f"rapporti {root}: correggere 'codice' in {CONFIG_FILE} (lettere minuscole, cifre, "
                             "trattino basso)")
    return resolved


def _outside(state: Path, root: Path) -> None:
    if state.resolve().is_relative_to(root) or root.is_relative_to(state.resolve()):
        raise ParameterError("XDG_STATE_HOME", str(state.parent), f"la cartella privata {state} (chiave locale, "
                             f"notebook eseguiti) sarebbe nella cartella dei rapporti {root}, che si pubblica, o "
                             "la conterrebbe: indicare una cartella separata da --out")


# ---------------------------------------------------------------------------
# incremental runs


def job_key(job: Job, plan: Plan) -> str:
    """The key that decides whether a published report is up to date (an HMAC: see `pianozona.publish.keys`).

    It covers the notebook, the parameters, the package, the protection's secret, the district's facts and
    the fingerprints of the inputs the job declares, nothing else: a table no report reads changes no key.
    """
    return keyed({"notebook": file_hash(job.notebook), "parametri": job.parameters, "pacchetto": package_fingerprint(),
                  "protezione": plan.district.secret_hash, "fatti": plan.district.facts,
                  "ingressi": {name: plan.district.inputs.get(name) for name in job.inputs}})


def is_up_to_date(job: Job, key: str, manifest: dict, out_dir: Path) -> bool:
    """True when the manifest says this job succeeded with the same key and its page is in place."""
    entry = manifest_entries(manifest).get(job.name, {})
    page = out_dir / (entry.get("html") or "")
    return entry.get("stato") == "riuscito" and entry.get("chiave") == key and page.is_file()


def manifest_entries(manifest: dict) -> dict[str, dict]:
    """The manifest's report entries (``rapporti``) by job name."""
    return {e.get("nome"): e for e in manifest.get("rapporti", [])}

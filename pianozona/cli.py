"""Command line: parses arguments and calls the Python API, nothing else.

Exit codes: 0 success (warnings allowed), 2 data or parameter errors,
1 execution failures.
"""

from __future__ import annotations

import gc
import sys

import click

from pianozona.data.areas import AREE
from pianozona.errors import PianozonaError

_DISTRICT_HELP = ("codice del distretto o cartella con distretto.yml (predefinito: il distretto scelto con "
                  "'pianozona predefinito' o $PIANOZONA_DISTRETTO, oppure l'unico della cartella dei dati)")


def _fail(exc: PianozonaError) -> None:
    click.echo(f"pianozona: {exc}", err=True)
    sys.exit(2)


def _dated_failure(code: int) -> None:
    """In a scheduled run's log (stderr not a terminal) a run that failed on its data or its folder is dated too."""
    if not sys.stderr.isatty():
        from pianozona.publish.console import stamp

        click.echo(f"{stamp()} esecuzione non riuscita (codice {code}):", err=True)


def _district(given: str | None) -> str:
    """The district named on the command line, else the office's default (a clear line and exit 2 when none)."""
    if given:
        return given
    from pianozona.data.settings import default_district

    try:
        return default_district().distretto
    except PianozonaError as exc:
        _fail(exc)


def _program() -> str:
    """How this command was called, as the user can type it again: `pianozona` when on PATH, else its path."""
    import os
    import shutil

    called = sys.argv[0] if sys.argv and sys.argv[0] else "pianozona"
    on_path = shutil.which("pianozona")
    if on_path and os.path.realpath(on_path) == os.path.realpath(called):
        return "pianozona"
    if os.path.basename(called) != "pianozona":
        return "pianozona"  # python -m pianozona.cli, a test runner: the documented name
    try:
        return os.path.relpath(called) if not os.path.relpath(called).startswith("..") else called
    except ValueError:  # another drive on Windows
        return called


@click.group(help="Analisi dei bisogni e verifica del Piano di Zona.")
@click.version_option(package_name="pianozona")
def main() -> None:
    """Entry point."""


@main.command(help="Controlla i dati di un distretto e segnala tutti i problemi.")
@click.argument("distretto", default=None, required=False)
def validate(distretto: str | None) -> None:
    from pianozona.data.datasets import load_district

    try:
        district = load_district(_district(distretto), strict=False)
    except PianozonaError as exc:
        _fail(exc)
    for problem in district.problems.by_level():
        click.echo(problem.format())
    click.echo(f"{district.nome}: {district.problems.count_text()}.")
    sys.exit(2 if district.problems.errors else 0)


@main.command(help="Elenca le aree di intervento e la loro popolazione a rischio.")
def areas() -> None:
    for area in AREE.values():
        click.echo(f"{area.codice:<16}{area.etichetta:<36}{area.descrizione}")


@main.command(name="import-istat", help="Controlla file ISTAT (POSAS, STRASA, ...) e li archivia nel distretto; "
                                         "l'esportazione SDMX-CSV dell'indagine sui servizi sociali per ambito "
                                         "(dataflow DCIS_SPESESERSOC1_5) va in <cartella dei dati>/istat_ats/, "
                                         "per tutti i distretti.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--district", "--distretto", "district", default=None,
              help="distretto in cui archiviare (predefinito: quello scelto con 'pianozona predefinito' o "
                   "$PIANOZONA_DISTRETTO; senza scelta va indicato)")
@click.option("--year", "--anno", "year", type=int, default=None, help="anno, se non ricavabile dal file")
@click.option("--sovrascrivi", is_flag=True, help="sostituisce un file diverso con lo stesso nome")
def import_istat(files: tuple[str, ...], district: str | None, year: int | None, sovrascrivi: bool) -> None:
    from pianozona.data.importer import import_istat_files
    from pianozona.data.settings import import_target

    try:
        results = import_istat_files(list(files), import_target(district), year=year, overwrite=sovrascrivi)
    except PianozonaError as exc:
        _fail(exc)
    for r in results:
        state = "già presente" if r.unchanged else "archiviato"
        years = ", ".join(map(str, r.years))
        if r.kind == "ats":
            click.echo(f"{r.source.name}: indagine ISTAT sui servizi sociali per ambito, anni {years}, {r.ambiti} "
                       f"ambiti, {state} in {r.destination} (vale per tutti i distretti della cartella)")
        else:
            click.echo(f"{r.source.name}: {r.kind.upper()} {years}, {r.comuni_distretto} comuni del distretto su "
                       f"{r.comuni_attesi}, {state} in {r.destination}")
        for note in r.notes:
            click.echo(f"- {note}")


@main.command(help="Elenca i comuni italiani (codice ISTAT, nome, provincia, regione) dai dati ISTAT inclusi, "
                   "senza rete. Filtri combinabili; maiuscole e accenti non contano.")
@click.option("--provincia", default=None, help="codice (018) o nome (Pavia) della provincia")
@click.option("--regione", default=None, help="codice (03) o nome (Lombardia) della regione")
@click.option("--nome", default=None, help="nome o parte del nome del comune")
@click.option("--csv", "as_csv", is_flag=True, help="elenco separato da ';' (per Excel o per nuovo-distretto --file)")
def comuni(provincia: str | None, regione: str | None, nome: str | None, as_csv: bool) -> None:
    from pianozona.data import comuni as registry

    try:
        found = registry.list_comuni(provincia=provincia, regione=regione, nome=nome)
    except PianozonaError as exc:
        _fail(exc)
    click.echo(registry.csv_text(found) if as_csv else registry.text_table(found), nl=not as_csv)


@main.command(name="nuovo-distretto",
              help="Crea la cartella di un nuovo distretto: distretto.yml con i codici ISTAT dei comuni e i "
                   "territori di confronto, e la cartella di lavoro dati.xlsx vuota da compilare "
                   "(o, con --dimostrativo, tabelle dimostrative). CODICE è il nome della cartella.")
@click.argument("codice")
@click.option("--comuni", "names", default=None, help="nomi o codici ISTAT separati da virgola")
@click.option("--provincia", default=None, help="tutti i comuni di una provincia (codice o nome)")
@click.option("--file", "list_file", default=None, type=click.Path(dir_okay=False),
              help="file con un nome o codice di comune per riga (anche l'uscita di 'pianozona comuni --csv')")
@click.option("--nome", default=None, help="nome del distretto (predefinito: Distretto CODICE)")
@click.option("--cartella", default=None, type=click.Path(file_okay=False),
              help="cartella dei distretti (predefinita: $PIANOZONA_DATA_DIR o data/ del progetto)")
@click.option("--provincia-confronto", "provincia_confronto", default=None,
              help="provincia di confronto, se i comuni sono in più province")
@click.option("--dimostrativo", is_flag=True, help="scrive tabelle dimostrative (non reali) per provare i rapporti")
@click.option("--sovrascrivi", is_flag=True, help="sostituisce i file di un distretto già esistente")
def nuovo_distretto(codice: str, names: str | None, provincia: str | None, list_file: str | None, nome: str | None,
                    cartella: str | None, provincia_confronto: str | None, dimostrativo: bool,
                    sovrascrivi: bool) -> None:
    from pianozona.data import comuni as registry, new_district, settings

    if sum(x is not None for x in (names, provincia, list_file)) != 1:
        click.echo("pianozona: indicare i comuni in uno solo dei modi: --comuni \"Nome, Nome\", "
                   "--provincia CODICE o --file ELENCO.txt", err=True)
        sys.exit(2)
    try:
        entries = (registry.parse_names(names) if names is not None else
                   new_district.entries_from_province(provincia) if provincia is not None else
                   new_district.entries_from_file(list_file))
        result = new_district.create_district(codice, entries, nome=nome, root=cartella,
                                              provincia_confronto=provincia_confronto, demo_data=dimostrativo,
                                              overwrite=sovrascrivi)
    except PianozonaError as exc:
        _fail(exc)
    click.echo(f"{result.folder}: {len(result.comuni)} comuni; confronti: provincia di {result.provincia.nome} "
               f"({result.provincia.codice}), {result.regione.nome} ({result.regione.codice})")
    notes = list(result.notes)
    if not dimostrativo and settings.adopt_new_district(result.folder) is not None:
        notes.append(f"{codice} è ora il distretto predefinito: i comandi senza distretto usano questo "
                     f"(per cambiarlo: {_program()} predefinito CODICE)")
    for line in [*notes, *new_district.next_steps(result, program=_program())]:
        click.echo(f"- {line}")


@main.command(help="Mostra o sceglie il distretto dell'ufficio, usato dai comandi che non ne indicano uno "
                   "(run, validate, summary, import-istat). Si salva in impostazioni.yml nella cartella dei dati; "
                   "$PIANOZONA_DISTRETTO, se impostata, vale di più.")
@click.argument("codice", required=False, default=None)
def predefinito(codice: str | None) -> None:
    from pianozona.data import settings

    try:
        if codice is not None:
            click.echo(f"distretto predefinito: {codice} (scritto in {settings.set_default_district(codice)})")
            return
        choice = settings.default_district()
    except PianozonaError as exc:
        _fail(exc)
    click.echo(f"distretto predefinito: {choice.distretto} ({choice.origine})")


@main.command(help="Riepilogo del distretto nel terminale (popolazione e indicatori).")
@click.argument("distretto", default=None, required=False)
@click.option("--year", "--anno", "year", type=int, default=None,
              help="anno (predefinito: l'ultimo con dati, come run)")
def summary(distretto: str | None, year: int | None) -> None:
    from pianozona.data.datasets import load_district
    from pianozona.analysis.summary import district_summary

    try:
        district = load_district(_district(distretto))
        click.echo(district_summary(district, year))
    except PianozonaError as exc:
        _fail(exc)


@main.command(help="Prepara la propria copia di esplora.ipynb per un distretto, fuori dai notebook del progetto "
                   "(cartella esplorazioni/, ignorata da git): si apre in JupyterLab e ricorda il distretto.")
@click.argument("distretto", default=None, required=False)
@click.option("--year", "--anno", "year", type=int, default=None, help="anno dei dati (predefinito: l'ultimo)")
@click.option("--cartella", default=None, type=click.Path(file_okay=False),
              help="dove scrivere la copia (predefinito: esplorazioni/ nella cartella corrente)")
@click.option("--sovrascrivi", is_flag=True, help="ricrea la copia anche se esiste già (le sue modifiche si perdono)")
def esplora(distretto: str | None, year: int | None, cartella: str | None, sovrascrivi: bool) -> None:
    from pianozona.publish.exploration import personal_explorer

    try:
        copy = personal_explorer(_district(distretto), year=year, folder=cartella, replace=sovrascrivi)
    except PianozonaError as exc:
        _fail(exc)
    if copy.created:
        click.echo(f"Esplorazione di {copy.district}: {copy.path}")
    else:
        click.echo(f"Esplorazione di {copy.district} già pronta: {copy.path} (lasciata com'è; per ricrearla "
                   "--sovrascrivi)")
    click.echo(f"Per aprirla: make lab, poi la cartella {copy.path.parent}/ a sinistra; oppure jupyter lab {copy.path}")
    click.echo("Dati non protetti: la copia resta fuori da git e non va inviata a nessuno.")


@main.command(help="Esegue i notebook per un distretto (o per ogni distretto di un territorio) e un anno e "
                   "pubblica i rapporti HTML in <cartella>/<distretto>/<anno>/ con index.html e manifest.json. "
                   "Esce con 0 se tutto è riuscito, 1 se un rapporto non è riuscito, 2 per parametri o dati "
                   "non validi, 130 se interrotto.")
@click.option("--district", "--distretto", "district", default=None,
              help=_DISTRICT_HELP)
@click.option("--territorio", "--territory", "territory", default=None,
              help="codice di un territorio (data/territori/<codice>.yml) o percorso del file: esegue i rapporti di "
                   "ogni suo distretto e il confronto tra i distretti, in <cartella>/territori/<codice>/<anno>/")
@click.option("--year", "--anno", "year", default=None, help="anno dei dati (predefinito: l'ultimo disponibile)")
@click.option("--areas", "--aree", "areas", default=None, help="aree separate da virgola (predefinito: tutte)")
@click.option("--comuni", "comuni", default=None,
              help="comuni delle schede, codici ISTAT o nomi separati da virgola (predefinito: tutti; \"\": nessuna "
                   "scheda)")
@click.option("--notebooks", default=None, type=click.Path(file_okay=False),
              help="cartella dei notebook (predefinita: notebooks/ del progetto)")
@click.option("--jobs", "--processi", "jobs", default=None, help="processi in parallelo (predefinito: i core)")
@click.option("--out", "--cartella", "out", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="cartella dei rapporti")
@click.option("--force", "--forza", "force", is_flag=True, help="riesegue anche i rapporti già aggiornati")
@click.option("--no-preload", "no_preload", is_flag=True,
              help="avvia ogni kernel da zero, senza processo modello (più lento; per diagnosi)")
@click.option("--timeout", "--tempo-massimo", "timeout", default=None,
              help="secondi massimi per rapporto, poi il kernel è fermato (predefinito: 600)")
@click.option("--memoria", "--memory", "memory", default=None,
              help="memoria residente massima di ogni kernel in MB, almeno 1024 (predefinito: 4096)")
@click.option("--pdf/--senza-pdf", "pdf", default=None,
              help="stampa anche ogni rapporto in PDF con Chromium (senza Chromium una riga dice come installarlo); "
                   "predefinito: come la cartella ha già (PDF se un'esecuzione precedente li ha prodotti)")
@click.option("--docx/--no-docx", "docx", default=True, show_default=True,
              help="scrive anche ogni rapporto come documento Word modificabile (.docx), da incollare nel Piano")
@click.option("--executor", "--esecutore", "executor", default="locale", show_default=True,
              help="dove eseguire i notebook: 'locale' (processi di questa macchina) o 'dask' (Dask distributed)")
@click.option("--scheduler", default=None,
              help="con --executor dask: indirizzo tcp://host:porta di un cluster Dask esistente "
                   "(predefinito: un cluster locale di --processi processi)")
def run(district: str | None, territory: str | None, year: str | None, areas: str | None, comuni: str | None,
        notebooks: str | None,
        jobs: str | None, out: str, force: bool, no_preload: bool, timeout: str | None, memory: str | None,
        pdf: bool | None, docx: bool, executor: str, scheduler: str | None) -> None:
    from pianozona.errors import DataError, ExecutionError

    if district is not None and territory is not None:
        click.echo("pianozona: indicare --distretto oppure --territorio, non entrambi", err=True)
        sys.exit(2)
    try:
        from pianozona.publish.runner import RunOptions, run_reports

        options = RunOptions(areas=areas, comuni=comuni, notebooks_dir=notebooks, out_dir=out, jobs=jobs, force=force,
                             preload=not no_preload, timeout=timeout, memory_mb=memory, pdf=pdf, docx=docx,
                             executor=executor, scheduler=scheduler)
        result = run_reports(None if territory is not None else _district(district), year, options, territory=territory)
    except ExecutionError as exc:
        _dated_failure(1)
        click.echo(f"pianozona: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # foreseeable (disk, permissions) even outside the run itself
        _dated_failure(1)
        click.echo(f"pianozona: errore di sistema su {exc.filename or out}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    except PianozonaError as exc:
        if isinstance(exc, DataError):  # a bad parameter stays one line; the data's errors are a dated block
            _dated_failure(2)
        _fail(exc)
    except KeyboardInterrupt:
        click.echo("pianozona: interrotto; i rapporti già pubblicati restano, nessun file parziale.", err=True)
        sys.exit(130)
    click.echo(result.summary())
    gc.freeze()  # the run is over: skip the garbage collector's slow pass over everything imported at exit
    sys.exit(result.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()

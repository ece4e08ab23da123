"""Command line: parses arguments and calls the Python API, nothing else.

Exit codes: 0 success (warnings allowed), 2 data or parameter errors,
1 execution failures.
"""

from __future__ import annotations

import sys

import click

from .areas import AREE
from .errors import PianozonaError

DEFAULT_DISTRICT = "pavia"


def _fail(exc: PianozonaError) -> None:
    click.echo(f"pianozona: {exc}", err=True)
    sys.exit(2)


@click.group(help="Analisi dei bisogni e verifica del Piano di Zona.")
@click.version_option(package_name="pianozona")
def main() -> None:
    """Entry point."""


@main.command(help="Controlla i dati di un distretto e segnala tutti i problemi.")
@click.argument("distretto", default=DEFAULT_DISTRICT)
def validate(distretto: str) -> None:
    from .datasets import load_district

    try:
        district = load_district(distretto, strict=False)
    except PianozonaError as exc:
        _fail(exc)
    for problem in district.problems:
        click.echo(problem.format())
    errors, warnings = len(district.problems.errors), len(district.problems.warnings)
    click.echo(f"{district.nome}: {errors} errori, {warnings} avvisi.")
    sys.exit(2 if errors else 0)


@main.command(help="Elenca le aree di intervento e la loro popolazione a rischio.")
def areas() -> None:
    for area in AREE.values():
        click.echo(f"{area.codice:<16}{area.etichetta:<36}{area.descrizione}")


@main.command(name="import-istat", help="Controlla file ISTAT (POSAS, STRASA, ...) e li archivia nel distretto.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--district", "--distretto", "district", default=DEFAULT_DISTRICT, show_default=True)
@click.option("--year", "--anno", "year", type=int, default=None, help="anno, se non ricavabile dal file")
@click.option("--sovrascrivi", is_flag=True, help="sostituisce un file diverso con lo stesso nome")
def import_istat(files: tuple[str, ...], district: str, year: int | None, sovrascrivi: bool) -> None:
    from .importer import import_istat_files

    try:
        results = import_istat_files(list(files), district, year=year, overwrite=sovrascrivi)
    except PianozonaError as exc:
        _fail(exc)
    for r in results:
        state = "già presente" if r.unchanged else "archiviato"
        years = ", ".join(map(str, r.years))
        click.echo(f"{r.source.name}: {r.kind.upper()} {years}, {r.comuni_distretto} comuni del distretto su "
                   f"{r.comuni_attesi}, {state} in {r.destination}")


@main.command(help="Riepilogo del distretto nel terminale (popolazione e indicatori).")
@click.argument("distretto", default=DEFAULT_DISTRICT)
@click.option("--year", "--anno", "year", type=int, default=None)
def summary(distretto: str, year: int | None) -> None:
    from .datasets import load_district
    from .summary import district_summary

    try:
        district = load_district(distretto)
        click.echo(district_summary(district, year))
    except PianozonaError as exc:
        _fail(exc)


if __name__ == "__main__":  # pragma: no cover
    main()

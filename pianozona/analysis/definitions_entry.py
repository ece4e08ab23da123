"""One entry of the dictionary of definitions (`Indicatore`), the shape every indicator of the registry has.

Its own module so that the registry (`pianozona.analysis.definitions`) can be filled from
several modules of entries (`definitions_national`: the comparison with ISTAT's survey and the
LEPS) without an import circle; `definitions` re-exports it, and nothing else should build one.
"""

from __future__ import annotations

from dataclasses import dataclass

from pianozona.analysis import definitions_methods as methods

__all__ = ["ANNUALE_ISTAT", "ANNUALE_UFFICIO", "Indicatore"]

ANNUALE_ISTAT = "annuale: popolazione al 1° gennaio di ogni anno, pubblicata dall'ISTAT"
ANNUALE_UFFICIO = "annuale: dati dell'ufficio di piano per l'anno analizzato"


@dataclass(frozen=True)
class Indicatore:
    """One indicator of the dictionary (see `pianozona.analysis.definitions`); texts are Italian, for planners."""

    codice: str
    nome: str  # the column header the reports use
    gruppo: str
    definizione: str
    numeratore: str = ""
    denominatore: str = ""
    fonte: str = ""
    unita: str = ""
    intervallo: str = "nessuno"  # key of definitions_methods.METODI_INTERVALLO
    confronto: str = "nessuno"  # key of definitions_methods.METODI_CONFRONTO
    protetto: bool = False  # built on counts of people: the protection of small numbers applies
    aggiornamento: str = ANNUALE_UFFICIO
    per_area: bool = False  # its denominator is the population at risk of each area
    colonne: tuple[str, ...] = ()  # other column keys under which the reports show it
    intestazioni: tuple[str, ...] = ()  # other headers it is shown under (besides `nome`)

    @property
    def metodo_intervallo(self) -> str:
        return methods.METODI_INTERVALLO[self.intervallo]

    @property
    def metodo_confronto(self) -> str:
        return methods.METODI_CONFRONTO[self.confronto]

"""The dictionary of definitions as a document: what the published page and the sheet "Definizioni" show.

Built from the registry (`pianozona.analysis.definitions`), its methods
(`pianozona.analysis.definitions_methods`) and a district's areas: `Glossary` holds plain text
only (the page's template escapes it, the spreadsheet neutralises it), so the page
(`pianozona.present.render.render_dictionary`) and every report's sheet
(`pianozona.present.spreadsheet`) say the same words.

The population at risk of each area is never copied here: `area_rows` reads it from the area
registry (`pianozona.data.areas.AREE`) or, in a run, from the district's own areas (its overrides
of `distretto.yml` included), handed over as (code, label, description) triples.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pianozona import privacy
from pianozona.analysis import definitions, definitions_methods as methods
from pianozona.data.areas import AREE

__all__ = ["DICTIONARY_FILE", "DICTIONARY_TITLE", "FIELDS", "Glossary", "area_rows", "build", "fields",
           "sheet_rows"]

#: the published page, in every district/year folder (reports link it by this relative name)
DICTIONARY_FILE = "dizionario.html"
DICTIONARY_TITLE = "Dizionario degli indicatori"
#: the fields of an indicator, in the order the page and the sheet show them: (attribute, Italian label)
FIELDS = (("definizione", "Definizione"), ("numeratore", "Numeratore"), ("denominatore", "Denominatore"),
          ("fonte", "Fonte"), ("unita", "Unità"), ("popolazione", "Popolazione a rischio"),
          ("intervallo", "Intervallo di confidenza"), ("confronto", "Confronto"),
          ("tutela", "Tutela dei piccoli numeri"),
          ("aggiornamento", "Aggiornamento"))
AREA_HEADERS = ("Area", "Area dell'indagine ISTAT sui servizi sociali dei comuni", "Popolazione a rischio")
INTRO = ("Questo dizionario definisce ogni indicatore che i rapporti del Piano di Zona mostrano: che cosa misura, "
         "come si calcola e da quali dati, come se ne stima l'incertezza, con che cosa si confronta, come sono "
         "protetti i piccoli numeri e quanto spesso cambia. Le intestazioni delle tabelle dei rapporti usano gli "
         "stessi nomi.")


@dataclass(frozen=True)
class Glossary:
    """The dictionary's content, plain text: sections of indicators, areas, methods, the protection rule."""

    # (group, ((code, name, fields)))
    sections: tuple[tuple[str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]], ...]
    areas: tuple[tuple[str, str, str], ...]  # (label, ISTAT area, population at risk)
    intervals: tuple[tuple[str, str], ...]  # (method, text) of the methods the indicators use
    comparisons: tuple[tuple[str, str], ...]
    rule: tuple[str, ...]
    markers: tuple[tuple[str, str], ...]
    intro: str = INTRO


_METHOD_NAMES = {"poisson_byar": "Tassi: Poisson esatto e Byar", "rapporto_esatto": "Rapporto tra due tassi",
                 "wilson": "Proporzioni: Wilson", "dobson": "Tassi standardizzati: Dobson",
                 "completo": "Conteggi completi", "non_valutato": "Indicatori demografici ISTAT",
                 "distretto": "Confronto con il distretto e grafico a imbuto",
                 "tendenza": "Tendenza recente", "variazione": "Variazione sull'anno precedente",
                 "percorso": "Obiettivi: percorso verso il target",
                 "ambiti_regione": "Confronto con gli ambiti della regione (ISTAT)",
                 "soglie_leps": "Assistenti sociali: le soglie della legge"}


def area_rows(areas: Iterable[Sequence[str]] | None = None) -> tuple[tuple[str, str, str], ...]:
    """(label, ISTAT area, population at risk) per area: from `areas` (code, label, description) or the registry."""
    if not areas:
        return tuple((a.etichetta, a.area_istat, a.descrizione) for a in AREE.values())
    rows = []
    for code, label, description in areas:
        istat = AREE[code].area_istat if code in AREE else ""
        rows.append((str(label), istat, str(description)))
    return tuple(rows)


def fields(indicator: definitions.Indicatore) -> tuple[tuple[str, str], ...]:
    """(label, text) of an indicator's fields, empty ones left out."""
    values = {
        "definizione": indicator.definizione, "numeratore": indicator.numeratore,
        "denominatore": indicator.denominatore, "fonte": indicator.fonte, "unita": indicator.unita,
        "popolazione": ("diversa per ogni area: vedere la tabella «Popolazione a rischio per area»"
                        if indicator.per_area else ""),
        "intervallo": indicator.metodo_intervallo, "confronto": indicator.metodo_confronto,
        "tutela": (f"sì: i conteggi da 1 a {privacy.DEFAULT_THRESHOLD} e ciò che permetterebbe di ricalcolarli non "
                   "sono pubblicati (vedere «Tutela dei piccoli numeri»)" if indicator.protetto
                   else "non si applica: il valore non conta utenti dei servizi"),
        "aggiornamento": indicator.aggiornamento,
    }
    return tuple((label, values[key]) for key, label in FIELDS if values[key])


def build(areas: Iterable[Sequence[str]] | None = None, codes: Sequence[str] | None = None) -> Glossary:
    """The dictionary of the indicators `codes` (default: all), with the areas and the methods they use."""
    chosen = [definitions.get(code) for code in (codes if codes is not None else definitions.INDICATORI)]
    sections = []
    for group in definitions.GRUPPI:
        items = tuple((i.codice, i.nome, fields(i)) for i in chosen if i.gruppo == group)
        if items:
            sections.append((group, items))
    used_intervals = dict.fromkeys(i.intervallo for i in chosen if i.intervallo != "nessuno")
    used_comparisons = dict.fromkeys(i.confronto for i in chosen if i.confronto != "nessuno")
    if codes is None:  # the whole dictionary names every method the package implements
        used_intervals = dict.fromkeys(k for k in methods.METODI_INTERVALLO if k != "nessuno")
    return Glossary(
        sections=tuple(sections), areas=area_rows(areas) if any(i.per_area for i in chosen) else (),
        intervals=tuple((_METHOD_NAMES[k], methods.METODI_INTERVALLO[k]) for k in used_intervals),
        comparisons=tuple((_METHOD_NAMES[k], methods.METODI_CONFRONTO[k]) for k in used_comparisons),
        rule=methods.protection_rule(), markers=methods.marker_meanings())


def sheet_rows(glossary: Glossary) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a spreadsheet's sheet "Definizioni": one row per indicator, then the notes."""
    header = ["Indicatore", "Gruppo", *(label for _, label in FIELDS)]
    rows: list[list[str]] = []
    for group, items in glossary.sections:
        for _code, name, shown in items:
            values = dict(shown)
            rows.append([name, group, *(values.get(label, "") for _, label in FIELDS)])
    return header, rows

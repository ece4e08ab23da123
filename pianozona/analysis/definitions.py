"""The dictionary of definitions: one registry of every indicator the suite shows (`INDICATORI`).

Fingertips and ScotPHO publish one dictionary and link it from every chart; this is ours.  Each
`Indicatore` says its name (the column header every report uses: the label dictionaries of the
analysis modules take it from here, `nome`), its definition, numerator and denominator with their
sources, how its confidence interval is computed (`METODI_INTERVALLO`, the methods of
`pianozona.analysis.stats`), how it is compared (`METODI_CONFRONTO`), whether the protection of
small numbers applies to it, and how often it changes.  The population at risk of an area is not
written here: it comes from the area registry (`pianozona.data.areas`, with a district's overrides)
when the dictionary is published (`pianozona.analysis.glossary`).  The entries of the comparison
with ISTAT's survey per ambito and of the LEPS (`confronto_italia`, `livelli_essenziali`) are written
in `definitions_national` for length only: they are groups of this one registry, and those reports
take their headers from here like every other.

How the reports cannot drift from it.  Every table a report shows is recorded with the keys of
its columns (`pianozona.present.spreadsheet.record_table`); `for_column` maps a column key to the
indicator it shows (its `codice`, one of its `colonne`, or either with a year suffix such as
``indice_vecchiaia_2023``).  A report's spreadsheet lists in its sheet "Definizioni" the
indicators its tables showed, and a shown number column that maps to no indicator is a warning of
the run (`undefined`), which the end-to-end test forbids; a header that does not start with the
indicator's name (`header_matches`) is one too.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from pianozona.analysis import definitions_national as national
from pianozona.analysis.definitions_entry import ANNUALE_ISTAT, Indicatore
from pianozona.data.areas import AREE

__all__ = ["GRUPPI", "INDICATORI", "Indicatore", "for_column", "get", "header_matches", "nome", "nomi",
           "resolve", "undefined"]

# Where the numbers come from, in the words of a reader (never a file or a program name).
ISTAT_POP = "ISTAT, popolazione residente per età e sesso al 1° gennaio"
ISTAT_STRANIERI = "ISTAT, popolazione straniera residente al 1° gennaio"
UFFICIO_UTENTI = "ufficio di piano, tabella degli utenti dei servizi per comune, area, servizio e anno"
UFFICIO_PERSONE = "ufficio di piano, tabella delle persone distinte in carico (dove fornita)"
UFFICIO_SPESA = "ufficio di piano, tabella della spesa per area, servizio e anno"
UFFICIO_FONDI = "ufficio di piano, tabella delle entrate per fonte di finanziamento"
UFFICIO_OBIETTIVI = "ufficio di piano, tabelle degli obiettivi del Piano e delle loro misure annuali"

#: The sections of the dictionary, in order.
GRUPPI = ("Demografia", "Bisogni e copertura dei servizi", "Confronti e variazioni", "Spesa e bilancio",
          "Obiettivi del Piano", national.GRUPPO_ISTAT, national.GRUPPO_LEPS)


def _demo(codice: str, nome: str, definizione: str, numeratore: str, denominatore: str, *,
          unita: str = "", fonte: str = ISTAT_POP, colonne: tuple[str, ...] = (),
          intestazioni: tuple[str, ...] = ()) -> Indicatore:
    return Indicatore(codice, nome, "Demografia", definizione, numeratore, denominatore, fonte, unita,
                      aggiornamento=ANNUALE_ISTAT, intervallo="completo", confronto="non_valutato", colonne=colonne,
                      intestazioni=intestazioni)


_DEMOGRAFIA = (
    _demo("popolazione", "Popolazione residente", "Residenti al 1° gennaio dell'anno.", "residenti", "",
          unita="persone", colonne=("residenti",), intestazioni=("Residenti",)),
    _demo("indice_vecchiaia", "Indice di vecchiaia", "Residenti di 65 anni e più ogni 100 residenti di 0-14 anni.",
          "residenti di 65 anni e più", "residenti di 0-14 anni", unita="per 100"),
    _demo("indice_dipendenza_strutturale", "Indice di dipendenza strutturale",
          "Residenti in età non attiva (0-14 anni e 65 anni e più) ogni 100 residenti in età attiva (15-64 anni).",
          "residenti di 0-14 anni e di 65 anni e più", "residenti di 15-64 anni", unita="per 100"),
    _demo("indice_dipendenza_anziani", "Indice di dipendenza degli anziani",
          "Residenti di 65 anni e più ogni 100 residenti di 15-64 anni.", "residenti di 65 anni e più",
          "residenti di 15-64 anni", unita="per 100"),
    _demo("indice_dipendenza_giovanile", "Indice di dipendenza giovanile",
          "Residenti di 0-14 anni ogni 100 residenti di 15-64 anni.", "residenti di 0-14 anni",
          "residenti di 15-64 anni", unita="per 100"),
    _demo("indice_ricambio", "Indice di ricambio della popolazione attiva",
          "Residenti che stanno per lasciare l'età attiva (60-64 anni) ogni 100 che vi stanno entrando (15-19 anni).",
          "residenti di 60-64 anni", "residenti di 15-19 anni", unita="per 100"),
    _demo("indice_struttura", "Indice di struttura della popolazione attiva",
          "Residenti di 40-64 anni ogni 100 residenti di 15-39 anni: quanto è anziana la popolazione in età attiva.",
          "residenti di 40-64 anni", "residenti di 15-39 anni", unita="per 100"),
    _demo("carico_figli", "Carico di figli per donna feconda",
          "Bambini di 0-4 anni ogni 100 donne di 15-49 anni.", "residenti di 0-4 anni",
          "residenti donne di 15-49 anni", unita="per 100"),
    _demo("quota_65", "Quota di residenti 65+ (%)", "Residenti di 65 anni e più ogni 100 residenti.",
          "residenti di 65 anni e più", "residenti", unita="%"),
    _demo("quota_75", "Quota di residenti 75+ (%)", "Residenti di 75 anni e più ogni 100 residenti.",
          "residenti di 75 anni e più", "residenti", unita="%"),
    _demo("quota_85", "Quota di grandi anziani 85+ (%)", "Residenti di 85 anni e più ogni 100 residenti.",
          "residenti di 85 anni e più", "residenti", unita="%"),
    _demo("quota_minori", "Quota di minori 0-17 (%)", "Residenti di 0-17 anni ogni 100 residenti.",
          "residenti di 0-17 anni", "residenti", unita="%"),
    _demo("incidenza_stranieri", "Incidenza dei residenti stranieri (%)",
          "Residenti di cittadinanza straniera ogni 100 residenti.", "residenti stranieri", "residenti",
          unita="%", fonte=f"{ISTAT_STRANIERI}; {ISTAT_POP}"),
    _demo("variazione_popolazione_pct", "Variazione popolazione (%)",
          "Variazione percentuale dei residenti tra il primo e l'ultimo anno disponibile.",
          "residenti dell'ultimo anno meno residenti del primo anno", "residenti del primo anno", unita="%"),
    _demo("variazione_vecchiaia", "Variazione indice di vecchiaia (punti)",
          "Differenza tra l'indice di vecchiaia dell'ultimo e del primo anno disponibile, in punti.",
          "indice di vecchiaia dell'ultimo anno meno quello del primo anno", "", unita="punti"),
)

_UTENTI_DEF = ("Utenti dei servizi dell'area nell'anno, sommati sui servizi: chi usa più servizi dell'area è contato "
               "una volta per ciascuno, quindi non è un numero di persone. Dove l'ufficio di piano fornisce le persone "
               "distinte in carico, i rapporti usano quelle e lo dicono («Persone in carico»).")

_BISOGNI = (
    Indicatore("popolazione_a_rischio", "Popolazione a rischio", "Bisogni e copertura dei servizi",
               "Residenti che appartengono al gruppo a cui si rivolgono i servizi dell'area (per ogni area è "
               "indicato sotto, nella tabella delle aree).", "residenti del gruppo a rischio dell'area", "",
               f"{ISTAT_POP}; {ISTAT_STRANIERI} (area immigrazione)", "persone", "completo",
               aggiornamento=ANNUALE_ISTAT, per_area=True, colonne=("precedente",)),
    Indicatore("utenti", "Utenti dei servizi", "Bisogni e copertura dei servizi", _UTENTI_DEF,
               "utenti dei servizi (o persone distinte in carico)", "", f"{UFFICIO_UTENTI}; {UFFICIO_PERSONE}",
               "utenti", "completo", protetto=True, colonne=("utenti_precedente", "utenti_distretto"),
               intestazioni=("Persone in carico", "Utenti")),
    Indicatore("copertura", "Copertura per 1.000", "Bisogni e copertura dei servizi",
               "Utenti dei servizi dell'area (o persone in carico) ogni 1.000 residenti della popolazione a rischio "
               "dell'area: quanto i servizi raggiungono il gruppo a cui si rivolgono.",
               "utenti dei servizi dell'area (o persone distinte in carico)",
               "popolazione a rischio dell'area (residenti al 1° gennaio; per gli anni senza dati ISTAT si usa "
               "l'anno più vicino, e il rapporto lo dice)", f"{UFFICIO_UTENTI}; {ISTAT_POP}", "per 1.000",
               intervallo="poisson_byar", confronto="distretto", protetto=True, per_area=True,
               colonne=("copertura_precedente", "copertura_distretto", *(f"copertura_{code}" for code in AREE)),
               intestazioni=("Utenti per 1.000 residenti a rischio", "Copertura del distretto",
                             *(f"{area.etichetta}: copertura per 1.000" for area in AREE.values()))),
    Indicatore("intervallo", "Intervallo di confidenza al 95%", "Bisogni e copertura dei servizi",
               "Limiti inferiore e superiore dell'intervallo di confidenza al 95% del valore accanto (la copertura, "
               "o il rapporto tra i tassi di due anni): l'intervallo dice quanto il valore potrebbe cambiare per "
               "solo effetto del caso, ed è tanto più largo quanto più piccoli sono i numeri.", "", "", "",
               intervallo="poisson_byar", protetto=True, colonne=("lower", "upper"),
               intestazioni=("Limite inferiore 95%", "Limite superiore 95%")),
    Indicatore("tendenza", "Tendenza recente", "Confronti e variazioni",
               "Se la copertura del distretto cresce, cala o resta stabile negli ultimi cinque anni consecutivi.",
               "copertura del distretto di ciascun anno, con il suo intervallo", "", UFFICIO_UTENTI,
               confronto="tendenza", protetto=True),
    Indicatore("rapporto", "Rapporto tra i tassi", "Confronti e variazioni",
               "Copertura dell'anno divisa per la copertura dell'anno precedente (1 = nessuna variazione), con il "
               "suo intervallo al 95% e il valore p del test esatto.", "copertura dell'anno",
               "copertura dell'anno precedente", f"{UFFICIO_UTENTI}; {ISTAT_POP}", "rapporto",
               intervallo="rapporto_esatto", confronto="variazione", protetto=True),
    Indicatore("differenza", "Differenza per 1.000", "Confronti e variazioni",
               "Copertura dell'anno meno copertura dell'anno precedente, in utenti per 1.000 residenti a rischio.",
               "copertura dell'anno meno copertura dell'anno precedente", "", f"{UFFICIO_UTENTI}; {ISTAT_POP}",
               "per 1.000", confronto="variazione", protetto=True),
    Indicatore("p_value", "Valore p", "Confronti e variazioni",
               "Probabilità di osservare, per solo effetto del caso, una variazione almeno così grande se la "
               "copertura non fosse cambiata: sotto 0,05 la variazione è detta aumentata o diminuita.", "", "",
               f"{UFFICIO_UTENTI}; {ISTAT_POP}", confronto="variazione", protetto=True),
    Indicatore("variazione", "Variazione utenti", "Confronti e variazioni",
               "Utenti del servizio dell'anno meno quelli dell'anno precedente.", "utenti dell'anno meno utenti "
               "dell'anno precedente", "", UFFICIO_UTENTI, "utenti", protetto=True),
    Indicatore("variazione_pct", "Variazione %", "Confronti e variazioni",
               "Variazione percentuale di un valore (popolazione a rischio, utenti di un servizio, spesa o misura di "
               "un obiettivo) rispetto all'anno indicato nell'intestazione della tabella (l'anno precedente o il "
               "primo anno disponibile).", "valore dell'anno meno valore dell'anno di confronto",
               "valore dell'anno di confronto", "le fonti del valore che varia", "%", protetto=True,
               intestazioni=("Variazione sull'anno prec. (%)", "Variazione dal primo anno (%)")),
)

_SPESA = (
    Indicatore("importo_euro", "Spesa (euro)", "Spesa e bilancio",
               "Spesa dell'anno per i servizi dell'area (o del servizio), in euro.", "euro spesi", "", UFFICIO_SPESA,
               "euro"),
    Indicatore("spesa_per_residente", "Euro per residente", "Spesa e bilancio",
               "Spesa dell'area divisa per tutti i residenti del distretto (o dell'ambito): non è una spesa per "
               "comune, perché la spesa non è ripartita tra i comuni.", "spesa dell'area in euro",
               "residenti al 1° gennaio", f"{UFFICIO_SPESA}; {ISTAT_POP}", "euro",
               colonne=("spesa_per_residente_distretto",),
               intestazioni=("Spesa per residente del distretto (euro)",)),
    Indicatore("spesa_per_utente", "Euro per utente", "Spesa e bilancio",
               "Spesa dell'area divisa per i suoi utenti dei servizi (o per le persone in carico): non è pubblicata "
               "dove il numero di utenti non lo è.", "spesa dell'area in euro",
               "utenti dei servizi dell'area (o persone in carico)", f"{UFFICIO_SPESA}; {UFFICIO_UTENTI}", "euro",
               protetto=True, intestazioni=("Euro per persona",)),
    Indicatore("entrate", "Entrate per fonte (euro)", "Spesa e bilancio",
               "Risorse del Piano per fonte di finanziamento (fondi nazionali, regionali, dei comuni, altri) e "
               "anno, in euro, con il totale.", "euro", "", UFFICIO_FONDI, "euro"),
    Indicatore("comuni", "Comuni", "Spesa e bilancio",
               "Numero di comuni dell'ambito, secondo l'elenco dei comuni dell'ISTAT.", "comuni", "",
               "configurazione del distretto; ISTAT, elenco dei comuni", "comuni", aggiornamento="quando cambia "
               "la composizione dell'ambito"),
)

_OBIETTIVI = (
    Indicatore("valore", "Valore", "Obiettivi del Piano",
               "Valore dell'indicatore di un obiettivo del Piano nell'anno della verifica, come lo misura l'ufficio "
               "di piano (l'unità è nella tabella); accanto il valore di base, misurato nell'anno di base, e il "
               "target da raggiungere entro l'anno del target.", "", "", UFFICIO_OBIETTIVI,
               confronto="percorso", protetto=True, colonne=("valore_base", "target"),
               intestazioni=("Valore base", "Target")),
    Indicatore("atteso", "Atteso sul percorso", "Obiettivi del Piano",
               "Valore atteso nell'anno della verifica sul percorso in linea retta dal valore di base al target.",
               "valore di base + (target − valore di base) × strada attesa", "", UFFICIO_OBIETTIVI,
               confronto="percorso", protetto=True, intestazioni=("Atteso",)),
    Indicatore("scarto", "Scarto dall'atteso", "Obiettivi del Piano",
               "Valore dell'anno meno valore atteso (quando è meglio un valore basso, uno scarto negativo è un "
               "vantaggio).", "valore dell'anno − valore atteso", "", UFFICIO_OBIETTIVI, confronto="percorso",
               protetto=True),
    Indicatore("percorso_pct", "Strada percorsa (%)", "Obiettivi del Piano",
               "Quanto della distanza tra valore di base e target è stato percorso, in per cento (oltre 100: target "
               "superato; sotto 0: il valore si è allontanato dal target).", "valore dell'anno − valore di base",
               "target − valore di base", UFFICIO_OBIETTIVI, "%", confronto="percorso", protetto=True),
    Indicatore("percorso_atteso_pct", "Strada attesa (%)", "Obiettivi del Piano",
               "Quota del tempo tra l'anno di base e l'anno del target trascorsa all'anno della verifica.",
               "anno della verifica − anno di base", "anno del target − anno di base", UFFICIO_OBIETTIVI, "%",
               confronto="percorso"),
)

INDICATORI = MappingProxyType({i.codice: i for i in (*_DEMOGRAFIA, *_BISOGNI, *_SPESA, *_OBIETTIVI, *national.ISTAT,
                                                     *national.LEPS)})
_BY_COLUMN = MappingProxyType({key: i.codice for i in INDICATORI.values() for key in (i.codice, *i.colonne)})
_YEAR_SUFFIX = re.compile(r"_\d{4}$")


def get(codice: str) -> Indicatore:
    """The indicator `codice` (or the one a column key shows, `for_column`).

    KeyError when there is none: a bug of the package, not a user's mistake.
    """
    indicator = INDICATORI.get(codice) or for_column(codice)
    if indicator is None:
        raise KeyError(f"indicatore {codice!r} non definito nel dizionario (pianozona.analysis.definitions)")
    return indicator


def nome(codice: str) -> str:
    """The name (column header) of indicator `codice`, or of the indicator column key `codice` shows."""
    return get(codice).nome


def nomi(codici) -> dict[str, str]:
    """{codice: nome} of the indicators (or column keys) `codici`, in order: a report's header labels."""
    return {codice: nome(codice) for codice in codici}


def for_column(key: str) -> Indicatore | None:
    """The indicator a table column shows, from its key (a code, one of its `colonne`, either with ``_YYYY``)."""
    key = str(key)
    code = _BY_COLUMN.get(key) or _BY_COLUMN.get(_YEAR_SUFFIX.sub("", key))
    return INDICATORI[code] if code else None


def header_matches(indicator: Indicatore, header: str) -> bool:
    """Whether a shown header names `indicator`: it starts with its name or one of its other headers."""
    text = str(header).strip().casefold()
    return any(text.startswith(name.casefold()) for name in (indicator.nome, *indicator.intestazioni))


def resolve(table: dict) -> tuple[list[str], list[str]]:
    """(codes of the indicators a recorded table shows, in order; problems, Italian, one per column).

    A table recorded with ``indicators`` (rows or columns that are not column keys: a table of indicators
    by territory, of funds by year) shows those.  Otherwise every column holding numbers other than years
    shows the indicator of its key (`for_column`), under a header that names it (`header_matches`).
    """
    codes: list[str] = []
    problems: list[str] = []
    if table.get("indicators"):
        for code in table["indicators"]:
            indicator = for_column(code)
            (codes.append(indicator.codice) if indicator else
             problems.append(f"tabella «{table.get('caption', '')}»: indicatore {code!r} non definito nel dizionario"))
        return list(dict.fromkeys(codes)), problems
    for index, (key, header) in enumerate(zip(table.get("keys") or [], table.get("columns") or [])):
        if not _shows_numbers(table, index):
            continue
        indicator = for_column(key)
        where = f"tabella «{table.get('caption', '')}», colonna «{header}»"
        if indicator is None:
            problems.append(f"{where}: indicatore non definito nel dizionario (chiave {key!r})")
        elif not header_matches(indicator, header):
            problems.append(f"{where}: l'intestazione non è il nome del dizionario («{indicator.nome}»)")
        else:
            codes.append(indicator.codice)
    return list(dict.fromkeys(codes)), problems


def undefined(tables: list[dict]) -> list[str]:
    """The problems of `resolve` over all of a report's recorded tables (empty when every indicator is defined)."""
    return [problem for table in tables for problem in resolve(table)[1]]


def _shows_numbers(table: dict, index: int) -> bool:
    """Whether column `index` of a recorded table holds a number that is not a year."""
    return any(isinstance(row[index], dict) and not row[index].get("y") for row in table.get("rows", [])
               if index < len(row))

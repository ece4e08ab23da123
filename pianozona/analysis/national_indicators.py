"""The indicators of the national comparison and of the LEPS report, defined once, in Italian.

`INDICATORI` maps each indicator's code (the column or key its report uses) to
its definition: name, what it measures, numerator and denominator with their
sources, unit, how it is protected, notes.  The reports (`national`, `leps`)
take their labels from here, and the dictionary of definitions imports the
same table, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["FONTE_ISTAT", "FONTE_LEPS", "INDICATORI", "Indicatore", "PER_RAPPORTO", "etichetta"]

FONTE_ISTAT = ("ISTAT, Interventi e servizi sociali dei comuni singoli e associati (IstatData, dataflow "
               "DCIS_SPESESERSOC1_5, Utenti e spesa - Ambiti territoriali sociali)")
FONTE_LEPS = ("L. 30 dicembre 2020, n. 178, art. 1, c. 797 e seguenti; D.M. 4 febbraio 2021, n. 15; note del "
              "Ministero del lavoro e delle politiche sociali sul contributo (SIOSS)")
_NOT_A_COUNT = "non conta persone: pubblicato com'è"
_SMALL = "valori da 1 a 4 nascosti («n.d.»), con ciò che ne deriva"


@dataclass(frozen=True)
class Indicatore:
    """One indicator: name and definition as a planner reads them, with their sources."""

    codice: str
    nome: str
    definizione: str
    numeratore: str
    denominatore: str
    fonte: str
    unita: str
    protezione: str
    note: str = ""


INDICATORI = MappingProxyType({i.codice: i for i in (
    Indicatore("spesa_per_abitante_istat", "Spesa dei comuni per abitante della popolazione di riferimento",
               "Spesa dei comuni singoli e associati per gli interventi e i servizi sociali di un'area di utenza, "
               "al netto della compartecipazione degli utenti e del Servizio sanitario nazionale, divisa per la "
               "popolazione di riferimento dell'area; il valore è quello che ISTAT pubblica, non ricalcolato.",
               "spesa dei comuni per l'area (tutte le voci)", "popolazione di riferimento dell'area, come ISTAT la "
               "definisce nella nota metodologica dell'indagine", FONTE_ISTAT, "euro per abitante", _NOT_A_COUNT),
    Indicatore("spesa_istat", "Spesa dei comuni (ISTAT)",
               "Spesa dei comuni singoli e associati per l'area, al netto della compartecipazione degli utenti e "
               "del Servizio sanitario nazionale.", "spesa impegnata", "-", FONTE_ISTAT, "euro", _NOT_A_COUNT),
    Indicatore("utenti_istat", "Utenti dei servizi (ISTAT)",
               "Utenti di un servizio nell'anno come li conta l'indagine ISTAT: chi usa due servizi è contato in "
               "ciascuno, quindi non sono persone distinte.", "utenti del servizio", "-", FONTE_ISTAT, "utenti",
               _SMALL, "ISTAT pubblica i valori di ogni ambito; le pagine della suite nascondono comunque quelli "
               "da 1 a 4, come per ogni conteggio."),
    Indicatore("utenti_per_abitante_istat", "Utenti sulla popolazione di riferimento (ISTAT)",
               "Utenti di un servizio rapportati da ISTAT alla popolazione di riferimento dell'area.",
               "utenti del servizio", "popolazione di riferimento dell'area", FONTE_ISTAT,
               "come pubblicato da ISTAT", "nascosto quando sono nascosti gli utenti da cui deriva"),
    Indicatore("posizione_regione", "Posizione tra gli ambiti della regione",
               "Posto dell'ambito nella graduatoria degli ambiti della regione che hanno il dato nel file, dal "
               "valore più alto (1°) al più basso; a parità di valore, lo stesso posto.", "-", "-", FONTE_ISTAT,
               "posto su numero di ambiti", _NOT_A_COUNT),
    Indicatore("dispersione_regione", "Dispersione tra gli ambiti della regione",
               "Valore minimo, primo quartile, mediana, terzo quartile e massimo tra gli ambiti della regione che "
               "hanno il dato nel file (la metà degli ambiti sta tra primo e terzo quartile).", "-", "-",
               FONTE_ISTAT, "come l'indicatore", _NOT_A_COUNT),
    Indicatore("as_fte_indeterminato", "Assistenti sociali a tempo indeterminato (equivalenti a tempo pieno)",
               "Assistenti sociali assunti a tempo indeterminato dai comuni dell'ambito o dall'ambito, impiegati "
               "nei servizi sociali territoriali, in equivalenti a tempo pieno medi dell'anno (un part-time al 50% "
               "vale 0,5): il conteggio che la legge usa. Sono FTE, non persone.", "equivalenti a tempo pieno",
               "-", "tabella personale dell'ufficio di piano", "FTE", "personale, non utenti: pubblicato com'è"),
    Indicatore("as_fte_determinato", "Assistenti sociali a tempo determinato (equivalenti a tempo pieno)",
               "Assistenti sociali con altri contratti: mostrati, ma la regola del contributo non li conta.",
               "equivalenti a tempo pieno", "-", "tabella personale dell'ufficio di piano", "FTE",
               "personale, non utenti: pubblicato com'è"),
    Indicatore("residenti_per_as", "Residenti per assistente sociale",
               "Residenti dell'ambito al 1° gennaio dell'anno diviso per gli assistenti sociali a tempo "
               "indeterminato (FTE). Il LEPS è 5.000 o meno; l'obiettivo di servizio 4.000 o meno.",
               "residenti al 1° gennaio (ISTAT)", "assistenti sociali a tempo indeterminato (FTE)", FONTE_LEPS,
               "residenti per FTE", "personale, non utenti: pubblicato com'è"),
    Indicatore("soglia_6500", "Assistenti sociali per il rapporto 1:6.500",
               "Residenti diviso 6.500: oltre questo numero di FTE la regola riconosce 40.000 euro per FTE.",
               "residenti", "6.500", FONTE_LEPS, "FTE", _NOT_A_COUNT),
    Indicatore("soglia_5000", "Assistenti sociali per il LEPS 1:5.000",
               "Residenti diviso 5.000: il livello essenziale; tra 1:6.500 e 1:5.000 la regola riconosce 40.000 "
               "euro per FTE, oltre 20.000.", "residenti", "5.000", FONTE_LEPS, "FTE", _NOT_A_COUNT),
    Indicatore("soglia_4000", "Assistenti sociali per l'obiettivo di servizio 1:4.000",
               "Residenti diviso 4.000: l'obiettivo di servizio; oltre non c'è contributo.", "residenti", "4.000",
               FONTE_LEPS, "FTE", _NOT_A_COUNT),
    Indicatore("mancanti", "Assistenti sociali mancanti a una soglia",
               "FTE a tempo indeterminato che mancano per raggiungere la soglia (0 se raggiunta).",
               "soglia - FTE a tempo indeterminato", "-", FONTE_LEPS, "FTE", _NOT_A_COUNT),
    Indicatore("contributo_stimato", "Contributo annuo stimato (L. 178/2020, c. 797)",
               "Stima di ciò che la regola riconosce: 40.000 euro per ogni FTE a tempo indeterminato oltre il "
               "rapporto 1:6.500 fino a 1:5.000, più 20.000 euro per ogni FTE oltre 1:5.000 fino a 1:4.000, "
               "frazioni di FTE comprese. Non è una somma concessa: l'importo lo riconosce il decreto annuale del "
               "Ministero sui dati inseriti in SIOSS, nei limiti del Fondo povertà.",
               "FTE nelle due fasce x 40.000 e 20.000 euro", "-", FONTE_LEPS, "euro l'anno", _NOT_A_COUNT),
    Indicatore("leps_attivi", "LEPS attivi",
               "Livelli essenziali delle prestazioni sociali che l'ufficio indica come attivi (sì), parziali o "
               "assenti nell'anno, tra quelli della L. 234/2021 (c. 163 e 170) e del Piano nazionale degli "
               "interventi e dei servizi sociali 2021-2023.", "-", "-", "tabella leps dell'ufficio di piano",
               "numero", _NOT_A_COUNT),
)})


#: the indicators each report shows (notebook name -> codes of `INDICATORI`), for links from a report to its definitions
PER_RAPPORTO = MappingProxyType({
    "confronto_italia": ("spesa_per_abitante_istat", "spesa_istat", "utenti_istat", "utenti_per_abitante_istat",
                         "posizione_regione", "dispersione_regione"),
    "livelli_essenziali": ("as_fte_indeterminato", "as_fte_determinato", "residenti_per_as", "soglia_6500",
                           "soglia_5000", "soglia_4000", "mancanti", "contributo_stimato", "leps_attivi"),
})


def etichetta(codice: str) -> str:
    """The Italian name of an indicator (its code when it has no definition here)."""
    item = INDICATORI.get(codice)
    return item.nome if item else codice

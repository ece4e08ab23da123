"""The entries of the dictionary of definitions for the comparison with ISTAT's survey and for the LEPS.

Two groups of `pianozona.analysis.definitions.INDICATORI`, kept in their own module only for
length: `ISTAT` (the report ``confronto_italia``, `pianozona.analysis.national`: ISTAT's survey
of the social services of the comuni per ambito) and `LEPS` (the report ``livelli_essenziali``,
`pianozona.analysis.leps`: the social-worker LEPS of L. 178/2020 and the other LEPS).  The
reports take their headers from the registry (`definitions.nome`, `definitions.nomi`), never
from here; every column key they show is a `codice` or one of the `colonne` of an entry.
"""

from __future__ import annotations

from pianozona.analysis.definitions_entry import Indicatore

__all__ = ["FONTE_ISTAT", "FONTE_LEPS", "GRUPPO_ISTAT", "GRUPPO_LEPS", "ISTAT", "LEPS"]

GRUPPO_ISTAT = "Confronto con la regione e l'Italia (ISTAT)"
GRUPPO_LEPS = "Livelli essenziali (LEPS)"
FONTE_ISTAT = ("ISTAT, Interventi e servizi sociali dei comuni singoli e associati (IstatData, dataflow "
               "DCIS_SPESESERSOC1_5, Utenti e spesa - Ambiti territoriali sociali)")
FONTE_LEPS = ("L. 30 dicembre 2020, n. 178, art. 1, c. 797 e seguenti; D.M. 4 febbraio 2021, n. 15; note del "
              "Ministero del lavoro e delle politiche sociali sul contributo (SIOSS)")
_PERSONALE = "ufficio di piano, tabella del personale (figura, equivalenti a tempo pieno, contratto) per anno"
_RESIDENTI = "ISTAT, popolazione residente al 1° gennaio"
_ANNUALE_ATS = ("annuale: l'ISTAT pubblica l'indagine ogni anno, con circa due anni di ritardo; il confronto usa gli "
                "anni del file importato")
_ANNUALE_PERSONALE = "annuale: personale in servizio nell'anno, come lo indica l'ufficio di piano"
_REFERENCE = "popolazione di riferimento dell'area, come l'ISTAT la definisce nella nota metodologica dell'indagine"


def _istat(codice: str, nome: str, definizione: str, numeratore: str, denominatore: str = "", *, unita: str,
           intervallo: str = "completo", confronto: str = "ambiti_regione", protetto: bool = False,
           colonne: tuple[str, ...] = (), intestazioni: tuple[str, ...] = ()) -> Indicatore:
    return Indicatore(codice, nome, GRUPPO_ISTAT, definizione, numeratore, denominatore, FONTE_ISTAT, unita,
                      intervallo=intervallo, confronto=confronto, protetto=protetto, aggiornamento=_ANNUALE_ATS,
                      colonne=colonne, intestazioni=intestazioni)


ISTAT = (
    _istat("spesa_per_abitante_istat", "Spesa dei comuni per abitante della popolazione di riferimento (euro)",
           "Spesa dei comuni singoli e associati per gli interventi e i servizi sociali di un'area di utenza, al "
           "netto della compartecipazione degli utenti e del Servizio sanitario nazionale, divisa per la popolazione "
           "di riferimento dell'area: il valore che l'ISTAT pubblica per l'ambito, la sua regione e l'Italia, non "
           "ricalcolato.", "spesa dei comuni per l'area (tutte le voci)", _REFERENCE, unita="euro per abitante",
           colonne=("spesa_ambito", "spesa_regione", "spesa_italia"), intestazioni=("Ambito", "Regione", "Italia")),
    _istat("dispersione_regione", "Dispersione tra gli ambiti della regione",
           "Valore minimo, primo quartile, mediana, terzo quartile e massimo della spesa per abitante tra gli ambiti "
           "della regione che hanno il dato nel file (la metà degli ambiti sta tra primo e terzo quartile).",
           "spesa per abitante di ciascun ambito della regione", unita="euro per abitante", intervallo="nessuno",
           colonne=("mediana_ambiti",),
           intestazioni=("Mediana degli ambiti", "Metà centrale degli ambiti", "Dal minimo al massimo")),
    _istat("posizione_regione", "Posizione tra gli ambiti della regione",
           "Posto dell'ambito nella graduatoria degli ambiti della regione che hanno il dato nel file, dal valore più "
           "alto (1°) al più basso; a parità di valore, lo stesso posto.", "valore dell'ambito e degli altri ambiti "
           "della regione", unita="posto su numero di ambiti", intervallo="nessuno",
           intestazioni=("Posizione tra gli ambiti",)),
    _istat("spesa_istat", "Spesa dei comuni (euro)",
           "Spesa dei comuni singoli e associati dell'ambito per l'area, al netto della compartecipazione degli "
           "utenti e del Servizio sanitario nazionale, come l'ISTAT la pubblica.", "spesa impegnata", unita="euro",
           confronto="nessuno", intestazioni=("Spesa dei comuni dell'ambito",)),
    _istat("utenti_istat", "Utenti dei servizi (ISTAT)",
           "Utenti di un servizio nell'anno come li conta l'indagine ISTAT: chi usa due servizi è contato in "
           "ciascuno, quindi non sono persone distinte. L'ISTAT pubblica i valori di ogni ambito; i rapporti della "
           "suite nascondono comunque quelli piccoli, come per ogni conteggio.", "utenti del servizio",
           unita="utenti", confronto="nessuno", protetto=True),
    _istat("utenti_per_abitante_istat", "Utenti sulla popolazione di riferimento (ISTAT)",
           "Utenti di un servizio rapportati dall'ISTAT alla popolazione di riferimento dell'area, per l'ambito, la "
           "sua regione e l'Italia; la posizione dell'ambito tra gli ambiti della regione è calcolata su questo "
           "valore.", "utenti del servizio", _REFERENCE, unita="come pubblicato dall'ISTAT", protetto=True,
           colonne=("utenti_per_abitante_regione", "utenti_per_abitante_italia"), intestazioni=("Regione", "Italia")),
)


def _leps(codice: str, nome: str, definizione: str, numeratore: str = "", denominatore: str = "", *,
          unita: str = "FTE", fonte: str = FONTE_LEPS, intervallo: str = "nessuno", confronto: str = "soglie_leps",
          colonne: tuple[str, ...] = (), intestazioni: tuple[str, ...] = ()) -> Indicatore:
    return Indicatore(codice, nome, GRUPPO_LEPS, definizione, numeratore, denominatore, fonte, unita,
                      intervallo=intervallo, confronto=confronto, aggiornamento=_ANNUALE_PERSONALE, colonne=colonne,
                      intestazioni=intestazioni)


def _threshold(ratio: str, words: str, nome: str) -> Indicatore:
    return _leps(f"soglia_{ratio.replace('.', '')}", nome,
                 f"Assistenti sociali a tempo indeterminato (FTE) che servono per il rapporto di uno ogni {ratio} "
                 f"residenti ({words}): residenti al 1° gennaio diviso {ratio}.", "residenti al 1° gennaio", ratio,
                 fonte=f"{FONTE_LEPS}; {_RESIDENTI}")


def _missing(ratio: str, words: str, nome: str) -> Indicatore:
    return _leps(f"mancanti_{ratio.replace('.', '')}", nome,
                 f"Equivalenti a tempo pieno a tempo indeterminato che mancano per arrivare a uno ogni {ratio} "
                 f"residenti ({words}); 0 quando il rapporto è raggiunto.",
                 f"FTE per 1:{ratio} meno FTE a tempo indeterminato (non meno di 0)",
                 fonte=f"{FONTE_LEPS}; {_PERSONALE}")


LEPS = (
    _leps("as_fte_indeterminato", "Assistenti sociali a tempo indeterminato (FTE)",
          "Assistenti sociali assunti a tempo indeterminato dai comuni dell'ambito o dall'ambito, impiegati nei "
          "servizi sociali territoriali, in equivalenti a tempo pieno medi dell'anno (un part-time al 50% vale 0,5): "
          "il conteggio che la legge usa. Sono FTE, non persone.", "equivalenti a tempo pieno", fonte=_PERSONALE,
          intervallo="completo", colonne=("fte_indeterminato",)),
    _leps("as_fte_determinato", "Assistenti sociali a tempo determinato (FTE, non contano)",
          "Assistenti sociali con altri contratti, in equivalenti a tempo pieno: mostrati, ma la regola del "
          "contributo non li conta.", "equivalenti a tempo pieno", fonte=_PERSONALE, intervallo="completo",
          confronto="nessuno", colonne=("fte_determinato",)),
    _leps("residenti_per_as", "Residenti per assistente sociale",
          "Residenti dell'ambito al 1° gennaio dell'anno diviso per gli assistenti sociali a tempo indeterminato "
          "(FTE). Il livello essenziale è 5.000 o meno; l'obiettivo di servizio 4.000 o meno.",
          "residenti al 1° gennaio", "assistenti sociali a tempo indeterminato (FTE)", unita="residenti per FTE",
          fonte=f"{_RESIDENTI}; {_PERSONALE}; soglie: {FONTE_LEPS}"),
    _threshold("6.500", "oltre questo numero la regola riconosce 40.000 euro per FTE", "FTE per 1:6.500"),
    _threshold("5.000", "il livello essenziale delle prestazioni", "FTE per 1:5.000 (LEPS)"),
    _threshold("4.000", "l'obiettivo di servizio; oltre non c'è contributo", "FTE per 1:4.000"),
    _missing("6.500", "il rapporto da cui parte il contributo", "Mancanti a 1:6.500"),
    _missing("5.000", "il livello essenziale", "Mancanti al LEPS"),
    _missing("4.000", "l'obiettivo di servizio", "Mancanti a 1:4.000"),
    _leps("fascia_40000", "FTE nella fascia da 40.000 euro",
          "Assistenti sociali a tempo indeterminato (FTE) oltre il rapporto 1:6.500 e fino a 1:5.000: per ognuno la "
          "regola riconosce 40.000 euro l'anno; frazioni di FTE comprese.",
          "FTE a tempo indeterminato oltre 1:6.500, non più di FTE per 1:5.000 meno FTE per 1:6.500"),
    _leps("fascia_20000", "FTE nella fascia da 20.000 euro",
          "Assistenti sociali a tempo indeterminato (FTE) oltre il rapporto 1:5.000 e fino a 1:4.000: per ognuno la "
          "regola riconosce 20.000 euro l'anno; frazioni di FTE comprese.",
          "FTE a tempo indeterminato oltre 1:5.000, non più di FTE per 1:4.000 meno FTE per 1:5.000"),
    _leps("contributo_stimato", "Contributo annuo stimato (euro)",
          "Stima di ciò che la regola riconosce: 40.000 euro per ogni FTE a tempo indeterminato oltre il rapporto "
          "1:6.500 fino a 1:5.000, più 20.000 euro per ogni FTE oltre 1:5.000 fino a 1:4.000, frazioni di FTE "
          "comprese. Non è una somma concessa: l'importo lo riconosce il decreto annuale del Ministero sui dati "
          "inseriti in SIOSS, nei limiti del Fondo povertà.", "FTE della fascia da 40.000 euro × 40.000 + FTE della "
          "fascia da 20.000 euro × 20.000", unita="euro l'anno", colonne=("contributo_euro",)),
    _leps("personale_fte", "Personale (FTE)",
          "Personale dei servizi sociali dell'ambito per figura professionale e contratto (a tempo indeterminato, "
          "determinato e in totale), in equivalenti a tempo pieno medi dell'anno: FTE, non persone.",
          "equivalenti a tempo pieno", fonte=_PERSONALE, intervallo="completo", confronto="nessuno",
          colonne=("personale_indeterminato", "personale_determinato", "personale_totale"),
          intestazioni=("Tempo indeterminato", "Tempo determinato", "Totale")),
    _leps("leps_attivi", "LEPS attivi",
          "Livelli essenziali delle prestazioni sociali che l'ufficio di piano indica come attivi (sì), parziali o "
          "assenti nell'anno, tra quelli della L. 234/2021 (c. 163 e 170) e del Piano nazionale degli interventi e "
          "dei servizi sociali 2021-2023.", "LEPS indicati come attivi", "LEPS elencati", unita="numero",
          fonte="ufficio di piano, tabella dello stato dei LEPS per anno", confronto="nessuno"),
)

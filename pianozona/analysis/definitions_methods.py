"""The methods of the dictionary of definitions: intervals, comparisons and the protection of small numbers.

Each text is written once, here, from the constants of the code that does the work, so the
dictionary says what `pianozona.analysis.stats` and `pianozona.privacy` do: the exact-Poisson
threshold (`poisson.EXACT_BELOW`), the funnel limits (`funnel.FUNNEL_TAILS`), the trend test
(`trend.TREND_POINTS`, `trend.TREND_CHI2_THRESHOLD`), the threshold and the markers of
protection (`privacy.DEFAULT_THRESHOLD`, `privacy.MARKER`) and
the legend every protected table prints (`privacy.suppression_legend`).

`protection_rule` is the one Italian statement of the rule of `pianozona.privacy` (its module
docstring): the dictionary page and every spreadsheet's sheet "Definizioni" print it from here.
When the rule changes, this function changes with it (``tests/analysis/test_definitions.py`` ties
it to the privacy docstring's statements).
"""

from __future__ import annotations

from types import MappingProxyType

from pianozona import privacy
from pianozona.analysis.funnel import FUNNEL_TAILS
from pianozona.analysis.poisson import EXACT_BELOW
from pianozona.analysis.trend import TREND_CHI2_THRESHOLD, TREND_POINTS
from pianozona.formatting import num

__all__ = ["METODI_CONFRONTO", "METODI_INTERVALLO", "marker_meanings", "protection_rule", "unpublished_note"]


def _level(tail: float) -> str:
    """A one-sided tail as the two-sided confidence level, in Italian (0.025 → "95%", 0.001 → "99,8%")."""
    return f"{num((1 - 2 * tail) * 100, 1).removesuffix(',0')}%"


#: "nessuno" (empty): the indicator has no interval of its own (a difference, a p-value, a trend...): not shown.
METODI_INTERVALLO = MappingProxyType({
    "nessuno": "",
    "completo": "Nessun intervallo: è un conteggio completo (ISTAT o ufficio di piano), non una stima da un campione.",
    "poisson_byar": (f"Intervallo al 95% di un tasso (conteggio diviso per la popolazione): limiti esatti di Poisson "
                     f"(dalla distribuzione chi quadrato) sotto {EXACT_BELOW} eventi, approssimazione di Byar da "
                     f"{EXACT_BELOW} eventi in su; i limiti del conteggio sono poi divisi per la popolazione a "
                     "rischio e moltiplicati per 1.000. È il metodo dei profili Fingertips (Public Health England) e "
                     "del pacchetto PHEindicatormethods."),
    "rapporto_esatto": ("Intervallo al 95% del rapporto tra i tassi di due anni, dall'intervallo esatto "
                        "(Clopper-Pearson) della proporzione binomiale del test condizionato."),
    "wilson": ("Intervallo al 95% di una proporzione con il metodo di Wilson (score interval), che resta corretto "
               "anche con proporzioni vicine a 0 o a 1."),
    "dobson": (f"Tasso standardizzato diretto con il metodo di Dobson: i limiti del conteggio totale (esatti sotto "
               f"{EXACT_BELOW} eventi, di Byar da {EXACT_BELOW}) riportati sul tasso standardizzato; non "
               f"pubblicato con meno di {EXACT_BELOW} eventi."),
})

#: "nessuno" (empty): the indicator is not compared with anything: not shown.
METODI_CONFRONTO = MappingProxyType({
    "nessuno": "",
    "non_valutato": ("Non confrontato («non valutato»): è un conteggio completo dell'ISTAT, non un campione, e le "
                     "differenze sono quelle che si vedono."),
    "distretto": ("Confronto con il distretto: il valore di un comune è «superiore» o «inferiore» al distretto "
                  "solo quando il suo intervallo al 95% non contiene il valore del distretto, altrimenti è "
                  "«simile»; «non confrontabile» quando il valore non è pubblicato. Nel grafico a imbuto i limiti "
                  f"di controllo a 2σ ({_level(FUNNEL_TAILS['2sd'])}) e a 3σ ({_level(FUNNEL_TAILS['3sd'])}) "
                  "sono calcolati con i limiti esatti di Poisson attorno al valore del distretto, per ogni "
                  "dimensione della popolazione a rischio. Nel confronto tra ambiti il riferimento è il valore "
                  "dell'insieme del territorio, calcolato sui soli totali pubblicati."),
    "tendenza": (f"Tendenza recente (il metodo dei profili Fingertips): con almeno {TREND_POINTS} anni consecutivi, "
                 f"la pendenza dei {TREND_POINTS} valori più recenti, pesati con i loro intervalli, è "
                 f"significativa quando il test chi quadrato supera {num(TREND_CHI2_THRESHOLD, 2)} (livello "
                 "99,8%) e la pendenza non cambia segno togliendo un anno alla volta. Con meno anni si usa la "
                 "variazione rispetto all'anno precedente."),
    "variazione": ("Variazione rispetto all'anno precedente: test esatto condizionato sul rapporto tra due tassi "
                   "di Poisson (come poisson.test di R); la copertura è detta «aumentata» o «diminuita» solo con "
                   "un valore p sotto 0,05. Con molti comuni qualche variazione significativa può comparire anche "
                   "per caso."),
    "percorso": ("Percorso lineare dal valore di base al target: «raggiunto» quando il valore ha raggiunto il "
                 "target, «in linea» quando è almeno al valore atteso e l'anno del target non è passato, «non "
                 "raggiunto» altrimenti; «non avviato», «non misurato» e «non pubblicato» dove il confronto non si "
                 "può fare."),
    "ambiti_regione": ("Confronto con gli ambiti della regione (indagine ISTAT): posizione dell'ambito nella "
                       "graduatoria degli ambiti della sua regione che hanno il dato nel file (1° = valore più alto; "
                       "a parità di valore, lo stesso posto), mediana, metà centrale (dal primo al terzo quartile) e "
                       "campo (dal minimo al massimo) di quegli ambiti, accanto ai valori della regione e dell'Italia "
                       "pubblicati dall'ISTAT. Nessun test statistico: sono valori pubblicati dall'ISTAT per tutti gli "
                       "ambiti, e le differenze sono quelle che si vedono."),
    "soglie_leps": ("Confronto con le soglie della legge (L. 178/2020, art. 1, c. 797): i residenti per assistente "
                    "sociale a tempo indeterminato (in equivalenti a tempo pieno) rispetto al rapporto 1:6.500, al "
                    "livello essenziale 1:5.000 e all'obiettivo di servizio 1:4.000. Nessun test statistico: la "
                    "regola si applica ai valori come sono."),
})


def marker_meanings() -> tuple[tuple[str, str], ...]:
    """(marker, meaning) of the marker a published table may show, in the words of `privacy.suppression_legend`."""
    legend = privacy.suppression_legend().removeprefix(f"«{privacy.MARKER}»: ")
    return ((privacy.MARKER, legend + " Lo stesso segno indica anche un dato non disponibile (ad esempio un anno "
                                      "senza dati)."),)


def protection_rule() -> tuple[str, ...]:
    """The protection of small numbers (`pianozona.privacy`), in Italian, one sentence a paragraph."""
    threshold, marker = privacy.DEFAULT_THRESHOLD, privacy.MARKER
    return (
        "Ogni numero pubblicato che deriva da un conteggio (utenti dei servizi, persone in carico, valori degli "
        "obiettivi che contano persone o ciò che ricevono) passa da un'unica protezione prima di entrare in una "
        "pagina, in un foglio di calcolo, in un documento Word, in un grafico o in una frase.",
        f"Soppressione primaria: un conteggio da 1 a {threshold} non è mostrato. Lo zero resta zero.",
        f"Un solo segno: ogni valore nascosto compare come «{marker}», che sia un numero piccolo o un valore nascosto "
        "per proteggerne un altro; il segno dice soltanto che il valore è almeno 1.",
        f"Soppressione secondaria: dove i totali e gli altri valori pubblicati permetterebbero di ricalcolare un "
        f"valore nascosto, o di restringerlo, altre celle sono nascoste. Per chi conosce questo metodo e legge tutti "
        f"i documenti pubblicati, un numero piccolo nascosto deve poter valere ancora ognuno dei valori da 1 a "
        f"{threshold}, e ogni altro valore nascosto almeno {threshold} valori interi diversi. Le celle da nascondere "
        "in più sono scelte tra le più piccole con un'estrazione fissata da una chiave segreta conservata con i dati "
        "dell'ufficio: la scelta non dice nulla sui valori nascosti, e gli stessi dati nascondono sempre le stesse "
        "celle.",
        "Valori derivati: tassi, intervalli, percentuali, verdetti, variazioni e spesa per utente calcolati su un "
        "conteggio nascosto sono nascosti con lui; un comune con il valore nascosto è «non confrontabile» in tutti i "
        "documenti, non è nominato né contato tra i comuni sopra o sotto il distretto, non è disegnato nei grafici.",
        "Le stesse celle sono nascoste in tutti i documenti del distretto, perché tutti partono dalla stessa "
        "protezione. Gli indicatori demografici ISTAT non contano utenti dei servizi e non sono soppressi.",
    )


def unpublished_note() -> str:
    """One line for a spreadsheet: the values are the published ones, already protected."""
    return (f"I valori sono quelli pubblicati nel rapporto, già protetti: «{privacy.MARKER}» indica un valore non "
            "pubblicato.")

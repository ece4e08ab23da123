"""The Italian text of a comune's profile: summary, notes on hidden values, key figures.

Written only from a `profile.ComuneProfile`, whose area figures come from the protected
`needs.analyse` tables: a hidden value is never stated, nor bounded beyond its marker
("n.d."), nor differenced, nor ranked.  The text names the areas whose value is not shown
and says why, in the words of `privacy.suppression_legend`; it never says "the highest" or
"the lowest" of the district, since the true extreme could be a hidden comune.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pianozona import privacy
from pianozona.analysis import change, definitions, naming, needs
from pianozona.analysis.profile import ComuneProfile
from pianozona.data.population import estimate_sentence
from pianozona.formatting import num, pct

__all__ = ["AREA_COLUMNS", "COMPARISON_COLUMNS", "COVERAGE_COLUMNS", "DEMOGRAPHY_PHRASES", "SIMILAR_DEMOGRAPHY",
           "area_labels", "area_notes", "area_table", "hidden_notes", "key_figures", "metrics", "summary"]

#: How the summary names a demographic indicator (with the unit, where there is one).
DEMOGRAPHY_PHRASES = {
    "indice_vecchiaia": ("l'indice di vecchiaia (residenti di 65 anni e più ogni 100 di 0-14 anni)", ""),
    "indice_dipendenza_strutturale": ("l'indice di dipendenza strutturale (giovani e anziani ogni 100 "
                                      "residenti di 15-64 anni)", ""),
    "quota_65": ("la quota di residenti di 65 anni e più", "%"),
    "quota_85": ("la quota di grandi anziani (85 anni e più)", "%"),
    "quota_minori": ("la quota di minori (0-17 anni)", "%"),
}
#: Columns of the areas table as the profile shows it (with the count's suppression flags).
AREA_COLUMNS = ["etichetta", "popolazione_a_rischio", "utenti", "copertura", "lower", "upper", "copertura_distretto",
                "confronto", "copertura_precedente", "variazione", "spesa_per_residente_distretto",
                "utenti" + privacy.FLAG_SUFFIX]
#: The two halves of `AREA_COLUMNS` the page shows as two tables (one table would not fit a page's width).
COVERAGE_COLUMNS = ["etichetta", "popolazione_a_rischio", "utenti", "copertura", "lower", "upper"]
COMPARISON_COLUMNS = ["etichetta", "utenti", "copertura", "copertura_distretto", "confronto", "copertura_precedente",
                      "variazione", "spesa_per_residente_distretto"]
#: Below this relative difference (%) from the district the demography is called similar.
SIMILAR_DEMOGRAPHY = 5.0


def _join(names: list[str]) -> str:
    return naming.name_few(names, limit=len(names))  # a comune has at most seven areas: every one is named


def _in_areas(names: list[str]) -> str:
    """'nell'area Anziani' or 'nelle aree Anziani e Disabili'."""
    return f"nell'area {names[0]}" if len(names) == 1 else f"nelle aree {_join(names)}"


def _residents(profile: ComuneProfile) -> str:
    table = profile.demography.set_index("indicatore")
    mine, whole = table.loc["popolazione", "comune"], table.loc["popolazione", "distretto"]
    share = f" ({pct(mine / whole * 100)} dei residenti del distretto)" if whole and np.isfinite(whole) else ""
    text = (f"{profile.comune} conta {num(mine, 0)} residenti al 1° gennaio {profile.population_year}{share}.")
    if profile.population_year != profile.year:  # the run's one sentence (`population.estimate_sentence`)
        text += " " + estimate_sentence({profile.year: profile.population_year})
    return text


def _demography(profile: ComuneProfile) -> str | None:
    """The largest relative difference from the district among a few indicators (demography is public)."""
    table = profile.demography.set_index("indicatore")
    gaps = {}
    for key in DEMOGRAPHY_PHRASES:
        mine, whole = table.loc[key, "comune"], table.loc[key, "distretto"]
        if np.isfinite(mine) and np.isfinite(whole) and whole:
            gaps[key] = (mine / whole - 1) * 100
    if not gaps:
        return None
    key = max(gaps, key=lambda k: abs(gaps[k]))
    phrase, unit = DEMOGRAPHY_PHRASES[key]
    mine, whole = table.loc[key, "comune"], table.loc[key, "distretto"]
    values = f"{num(mine)}{unit} contro {num(whole)}{unit} del distretto"
    if abs(gaps[key]) < SIMILAR_DEMOGRAPHY:
        return (f"La struttura per età è vicina a quella del distretto: la differenza maggiore riguarda {phrase}, "
                f"{values}.")
    more = "più alto" if unit == "" else "più alta"
    less = "più basso" if unit == "" else "più bassa"
    return (f"La differenza demografica più marcata rispetto al distretto riguarda {phrase}, "
            f"{more if gaps[key] > 0 else less}: {values}.")


def _comparisons(areas: pd.DataFrame) -> str:
    above = areas.loc[areas["confronto"] == "superiore", "etichetta"].tolist()
    below = areas.loc[areas["confronto"] == "inferiore", "etichetta"].tolist()
    similar = areas.loc[areas["confronto"] == "simile", "etichetta"].tolist()
    parts = []
    if above:
        parts.append("La copertura dei servizi è significativamente superiore a quella del distretto "
                     f"{_in_areas(above)}.")
    if below:
        lead = "È invece significativamente inferiore" if above else \
            "La copertura dei servizi è significativamente inferiore a quella del distretto"
        parts.append(f"{lead} {_in_areas(below)}.")
    if similar:
        lead = "Non si discosta invece" if above or below else "La copertura dei servizi non si discosta"
        parts.append(f"{lead} da quella del distretto in modo statisticamente significativo {_in_areas(similar)}: "
                     "le differenze osservate sono compatibili con la variabilità casuale.")
    if not parts:
        parts.append("Per nessuna area la copertura del comune può essere confrontata con quella del distretto.")
    return " ".join(parts)


def _changes(areas: pd.DataFrame) -> str | None:
    years = areas["anno_precedente"].dropna()
    if years.empty:
        return None
    before = int(years.iloc[0])
    up = areas.loc[areas["variazione"] == change.CHANGE_VERDICTS["up"], "etichetta"].tolist()
    down = areas.loc[areas["variazione"] == change.CHANGE_VERDICTS["down"], "etichetta"].tolist()
    moves = ([f"aumentata in modo significativo {_in_areas(up)}"] if up else []) + \
            ([f"diminuita in modo significativo {_in_areas(down)}"] if down else [])
    if moves:
        text = f"Rispetto al {before} la copertura è {' ed '.join(moves)} (test esatto sul confronto di due tassi)."
    else:
        text = (f"Rispetto al {before} la copertura non cambia in modo statisticamente significativo in nessuna "
                "delle aree confrontabili.")
    shown_now = ~areas["utenti" + privacy.FLAG_SUFFIX]
    unknown = areas.loc[shown_now & (areas["variazione"] == change.NOT_COMPARABLE), "etichetta"].tolist()
    if unknown:
        text += (f" La variazione non è calcolabile {_in_areas(unknown)}: il valore di uno dei due anni non è "
                 "pubblicato.")
    return text


def _reason(words: str) -> str:
    """Why a count is not shown, in the words of `privacy.suppression_legend` (one reason for every hidden value)."""
    return (f"«{privacy.MARKER}»: {words.lower()} non pubblicati per tutelare la riservatezza (un numero piccolo, "
            "o un valore che con i totali permetterebbe di ricalcolarne uno)")


def hidden_notes(profile: ComuneProfile) -> list[str]:
    """One sentence per area whose value (of the comune or of the district) is not published, saying why."""
    notes = []
    flag = "utenti" + privacy.FLAG_SUFFIX
    for row in profile.areas.to_dict("records"):
        if row[flag]:
            notes.append(f"{row['etichetta']} — {_reason(row['conteggio'])}: "
                         "la copertura del comune, il suo intervallo, il confronto con il distretto e la variazione "
                         "sull'anno precedente non sono mostrati.")
        elif row["utenti_distretto" + privacy.FLAG_SUFFIX]:
            notes.append(f"{row['etichetta']} — totale del distretto {_reason(row['conteggio'])}: "
                         "il confronto del comune con il distretto non è mostrato.")
    return notes


def _hidden_sentence(profile: ComuneProfile) -> str | None:
    flag = "utenti" + privacy.FLAG_SUFFIX
    hidden = profile.areas[profile.areas[flag]]
    if hidden.empty:
        return None
    return (f"Non sono mostrati i valori del comune {_in_areas(hidden['etichetta'].tolist())} per tutelare la "
            f"riservatezza (numeri troppo piccoli, o valori che con i totali permetterebbero di ricalcolarli): per "
            f"{'questa area' if len(hidden) == 1 else 'queste aree'} copertura e confronti non sono pubblicati "
            "(si veda la sezione «Valori non pubblicati»).")


def summary(profile: ComuneProfile) -> str:
    """The profile's "Sintesi": residents, demography, the areas against the district, changes, what is hidden."""
    parts = [_residents(profile), _demography(profile), _comparisons(profile.areas), _changes(profile.areas),
             _hidden_sentence(profile)]
    return " ".join(p for p in parts if p)


def metrics(profile: ComuneProfile) -> dict:
    """Key figures for the metrics JSON (counts of areas by verdict, from the protected table)."""
    verdicts = profile.areas["confronto"].value_counts()
    return {
        "codice_comune": profile.codice_comune, "comune": profile.comune, "anno": profile.year,
        "anno_popolazione": profile.population_year, "residenti": profile.residents,
        "aree_sopra": int(verdicts.get("superiore", 0)), "aree_sotto": int(verdicts.get("inferiore", 0)),
        "aree_simili": int(verdicts.get("simile", 0)),
        "aree_non_pubblicate": int(profile.areas["utenti" + privacy.FLAG_SUFFIX].sum()),
        "aree_non_confrontabili": int(verdicts.get(needs.NOT_COMPARABLE, 0)),
    }


def key_figures(profile: ComuneProfile) -> dict[str, str]:
    """The key figures as display text."""
    m = metrics(profile)
    return {
        f"Residenti al 1° gennaio {profile.population_year}": num(m["residenti"], 0),
        "Aree con copertura superiore al distretto": num(m["aree_sopra"], 0),
        "Aree con copertura inferiore al distretto": num(m["aree_sotto"], 0),
        "Aree con valori non pubblicati (riservatezza)": num(m["aree_non_pubblicate"], 0),
    }



def area_table(profile: ComuneProfile, columns: list[str] | None = None) -> pd.DataFrame:
    """The areas of the profile as shown (`columns`, default `AREA_COLUMNS`), still protected: the flags make the
    markers."""
    wanted = list(dict.fromkeys([*(columns or AREA_COLUMNS), "utenti" + privacy.FLAG_SUFFIX]))
    table = profile.areas[wanted].copy()
    table.attrs = dict(profile.areas.attrs)
    return table


def area_labels(profile: ComuneProfile) -> dict[str, str]:
    """Italian headers of `area_table`, naming what is counted and the years compared."""
    measures = profile.areas["conteggio"].unique()
    years = profile.areas["anno_precedente"].dropna()
    before = str(int(years.iloc[0])) if not years.empty else "anno precedente"
    return {"etichetta": "Area", "popolazione_a_rischio": definitions.nome("popolazione_a_rischio"),
            "utenti": measures[0] if len(measures) == 1 else "Utenti dei servizi o persone in carico",
            "copertura": f"{definitions.nome('copertura')} ({profile.year})", "lower": "Limite inferiore 95%",
            "upper": "Limite superiore 95%", "copertura_distretto": "Copertura del distretto",
            "confronto": "Rispetto al distretto",
            "copertura_precedente": f"{definitions.nome('copertura')} ({before})",
            "variazione": f"Variazione rispetto al {before}" if not years.empty else "Variazione",
            "spesa_per_residente_distretto":
                "Spesa per residente del distretto (euro)"}


def area_notes(profile: ComuneProfile) -> list[str]:
    """What the areas table counts: the measure, how each population at risk is defined, whose spending it is."""
    notes = [needs.MEASURE_WORDS[kind]["note"] for kind in profile.areas["misura"].unique()]
    notes.append("Popolazione a rischio: " + "; ".join(f"{r.etichetta}: {r.popolazione_descrizione}"
                                                         for r in profile.areas.itertuples()) + ".")
    notes.append("La spesa per residente è quella dell'area nell'intero distretto divisa per i residenti del "
                 "distretto: la tabella della spesa non è ripartita per comune, quindi non è una spesa del comune.")
    return notes

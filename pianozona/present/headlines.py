"""The two or three headline figures of each report on the index, from its (already protected) key figures.

A report's key figures are the ``<job>.metrics.json`` its notebook writes with
`pianozona.present.display.write_metrics`, computed from protected tables in
publication mode.  `headline_figures` picks the few a mayor looks for first and
shows them in Italian: a notebook may choose them itself by writing, among its key
figures, ``"in_evidenza": {"Etichetta": "testo già formattato", ...}``; otherwise
`HEADLINES` says which keys to show for each notebook of the suite.  A figure that
is missing or not published (``null``) shows as "n.d."; a notebook without an entry
shows none.  A value that is not a single figure (a nested dict or list, such as the
comparison's per-area ``"aree"``) is never shown: it is skipped.
"""

from __future__ import annotations

from numbers import Number
from typing import NamedTuple

from pianozona.formatting import MISSING, num

__all__ = ["CHOSEN_KEY", "HEADLINES", "Headline", "MAX_HEADLINES", "headline_figures"]

#: the key under which a notebook may choose its own headline figures ({label: shown text})
CHOSEN_KEY = "in_evidenza"
MAX_HEADLINES = 3


class Headline(NamedTuple):
    """One headline figure: the key in the metrics, its Italian label, the decimals (None: text as it is)."""

    key: str
    label: str
    decimals: int | None = 0


#: per notebook (file name without ``.ipynb``), the key figures shown on the index, in order
HEADLINES: dict[str, tuple[Headline, ...]] = {
    "panoramica": (Headline("residenti", "Residenti"), Headline("indice_vecchiaia", "Indice di vecchiaia", 1),
                   Headline("quota_65", "Quota 65+ (%)", 1)),
    "bisogni_area": (Headline("utenti", "Utenti dei servizi (contati per servizio)"),
                     Headline("copertura_per_1000", "Copertura per 1.000 residenti a rischio", 1),
                     Headline("tendenza", "Tendenza", None)),
    "verifica_annuale": (Headline("obiettivi", "Obiettivi"), Headline("stati", "Stato", None)),
    "quadro_sindaci": (Headline("superiori", "Confronti con copertura superiore al distretto"),
                       Headline("inferiori", "Confronti con copertura inferiore al distretto"),
                       Headline("non_pubblicati", "Valori non pubblicati (riservatezza)")),
    "scheda_comune": (Headline("residenti", "Residenti"),
                      Headline("aree_sopra", "Aree con copertura superiore al distretto"),
                      Headline("aree_sotto", "Aree con copertura inferiore al distretto")),
    "bilancio": (Headline("spesa_totale_euro", "Spesa totale (euro)"),
                 Headline("spesa_per_residente", "Spesa per residente (euro)", 2),
                 Headline("variazione_pct", "Variazione sull'anno precedente (%)", 1)),
    "confronto_ambiti": (Headline("ambiti", "Ambiti confrontati"),
                         Headline("confronti_superiori", "Confronti ambito × area sopra il territorio"),
                         Headline("confronti_inferiori", "Confronti ambito × area sotto il territorio")),
}


def headline_figures(notebook: str, metrics: dict | None) -> tuple[tuple[str, str], ...]:
    """(label, shown value) of the headline figures of a report of `notebook` (``"bisogni_area"`` or a file name)."""
    if not isinstance(metrics, dict):
        return ()
    chosen = metrics.get(CHOSEN_KEY)
    if isinstance(chosen, dict) and chosen:
        return tuple((str(label), str(value)) for label, value in chosen.items() if _scalar(value))[:MAX_HEADLINES]
    stem = notebook[: -len(".ipynb")] if notebook.endswith(".ipynb") else notebook
    return tuple((h.label, _shown(metrics.get(h.key), h.decimals)) for h in HEADLINES.get(stem, ())
                 if h.key in metrics and _scalar(metrics[h.key]))[:MAX_HEADLINES]


def _scalar(value) -> bool:
    """True for one figure (number, text, None); False for a nested dict, list or other collection."""
    return value is None or isinstance(value, (str, Number))


def _shown(value, decimals: int | None) -> str:
    if value is None:
        return MISSING
    if decimals is None or isinstance(value, (str, bool)):
        return str(value)
    try:
        return num(float(value), decimals)
    except (TypeError, ValueError):
        return str(value)

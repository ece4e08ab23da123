"""The codes of the office's staff (`personale`) and of the essential levels of social services (`leps`) tables.

`FIGURE`: the professional figures of the staff table; ``assistente_sociale`` is
the one the social-worker LEPS counts (L. 178/2020, art. 1, c. 797).

`LEPS`: the essential levels of social services (livelli essenziali delle
prestazioni sociali) the office can tick as in place, with their legal basis:

- the list of c. 170 of the 2022 budget law (L. 30 dicembre 2021, n. 234, art. 1):
  pronto intervento sociale, supervisione del personale dei servizi sociali,
  servizi sociali per le dimissioni protette, prevenzione dell'allontanamento
  familiare, servizi per la residenza fittizia, progetti per il dopo di noi e per
  la vita indipendente;
- the punti unici di accesso (PUA) of c. 163 of the same law, for non-self-sufficient
  people;
- the LEPS the Piano nazionale degli interventi e dei servizi sociali 2021-2023
  sets out with a sheet each (where the programme P.I.P.P.I. is the way to prevent
  children's removal from the family).

`STATI`: how far a LEPS is in place (sì / no / parziale).  Nothing here reads a
table: `schema` checks the columns with these codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["ASSISTENTE_SOCIALE", "FIGURE", "LEPS", "Leps", "STATI", "figura_code", "leps_code", "stato_code"]

ASSISTENTE_SOCIALE = "assistente_sociale"
FIGURE = MappingProxyType({
    ASSISTENTE_SOCIALE: "Assistente sociale",
    "educatore": "Educatore professionale",
    "psicologo": "Psicologo",
    "operatore_socio_sanitario": "Operatore socio-sanitario (OSS)",
    "mediatore": "Mediatore culturale o familiare",
    "amministrativo": "Personale amministrativo",
    "altro": "Altra figura",
})
_FIGURE_ALIAS = {"as": ASSISTENTE_SOCIALE, "assistenti_sociali": ASSISTENTE_SOCIALE,
                 "educatore_professionale": "educatore", "educatori": "educatore", "psicologi": "psicologo",
                 "oss": "operatore_socio_sanitario", "mediatore_culturale": "mediatore",
                 "amministrativi": "amministrativo", "psicologa": "psicologo", "educatrice": "educatore",
                 "mediatrice": "mediatore", "amministrativa": "amministrativo"}


@dataclass(frozen=True)
class Leps:
    """One essential level: its code, its name in the report and where the law sets it."""

    codice: str
    nome: str
    riferimento: str


_C170 = "L. 234/2021, art. 1, c. 170; Piano nazionale degli interventi e dei servizi sociali 2021-2023"
LEPS = MappingProxyType({item.codice: item for item in (
    Leps("pronto_intervento_sociale", "Pronto intervento sociale", _C170),
    Leps("supervisione_personale", "Supervisione del personale dei servizi sociali", _C170),
    Leps("dimissioni_protette", "Servizi sociali per le dimissioni protette", _C170),
    Leps("prevenzione_allontanamento", "Prevenzione dell'allontanamento familiare (P.I.P.P.I.)", _C170),
    Leps("residenza_fittizia", "Servizi per la residenza fittizia", _C170),
    Leps("dopo_di_noi_vita_indipendente", "Progetti per il dopo di noi e per la vita indipendente", _C170),
    Leps("punti_unici_accesso", "Punti unici di accesso (PUA) per le persone non autosufficienti",
         "L. 234/2021, art. 1, c. 163"),
)})
_LEPS_ALIAS = {"pippi": "prevenzione_allontanamento", "pis": "pronto_intervento_sociale",
               "pua": "punti_unici_accesso", "dopo_di_noi": "dopo_di_noi_vita_indipendente",
               "vita_indipendente": "dopo_di_noi_vita_indipendente", "supervisione": "supervisione_personale"}
STATI = MappingProxyType({"si": "sì", "no": "no", "parziale": "parziale"})
_STATI_ALIAS = {"sì": "si", "s": "si", "x": "si", "in parte": "parziale", "parzialmente": "parziale", "p": "parziale",
                "n": "no"}


def _folded(text: str) -> str:  # TODO(names.py): the one name folding, once it is on main
    return str(text).strip().lower().replace("'", " ").replace("-", " ").replace(" ", "_").replace("__", "_")


def figura_code(text: str) -> str:
    """The code of a figure as typed ("Assistente sociale", "OSS"); unknown text comes back folded."""
    folded = _folded(text)
    return _FIGURE_ALIAS.get(folded, folded)


def leps_code(text: str) -> str:
    """The code of a LEPS as typed (code or name, case and accents aside); unknown text comes back folded."""
    folded = _folded(text).replace("à", "a").replace("è", "e").replace(".", "")
    if folded in _LEPS_ALIAS:
        return _LEPS_ALIAS[folded]
    by_name = {_folded(item.nome).replace("à", "a").replace("è", "e"): code for code, item in LEPS.items()}
    return by_name.get(folded, folded)


def stato_code(text: str) -> str:
    """The code of a state as typed ("sì", "Si", "in parte"); unknown text comes back lower-case."""
    lowered = str(text).strip().lower()
    return _STATI_ALIAS.get(lowered, lowered.replace("ì", "i"))

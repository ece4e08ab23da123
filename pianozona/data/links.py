"""Links between the office's tables around the objectives: measures of known objectives, services they count.

`objective_problems` checks that every measure (`misure`) belongs to an objective of `obiettivi`, and
that an objective's optional `servizio` (the count its indicator is: a service of its area in
`utenti`, or "tutti" for every user of the area) names a service the office's `utenti` table has:
the protection hides the objective's value whenever that count is hidden, so a misspelt service
must be fixed, not ignored.
"""

from __future__ import annotations

import pandas as pd

from pianozona.data.schema import ALL_SERVICES_WORDS
from pianozona.data.tabular import LINE_COLUMN
from pianozona.errors import Problem
from pianozona.names import fold

__all__ = ["objective_problems"]


def objective_problems(district, objectives_path: str, measures_path: str) -> list[Problem]:
    """Problems of the links between `misure`, `obiettivi` and `utenti` (see the module docstring)."""
    return [*_unknown_objectives(district.obiettivi, district.misure, measures_path),
            *_unknown_services(district.obiettivi, district.utenti, objectives_path)]


def _unknown_objectives(obiettivi: pd.DataFrame, misure: pd.DataFrame, path: str) -> list[Problem]:
    known = set(obiettivi["codice"].dropna())
    if misure.empty or LINE_COLUMN not in misure or not known:
        return []
    unknown = misure[~misure["codice_obiettivo"].isin(known) & misure["codice_obiettivo"].notna()]
    return [Problem("errore", "obiettivo non presente in obiettivi", file=path, line=int(line),
                    column="codice_obiettivo", value=code, fix="usare un codice della colonna 'codice' di obiettivi")
            for line, code in zip(unknown[LINE_COLUMN], unknown["codice_obiettivo"])]


def _unknown_services(obiettivi: pd.DataFrame, utenti: pd.DataFrame, path: str) -> list[Problem]:
    if "servizio" not in obiettivi.columns or LINE_COLUMN not in obiettivi:
        return []
    users = utenti.dropna(subset=["area", "servizio"])
    problems = []
    for row in obiettivi.dropna(subset=["servizio"]).to_dict("records"):
        named = fold(row["servizio"])
        if not named or named in {fold(word) for word in ALL_SERVICES_WORDS}:
            continue
        names = sorted(users.loc[users["area"] == row["area"], "servizio"].astype(str).unique())
        if named not in {fold(n) for n in names}:
            problems.append(Problem(
                "errore", f"servizio non presente in utenti per l'area {row['area']}", file=path,
                line=int(row[LINE_COLUMN]), column="servizio", value=row["servizio"],
                fix="scrivere il servizio come in utenti (" + ", ".join(names[:6]) + ") o 'tutti', "
                    "oppure lasciare vuoto"))
    return problems

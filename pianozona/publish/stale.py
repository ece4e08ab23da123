"""Data changed while a run read them: which inputs of a job its kernel found different from the plan.

Every kernel notes what it read (`pianozona.data.inputs.note_reads`); the runner compares those notes with
the keyed fingerprints the run was planned on (`pianozona.publish.planning.district_info`), so a report
built from a file saved mid-run is not published as current, and the next run redoes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pianozona.publish.keys import keyed

if TYPE_CHECKING:
    from pianozona.publish.planning import Job, Plan

__all__ = ["FACTS_INPUT", "stale_inputs", "stale_message"]

FACTS_INPUT = "fatti del distretto"  # how `stale_inputs` names the district's facts


def stale_inputs(job: Job, plan: Plan, notes: list[dict]) -> list[str]:
    """The inputs of `job` whose content, as its kernel read them (`notes`), is not what the run planned.

    `notes` are the records of `pianozona.data.inputs.read_notes`; an input is named as in `Job.inputs`
    (``utenti``, or ``<district>/utenti`` for a territory's comparison).  A job that noted nothing (a
    notebook that loads no district) has nothing to compare.
    """
    stale = set()
    for note in notes:
        own = Path(note.get("cartella", "")) == plan.district.folder.resolve()
        prefix = "" if own else f"{note.get('codice')}/"
        stale |= {prefix + name for name, value in (note.get("ingressi") or {}).items()
                  if prefix + name in job.inputs and keyed(value) != plan.district.inputs.get(prefix + name)}
        planned = plan.district.facts if own else plan.district.inputs.get(prefix + FACTS_INPUT)
        if "fatti" in note and planned is not None and keyed(note["fatti"]) != planned:
            stale.add(prefix + FACTS_INPUT)  # the years, comuni, sources every page shows
    return sorted(stale)


def stale_message(stale: list[str], error: str = "") -> str:
    """The message of a job that read `stale` inputs (`stale_inputs`), and failed with `error` if not ''."""
    return (f"i dati sono cambiati durante l'esecuzione ({', '.join(stale)}): il rapporto non è pubblicato e la "
            "prossima esecuzione lo rifà; rilanciare quando i file sono salvati"
            + (f" (l'esecuzione ha dato anche: {error})" if error else ""))

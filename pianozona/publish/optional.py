"""The suite's optional reports: which a district can run, and the run log's line for those it cannot.

`livelli_essenziali` needs the optional ``personale`` table, `confronto_italia` an ``ambito_istat`` in
``distretto.yml`` and ISTAT's survey per ambito beside the district (`pianozona.data.istat_ats`);
`pianozona.publish.planning` plans them only when `optional_reports` finds no reason not to.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from pianozona.files import file_hash

__all__ = ["note_lines", "optional_reports", "survey_files"]


def note_lines(plans: Sequence) -> list[str]:
    """The run log's lines on the optional reports not run: one per reason, naming the districts it concerns.

    `plans` are `pianozona.publish.planning.Plan` (not imported here: planning imports this module).
    """
    by_reason: dict[str, list[str]] = {}
    for plan in plans:
        for _, why in plan.district.skipped:
            by_reason.setdefault(why, []).append(plan.district.codice)
    return [f"{', '.join(codes)}: {why}" for why, codes in by_reason.items()]


def optional_reports(district) -> tuple[tuple[str, str], ...]:
    """(notebook, why) of the suite's optional reports a loaded district cannot run (none: all run)."""
    from pianozona.analysis import leps, national

    reasons = {"livelli_essenziali": leps.availability(district), "confronto_italia": national.availability(district)}
    return tuple((name, why) for name, why in reasons.items() if why)


def survey_files(folder: Path) -> dict[str, str]:
    """sha256 of ISTAT's survey files beside a district that names its ambito (they key its reports too)."""
    from pianozona.data.istat_ats import ATS_FOLDER, files_in, folder_for

    return {f"{ATS_FOLDER}/{path.name}": file_hash(path) for path in files_in(folder_for(folder))}

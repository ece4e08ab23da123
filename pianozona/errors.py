"""Typed errors and the `Problem` record that validation collects.

Every message is meant for a planner: it names the file, the line as the
spreadsheet shows it, the column, the bad value and what to do.  Messages are
in Italian because planners read them; identifiers stay in English.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from pianozona.formatting import plural

Severity = Literal["errore", "avviso", "nota"]
#: how each level is printed: an error blocks the data, a warning asks to check something, a note informs
HEADS = {"errore": "ERRORE", "avviso": "AVVISO", "nota": "NOTA"}


def _fmt_value(value: Any) -> str:
    if value is None:
        return "(vuoto)"
    try:
        if value != value:  # NaN
            return "(vuoto)"
    except (TypeError, ValueError):
        pass
    text = str(value)
    if text.strip() == "":
        return "(vuoto)"
    return repr(text) if isinstance(value, str) else text


@dataclass(frozen=True)
class Problem:
    """One finding of validation: an error blocks use of the data, a warning does not, a note only informs.

    A note (`nota`) says something true about how the data will be used that needs no action, such as an
    optional sheet left empty; a warning (`avviso`) is something the planner should look at.
    """

    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    value: Any = None
    fix: str | None = None

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.line is not None:
            parts.append(f"riga {self.line}")
        if self.column:
            parts.append(f"colonna '{self.column}'")
        return ", ".join(parts)

    def format(self) -> str:
        """One readable line: `ERRORE file, riga N, colonna 'c': message (valore: v). fix`."""
        head = HEADS.get(self.severity, "AVVISO")
        where = self.location()
        text = f"{head} {where}: {self.message}" if where else f"{head}: {self.message}"
        if self.value is not None:
            text += f" (valore: {_fmt_value(self.value)})"
        if self.fix:
            text += f". {self.fix}"
        return text

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.format()


class PianozonaError(Exception):
    """Base class of every error pianozona raises on purpose."""


class DataError(PianozonaError):
    """A data file cannot be read or does not respect the data contract."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
        value: Any = None,
        fix: str | None = None,
    ) -> None:
        self.problem = Problem(
            "errore",
            message,
            file=str(file) if file is not None else None,
            line=line,
            column=column,
            value=value,
            fix=fix,
        )
        super().__init__(self.problem.format())

    @property
    def file(self) -> str | None:
        return self.problem.file

    @property
    def line(self) -> int | None:
        return self.problem.line

    @property
    def column(self) -> str | None:
        return self.problem.column


class ValidationError(DataError):
    """Validation found one or more errors; `problems` holds all findings.

    The message lists the first `SHOWN` errors, one per line, so that a command
    line printing it shows everything that needs fixing.
    """

    SHOWN = 20

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "errore"]
        first = errors[0] if errors else None
        lines = [p.format() for p in errors[: self.SHOWN]]
        if len(errors) > self.SHOWN:
            lines.append(f"... e altri {len(errors) - self.SHOWN} errori ('pianozona validate' li elenca tutti)")
        Exception.__init__(self, f"{plural(len(errors), 'errore', 'errori')} nei dati:\n" + "\n".join(lines)
                           if errors
                           else "dati non validi")
        self.problem = first or Problem("errore", "dati non validi")


class ParameterError(PianozonaError):
    """A parameter (district, year, area, option) is not acceptable."""

    def __init__(self, name: str, value: Any, fix: str) -> None:
        self.name = name
        self.value = value
        self.fix = fix
        super().__init__(f"parametro '{name}' non valido: {_fmt_value(value)}. {fix}")


class ExecutionError(PianozonaError):
    """A notebook or job failed while running."""


def collapse(problems: list[Problem]) -> list[Problem]:
    """One line per root cause: problems that differ only by their line become one.

    Problems with the same severity, file, column, message, value and fix (a wrong
    code repeated on 60 rows, the same damaged workbook met by every table) are
    reported once, at the first line, with "e altre N righe (...)" in the message.
    Order of first appearance is kept.
    """
    groups: dict[tuple, list[Problem]] = {}
    for problem in problems:
        key = (problem.severity, problem.file, problem.column, problem.message, _fmt_value(problem.value), problem.fix)
        groups.setdefault(key, []).append(problem)
    out = []
    for same in groups.values():
        lines = sorted({p.line for p in same if p.line is not None})
        if len(lines) <= 1:
            out.append(same[0])
            continue
        others = lines[1:]
        shown = ", ".join(map(str, others[:5])) + (", ..." if len(others) > 5 else "")
        more = f"e la riga {shown}" if len(others) == 1 else f"e altre {len(others)} righe: {shown}"
        out.append(replace(same[0], line=lines[0], message=f"{same[0].message} ({more})"))
    return out


@dataclass
class ProblemList:
    """Collects problems across files; used by validation and the CLI."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "errore"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "avviso"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "nota"]

    def by_level(self) -> list[Problem]:
        """Errors, then warnings, then notes, each in the order found (how `validate` prints them)."""
        rank = {level: i for i, level in enumerate(HEADS)}
        return sorted(self.items, key=lambda p: rank.get(p.severity, len(rank)))

    def count_text(self) -> str:
        """`0 errori, 1 avviso` (and `, 2 note` when there are notes): the last line of `validate`."""
        parts = [plural(len(self.errors), "errore", "errori"), plural(len(self.warnings), "avviso", "avvisi")]
        if self.notes:
            parts.append(plural(len(self.notes), "nota", "note"))
        return ", ".join(parts)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

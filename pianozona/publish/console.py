"""What a run tells the person who started it while it goes: a progress bar on a terminal, log lines otherwise.

Log lines (a scheduled run's log) start with the date and time, so that the runs appended to one log can
be told apart; before the jobs, a run repeats the warnings of the data it publishes from and says what
happens to the folder's PDFs (`notices`).
"""

from __future__ import annotations

import datetime as dt
import sys

from pianozona.errors import ParameterError
from pianozona.formatting import num, plural
from pianozona.publish.tasks import JobResult, Status


def stamp() -> str:
    """The date and time a log line starts with (``2024-03-05 02:00:07``)."""
    return f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}"


class Progress:
    """A tqdm bar on a terminal, plain Italian log lines otherwise (both on stderr)."""

    def __init__(self, mode: str, total: int, skipped: int, notices: list[str] | tuple[str, ...] = ()) -> None:
        self.mode, self.total, self.count, self.bar = mode, total, 0, None
        if mode != "none":
            head = (f"{plural(total, 'rapporto', 'rapporti')} da eseguire"
                + (f", {plural(skipped, 'invariato', 'invariati')} (nessuna modifica)" if skipped else ""))
            self._print([head, *notices])

    def _print(self, lines: list[str]) -> None:
        if self.mode == "log":
            lines = [f"{stamp()} {line}" for line in lines]
        print("\n".join(lines), file=sys.stderr, flush=True)

    def start(self) -> None:
        """Show the bar (after the workers are forked: tqdm starts a monitor thread)."""
        if self.mode == "bar" and self.total:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, desc="Rapporti", unit="rapporto", file=sys.stderr, leave=True)

    @staticmethod
    def mode_for(mode: str) -> str:
        if mode == "auto":
            return "bar" if sys.stderr.isatty() else "log"
        if mode not in ("bar", "log", "none"):
            raise ParameterError("progress", mode, "valori ammessi: auto, bar, log, none")
        return mode

    def done(self, result: JobResult, where: str = "") -> None:
        """One line for a finished job; `where` names its district when a run has several."""
        self.count += 1
        state = "completato" if result.status == Status.DONE else f"NON RIUSCITO ({result.message})"
        title = f"{where} · {result.job.title}" if where else result.job.title
        line = f"[{self.count}/{self.total}] {title}: {state} in {num(result.duration_s, 1)} s"
        lines = [line] + [f"    avviso: {w}" for w in result.warnings]
        if self.bar is not None:
            for text in lines:
                self.bar.write(text, file=sys.stderr)
            self.bar.update(1)
        elif self.mode == "log":
            self._print(lines)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.mode == "log":
            self._print(["esecuzione conclusa"])

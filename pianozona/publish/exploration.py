"""A planner's own copy of the explorer notebook, for any district, without touching the tracked notebooks.

`personal_explorer` writes ``esplora_<codice>.ipynb`` into a folder of the planner's (by default
``esplorazioni/`` in the current folder, which git ignores in this checkout) with the district and
the year written into its ``parameters`` cell.  The tracked ``notebooks/esplora.ipynb`` is never
edited, so JupyterLab's autosave cannot dirty the checkout, and reopening the copy explores the same
district again.  A copy already there is the planner's own work: it is kept unless `replace`.
The copy shows raw data: it stays out of git and out of anything shared.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pianozona.data.config import data_root, district_folder
from pianozona.data.datasets import District, load_district
from pianozona.errors import ParameterError
from pianozona.files import write_atomic
from pianozona.publish.planning import DEFAULT_NOTEBOOKS

__all__ = ["EXPLORER", "FOLDER", "PersonalCopy", "personal_explorer", "set_parameters"]

EXPLORER = DEFAULT_NOTEBOOKS / "esplora.ipynb"
FOLDER = Path("esplorazioni")  # in .gitignore: personal copies, with raw data once run


@dataclass(frozen=True)
class PersonalCopy:
    path: Path
    district: str   # the district's name
    created: bool   # False: a copy was already there and is left as it was


def personal_explorer(district: str | os.PathLike, *, year: int | None = None,
                      folder: str | os.PathLike | None = None, replace: bool = False,
                      source: Path = EXPLORER) -> PersonalCopy:
    """Write (or find) the planner's copy of the explorer for `district` (a code or a folder) and `year`.

    `year` None: the latest year with service data, as in the notebook.  Raises DataError for a
    district that is not found or not valid, ParameterError for a year without data.
    """
    loaded = load_district(district)
    if year is not None:
        loaded.check_year(year)
    target = Path(folder if folder is not None else FOLDER) / f"esplora_{loaded.codice}.ipynb"
    if target.exists() and not replace:
        return PersonalCopy(target, loaded.nome, created=False)
    import nbformat

    nb = nbformat.read(source, as_version=4)
    set_parameters(nb, {"district": _district_value(district, loaded), "year": year})
    write_atomic(target, nbformat.writes(nb))
    return PersonalCopy(target, loaded.nome, created=True)


def _district_value(given: str | os.PathLike, loaded: District) -> str:
    """The district's code when the code finds it from anywhere (the data folder), else its absolute folder."""
    folder = district_folder(given).resolve()
    by_code = data_root() / loaded.codice
    return loaded.codice if by_code.resolve() == folder else str(folder)


def set_parameters(nb, values: dict[str, object]) -> None:
    """Write `values` as the defaults of the notebook's ``parameters`` cell, keeping types and help comments."""
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ParameterError("notebook", "esplora.ipynb", "serve una e una sola cella con tag 'parameters'")
    lines = cells[0].source.splitlines()
    for name, value in values.items():
        pattern = re.compile(rf"^({re.escape(name)}\s*(?::[^=]*)?=\s*)(.*?)(\s+#.*)?$")
        found = [i for i, line in enumerate(lines) if pattern.match(line)]
        if len(found) != 1:
            raise ParameterError(name, value, "la cella 'parameters' del notebook non lo dichiara una volta sola")
        literal = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)  # "…", 2022
        lines[found[0]] = pattern.sub(lambda m: f"{m.group(1)}{literal}{m.group(3) or ''}", lines[found[0]])
    cells[0].source = "\n".join(lines)

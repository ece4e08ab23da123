"""Re-execute the suite notebooks with their defaults and keep only the key-figure outputs.

Notebooks are committed without outputs, except the cells that print key
figures (marked `# NBVAL_CHECK_OUTPUT`): their output is what
`pytest --nbval-lax notebooks/` compares against on every run.  Run this after
changing the bundled data or a notebook's key figures:

    .venv/bin/python scripts/aggiorna_cifre_chiave.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parent.parent
MARK = "# NBVAL_CHECK_OUTPUT"


def strip(nb: nbformat.NotebookNode, executed: nbformat.NotebookNode | None) -> nbformat.NotebookNode:
    """Outputs removed everywhere except key-figure cells, which take the executed outputs."""
    done = {c.get("id"): c for c in executed.cells} if executed is not None else {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        keep = MARK in cell.source
        source = done.get(cell.get("id"))
        cell.outputs = [o for o in source.outputs if o.output_type != "error"] if keep and source else []
        cell.execution_count = source.execution_count if keep and source else None  # nbval skips unrun cells
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if keep:
            cell.metadata["keep_output"] = True  # nbstripout leaves these alone too
    nb.metadata.pop("papermill", None)
    return nb


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    executed = None
    if any(MARK in c.source for c in nb.cells if c.cell_type == "code"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / path.name
            papermill.execute_notebook(str(path), str(out), cwd=str(path.parent), progress_bar=False)
            executed = nbformat.read(out, as_version=4)
    nbformat.write(strip(nb, executed), path)


if __name__ == "__main__":
    targets = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for target in targets:
        refresh(target)
        print(f"aggiornato {target.relative_to(ROOT) if target.is_absolute() else target}")

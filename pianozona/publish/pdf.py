"""A published page printed to PDF with headless Chromium (optional: ``run_reports(..., pdf=True)``).

Off by default: a PDF costs a Chromium start per page (`print_pdf`; about a second, see the
README).  When PDFs are asked for and Chromium is missing (`find_chromium` looks for
``/usr/bin/chromium``, then ``chromium``/``chromium-browser``/``google-chrome`` on ``PATH``), the
run prints `MISSING` once (`pdf_support`) and publishes everything else: the run still succeeds.

Chromium prints the page from a ``file://`` URL with a private, throw-away profile and no network
(the pages load nothing remote and their Content-Security-Policy forbids it; background networking,
updates and sync are switched off as well).  The print stylesheet of the page (``@media print`` in
``present/templates/style.css``) decides the layout; Chromium adds no header or footer of its own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pianozona.files import copy_atomic, scratch_folder

__all__ = ["CHROMIUM_ARGS", "MISSING", "MISSING_KEPT", "PDF_TIMEOUT_S", "PdfError", "find_chromium", "pdf_printer",
           "pdf_support", "print_pdf", "without_local_links"]

#: the Italian line a run prints once when PDFs are asked for and Chromium is not there
MISSING = ("PDF non prodotti: Chromium non è installato (installarlo con 'apt-get install chromium'); "
           "gli altri file dei rapporti sono pubblicati")
#: the line of a run that would keep a folder's PDFs up to date (they were printed before) but cannot
MISSING_KEPT = ("PDF non aggiornati: la cartella ne ha dall'esecuzione precedente, ma Chromium non è installato; "
                "i rapporti rieseguiti restano senza PDF (un PDF vecchio non resta accanto a una pagina nuova)")
PDF_TIMEOUT_S = 120
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                 "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw")
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
#: the href of a link to a file beside the page (no scheme, not a fragment), in the HTML our templates write
_LOCAL_LINK = re.compile(r'(<a\b[^>]*?)\s+href="(?![A-Za-z][A-Za-z0-9+.-]*:|#)[^"]*"', re.IGNORECASE)


class PdfError(RuntimeError):
    """Chromium did not print the page (its Italian message says why); the run goes on without that PDF."""


def find_chromium() -> str | None:
    """The Chromium to print with: ``/usr/bin/chromium``, else the first of `_CANDIDATES` on PATH; None if none."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_support(requested: bool, *, stream=None) -> str | None:
    """The Chromium a run prints with when `requested`; None when not requested or missing (then `MISSING` once)."""
    if not requested:
        return None
    chromium = find_chromium()
    if chromium is None:
        print(MISSING, file=stream or sys.stderr, flush=True)
    return chromium


def pdf_printer(pdf: bool | None, chromium: str | None, manifest: dict) -> tuple[str | None, str]:
    """The Chromium a folder's jobs print PDFs with, and a line for the log when PDFs are not what the folder has.

    Asked (``pdf=True``, ``--pdf``): `chromium` (missing: `pdf_support` said so once).  Not said
    (``None``): the folder keeps what it has -- PDFs are printed when its `manifest` lists some (a
    scheduled run after a manual ``--pdf`` one), none otherwise.  Refused (``False``, ``--senza-pdf``):
    none, and the line says the rerun reports lose theirs.
    """
    has_pdfs = any(e.get("pdf") for e in manifest.get("rapporti", []))
    if pdf is not None:
        return chromium, ("PDF tolti dai rapporti rieseguiti (--senza-pdf); quelli dei rapporti invariati restano"
                          if pdf is False and has_pdfs else "")
    if not has_pdfs:
        return None, ""
    found = find_chromium()
    return found, ("PDF aggiornati come nell'esecuzione precedente (--senza-pdf per non produrli)" if found
                   else MISSING_KEPT)


def without_local_links(html: str) -> str:
    """The page with its links to files beside it made plain text.

    In a PDF a relative link would become an absolute ``file://`` address of this machine (the folder
    of the run), and a PDF travels alone: the links to its spreadsheet, its index or another page lead
    nowhere there.  Links to a place in the page (``#...``) and to the web stay.
    """
    return _LOCAL_LINK.sub(r"\1", html)


def print_pdf(page: str | os.PathLike, target: str | os.PathLike, *, chromium: str | None = None,
              timeout: float = PDF_TIMEOUT_S) -> Path:
    """Print the HTML file `page` to the PDF `target` (written whole or not at all); `PdfError` on failure."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise PdfError(MISSING)
    page, target = Path(page).resolve(), Path(target)
    with scratch_folder(target.parent) as scratch:  # Chromium's profile; removed by `remove_temporaries` if killed
        printed, copy = scratch / "pagina.pdf", scratch / page.name
        copy.write_text(without_local_links(page.read_text(encoding="utf-8")), encoding="utf-8")
        command = [chromium, *CHROMIUM_ARGS, f"--user-data-dir={scratch}/profilo", f"--print-to-pdf={printed}",
                   copy.as_uri()]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "HOME": str(scratch)}, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfError(f"PDF di {page.name} non prodotto: Chromium non ha finito entro {timeout:g} s") from None
        except OSError as exc:
            raise PdfError(f"PDF di {page.name} non prodotto: Chromium non si avvia ({exc.strerror})") from None
        if proc.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            detail = (proc.stderr or "").strip().splitlines()[-1:] or ["nessun messaggio"]
            raise PdfError(f"PDF di {page.name} non prodotto: Chromium ha restituito il codice {proc.returncode} "
                           f"({detail[0][:200]})")
        copy_atomic(printed, target)  # the scratch folder may be on another disk than the reports
    return target

"""The office's own district: said once, used by every command.

`default_district()` answers "which district, when the command does not name one", in this order:

1. ``$PIANOZONA_DISTRETTO`` (a district code or a folder with `distretto.yml`);
2. the setting ``distretto:`` of `impostazioni.yml` in the data root (written by
   ``pianozona predefinito CODICE`` and by the first ``pianozona nuovo-distretto``);
3. the only district of the data root, when there is just one (a fresh checkout: the bundled Pavia).

With several districts and none chosen it is a `ParameterError` that lists them and says how to choose:
never a silent Pavia.  ``import-istat`` files a download only into a district the user named, on the
command line or in one of the first two ways (`chosen_district`), never into the only one found.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pianozona.data.config import CONFIG_FILE, CODICE_PATTERN, CODICE_RULE, data_root
from pianozona.errors import ParameterError
from pianozona.files import read_yaml, write_atomic

ENV_DISTRICT = "PIANOZONA_DISTRETTO"
SETTINGS_FILE = "impostazioni.yml"
#: impostazioni.yml holds a line or two
MAX_SETTINGS_BYTES = 64 * 1024
HOW_TO_CHOOSE = (f"indicare il distretto (es. pianozona run --distretto CODICE), oppure sceglierlo una volta "
                 f"per tutte con 'pianozona predefinito CODICE' (o la variabile d'ambiente {ENV_DISTRICT})")


@dataclass(frozen=True)
class Choice:
    """The district a command uses when none is given, and why (`origine`, said in Italian)."""

    distretto: str
    origine: str


def settings_path(root: Path | None = None) -> Path:
    """`<data root>/impostazioni.yml`."""
    return (root or data_root()) / SETTINGS_FILE


def districts(root: Path | None = None) -> list[str]:
    """Codes (folder names) of the districts in the data root, sorted."""
    return sorted(p.parent.name for p in (root or data_root()).glob(f"*/{CONFIG_FILE}"))


def _setting(root: Path | None) -> str | None:
    """`distretto:` of impostazioni.yml (the one YAML reader, every value as text: no aliases, nothing that
    could expand); None when the file or the key is absent."""
    path = settings_path(root)
    if not path.is_file():
        return None
    content, _ = read_yaml(path, limit=MAX_SETTINGS_BYTES, typed=False,
                           fix="scrivere una riga 'distretto: CODICE' (o cancellare il file)")
    value = content.get("distretto") if isinstance(content, dict) else None
    return str(value).strip() or None if value is not None else None


def chosen_district(root: Path | None = None) -> Choice | None:
    """The district the user chose as theirs (environment variable or setting), or None."""
    env = os.environ.get(ENV_DISTRICT, "").strip()
    if env:
        return Choice(env, f"variabile d'ambiente {ENV_DISTRICT}")
    setting = _setting(root)
    if setting:
        return Choice(setting, f"impostazione in {settings_path(root)}")
    return None


def default_district(root: Path | None = None) -> Choice:
    """The district of a command that names none: the chosen one, else the only one; ParameterError otherwise."""
    chosen = chosen_district(root)
    if chosen is not None:
        return chosen
    found = districts(root)
    if len(found) == 1:
        return Choice(found[0], f"unico distretto in {root or data_root()}")
    where = root or data_root()
    if not found:
        raise ParameterError("distretto", None, f"nessun distretto in {where}: crearne uno con "
                             "'pianozona nuovo-distretto CODICE --comuni \"Nome, Nome\"'")
    raise ParameterError("distretto", None, f"ci sono {len(found)} distretti in {where} ({', '.join(found)}) e "
                         f"nessuno è scelto come predefinito: {HOW_TO_CHOOSE}")


def set_default_district(codice: str, root: Path | None = None) -> Path:
    """Write `distretto: <codice>` into `impostazioni.yml` of the data root; ParameterError for an unknown district."""
    root = root or data_root()
    if not CODICE_PATTERN.fullmatch(codice or "") or not (root / codice / CONFIG_FILE).is_file():
        known = ", ".join(districts(root)) or "nessuno"
        raise ParameterError("distretto", codice, f"distretti in {root}: {known} ({CODICE_RULE})")
    path = settings_path(root)
    text = ("# Impostazioni di pianozona per questa cartella di dati (non si pubblica, non va nel repository).\n"
            "# distretto: il distretto dei comandi che non ne indicano uno (pianozona run, validate, summary ...)\n"
            f"distretto: {codice}\n")
    return write_atomic(path, text)


def adopt_new_district(folder: Path, root: Path | None = None) -> Path | None:
    """Make a district just created the office's default, when none is chosen yet and it is in the data root.

    Returns the settings file written, or None (a choice already made, or a folder elsewhere).
    """
    root = root or data_root()
    try:
        in_root = folder.resolve().parent == root.resolve()
    except OSError:
        return None
    if not in_root or chosen_district(root) is not None:
        return None
    return set_default_district(folder.name, root)


def import_target(given: str | None, root: Path | None = None) -> str:
    """The district an ISTAT download is filed into: the one named, else the one chosen; never a guess.

    Without a name and without a choice (environment variable or setting) it is a ParameterError: a file
    filed into the wrong district would feed its reports in silence.
    """
    if given:
        return given
    chosen = chosen_district(root)
    if chosen is None:
        raise ParameterError("distretto", None, "indicare in quale distretto archiviare il file: "
                             "pianozona import-istat FILE --distretto CODICE (oppure scegliere il distretto "
                             f"dell'ufficio con 'pianozona predefinito CODICE' o {ENV_DISTRICT})")
    return chosen.distretto

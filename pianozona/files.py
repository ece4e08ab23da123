"""The one way every layer reads and writes files: atomic writes, bounded reads, YAML and JSON, fingerprints.

Writing, whole or not at all: `write_atomic` (text or bytes: a temporary file beside the target, then
``os.replace``), `atomic_path` (the same for a tool that writes the file itself: openpyxl, Chromium),
`copy_atomic`, `atomic_folder` (a folder of files), `scratch_folder`.  Every temporary starts with
`TEMP_PREFIX` and is removed when the write fails; `remove_temporaries` removes what a killed process left.

Reading, bounded and recorded: `read_bytes_bounded` refuses special files and stops reading past a limit
in bytes or lines; `decode_bytes` (an office's text files), `read_json`, `read_yaml` (safe YAML without
anchors or aliases, with the lines of its keys).  Inside `recording_reads` every bounded read notes the
sha256 of the bytes it returned: what a district was built from is the content actually read.

Content: `file_hash`, `digest` (of a JSON-able value), `folder_fingerprint` (every data file of a folder;
hidden files and Office lock files ``~$...`` skipped).  State: `state_folder`, this user's private
``$XDG_STATE_HOME/pianozona`` (what a run keeps for itself and never publishes).
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pianozona.errors import DataError

PACKAGE_ROOT = Path(__file__).resolve().parent  # the pianozona package folder
TEMP_PREFIX = ".in-corso-"  # every temporary file or folder written beside a target starts with this
ENCODINGS = ("utf-8-sig", "cp1252")
BLOCK = 1 << 20
SAVE_AS = "salvare il file come CSV UTF-8 oppure come cartella di lavoro Excel (.xlsx)"
CHANGED = "modificato durante la lettura"  # what `recording_reads` notes for a file whose content changed between reads
_reads: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("pianozona_reads", default=None)


# --- writing

def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write `path` whole or not at all (text as UTF-8): a temporary file beside it, then ``os.replace``."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(path)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside `path` to write; moved onto `path` when the block ends, removed if it fails.

    The file gets the permissions of any other file this process creates (umask applied).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_atomic(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Copy `source` to `target` byte for byte, whole or not at all."""
    with atomic_path(target) as tmp, open(source, "rb") as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out, BLOCK)
    return Path(target)


@contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder beside `path` to fill; its files move into `path` when the block ends.

    A new folder appears whole (one rename); into an existing folder each file is moved with
    ``os.replace`` (other files there stay).  If the block fails nothing is moved and the
    temporary folder is removed.
    """
    target = Path(path)
    scratch = make_scratch(target.parent)
    try:
        yield scratch
        os.chmod(scratch, 0o777 & ~umask())
        if not os.path.lexists(target):
            os.rename(scratch, target)
            return
        for item in sorted(scratch.rglob("*")):
            destination = target / item.relative_to(scratch)
            if item.is_dir():
                destination.mkdir(exist_ok=True)
            else:
                os.chmod(item, 0o666 & ~umask())
                os.replace(item, destination)
    finally:
        remove_tree(scratch)


@contextmanager
def scratch_folder(parent: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder in `parent` (same file system: its files can be moved out atomically), then removed."""
    folder = make_scratch(parent)
    try:
        yield folder
    finally:
        remove_tree(folder)


def make_scratch(parent: str | os.PathLike) -> Path:
    """A new temporary folder in `parent`, named with `TEMP_PREFIX`; the caller removes it (`remove_tree`)."""
    Path(parent).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=parent))


def remove_tree(path: str | os.PathLike) -> None:
    """Remove a folder, retrying a moment while a dying process may still be closing a file in it."""
    path = Path(path)
    for _ in range(20):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.1)


def remove_temporaries(folder: str | os.PathLike) -> None:
    """Remove the temporaries (`TEMP_PREFIX`) an interrupted write left in `folder` (if this process may write it)."""
    folder = Path(folder)
    if not os.access(folder, os.W_OK):
        return
    for path in folder.glob(TEMP_PREFIX + "*"):
        remove_tree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)


def umask() -> int:
    """The process's umask (read without changing it for longer than a call)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def state_folder() -> Path:
    """This user's private pianozona folder, ``$XDG_STATE_HOME/pianozona`` (``~/.local/state/pianozona``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "pianozona"


# --- reading

def read_bytes_bounded(path: str | os.PathLike, limit: int, *, max_lines: int | None = None,
                       what: str = "file", fix: str | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (and `max_lines` lines), else DataError.

    Special files (FIFO, device, socket, also behind a symbolic link) are refused before opening
    them: reading ``/dev/zero`` or a FIFO never ends.  The file is read in blocks and reading stops
    as soon as a limit is passed, so memory stays within the limit whatever the file.  Every
    OSError becomes a DataError naming the file.  Inside `recording_reads` the sha256 of the bytes
    returned is noted.
    """
    path = Path(path)
    info = _stat_regular(path)
    if info.st_size > limit:
        raise DataError(f"{what} troppo grande ({_mb(info.st_size)}; limite {_mb(limit)})", file=path,
                        fix=fix or "controllare che sia il file giusto; se è così grande, dividere i dati per anno")
    try:
        with open(path, "rb") as handle:
            raw = read_stream_bounded(handle, path, limit, max_lines=max_lines, what=what, fix=fix)
    except OSError as exc:
        raise DataError(f"file non leggibile ({exc.strerror or exc})", file=path,
                        fix="controllare il file e i permessi di lettura") from exc
    note_read(path, raw)
    return raw


def read_stream_bounded(handle: Any, name: str | Path, limit: int, *, max_lines: int | None = None,
                        what: str = "file", fix: str | None = None) -> bytes:
    """`read_bytes_bounded` for an open binary stream (e.g. a member of a zip archive) named `name`."""
    blocks, size, lines = [], 0, 0
    while block := handle.read(BLOCK):
        size += len(block)
        if size > limit:
            raise DataError(f"{what} troppo grande (oltre {_mb(limit)})", file=name,
                            fix=fix or "controllare che sia il file giusto")
        lines += block.count(b"\n") if max_lines is not None else 0
        if max_lines is not None and lines > max_lines:
            raise DataError(f"{what} troppo lungo (oltre {max_lines:_} righe)".replace("_", "."), file=name,
                            fix=fix or "controllare che sia il file giusto")
        blocks.append(block)
    return b"".join(blocks)


def _stat_regular(path: Path) -> os.stat_result:
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise DataError("file mancante", file=path, fix="creare il file o controllare il nome della cartella") from exc
    except OSError as exc:
        raise DataError(f"file non accessibile ({exc.strerror or exc})", file=path,
                        fix="controllare il file e i permessi di lettura") from exc
    if stat.S_ISDIR(info.st_mode):
        raise DataError("al posto del file c'è una cartella", file=path,
                        fix="sostituire la cartella con il file della tabella")
    if not stat.S_ISREG(info.st_mode):
        raise DataError("non è un file normale (dispositivo, FIFO o collegamento a un dispositivo): non viene letto",
                        file=path, fix="sostituirlo con il file CSV o .xlsx della tabella")
    return info


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 1024 / 1024:.0f} MB"


def decode_bytes(raw: bytes, file: str | os.PathLike | None = None) -> str:
    """Decode a file's bytes as UTF-8 (BOM or not), else cp1252; UTF-16 (Excel's "Testo Unicode") is refused."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(raw[:4000]) >= 4 and raw[:4000].count(0) > len(raw[:4000]) // 4):
        raise DataError("il file è in codifica UTF-16 (\"Testo Unicode\" di Excel), non letta", file=file,
                        fix=SAVE_AS)
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # cp1252 leaves five bytes undefined; latin-1 maps every byte


def read_json(path: str | os.PathLike) -> dict:
    """The JSON object in `path`; an empty dict when it is missing, unreadable or not an object."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class YamlLines:
    """Where a YAML file's top-level keys are (`keys`) and the items of each top-level list (`items`), 1-based."""

    keys: dict[str, int] = field(default_factory=dict)
    items: dict[str, list[int]] = field(default_factory=dict)


def read_yaml(path: str | os.PathLike, *, limit: int, typed: bool = True, fix: str) -> tuple[Any, YamlLines]:
    """The content of a small YAML file and the lines of its keys, or DataError with the line and `fix`.

    Safe YAML without anchors or aliases.  ``typed=True``: numbers are ints and floats that keep
    the text typed in ``.text`` (``015146`` stays readable as a code); ``typed=False``: every
    scalar is text.
    """
    import yaml

    path = Path(path)
    text = decode_bytes(read_bytes_bounded(path, limit), path)
    loader = None
    try:
        loader = _yaml_loader(typed)(text)  # the reader refuses control characters
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), _lines(node)
    except DataError as exc:
        raise DataError(exc.problem.message, file=path, line=exc.line, fix=exc.problem.fix) from None
    except yaml.reader.ReaderError as exc:
        raise DataError(f"carattere non ammesso nel file (codice {exc.character:#04x})", file=path,
                        line=text[: exc.position].count("\n") + 1,
                        fix="cancellare il carattere invisibile in quella riga (salvare come testo semplice)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(f"file YAML non leggibile ({getattr(exc, 'problem', None) or 'struttura non valida'})",
                        file=path, line=mark.line + 1 if mark else None, fix=fix) from None
    except RecursionError:
        raise DataError("file YAML annidato troppo in profondità", file=path, fix=fix) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date or number PyYAML cannot build
        raise DataError(f"valore YAML non valido ({exc})", file=path, fix="scrivere il valore tra virgolette") from None
    finally:
        if loader is not None:
            loader.dispose()


def _lines(node: Any) -> YamlLines:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return YamlLines()
    pairs = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
    return YamlLines({str(k.value): k.start_mark.line + 1 for k, _ in pairs},
                     {str(k.value): [item.start_mark.line + 1 for item in v.value] for k, v in pairs
                      if isinstance(v, yaml.SequenceNode)})


class YamlInt(int):
    """An int read from YAML that remembers the text typed (``015146``, ``18110``) in ``.text``."""
    text: str


class YamlFloat(float):
    """A float read from YAML that remembers the text typed in ``.text``."""
    text: str


@cache
def _yaml_loader(typed: bool) -> type:
    """The loader class: safe (typed) or all-text, refusing anchors and aliases (built on first use)."""
    import yaml

    class Loader(yaml.SafeLoader if typed else yaml.BaseLoader):
        def compose_node(self, parent, index):
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise DataError("alias e ancore YAML ('&nome', '*nome') non sono ammessi",
                                line=event.start_mark.line + 1, fix="scrivere i valori per intero, senza '&' e '*'")
            return super().compose_node(parent, index)

    if typed:
        for tag, kind, base in (("int", YamlInt, yaml.SafeLoader.construct_yaml_int),
                                ("float", YamlFloat, yaml.SafeLoader.construct_yaml_float)):
            Loader.add_constructor(f"tag:yaml.org,2002:{tag}", _keeping_text(kind, base))
    return Loader


def _keeping_text(kind: type, base: Any) -> Any:
    def construct(loader, node):
        value = kind(base(loader, node))
        value.text = str(node.value)
        return value
    return construct


# --- content

@contextmanager
def recording_reads() -> Iterator[dict[str, str]]:
    """Note, in the dict yielded, the sha256 of every file `read_bytes_bounded` returns meanwhile (this context).

    Keys are resolved paths; a file read twice with different content is noted as `CHANGED`.
    """
    record: dict[str, str] = {}
    token = _reads.set(record)
    try:
        yield record
    finally:
        _reads.reset(token)


def note_read(path: str | os.PathLike, raw: bytes) -> None:
    """Note that `raw` was read from `path` (only inside `recording_reads`)."""
    record = _reads.get()
    if record is None:
        return
    key, value = str(Path(path).resolve()), hashlib.sha256(raw).hexdigest()
    record[key] = value if record.get(key, value) == value else CHANGED


def file_hash(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes, read in blocks."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            sha.update(block)
    return sha.hexdigest()


def digest(value: Any) -> str:
    """sha256 of a JSON-able value (keys sorted): the same value gives the same digest in every process."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def is_data_file(relative: Path) -> bool:
    """Whether a path inside a data folder is data: not hidden (``.name``), not an Office lock file (``~$name``)."""
    return not any(part.startswith((".", "~$")) for part in relative.parts)


def folder_fingerprint(folder: str | os.PathLike) -> dict[str, str]:
    """sha256 of every data file under `folder` (`is_data_file`), by relative POSIX path; {} if it is not a folder."""
    root = Path(folder)
    found = {}
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if is_data_file(Path(d)))
        for name in sorted(names):
            path = Path(dirpath) / name
            relative = path.relative_to(root)
            try:
                if is_data_file(relative) and stat.S_ISREG(os.stat(path).st_mode):
                    found[relative.as_posix()] = file_hash(path)
            except OSError:  # removed meanwhile: the next look sees the new state
                continue
    return found

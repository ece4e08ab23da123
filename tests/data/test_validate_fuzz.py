"""Random damage to a valid district never escapes as anything but a PianozonaError or a Problem.

Hypothesis mutates a trimmed copy of data/pavia (the first rows of each table, so that one
example costs a fraction of a second): columns dropped, duplicated or renamed, cells replaced
by text, huge or non-finite numbers or nothing, files truncated or re-encoded, keys of
distretto.yml deleted or given another type.  `load_district(folder, strict=False)` must
either return a District whose error problems each name a file, or raise a PianozonaError.
`OUTCOMES` counts what happened (printed by `python -m tests.test_validate_fuzz`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

import pianozona
from pianozona.errors import PianozonaError

from tests.conftest import PAVIA

TABLES = ("utenti.csv", "spesa.csv", "obiettivi.csv", "misure.csv", "servizi.csv")
ROWS_KEPT = 25
OUTCOMES: Counter = Counter()

cell_values = st.one_of(
    st.sampled_from(["", "inf", "-inf", "nan", "1e30", "-1", "1e-30", "2,5", "018110", "Infinity", "0x10", "∞",
                     "\"", ";", "\x00", "9" * 40]),
    st.text(max_size=12),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
yaml_values = st.one_of(st.none(), st.integers(), st.text(max_size=10), st.lists(st.integers(), max_size=3),
                        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2), st.booleans())

table_ops = st.one_of(
    st.tuples(st.just("drop_column"), st.integers(0, 10)),
    st.tuples(st.just("duplicate_column"), st.integers(0, 10)),
    st.tuples(st.just("rename_column"), st.integers(0, 10), st.text(max_size=8)),
    st.tuples(st.just("cell"), st.integers(0, ROWS_KEPT), st.integers(0, 10), cell_values),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("encoding"), st.sampled_from(["utf-16", "cp1252", "utf-8-sig", "latin-1", "utf-32"])),
    st.tuples(st.just("separator"), st.sampled_from([",", "\t", "|", " ", ":"])),
    st.tuples(st.just("bytes"), st.binary(max_size=64)),
    st.tuples(st.just("to_xlsx"), st.booleans()),
)
yaml_ops = st.one_of(
    st.tuples(st.just("delete_key"), st.sampled_from(["nome", "comuni", "codice", "confronti"])),
    st.tuples(st.just("set_key"), st.sampled_from(["nome", "comuni", "codice", "confronti", "aree", "ente_capofila"]),
              yaml_values),
    st.tuples(st.just("comune"), st.integers(0, 11), st.sampled_from(["codice", "nome"]), yaml_values),
    st.tuples(st.just("raw"), st.text(max_size=40)),
)
mutations = st.lists(st.one_of(st.tuples(st.sampled_from(TABLES), table_ops), st.tuples(st.just("yml"), yaml_ops)),
                     min_size=1, max_size=3)


def _trimmed_copy(target: Path) -> Path:
    shutil.copy(PAVIA / "distretto.yml", target / "distretto.yml")
    for name in TABLES:
        lines = (PAVIA / name).read_text(encoding="utf-8").splitlines()[: ROWS_KEPT + 1]
        (target / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _mutate_table(path: Path, op: tuple) -> None:
    if not path.exists():
        return
    kind = op[0]
    if kind in ("truncate", "bytes", "to_xlsx"):
        raw = path.read_bytes()
        if kind == "truncate":
            path.write_bytes(raw[: int(len(raw) * op[1])])
        elif kind == "bytes":
            path.write_bytes(op[1] + raw)
        else:
            import pandas as pd

            target = path.with_suffix(".xlsx")
            try:
                frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
            except Exception:  # an earlier mutation made it unreadable: keep it as it is
                return
            try:
                frame.to_excel(target, index=False)
            except IllegalCharacterError:  # a control character no spreadsheet can hold: keep the csv
                target.unlink(missing_ok=True)
                return
            path.unlink()
            if op[1]:
                target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
        return
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    rows = [line.split(";") for line in text.splitlines()]
    if kind == "encoding":
        path.write_bytes(text.encode(op[1], errors="replace"))
        return
    if kind == "separator":
        path.write_text("\n".join(op[1].join(r) for r in rows), encoding="utf-8")
        return
    width = len(rows[0]) if rows else 0
    if not width:
        return
    column = op[1] % width if kind != "cell" else op[2] % width
    if kind == "drop_column":
        rows = [r[:column] + r[column + 1:] for r in rows]
    elif kind == "duplicate_column":
        rows = [r + [r[column]] if column < len(r) else r for r in rows]
    elif kind == "rename_column":
        rows[0][column] = op[2].replace(";", "").replace("\n", "")
    elif kind == "cell" and len(rows) > 1:
        row = rows[1 + op[1] % (len(rows) - 1)]
        if column < len(row):
            row[column] = op[3].replace(";", ",").replace("\n", " ")
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")


def _mutate_yaml(path: Path, op: tuple) -> None:
    if op[0] == "raw":
        path.write_text(path.read_text(encoding="utf-8", errors="replace") + "\n" + op[1], encoding="utf-8")
        return
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return
    if not isinstance(data, dict):
        return
    if op[0] == "delete_key":
        data.pop(op[1], None)
    elif op[0] == "set_key":
        data[op[1]] = op[2]
    elif op[0] == "comune" and isinstance(data.get("comuni"), list) and data["comuni"]:
        item = data["comuni"][op[1] % len(data["comuni"])]
        if isinstance(item, dict):
            item[op[2]] = op[3]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _outcome(folder: Path) -> str:
    try:
        district = pianozona.load_district(folder, strict=False)
    except PianozonaError as exc:
        assert str(exc).strip()
        return "errore del distretto (una riga)"
    errors = district.problems.errors
    assert all(p.file and p.message for p in errors), [p.format() for p in errors if not p.file]
    if any(p.message.startswith("file non leggibile (") for p in errors):
        return "problema imprevisto (riga generica)"
    return "problemi chiari" if errors else "nessun errore"


@pytest.mark.slow  # 80 damaged copies of a district, ~18 s
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(mutations)
def test_random_damage_gives_only_problems_or_pianozona_errors(ops):
    folder = Path(tempfile.mkdtemp(prefix="pianozona-fuzz-"))
    try:
        _trimmed_copy(folder)
        for target, op in ops:
            if target == "yml":
                _mutate_yaml(folder / "distretto.yml", op)
            else:
                _mutate_table(folder / target, op)
        OUTCOMES[_outcome(folder)] += 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover - counts for the issue note
    test_random_damage_gives_only_problems_or_pianozona_errors()
    print(dict(OUTCOMES), sum(OUTCOMES.values()))

"""Reader of the ricostruzione intercensuaria 2002-2019: ages in columns, year and sex set by block lines."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from pianozona.errors import DataError
from pianozona.data.istat_cells import (
    HUNDRED_PLUS, MAX_AGE, ROW, TOTAL_LABELS, check_sums, fail_if, finish_table, parse_codes, parse_counts,
)
from pianozona.data.istat_files import DOWNLOAD_FIX, Source, load_source, norm_label
from pianozona.data.tabular import sniff_separator

SEX_MARKERS = {"maschi": "M", "males": "M", "femmine": "F", "females": "F", "totale": "T",
               "total": "T", "maschi e femmine": "T", "totale maschi e femmine": "T"}
#: a block line "<citizenship> - Anno: YYYY ...", which starts a year of the ricostruzione
BLOCK_LINE = r"^\W*(?P<cit>[^;]*?)\s*-?\s*anno\s*:\s*(?P<anno>(?:19|20)\d{2})"


def _age_columns(labels: list[str] | None, width: int, file: str, line: int | None):
    """Return ({cell position: (age, label)}, position of the 'Totale' column or None).

    Without a header line the layout is positional: code; name; 0..100; [total].
    """
    fix = "le colonne delle età vanno da 0 a 100: " + DOWNLOAD_FIX
    if labels is None:
        if width < MAX_AGE + 3:
            raise DataError(f"righe di {width} colonne senza intestazione: attese codice; comune; età 0..100",
                            file=file, fix=fix)
        return {a + 2: (a, str(a)) for a in range(MAX_AGE + 1)}, (MAX_AGE + 3 if width > MAX_AGE + 3 else None)
    ages, total = {}, None
    for pos, label in enumerate(labels[2:], start=2):
        low = norm_label(label)
        digits = re.fullmatch(r"(?:età |eta )?(\d{1,3})(?: anni)?", low)
        if low in TOTAL_LABELS:
            total = pos
        elif re.fullmatch(HUNDRED_PLUS, low) or (digits and int(digits.group(1)) <= MAX_AGE):
            ages[pos] = (int(digits.group(1)) if digits else MAX_AGE, label)
        elif low:
            raise DataError("colonna di età sconosciuta nell'intestazione", file=file, line=line,
                            column=label, value=label, fix=fix)
    missing = sorted(set(range(MAX_AGE + 1)) - {age for age, _ in ages.values()})
    if missing:
        raise DataError(f"mancano le colonne delle età {missing[:5]}", file=file, line=line, fix=fix)
    return ages, total


def _classify(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split lines into cells; tag each line with year, kept block, sex, header line, is-data."""
    lines = pd.Series(text.split("\n")).str.rstrip("\r")
    cells = lines.str.split(sniff_separator(text[:50000]), expand=True).fillna("")
    cells = cells.apply(lambda c: c.str.strip().str.strip('"').str.strip())
    first = cells[0].str.lower().str.replace(r"\s+", " ", regex=True)
    first = first.str.replace(r"^sesso\s*:\s*", "", regex=True)  # 'Sesso: Maschi' -> 'maschi'
    filled = cells.ne("").sum(axis=1)
    block = lines.str.extract(BLOCK_LINE, flags=re.IGNORECASE)
    is_block = block["anno"].notna()
    is_marker = (filled == 1) & first.isin(list(SEX_MARKERS))
    is_header = ~is_block & first.str.match(r"(codice|cod\.|municipality code|code)")
    cit = block["cit"].str.strip().str.lower()
    tags = pd.DataFrame({
        "anno": pd.to_numeric(block["anno"]).ffill(),
        "keep": cit.isin(["", "tutte le cittadinanze"]).where(is_block).ffill(),
        "sesso": first.map(SEX_MARKERS).where(is_marker).ffill(),
        "header": pd.Series(np.where(is_header, lines.index, np.nan)).ffill(),
        "layout": lines.where(is_header).ffill().fillna(""),  # same header text = one group
        "data": ~(is_block | is_marker | is_header) & (filled >= 3),
    })
    return cells, tags


def read_ricostruzione(path: str | Path) -> pd.DataFrame:
    """Read a ricostruzione intercensuaria CSV (one province, every year found).

    Assumed layout (`;`-separated; `,` is sniffed too), blocks nested in any order:
    lines `<citizenship> - Anno: YYYY - Provincia: <name>` set the year, and blocks
    whose citizenship is not 'Tutte le cittadinanze' (e.g. 'Stranieri') are skipped;
    lines holding only `Maschi` / `Femmine` set the sex; a `Totale` (or `Maschi e
    femmine`) block is only checked against M+F. Year and sex carry forward until
    the next such line. Lines starting 'Codice comune' label the age columns 0..100
    ('100 e oltre' allowed; a `Totale` column is checked, never added); without
    them the columns are code; name; 0..100; [total]. Lines with fewer than 3
    filled cells (titles, notes, blank lines) are ignored.
    """
    return read_recon(load_source(path))


def read_recon(source: Source) -> pd.DataFrame:
    """`read_ricostruzione` on a `Source` already loaded (the dispatcher of `pianozona.data.istat` uses it)."""
    text, file, _ = source
    cells, tags = _classify(text)
    lines = pd.Series(cells.index + 1, index=cells.index)
    data = tags["data"]
    fix = "il file deve seguire il formato della ricostruzione intercensuaria ISTAT: " + DOWNLOAD_FIX
    fail_if(data & tags["anno"].isna(), cells[0], lines, file, None,
             "riga di dati prima di una riga 'Tutte le cittadinanze - Anno: ...'", fix)
    data = data & tags["keep"].eq(True)
    fail_if(data & tags["sesso"].isna(), cells[0], lines, file, None,
             "riga di dati senza una riga 'Maschi' o 'Femmine' che la preceda", fix)
    rows = cells[data]
    if rows.empty:
        raise DataError("nessuna riga di dati 'Tutte le cittadinanze' trovata", file=file, fix=fix)
    codes = parse_codes(rows[0], lines[data], file, "codice comune")
    parts = []
    for layout, group in rows.groupby(tags["layout"][data]):
        header = tags["header"][group.index[0]]
        labels, line = (None, None) if layout == "" else (list(cells.loc[int(header)]), int(header) + 1)
        ages, total = _age_columns(labels, cells.shape[1], file, line)
        parts.append(_melt_group(group, ages, total, tags, codes, file))
    long = pd.concat(parts, ignore_index=True)
    is_total = long["sesso"] == "T"  # a 'Totale' block must equal Maschi + Femmine
    check_sums(long[is_total], long[~is_total], ["anno", "codice_comune", "eta"], ["residenti"], file, {})
    return finish_table(long[~is_total], file)


def _melt_group(group: pd.DataFrame, ages: dict, total, tags, codes, file) -> pd.DataFrame:
    """Wide rows sharing one header -> long rows; check the 'Totale' column if any."""
    wide = group[list(ages)].set_axis([str(p) for p in ages], axis=1)
    long = wide.melt(ignore_index=False, var_name="_pos", value_name="_value").sort_index(kind="stable")
    pos = long["_pos"].astype(int)
    long[ROW] = long.index + 1
    long["_label"] = pos.map({p: label for p, (_, label) in ages.items()})
    long["residenti"] = parse_counts(long["_value"], long[ROW], file, long["_label"])
    long["codice_comune"] = codes.reindex(long.index)
    long["comune"] = group[1].reindex(long.index)
    if total is not None:
        lines = group.index.to_series() + 1
        totals = pd.DataFrame({"residenti": parse_counts(group[total], lines, file, "Totale"), ROW: lines,
                               "codice_comune": codes.reindex(group.index), "comune": group[1]})
        check_sums(totals, long, ROW, ["residenti"], file, {"residenti": "Totale"})
    long["eta"] = pos.map({p: age for p, (age, _) in ages.items()})
    long["anno"] = tags["anno"].reindex(long.index).astype("int64")
    long["sesso"] = tags["sesso"].reindex(long.index)
    return long.reset_index(drop=True)

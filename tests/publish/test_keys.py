"""Fingerprints of a district's data files."""

from __future__ import annotations

from pianozona.publish.keys import data_fingerprint


def test_data_fingerprint_follows_every_data_file_but_not_office_lock_files(pavia_copy):
    before = data_fingerprint(pavia_copy)
    (pavia_copy / "~$utenti.xlsx").write_bytes(b"lock")
    (pavia_copy / ".DS_Store").write_bytes(b"x")
    assert data_fingerprint(pavia_copy) == before
    with open(pavia_copy / "spesa.csv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    after = data_fingerprint(pavia_copy)
    assert after["spesa.csv"] != before["spesa.csv"] and after["utenti.csv"] == before["utenti.csv"]

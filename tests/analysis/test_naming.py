"""Tests of pianozona.analysis.naming: a sentence names at most a few units and counts the rest."""

from __future__ import annotations

from pianozona.analysis import naming


def test_few_names_are_all_named_as_before():
    assert naming.name_few(["Pavia"]) == "Pavia"
    assert naming.name_few(["Pavia", "Zinasco"]) == "Pavia e Zinasco"
    five = ["A", "B", "C", "D", "E"]
    assert naming.name_few(five) == "A, B, C, D e E"
    assert naming.name_few([]) == ""


def test_many_names_are_capped_and_the_rest_counted():
    names = [f"Comune {i}" for i in range(186)]
    text = naming.name_few(names)
    assert text == "Comune 0, Comune 1, Comune 2 e altri 183 comuni"
    assert sum(name in text for name in names) == naming.NAMED
    six = naming.name_few(names[:6], limit=5, named=5)
    assert six == "Comune 0, Comune 1, Comune 2, Comune 3, Comune 4 e un altro comune"
    assert naming.name_few([str(i) for i in range(1500)], rest=naming.UNITS).endswith("e altre 1.497 unità")
    assert naming.name_few(names[:3], limit=2, named=2, rest=naming.UNITS) == "Comune 0, Comune 1 e un'altra unità"

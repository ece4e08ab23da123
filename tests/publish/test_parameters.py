"""Checking a job's parameters against its notebook's ``parameters`` cell, before any kernel starts."""

from __future__ import annotations

import pytest

from pianozona.errors import ParameterError
from pianozona.publish.parameters import check_notebook, type_matches
from pianozona.publish.planning import plan_run
from tests.publish.conftest import FIXTURES, edit_notebook


@pytest.mark.parametrize("value, annotation, default, expected", [
    (2023, "int", "2023", True),
    ("2023", "int", "2023", False),
    (True, "int", "1", False),
    (1, "bool", "True", False),
    (3, "float", "1.0", True),
    ("pavia", "str", '"pavia"', True),
    (None, "Optional[int]", "None", True),
    (None, "int | None", "None", True),
    ("x", "int | None", "None", False),
    ("x", "typing.Union[str, int]", '"a"', True),
    (["a"], "list[str]", "[]", True),
    (2023, "None", "2020", True),  # no annotation: the default's type
    ("2023", "None", "2020", False),
    ("x", "None", "None", True),  # nothing to check against
    (object(), "MyType", "None", True),
])
def test_type_matches(value, annotation, default, expected):
    assert type_matches(value, annotation, default) is expected


def test_check_notebook_accepts_the_fixtures_and_reports_metrics(reports_root):
    plan = plan_run("pavia", areas="anziani", notebooks_dir=FIXTURES, out_dir=reports_root)
    assert all(check_notebook(job) for job in plan.jobs)


@pytest.mark.parametrize("edit, name, hint", [
    (lambda nb: setattr(nb.cells[0], "source", nb.cells[0].source.replace("year: int = 2023", 'year: str = "2023"')),
     "year", "year: str"),
    (lambda nb: setattr(nb.cells[0], "source", "\n".join(line for line in nb.cells[0].source.splitlines()
                                                           if not line.startswith("area"))),
     "area", "non dichiara 'area'"),
    (lambda nb: nb.cells[0].metadata.update(tags=[]), "notebook", "tag 'parameters'"),
])
def test_check_notebook_names_the_declaration_to_fix(reports_root, notebooks, edit, name, hint):
    edit_notebook(notebooks / "bisogni_area.ipynb", edit)
    plan = plan_run("pavia", areas="anziani", notebooks_dir=notebooks, out_dir=reports_root)
    with pytest.raises(ParameterError) as info:
        check_notebook(plan.jobs[1])
    assert info.value.name == name and hint in str(info.value) and "bisogni_area.ipynb" in str(info.value)

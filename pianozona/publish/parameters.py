"""Notebook parameters: a job's values checked against the notebook's ``parameters`` cell, before any kernel.

`check_notebook` reads the declarations with papermill; `type_matches`
decides whether a value fits a declared type (``int``, ``str | None``,
``Optional[...]``, ``list[str]``, or the type of the default when there is
no annotation).
"""

from __future__ import annotations

import ast
from typing import Any

from pianozona.errors import ParameterError
from pianozona.publish.planning import METRICS_PARAMETER, Job


def check_notebook(job: Job) -> bool:
    """Check `job.parameters` against the notebook's ``parameters`` cell; True if it declares `metrics_path`."""
    import papermill

    declared = papermill.inspect_notebook(str(job.notebook))
    if not declared:
        raise ParameterError("notebook", job.notebook.name, "manca la cella di codice con tag 'parameters' "
                             "(una riga 'nome: tipo = valore  # aiuto' per parametro)")
    for name, value in job.parameters.items():
        if name not in declared:
            raise ParameterError(name, value, f"il notebook {job.notebook.name} non dichiara '{name}' nella "
                                 f"cella 'parameters': aggiungere '{name}: {type(value).__name__} = {value!r}'")
        spec = declared[name]
        if not type_matches(value, spec["inferred_type_name"], spec["default"]):
            raise ParameterError(name, value, f"il notebook {job.notebook.name} dichiara "
                                 f"'{name}: {spec['inferred_type_name']}': correggere il tipo nel notebook "
                                 f"o il valore passato")
    return METRICS_PARAMETER in declared


def type_matches(value: Any, annotation: str | None, default: str | None = None) -> bool:
    """Whether `value` fits a papermill-declared type.

    Without an annotation the type of the default literal is used; types
    that cannot be checked (custom classes, a ``None`` default) accept anything.
    """
    if annotation in (None, "", "None"):
        allowed = _literal_type(default)
    else:
        allowed = _annotation_types(annotation)
    if allowed is None:
        return True
    if isinstance(value, bool):
        return bool in allowed
    return isinstance(value, allowed)


def _literal_type(default: str | None) -> tuple | None:
    try:
        literal = ast.literal_eval(default or "None")
    except (ValueError, SyntaxError):
        return None
    if literal is None:
        return None
    return (int, float) if type(literal) is float else (type(literal),)


_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list, tuple),
          "tuple": (list, tuple), "dict": (dict,), "none": (type(None),), "nonetype": (type(None),),
          "path": (str,), "pathlib.path": (str,)}


def _annotation_types(text: str) -> tuple | None:
    text = text.replace("typing.", "").strip().strip("'\"")
    for wrapper, extra in (("Optional", (type(None),)), ("Union", ())):
        if text.startswith(wrapper + "[") and text.endswith("]"):
            inner = _split_top(text[len(wrapper) + 1:-1], ",")
            return _union(inner, extra)
    parts = _split_top(text, "|")
    if len(parts) > 1:
        return _union(parts, ())
    return _TYPES.get(text.split("[")[0].strip().lower())


def _union(parts: list[str], extra: tuple) -> tuple | None:
    found = [_annotation_types(p) for p in parts]
    if any(f is None for f in found):
        return None
    return tuple(t for f in found for t in f) + extra


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "[") - (char == "]")
        if char == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in parts + [current]]

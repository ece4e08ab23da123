"""Small-number protection: the one gate every shared table and chart goes through (`protect`).

Reports shared with mayors must not let anyone recognise a person
(shared/reference/indicators.md, "Small numbers").  `protect` applies:

* **Primary suppression** - a count from 1 to `threshold` (default 4) is
  hidden and shown as ``"< 5"`` (in general ``f"< {threshold + 1}"``).
  Zero stays 0: it is published and never counts as protecting anything.
* **Secondary suppression** - where a published total (row, column or
  both) would let a hidden value be recomputed, further cells are hidden and
  shown as ``"n.d."``.  The complement is the smallest non-zero published
  count of the group (ties broken by the sorted key values, so the same data
  in a different row order gives the same result); the total itself is hidden
  only when the group has nothing else to hide.  Passes repeat over rows and
  columns until stable.
* **Derived values** - rates, intervals and percentages built on a hidden
  count (`derived=`) are hidden with it.

What "cannot be recomputed" means here.  The attacker is assumed to know the
method: every published total and cell, that zeros are shown, that a primary
cell is between 1 and `threshold` and that a secondary cell is at least
`threshold + 1` (complements are never zeros nor small counts).  A hidden
cell is safe when, with all that, it can still take at least two whole
values.  Checked:

* one margin dimension: each group with its total is one equation, solved
  exactly with those bounds, so ``1 + 1 = 2`` or ``1 + 5 = 6`` next to a
  published total is caught, not just the single hidden cell;
* two margin dimensions (e.g. comuni x aree, both with totals): the same per
  group, then the whole table at once.  The equations of a two-way table are
  those of a network (groups are nodes, hidden cells are arcs), so a cell can
  move exactly when one unit can be pushed round a cycle through it within
  the bounds: strongly connected components of the residual graph, exact and
  linear-time.  A pinned cell gets the cheapest set of extra cells that closes
  such a cycle (shortest path, the cost of a cell being its value);
* three or more margin dimensions: linear programmes (largest and smallest
  value of every hidden cell) per connected block of hidden cells, up to
  `LP_MAX_CELLS` cells per block; larger blocks are reported, not checked.
  The programmes are the linear relaxation: an attacker using integer
  programming could in principle do better on such tables.

What cannot be fixed is reported with a `PrivacyWarning`, never silently:
a total published elsewhere that already gives a cell away, or a group whose
non-zero values are all small with a small total (``1 + 1 + 1 + 1`` with the
total ``"< 5"``: the markers and the zeros alone say every cell is 1).

How totals are recognised.  `groups` names the dimensions that have
published margins and `keys` all the columns that identify a cell (e.g.
``keys=["anno", "comune", "area"], groups=["comune"]``: within each anno and
area the comuni add up to a published district total).  A row is the total of
dimension ``d`` when its ``d`` value equals one of the labels (`total_label`,
default `DEFAULT_TOTAL_LABELS`, compared ignoring case and surrounding
spaces) or, with `total_mask`, where a boolean column/Series is True.  When a
group has no total row in the table the total is assumed to be published
elsewhere (it is what declaring the dimension in `groups` means): it cannot be
hidden here, except that a total from 1 to `threshold` is taken as hidden,
since every shared table goes through this function.  If `groups` is not
given and a column mixes total rows with other rows, `protect` refuses
(`ParameterError`), because that total would reveal the hidden cells.

Exploration and publication.  In JupyterLab `protect` returns a copy of the
raw data (after checking the arguments, so mistakes show up early) with the
flag columns all False.  It suppresses when publication mode is on:
``publish=True`` in the call, or ``set_publish_mode(True)`` in the process,
or the environment variable ``PIANOZONA_PUBBLICAZIONE`` set to ``1`` (the
report runner sets it; any non-empty value other than 0/false/no/off counts as
on, so a typo fails safe).  ``publish=False`` does not switch off a
publication mode set by the runner or by `set_publish_mode`: a notebook cannot
leak raw data into a report by accident.

Output.  The same frame (same rows, order and index) where, in publication
mode, each count column is float64 with NaN for hidden cells (pandas' nullable
Int64 breaks matplotlib's ``bar``), derived columns have NaN where their count
is hidden, and two columns per count are added: ``<count>_soppresso`` (bool)
and ``<count>_soppressione`` (``"primaria"``, ``"secondaria"`` or ``""``).
`format_suppressed` turns it into display text (``"< 5"``, ``"n.d."``, Italian
number format) and `suppression_legend` gives the footnote.

Limits: tables cut from the same data must be protected together (pass all
their margins in one call); protecting the same data twice with different
margins, or publishing two differently suppressed versions of it, can leak.
Totals are expected to add up: include every part (e.g. a "non indicato"
row); where a total is larger than its parts only the rule "never a single
hidden cell in a group" is applied to that group.  Missing counts (NA) are
treated as published for the purpose of the checks (which can only
over-protect).

Modules, in the order a call goes through them:

- `gate`: `protect` itself and `PrivacyWarning`;
- `mode`: the publication mode (`set_publish_mode`, `is_publish_mode`, `PUBLISH_ENV_VAR`);
- `spec`: the checks of `protect`'s arguments and the recognition of total rows (`Spec`);
- `structure`: cells, groups (lines) and totals of a table, with virtual totals published elsewhere;
- `column`: one count column during suppression (values, states, the attacker's bounds);
- `suppression`: the line passes over each margin dimension, repeated until stable, and the audit;
- `network`: the audit of two-way tables (cycles in the residual network, cheapest complements);
- `lp`: the audit of tables with three or more margins (linear programmes, `LP_MAX_CELLS`);
- `markers`: the flag columns and markers ("< 5", "n.d."), `format_suppressed` and the legend.

The public API is re-exported here: ``from pianozona import privacy; privacy.protect(...)``.
"""

from pianozona.privacy.gate import PrivacyWarning, protect
from pianozona.privacy.markers import (
    ATTRS_KEY, DEFAULT_THRESHOLD, FLAG_SUFFIX, KIND_SUFFIX, PRIMARY, SECONDARY, SECONDARY_MARKER,
    format_suppressed, primary_marker, suppression_legend,
)
from pianozona.privacy.mode import PUBLISH_ENV_VAR, is_publish_mode, set_publish_mode
from pianozona.privacy.spec import DEFAULT_TOTAL_LABELS

__all__ = [
    "ATTRS_KEY", "DEFAULT_THRESHOLD", "DEFAULT_TOTAL_LABELS", "FLAG_SUFFIX", "KIND_SUFFIX", "PRIMARY",
    "PUBLISH_ENV_VAR", "SECONDARY", "SECONDARY_MARKER", "PrivacyWarning", "format_suppressed",
    "is_publish_mode", "primary_marker", "protect", "set_publish_mode", "suppression_legend",
]

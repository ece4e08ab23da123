"""Small-number protection: the one gate every shared table and chart goes through (`protect`).

Reports shared with mayors must not let anyone learn a small count of people
(shared/reference/indicators.md, "Small numbers").  This docstring is the
method as we document it: the protection is meant to hold against an
attacker who knows all of it and reads every file a run publishes.

* **Primary suppression** - a count from 1 to `threshold` (default 4) is
  hidden.  Zero stays 0: it is published and never counts as protecting
  anything.
* **One marker** - every hidden cell shows ``"n.d."`` (`MARKER`), a small
  count and a complement alike (as the ONS does): the marker says only that
  the value is at least 1.
* **Secondary suppression** - where the published totals (rows, columns or
  both) and the other published cells would let a hidden value be worked
  out, or narrowed, further cells are hidden.  The rule every hidden cell
  must meet, checked exactly (`ranges`): a small count keeps **every value
  from 1 to `threshold` possible**, any other hidden cell keeps **at least
  `threshold` whole values possible**, given every published cell and total,
  that zeros are published and that hidden cells are at least 1.  A
  complement is drawn among the published non-zero parts of a line of the
  cell (the line's total only when no part can be hidden): each candidate
  costs its value times a random factor fixed by a secret kept with the
  office's data (`keying`), so small cells are preferred but the choice tells
  a reader nothing about the hidden values, and the same data always hide the
  same cells.  Rounds repeat until every hidden cell meets the rule.
* **Derived values** - rates, intervals and percentages built on a hidden
  count (`derived=`) are hidden with it.

How the attacker is modelled.  Every line of a margin (the parts of a group
and its total) is an equation, or an inequality where the parts add up to
less than their total; a block of hidden cells in one line is solved in
closed form, a block spread over several lines by linear programming (exact
for one or two margin dimensions, integer programming for three or more),
up to `LP_MAX_CELLS` cells per block.

What cannot be fixed is reported with a `PrivacyWarning`, never silently: a
total published elsewhere that already gives a cell away, or a block too
large to check.

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
is hidden, and one column per count is added: ``<count>_soppresso`` (bool).
`format_suppressed` turns it into display text (``"n.d."``, Italian number
format) and `suppression_legend` gives the footnote.

Limits: tables cut from the same data must be protected together (pass all
their margins in one call); protecting the same data twice with different
margins, or with another secret, and publishing both versions, can leak: an
office's reports get all their counts from one protection
(`pianozona.analysis.protection`).  Where a total is larger than its parts
(it counts what has no part) the attacker is given the inequality, parts at
most the total.  Missing counts (NA) are treated as published for the
purpose of the checks (which can only over-protect).

Modules, in the order a call goes through them:

- `gate`: `protect` itself and `PrivacyWarning`;
- `mode`: the publication mode (`set_publish_mode`, `is_publish_mode`, `PUBLISH_ENV_VAR`);
- `keying`: the secret of the complements' draw (`district_secret`) and the draw;
- `spec`: the checks of `protect`'s arguments and the recognition of total rows (`Spec`);
- `structure`: cells, groups (lines) and totals of a table, with virtual totals published elsewhere;
- `column`: one count column during suppression (values, states, costs, the marker's bounds);
- `lines`: the published lines as equations (or inequalities) over the hidden cells;
- `network`: two margins: the exact range of every hidden cell by maximum flows;
- `ranges`: the audit: what an attacker can work out of every hidden cell (`LP_MAX_CELLS`);
- `suppression`: the rounds of complements until every hidden cell meets the rule;
- `markers`: the flag column and the marker ("n.d."), `format_suppressed` and the legend.

The public API is re-exported here: ``from pianozona import privacy; privacy.protect(...)``.
"""

from pianozona.privacy.gate import PrivacyWarning, protect
from pianozona.privacy.keying import SECRET_ENV_VAR, district_secret
from pianozona.privacy.markers import (
    ATTRS_KEY, DEFAULT_THRESHOLD, FLAG_SUFFIX, MARKER, format_suppressed, suppression_legend,
)
from pianozona.privacy.mode import PUBLISH_ENV_VAR, is_publish_mode, set_publish_mode
from pianozona.privacy.ranges import LP_MAX_CELLS
from pianozona.privacy.spec import DEFAULT_TOTAL_LABELS

__all__ = [
    "ATTRS_KEY", "DEFAULT_THRESHOLD", "DEFAULT_TOTAL_LABELS", "FLAG_SUFFIX", "LP_MAX_CELLS", "MARKER",
    "PUBLISH_ENV_VAR", "PrivacyWarning", "SECRET_ENV_VAR", "district_secret", "format_suppressed",
    "is_publish_mode", "protect", "set_publish_mode", "suppression_legend",
]

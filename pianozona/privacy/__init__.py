"""Small-number protection: the one gate every shared count goes through (`protect`).

- `gate`: `protect`, the publication mode, the markers ("< 5", "n.d.") and their legend;
- `suppression`: the secondary-suppression algorithm behind `protect` (audit of what could be
  recomputed, complements chosen at the least cost).

The public API is re-exported here: ``from pianozona import privacy; privacy.protect(...)``.
"""

from pianozona.privacy.gate import (
    ATTRS_KEY, DEFAULT_THRESHOLD, DEFAULT_TOTAL_LABELS, FLAG_SUFFIX, KIND_SUFFIX, PRIMARY, PUBLISH_ENV_VAR,
    SECONDARY, SECONDARY_MARKER, PrivacyWarning, format_suppressed, is_publish_mode, primary_marker, protect,
    set_publish_mode, suppression_legend,
)

__all__ = [
    "ATTRS_KEY", "DEFAULT_THRESHOLD", "DEFAULT_TOTAL_LABELS", "FLAG_SUFFIX", "KIND_SUFFIX", "PRIMARY",
    "PUBLISH_ENV_VAR", "SECONDARY", "SECONDARY_MARKER", "PrivacyWarning", "format_suppressed",
    "is_publish_mode", "primary_marker", "protect", "set_publish_mode", "suppression_legend",
]

"""Which units a chart names and where their labels go: a capped choice and placement without overlap in linear time.

A chart of 1,500 comuni cannot name them all: `farthest` picks the few worth
naming (the farthest out), and the labels are placed with a spatial hash
(`LabelGrid`): each placed box is filed in the cells of a grid it covers, so
checking a new box looks only at its neighbours, not at every label already
placed.  Placing k labels costs O(k) box checks instead of O(k²), and the
measuring is done once per label on one layout of the figure.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["MAX_POINT_LABELS", "MAX_MAP_LABELS", "LabelGrid", "farthest", "place_near_points", "place_or_drop"]

#: At most this many units outside a funnel's limits are named on the chart (the farthest out): a handful, so
#: that a district of a dozen comuni keeps every name it had (its funnels rarely have more outside).
MAX_POINT_LABELS = 8
#: At most this many names on a map: more is not readable on a page.
MAX_MAP_LABELS = 30


class LabelGrid:
    """Boxes (display pixels) filed by the cells of a square grid, to ask "does this box overlap one placed?"."""

    def __init__(self, cell: float = 40.0):
        self.cell = max(float(cell), 1.0)
        self.cells: dict[tuple[int, int], list[Bbox]] = defaultdict(list)
        self.checks = 0  # box comparisons made: the cost the tests count

    def _keys(self, box: Bbox):
        c = self.cell
        for i in range(int(np.floor(box.x0 / c)), int(np.floor(box.x1 / c)) + 1):
            for j in range(int(np.floor(box.y0 / c)), int(np.floor(box.y1 / c)) + 1):
                yield i, j

    def overlaps(self, box: Bbox) -> bool:
        """Whether `box` overlaps a box already added (only the boxes of the cells it covers are compared)."""
        for key in self._keys(box):
            for other in self.cells.get(key, ()):
                self.checks += 1
                if box.overlaps(other):
                    return True
        return False

    def add(self, box: Bbox) -> None:
        """File `box` in every cell it covers."""
        for key in self._keys(box):
            self.cells[key].append(box)


def farthest(scores: np.ndarray, candidates: np.ndarray, limit: int) -> np.ndarray:
    """The indices among `candidates` with the largest |score|, at most `limit`, farthest first (O(n) selection)."""
    candidates = np.asarray(candidates, dtype=int)
    if len(candidates) <= limit:
        return candidates[np.argsort(-np.abs(scores[candidates]), kind="stable")]
    distance = -np.abs(scores[candidates])
    top = candidates[np.argpartition(distance, limit - 1)[:limit]]
    return top[np.argsort(-np.abs(scores[top]), kind="stable")]


def _measure(ax: Axes):
    """Run the layout once and return a function giving a text's box (the text alone, without its leader line)."""
    ax.figure.canvas.figure.draw_without_rendering()
    renderer = ax.figure.canvas.get_renderer()

    def box(text: Text) -> Bbox:
        if hasattr(text, "update_positions"):
            text.update_positions(renderer)
        return Text.get_window_extent(text, renderer)
    return box


def _inside(box: Bbox, frame: Bbox) -> bool:
    return frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


def place_near_points(ax: Axes, labels: list, *, step: float = 4, tries: int = 12) -> LabelGrid:
    """Put each point label (annotation) near its point, inside the Axes, overlapping none placed before.

    Lowest point first, each label tries offsets above and below its point,
    at growing distance, on its right then on its left; the first free one
    inside the Axes is kept (if none is, the label stays above-right of its
    point).  Overlap checks go through a `LabelGrid`.
    """
    grid = LabelGrid()
    if not labels:
        return grid
    box = _measure(ax)
    frame = ax.get_window_extent()
    offsets = [(side, (1 if k % 2 == 0 else -1) * step * ((k + 1) // 2)) for k in range(2 * tries)
               for side in (1, -1)]
    for text in sorted(labels, key=lambda t: t.xy[1]):
        dx, dy = text.xyann
        for side, shift in offsets:
            text.set_horizontalalignment("left" if side > 0 else "right")
            text.xyann = (side * abs(dx), dy + shift)
            if _inside(b := box(text), frame) and not grid.overlaps(b):
                break
        else:
            text.set_horizontalalignment("left")
            text.xyann = (abs(dx), dy)
        grid.add(box(text))
    return grid


def place_or_drop(ax: Axes, labels: list, *, limit: int = MAX_MAP_LABELS) -> tuple[list, LabelGrid]:
    """Keep the labels, in the order given (most important first), whose box overlaps none kept; remove the others.

    At most `limit` are kept; once the limit is reached the rest are removed
    without being measured.  Returns the kept labels and the grid.
    """
    grid, kept = LabelGrid(), []
    if not labels:
        return kept, grid
    box = _measure(ax)
    frame = ax.get_window_extent()
    for text in labels:
        if len(kept) < limit:
            b = box(text)
            if _inside(b, frame) and not grid.overlaps(b):
                grid.add(b)
                kept.append(text)
                continue
        text.remove()
    return kept, grid

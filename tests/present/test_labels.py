"""Tests of pianozona.present.labels: the few units named, and placement without overlap in linear time."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.transforms import Bbox

from pianozona.present import labels


def test_farthest_picks_the_largest_distances_in_order():
    scores = np.array([0.1, -5.0, 3.0, 9.0, -2.5, 4.0])
    assert labels.farthest(scores, np.arange(6), 3).tolist() == [3, 1, 5]
    assert labels.farthest(scores, np.array([0, 2, 4]), 10).tolist() == [2, 4, 0]
    assert labels.farthest(scores, np.array([], dtype=int), 3).tolist() == []


def _spread_boxes(n: int, rng) -> list[Bbox]:
    """n label-sized boxes at the same density whatever n (the area grows with n)."""
    side = 60.0 * np.sqrt(n)
    xs, ys = rng.uniform(0, side, n), rng.uniform(0, side, n)
    return [Bbox.from_extents(x, y, x + 40, y + 10) for x, y in zip(xs, ys)]


def test_grid_checks_grow_linearly_with_the_boxes():
    rng = np.random.default_rng(1)
    checks = {}
    for n in (300, 3000):
        grid = labels.LabelGrid()
        for box in _spread_boxes(n, rng):
            if not grid.overlaps(box):
                grid.add(box)
        checks[n] = grid.checks
    # linear: ~10 times the comparisons for 10 times the boxes; pairwise over all placed would be ~100 times
    assert 3 < checks[3000] / checks[300] < 20


def test_grid_finds_every_overlap_a_pairwise_check_finds():
    rng = np.random.default_rng(2)
    boxes = _spread_boxes(400, rng)
    grid, placed = labels.LabelGrid(cell=25), []
    for box in boxes:
        pairwise = any(box.overlaps(other) for other in placed)
        assert grid.overlaps(box) == pairwise
        if not pairwise:
            grid.add(box)
            placed.append(box)


def test_place_or_drop_keeps_no_overlap_and_the_cap():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 10), ax.set_ylim(0, 10)
    texts = [ax.annotate(f"Comune numero {i}", (5 + (i % 7) * 0.3, 5 + (i % 5) * 0.2), ha="center") for i in range(80)]
    kept, _ = labels.place_or_drop(ax, texts, limit=10)
    assert 1 <= len(kept) <= 10 and kept[0] is texts[0]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in kept]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert len([t for t in ax.texts]) == len(kept)  # the others are removed from the chart
    plt.close(fig)


def test_place_near_points_separates_stacked_labels():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlim(0, 10), ax.set_ylim(0, 10)
    texts = [ax.annotate(f"Nome {i}", (5, 5), xytext=(5, 3), textcoords="offset points") for i in range(4)]
    labels.place_near_points(ax, texts)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close(fig)

import numpy as np
import pytest

from training.masks import make_masks


@pytest.mark.parametrize("kind", ["box", "stroke"])
def test_masks_are_seeded_nonempty_and_partial(kind):
    a = make_masks(kind, 50, 28, 28, seed=3)
    b = make_masks(kind, 50, 28, 28, seed=3)
    c = make_masks(kind, 50, 28, 28, seed=4)
    assert a.shape == (50, 28, 28) and a.dtype == bool
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    frac = a.mean(axis=(1, 2))
    assert (frac > 0).all() and (frac < 1).all()
    # Different images get different masks.
    assert len({m.tobytes() for m in a}) > 40


def test_box_sides_follow_the_fractions():
    for m in make_masks("box", 30, 32, 32, seed=0):
        rows, cols = np.nonzero(m)
        h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert 8 <= h <= 16 and 8 <= w <= 16
        assert m.sum() == h * w


def test_unknown_kind():
    with pytest.raises(ValueError):
        make_masks("circle", 1, 8, 8, seed=0)

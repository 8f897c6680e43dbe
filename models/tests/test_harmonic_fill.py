import numpy as np
import pytest

from training.harmonic_fill import harmonic_fill


def test_linear_ramp_is_reproduced_inside_a_hole():
    # A linear function is harmonic, so the fill must recover it exactly.
    rows, cols = np.mgrid[0:20, 0:24].astype(np.float64)
    image = np.stack([0.1 * rows - 0.05 * cols, 0.3 * cols])
    mask = np.zeros((20, 24), dtype=bool)
    mask[5:14, 6:17] = True
    filled = harmonic_fill(np.where(mask, 9.0, image), mask)
    assert np.abs(filled - image).max() < 1e-6


def test_known_pixels_are_kept_and_fill_obeys_mean_value_property():
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (1, 16, 16)).astype(np.float32)
    mask = np.zeros((16, 16), dtype=bool)
    mask[4:12, 3:9] = True
    filled = harmonic_fill(image, mask)
    assert filled.dtype == np.float32
    assert np.array_equal(filled[:, ~mask], image[:, ~mask])
    f = filled[0].astype(np.float64)
    inner = (f[:-2, 1:-1] + f[2:, 1:-1] + f[1:-1, :-2] + f[1:-1, 2:]) / 4
    assert np.abs(inner - f[1:-1, 1:-1])[mask[1:-1, 1:-1]].max() < 1e-5
    # Maximum principle: the fill stays within the known values' range.
    assert f[mask].max() <= image.max() and f[mask].min() >= image.min()


def test_hole_touching_the_border_has_no_flux_there():
    # Known first and last columns (0 and 7), hole spanning top to bottom: with no flux
    # through the top and bottom borders the fill is the same ramp on every row.
    image = np.zeros((1, 8, 8))
    image[0, :, 7] = 7.0
    mask = np.zeros((8, 8), dtype=bool)
    mask[:, 1:7] = True
    filled = harmonic_fill(image, mask)
    assert np.abs(filled[0] - np.arange(8)[None, :]).max() < 1e-6


def test_empty_and_full_masks():
    image = np.ones((1, 4, 4))
    assert np.array_equal(harmonic_fill(image, np.zeros((4, 4), dtype=bool)), image)
    with pytest.raises(ValueError):
        harmonic_fill(image, np.ones((4, 4), dtype=bool))

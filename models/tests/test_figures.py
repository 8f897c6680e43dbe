import numpy as np
import pytest
from PIL import Image

from training.figures import GAP, main, rows_figure, to_u8


def test_to_u8_maps_the_model_range_and_clips():
    assert to_u8(np.array([-1.0, 0.0, 1.0, 3.0, -7.0, np.nan])).tolist() == [0, 128, 255, 255, 0, 0]


def test_rows_figure_places_each_file_on_its_own_row():
    a = np.full((3, 3, 4, 5), -1.0, np.float32)
    b = np.full((2, 3, 4, 5), 1.0, np.float32)
    fig = rows_figure([a, b])
    assert fig.shape == (2 * 4 + GAP, 3 * 5 + 2 * GAP, 3)
    assert (fig[:4] == 0).all()                         # row 0: black images
    assert (fig[4 + GAP:, :5] == 255).all()             # row 1, first image: white
    assert (fig[4 + GAP:, 2 * (5 + GAP):] == 0).all()   # row 1 has no third image


def test_rows_figure_scales_and_refuses_mixed_shapes():
    x = np.zeros((1, 1, 2, 2), np.float32)
    assert rows_figure([x], scale=3).shape == (6, 6, 1)
    with pytest.raises(ValueError, match="every row"):
        rows_figure([x, np.zeros((1, 3, 2, 2), np.float32)])


def test_cli_writes_a_png(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((2, 3, 4, 4), np.float32))
    assert main(["rows", str(tmp_path / "a.npy"), "--out", str(tmp_path / "f.png"), "--scale", "2"]) == 0
    assert Image.open(tmp_path / "f.png").size == ((2 * 4 + GAP) * 2, 4 * 2)

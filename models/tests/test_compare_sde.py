"""The VE-vs-VP choice from two measured model folders."""
import json

import pytest

from training import compare_sde


def manifest(sde: str, fd: float, box: float, stroke: float, color: float, bpd: float, steps: int = 10_000,
             ode_fd: float = 4.0, encode_decode: float = 0.01, harmonic_box: float = 15.0) -> dict:
    return {
        "sde": {"type": sde}, "image": {"width": 32, "height": 32, "channels": 3},
        "training": {"steps": steps, "parameters": 1000},
        "metrics": {"fd": {"fd_test": fd, "samples": 300, "sampler": "pc, 100 steps"},
                    "inpaint": {"box": {"model_psnr": box, "harmonic_psnr_same_images": harmonic_box},
                                "stroke": {"model_psnr": stroke, "harmonic_psnr_same_images": 16.0}},
                    "colorize": {"model_psnr": color, "gray_psnr_same_images": 21.0}, "bits_per_dim": {"bpd": bpd},
                    "samplers": {"dpm++3m": {"fd_test": ode_fd, "samples": 100}},
                    "encode_decode": {"mean_abs_error": encode_decode}},
    }


def test_each_figure_votes_for_the_better_sde():
    vp = manifest("vp", fd=1.1, box=17.4, stroke=16.8, color=22.0, bpd=3.85)
    ve = manifest("ve", fd=0.9, box=17.0, stroke=16.5, color=21.5, bpd=4.40, ode_fd=9.4, encode_decode=0.001)
    result = compare_sde.compare(vp, ve)
    assert result["votes"] == {"vp": 5, "ve": 2}   # VE has the lower FD and encode-decode error
    assert result["chosen"] == "vp"
    assert result["ve"]["fd_test"] == 0.9 and result["vp"]["bits_per_dim"] == 3.85
    # Against the baselines (box 15.0, strokes 16.0, gray 21.0) this VP loses strokes and ties gray.
    weak = compare_sde.compare(manifest("vp", 1.1, 17.4, 15.9, 21.0, 3.85), ve)
    assert weak["below_baseline"] == {"vp": ["inpaint_stroke_psnr", "colorize_psnr"], "ve": []}
    assert result["below_baseline"] == {"vp": [], "ve": []}
    assert compare_sde.compare(ve, vp)["chosen"] == "vp"


def test_models_trained_or_measured_differently_are_not_compared():
    vp = manifest("vp", 1.1, 17.4, 16.8, 22.0, 3.85)
    with pytest.raises(ValueError, match="training.steps differs"):
        compare_sde.compare(vp, manifest("ve", 0.9, 17.0, 16.5, 21.5, 4.4, steps=20_000))
    # The same baseline scores on other images: the task images changed between the two.
    with pytest.raises(ValueError, match="inpaint.box.harmonic_psnr_same_images differs"):
        compare_sde.compare(vp, manifest("ve", 0.9, 17.0, 16.5, 21.5, 4.4, harmonic_box=14.0))
    with pytest.raises(ValueError, match="both models use the vp SDE"):
        compare_sde.compare(vp, vp)
    partial = manifest("ve", 0.9, 17.0, 16.5, 21.5, 4.4)
    del partial["metrics"]["colorize"]["model_psnr"]
    with pytest.raises(ValueError, match="metrics.colorize.model_psnr is missing"):
        compare_sde.compare(vp, partial)


def test_the_choice_is_filed_in_the_shipped_folder(tmp_path, capsys):
    figures = {"vp": manifest("vp", 1.1, 17.0, 16.0, 22.0, 3.9), "ve": manifest("ve", 0.9, 17.0, 16.0, 21.0, 4.2)}
    for sde, m in figures.items():
        (tmp_path / sde).mkdir()
        (tmp_path / sde / "model.json").write_text(json.dumps(m))
    vp, ve = str(tmp_path / "vp"), str(tmp_path / "ve")
    assert compare_sde.main([vp, ve, "--write-into", vp]) == 0
    choice = json.loads((tmp_path / "vp" / "model.json").read_text())["metrics"]["sde_choice"]
    assert choice["votes"] == {"vp": 2, "ve": 1} and choice["chosen"] == "vp"
    assert "sde_choice" not in json.loads((tmp_path / "ve" / "model.json").read_text())["metrics"]


def test_a_tie_or_a_missing_folder_is_an_error(tmp_path, capsys):
    (tmp_path / "vp").mkdir()
    (tmp_path / "ve").mkdir()
    (tmp_path / "vp" / "model.json").write_text(json.dumps(manifest("vp", 1.1, 17.0, 16.0, 21.0, 3.9)))
    (tmp_path / "ve" / "model.json").write_text(json.dumps(manifest("ve", 0.9, 17.0, 16.0, 21.0, 4.2)))
    assert compare_sde.main([str(tmp_path / "vp"), str(tmp_path / "ve")]) == 2
    assert "a tie" in capsys.readouterr().err
    assert compare_sde.main([str(tmp_path / "vp"), str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err

import pytest
import torch

from training.configs import CONFIGS, get_config
from training.sde import VESDE, VPSDE
from training.unet import ScoreUNet, UNetConfig, count_parameters


def test_fashion_network_is_in_the_planned_size_range_and_keeps_the_image_shape():
    cfg = get_config("fashion28-vp")
    model = ScoreUNet(cfg.unet, cfg.make_sde()).eval()
    assert 500_000 <= count_parameters(model) <= 1_500_000
    out = model(torch.randn(3, 1, 28, 28), torch.tensor([1e-3, 0.5, 1.0]))
    assert out.shape == (3, 1, 28, 28) and torch.isfinite(out).all()


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_config_builds_a_network_of_its_image_shape(name):
    cfg = get_config(name)
    model = ScoreUNet(cfg.unet, cfg.make_sde()).eval()
    c, s = cfg.unet.channels, cfg.size
    with torch.no_grad():
        out = model(torch.randn(1, c, s, s), torch.tensor([0.3]))
    assert out.shape == (1, c, s, s)


def _perturb_last_conv(model):
    # The output conv starts at zero (the network starts as "predict nothing"); give it
    # weights so the output depends on the input.
    torch.nn.init.normal_(model.conv_out.weight, std=0.1)


def test_ve_output_is_scaled_by_one_over_sigma():
    cfg = UNetConfig(channels=1, resolution=8, base=8, mult=(1, 2), attn_resolutions=(4,), dropout=0.0)
    sde = VESDE(sigma_min=0.01, sigma_max=50.0)
    model = ScoreUNet(cfg, sde).eval()
    _perturb_last_conv(model)
    x = torch.randn(2, 1, 8, 8)
    t = torch.tensor([0.2, 0.9])
    raw = model.conv_out(torch.nn.functional.silu(model.norm_out(model_features(model, x, t))))
    assert torch.allclose(model(x, t), raw / sde.sigma(t)[:, None, None, None], rtol=1e-5, atol=1e-7)


def model_features(model, x, t):
    """The last feature map before the output layer, via a forward hook."""
    captured = {}
    handle = model.norm_out.register_forward_hook(lambda _m, inp, _out: captured.update(h=inp[0]))
    model(x, t)
    handle.remove()
    return captured["h"]


def test_time_conditioning_changes_the_output():
    cfg = UNetConfig(channels=1, resolution=8, base=8, mult=(1, 2), attn_resolutions=(4,), dropout=0.0)
    model = ScoreUNet(cfg, VPSDE()).eval()
    for p in model.parameters():
        if p.dim() > 1:
            torch.nn.init.normal_(p, std=0.1)
    x = torch.randn(1, 1, 8, 8)
    assert not torch.allclose(model(x, torch.tensor([0.1])), model(x, torch.tensor([0.9])))


def test_odd_resolution_cannot_be_downsampled():
    with pytest.raises(ValueError):
        ScoreUNet(UNetConfig(resolution=7, mult=(1, 2)), VPSDE())

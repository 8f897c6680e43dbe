"""The hand-written input gradient of the classifiers must equal autograd's."""
import pytest
import torch

from training.classifier_net import ClassifierConfig, ClassifierNet, ClassifierWithGrad


def _net(time_embed_dim: int, in_channels: int = 1) -> ClassifierNet:
    torch.manual_seed(0)
    cfg = ClassifierConfig(in_channels=in_channels, channels=(8, 16, 16), groups=4, time_embed_dim=time_embed_dim)
    net = ClassifierNet(cfg).double()
    # Fresh GroupNorm affine parameters are 1 and 0; move them so their terms are exercised.
    with torch.no_grad():
        for name, p in net.named_parameters():
            if "norm" in name:
                p.add_(0.3 * torch.randn_like(p))
    return net


def _autograd(net, x, t, y):
    x = x.clone().requires_grad_(True)
    logp = torch.log_softmax(net(x, t), dim=1)[torch.arange(len(y)), y].sum()
    (grad,) = torch.autograd.grad(logp, x)
    return grad


@pytest.mark.parametrize("time_embed_dim,in_channels,size", [(32, 1, 28), (0, 1, 28), (32, 3, 32)])
def test_manual_input_gradient_matches_autograd(time_embed_dim, in_channels, size):
    net = _net(time_embed_dim, in_channels)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(4, in_channels, size, size, generator=gen, dtype=torch.float64)
    t = torch.rand(4, generator=gen, dtype=torch.float64) if time_embed_dim else None
    y = torch.tensor([0, 3, 9, 3])
    logits, grad = net.logits_and_input_grad(x, t, y)
    expected = _autograd(net, x, t, y)
    assert torch.allclose(logits, net(x, t))
    assert ((grad - expected).norm() / expected.norm()).item() < 1e-4
    # Per image too: one image's gradient must not leak into another's.
    for i in range(len(y)):
        assert ((grad[i] - expected[i]).norm() / expected[i].norm()).item() < 1e-4


def test_gradient_depends_on_the_label():
    net = _net(32)
    x = torch.randn(2, 1, 28, 28, dtype=torch.float64)
    t = torch.full((2,), 0.3, dtype=torch.float64)
    _, g0 = net.logits_and_input_grad(x, t, torch.tensor([0, 0]))
    _, g1 = net.logits_and_input_grad(x, t, torch.tensor([1, 1]))
    assert (g0 - g1).abs().max() > 1e-6


def test_export_wrapper_needs_time_conditioning():
    with pytest.raises(ValueError):
        ClassifierWithGrad(_net(0))
    with pytest.raises(ValueError):
        _net(32)(torch.zeros(1, 1, 28, 28, dtype=torch.float64))

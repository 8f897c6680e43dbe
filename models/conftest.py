"""Lets tests `import training.x` however pytest is started (repo root or models/)."""
import sys
from pathlib import Path

MODELS_DIR = str(Path(__file__).resolve().parent)
if MODELS_DIR not in sys.path:
    sys.path.insert(0, MODELS_DIR)

import pytest  # noqa: E402


@pytest.fixture
def tiny_config():
    """A config small enough to train a few steps in a test: tiny U-Net, no dropout."""
    from training.configs import get_config
    from training.unet import UNetConfig

    def make(name: str = "fashion28-vp", **overrides):
        base = get_config(name)
        unet = UNetConfig(channels=base.unet.channels, resolution=base.size, base=8, mult=(1, 2, 2),
                          res_blocks=1, attn_resolutions=(base.size // 4,), dropout=0.0)
        defaults = dict(unet=unet, batch=4, warmup=2, ckpt_every=5, log_every=2, sample_every=0,
                        sample_count=4, sample_steps=5)
        return get_config(name, **{**defaults, **overrides})

    return make

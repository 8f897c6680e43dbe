import json

import numpy as np
import pytest
import torch
from PIL import Image

from training.configs import CONFIGS
from training.train import Trainer


def _images(cfg, n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, cfg.size, cfg.size, cfg.unet.channels), dtype=np.uint8)


def _flat(state_dict):
    return torch.cat([v.flatten().float() for v in state_dict.values()])


def test_resume_restores_step_optimizer_and_ema_and_continues_identically(tiny_config, tmp_path):
    cfg = tiny_config()
    images = _images(cfg)

    straight = Trainer(cfg, tmp_path / "straight", images)
    straight.run(10, log=lambda _: None)

    first = Trainer(cfg, tmp_path / "resumed", images)
    first.run(6, log=lambda _: None)
    second = Trainer(cfg, tmp_path / "resumed", images)
    assert second.load_if_present()
    assert second.step == 6
    assert torch.equal(_flat(second.ema.model.state_dict()), _flat(first.ema.model.state_dict()))
    assert torch.equal(_flat(second.model.state_dict()), _flat(first.model.state_dict()))
    exp_avg = lambda t: torch.cat([s["exp_avg"].flatten() for s in t.optimizer.state_dict()["state"].values()])  # noqa: E731
    assert torch.equal(exp_avg(second), exp_avg(first))
    assert second.seconds == pytest.approx(first.seconds)
    assert second.ema.updates == 6

    second.run(10, log=lambda _: None)
    assert torch.allclose(_flat(second.model.state_dict()), _flat(straight.model.state_dict()), atol=1e-6)
    assert torch.allclose(_flat(second.ema.model.state_dict()), _flat(straight.ema.model.state_dict()), atol=1e-6)
    # The EMA lags the raw weights: it was updated, but is not a copy.
    assert not torch.equal(_flat(second.ema.model.state_dict()), _flat(second.model.state_dict()))


def test_stop_request_saves_a_checkpoint_and_log(tiny_config, tmp_path):
    cfg = tiny_config(ckpt_every=1000)
    trainer = Trainer(cfg, tmp_path, _images(cfg))
    trainer.run(100, log=lambda _: trainer.request_stop())  # stop at the first log line
    assert trainer.step == cfg.log_every
    assert torch.load(tmp_path / "ckpt.pt")["step"] == cfg.log_every
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert records[0]["step"] == cfg.log_every and np.isfinite(records[0]["loss"])
    assert not list(tmp_path.glob("*.tmp"))


def test_checkpoint_of_another_config_is_refused(tiny_config, tmp_path):
    cfg = tiny_config()
    Trainer(cfg, tmp_path, _images(cfg)).run(1, log=lambda _: None)
    with pytest.raises(ValueError):
        Trainer(tiny_config("celeba32"), tmp_path).load_if_present()


def test_sample_grid_writes_a_png(tiny_config, tmp_path):
    cfg = tiny_config(sample_count=6)
    path = Trainer(cfg, tmp_path, _images(cfg)).sample_grid()
    image = Image.open(path)
    assert image.size == (3 * 3 * 30, 2 * 3 * 30)  # 3x2 grid of 28+2 px tiles, upscaled 3x
    assert (tmp_path / "samples" / "latest.png").exists()


def test_flips_only_where_configured(tiny_config, tmp_path):
    cfg = tiny_config(hflip=True, batch=64)
    images = np.zeros((1, cfg.size, cfg.size, 1), dtype=np.uint8)
    images[0, :, 0] = 255  # a bright left column
    flipped = Trainer(cfg, tmp_path, images).batch(0)
    assert 0 < int((flipped[:, 0, 0, -1] > 0).sum()) < 64
    plain = Trainer(tiny_config(hflip=False, batch=8), tmp_path, images).batch(0)
    assert torch.all(plain[:, 0, :, 0] == 1.0)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_config_runs_one_training_step(name, tmp_path):
    from training.configs import get_config

    cfg = get_config(name, batch=2)
    trainer = Trainer(cfg, tmp_path, _images(cfg, n=4))
    loss, grad_norm = trainer.train_step(trainer.batch(0))
    assert np.isfinite(loss) and np.isfinite(grad_norm) and trainer.step == 1


def test_ema_warms_up_then_settles_at_the_configured_decay():
    from training.ema import EMA

    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    ema = EMA(model, decay=0.999)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema.update(model)
    # First update: decay (1 + 1) / (10 + 1), so the average moves most of the way at once.
    assert ema.model.weight.item() == pytest.approx(1 - 2 / 11)
    ema.updates = 100_000
    assert ema.current_decay() == 0.999


def test_trainer_puts_model_batches_and_previews_on_its_device(tiny_config, tmp_path):
    from training.train import Trainer
    trainer = Trainer(tiny_config(), tmp_path, device="cpu")
    x0 = trainer.batch(0)
    assert x0.device == trainer.device == next(trainer.model.parameters()).device
    loss, _ = trainer.train_step(x0)
    assert loss > 0
    assert trainer.sample_grid(count=2, steps=3).exists()

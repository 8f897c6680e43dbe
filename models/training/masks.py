"""Seeded inpainting masks (True = pixel to fill, like the white of a mask image)."""
from __future__ import annotations

import numpy as np


def box_mask(height: int, width: int, rng: np.random.Generator,
             min_frac: float = 0.25, max_frac: float = 0.5) -> np.ndarray:
    """One axis-aligned box whose sides are min_frac..max_frac of the image's."""
    bh = int(rng.integers(max(1, round(min_frac * height)), max(1, round(max_frac * height)) + 1))
    bw = int(rng.integers(max(1, round(min_frac * width)), max(1, round(max_frac * width)) + 1))
    top = int(rng.integers(0, height - bh + 1))
    left = int(rng.integers(0, width - bw + 1))
    mask = np.zeros((height, width), dtype=bool)
    mask[top:top + bh, left:left + bw] = True
    return mask


def stroke_mask(height: int, width: int, rng: np.random.Generator, strokes: tuple[int, int] = (1, 3),
                vertices: tuple[int, int] = (2, 5), radius_frac: tuple[float, float] = (0.04, 0.09)) -> np.ndarray:
    """Brush strokes: random polylines drawn with a round brush, like a user's painted mask."""
    rows, cols = np.mgrid[0:height, 0:width] + 0.5
    mask = np.zeros((height, width), dtype=bool)
    size = min(height, width)
    for _ in range(int(rng.integers(strokes[0], strokes[1] + 1))):
        radius = rng.uniform(*radius_frac) * size
        point = rng.uniform([0, 0], [height, width])
        for _ in range(int(rng.integers(vertices[0], vertices[1] + 1))):
            angle = rng.uniform(0, 2 * np.pi)
            length = rng.uniform(0.15, 0.4) * size
            nxt = np.clip(point + length * np.array([np.sin(angle), np.cos(angle)]), 0, [height, width])
            mask |= _distance_to_segment(rows, cols, point, nxt) <= radius
            point = nxt
    return mask


def _distance_to_segment(rows: np.ndarray, cols: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    length2 = float(ab @ ab)
    s = 0.0 if length2 == 0 else np.clip(((rows - a[0]) * ab[0] + (cols - a[1]) * ab[1]) / length2, 0, 1)
    return np.hypot(rows - (a[0] + s * ab[0]), cols - (a[1] + s * ab[1]))


MASK_KINDS = {"box": box_mask, "stroke": stroke_mask}


def make_masks(kind: str, count: int, height: int, width: int, seed: int) -> np.ndarray:
    """[count, H, W] bool; the same arguments always give the same masks, none empty."""
    if kind not in MASK_KINDS:
        raise ValueError(f"unknown mask kind {kind!r}; expected one of {sorted(MASK_KINDS)}")
    rng = np.random.default_rng(seed)
    out = np.zeros((count, height, width), dtype=bool)
    for i in range(count):
        while not out[i].any():
            out[i] = MASK_KINDS[kind](height, width, rng)
    return out

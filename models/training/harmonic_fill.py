"""Harmonic (Laplace) fill of masked pixels: the inpainting baseline.

Inside the mask each channel solves the discrete Laplace equation with the known pixels as
Dirichlet boundary and no flux across the image border. The system is symmetric positive
definite whenever some pixel is known, so conjugate gradients solve it (no scipy here).
"""
from __future__ import annotations

import numpy as np


def _neighbor_sum(u: np.ndarray) -> np.ndarray:
    p = np.pad(u, ((0, 0), (1, 1), (1, 1)))
    return p[:, :-2, 1:-1] + p[:, 2:, 1:-1] + p[:, 1:-1, :-2] + p[:, 1:-1, 2:]


def harmonic_fill(image: np.ndarray, mask: np.ndarray, tol: float = 1e-8, max_iter: int | None = None) -> np.ndarray:
    """image [C,H,W] float, mask [H,W] bool (True = unknown) -> image with the mask filled."""
    x = np.asarray(image, dtype=np.float64)
    m = np.asarray(mask, dtype=bool)
    if x.ndim != 3 or m.shape != x.shape[1:]:
        raise ValueError(f"expected image [C,H,W] and mask [H,W], got {x.shape} and {m.shape}")
    if not m.any():
        return x.astype(image.dtype, copy=True)
    if m.all():
        raise ValueError("the mask covers the whole image: nothing to fill from")
    unknown = m[None].astype(np.float64)
    degree = _neighbor_sum(np.ones((1, *m.shape)))
    known = x * (1 - unknown)

    def apply(u: np.ndarray) -> np.ndarray:
        return unknown * (degree * u - _neighbor_sum(u * unknown))

    b = unknown * _neighbor_sum(known)
    # Start from the mean of the known pixels: a good guess for small holes.
    u = unknown * (known.sum(axis=(1, 2), keepdims=True) / (1 - unknown).sum())
    r = b - apply(u)
    d = r.copy()
    rr = (r * r).sum(axis=(1, 2), keepdims=True)
    stop = tol ** 2 * np.maximum((b * b).sum(axis=(1, 2), keepdims=True), 1e-30)
    for _ in range(max_iter or 10 * int(m.sum()) + 10):
        if (rr <= stop).all():
            break
        ad = apply(d)
        alpha = rr / np.maximum((d * ad).sum(axis=(1, 2), keepdims=True), 1e-300)
        u = u + alpha * d
        r = r - alpha * ad
        rr_new = (r * r).sum(axis=(1, 2), keepdims=True)
        d = r + (rr_new / np.maximum(rr, 1e-300)) * d
        rr = rr_new
    return (known + unknown * u).astype(image.dtype)

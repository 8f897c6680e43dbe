"""Figures for a model folder, assembled from sample files the Node CLI writes.

    cd models && /usr/bin/python3 -m training.figures rows --out classes.png --scale 2 a.npy b.npy ...

`rows` puts each .npy (float32 [N,C,H,W] in [-1, 1]) on its own row, so a class-conditional
figure reads one class per row; `make-figures.sh` calls it.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np
from PIL import Image

GAP = 2


def to_u8(x: np.ndarray) -> np.ndarray:
    """[-1, 1] floats to 8-bit, clipped; NaN becomes black rather than poisoning the figure."""
    x = np.nan_to_num(np.asarray(x, np.float64), nan=-1.0)
    return np.round((np.clip(x, -1, 1) + 1) * 127.5).astype(np.uint8)


def rows_figure(rows: list[np.ndarray], scale: int = 1) -> np.ndarray:
    """Images [H', W', C] with row r holding the images of rows[r] left to right, black gaps."""
    if not rows:
        raise ValueError("no rows")
    _, c, h, w = rows[0].shape
    for r in rows:
        if r.ndim != 4 or r.shape[1:] != (c, h, w):
            raise ValueError(f"every row needs images [N,{c},{h},{w}], got {r.shape}")
    columns = max(len(r) for r in rows)
    out = np.zeros((len(rows) * (h + GAP) - GAP, columns * (w + GAP) - GAP, c), np.uint8)
    for i, r in enumerate(rows):
        for j, image in enumerate(to_u8(r)):
            top, left = i * (h + GAP), j * (w + GAP)
            out[top:top + h, left:left + w] = image.transpose(1, 2, 0)
    return out.repeat(scale, axis=0).repeat(scale, axis=1)


def save_png(pixels: np.ndarray, path: str) -> None:
    Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels).save(path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    rows = sub.add_parser("rows", help="one row per .npy file")
    rows.add_argument("inputs", nargs="+")
    rows.add_argument("--out", required=True)
    rows.add_argument("--scale", type=int, default=1)
    args = p.parse_args(argv)
    try:
        save_png(rows_figure([np.load(f) for f in args.inputs], args.scale), args.out)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

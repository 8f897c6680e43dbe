"""Writes the NumPy files npy.test.ts checks the reader and writer against.

Run from anywhere with `/usr/bin/python3 main/engine/io/__fixtures__/make_fixtures.py`; the files are
committed so the TypeScript tests need no Python.
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent

# Values exact in float32, so the TypeScript side can write them down as literals.
np.save(OUT / "f4-2x1x2x3.npy", (np.arange(12, dtype=np.float32) - 5.5).reshape(2, 1, 2, 3) / 4)
np.save(OUT / "f4-vector.npy", np.array([1.5, -2.0, 0.25], dtype=np.float32))
np.save(OUT / "f8-2x2.npy", np.array([[0.1, 0.2], [0.3, 1e300]], dtype=np.float64))
np.save(OUT / "u1-3x2.npy", np.array([[0, 1], [127, 128], [254, 255]], dtype=np.uint8))

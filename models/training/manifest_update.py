"""Read-modify-write of a model folder's `model.json`.

Several tools (score export, classifier export, evaluation) each own some keys of the same
manifest; each one changes only its keys and keeps everything else.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable


def update_model_json(model_dir: str | Path, change: Callable[[dict], None],
                      create: Callable[[], dict] | None = None) -> bool:
    """Apply `change` to the manifest in place and write it back atomically.

    Without a manifest, `create()` gives the starting one (an error without `create`).
    Returns True when the file was created.
    """
    path = Path(model_dir) / "model.json"
    created = not path.exists()
    if created:
        if create is None:
            raise FileNotFoundError(f"{path} does not exist")
        manifest = create()
    else:
        manifest = json.loads(path.read_text())
    change(manifest)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"model.json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n")
    os.replace(tmp, path)
    return created

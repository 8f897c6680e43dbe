#!/usr/bin/env bash
# Python side of `npm test`: the training pipeline and the reference tools, with Debian's Python
# (PyTorch 1.13 comes from python3-torch, not from a virtualenv).
set -euo pipefail
cd "$(dirname "$0")"
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider tests "$@"

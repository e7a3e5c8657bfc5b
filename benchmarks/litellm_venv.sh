#!/usr/bin/env bash
# Builds the separate venv the scaling benchmark runs LiteLLM's Router in (benchmarks/scaling_litellm.py).
# Its own venv because installing litellm into the project's venv would downgrade python-dateutil there.
# Re-runnable: an existing venv is reused and the pinned version (re)installed.
#
#   bash benchmarks/litellm_venv.sh              # -> .cache/litellm-venv, then: python -m benchmarks.scaling
#   LITELLM_VENV=/tmp/ll bash benchmarks/litellm_venv.sh
set -euo pipefail

# 1.110.2: the newest release when this was written that the benchmark was run with; the 1.107.0 release was
# reported compromised and is not to be used.
LITELLM_VERSION="${LITELLM_VERSION:-1.110.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LITELLM_VENV:-$ROOT/.cache/litellm-venv}"
PYTHON="${PYTHON:-python3}"

started=$(date +%s)
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "litellm==$LITELLM_VERSION"
"$VENV/bin/python" -c "import importlib.metadata as m; print('litellm', m.version('litellm'))"
echo "venv: $VENV ($(( $(date +%s) - started )) s)"

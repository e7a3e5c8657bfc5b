"""Build the wheel and sdist, check them with twine, and try the wheel as a user would.

    python scripts/check_package.py [--dist DIR]

Steps (each one fails the run): `python -m build` with no build warning; `twine check --strict`; a clean venv
with only the wheel and its core dependencies installed; every public module imported there; and the three
modules with an optional framework (`.langchain`, `.llama_index`, and the `cb-ollama` command) each tell the
user which extra to install when the framework is missing. Needs the `build` and `twine` packages (`[dev]`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PUBLIC_MODULES = [
    "cb_ollama_integrations", "cb_ollama_integrations.errors", "cb_ollama_integrations.config",
    "cb_ollama_integrations.types", "cb_ollama_integrations.catalog", "cb_ollama_integrations.model_info",
    "cb_ollama_integrations.tool_choice", "cb_ollama_integrations.registry", "cb_ollama_integrations.client",
    "cb_ollama_integrations.testing", "cb_ollama_integrations.cli",
]

# Run inside the clean venv, where no extra is installed: each must fail with the extra's install line.
MISSING_EXTRA_CHECK = """
import importlib, sys
for module, extra in [("cb_ollama_integrations.langchain", "langchain"),
                      ("cb_ollama_integrations.llama_index", "llama-index")]:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        assert f"pip install 'cb-ollama-integrations[{extra}]'" in str(exc), (module, str(exc))
    else:
        sys.exit(f"{module} imported without its framework")
# The command's package imports without rich, so that `cb-ollama` can say what to install instead of a traceback.
import contextlib, io
from cb_ollama_integrations.cli import main
said = io.StringIO()
with contextlib.redirect_stderr(said):
    code = main(["doctor"])
assert code == 2 and "pip install 'cb-ollama-integrations[cli]'" in said.getvalue(), (code, said.getvalue())
print("missing extras are named")
"""


def run(*command: str | Path, timeout: float = 600) -> str:
    """Run a command (bounded in time); print and fail on a non-zero exit; return its combined output."""
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout,
                            check=False, cwd=ROOT)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}\n{output}")
    return output


def build(dist: Path) -> tuple[Path, Path]:
    """Build both artifacts; a warning from the build backend (e.g. a deprecated license table) fails."""
    output = run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
    warnings = [line for line in output.splitlines() if "Warning" in line or "deprecated" in line.lower()]
    if warnings:
        sys.exit("the build printed warnings:\n" + "\n".join(warnings))
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        sys.exit(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
    run(sys.executable, "-m", "twine", "check", "--strict", wheels[0], sdists[0])
    return wheels[0], sdists[0]


def try_wheel(wheel: Path, scratch: Path) -> None:
    """Install the wheel alone into a new venv and import what a user imports."""
    env_dir = scratch / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel)
    imports = "; ".join(f"import {module}" for module in PUBLIC_MODULES)
    run(python, "-c", f"{imports}; import cb_ollama_integrations as c; [getattr(c, n) for n in c.__all__]")
    print(run(python, "-c", MISSING_EXTRA_CHECK).strip())
    licence = run(python, "-c", "from importlib.metadata import metadata; "
                  "m = metadata('cb-ollama-integrations'); print(m['License-Expression'], m.get_all('License-File'))")
    if not licence.startswith("MIT ['LICENSE']"):
        sys.exit(f"the installed metadata does not declare the MIT license file: {licence}")


def main() -> int:
    """Build, check and try the package; exit 0 only when every step passed."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--dist", type=Path, help="keep the built files here (default: a temporary folder)")
    args = options.parse_args()
    with tempfile.TemporaryDirectory(prefix="cb-ollama-package-") as scratch:
        dist = args.dist or Path(scratch) / "dist"
        wheel, sdist = build(dist)
        print(f"built and twine-checked {wheel.name} and {sdist.name}")
        try_wheel(wheel, Path(scratch))
        print("the wheel installs into a clean venv and every public module imports")
    return 0


if __name__ == "__main__":
    sys.exit(main())

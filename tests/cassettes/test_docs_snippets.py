"""Every Python block of the docs site (docs/**/*.md) and of README.md runs here, so the docs cannot rot.

Each block is preceded by a marker comment: `<!-- snippet: NAME -->` runs it, replaying the cassette
cassettes/test_docs_snippets/NAME.yaml (recorded from the real server by `make record`, like every other
cassette); `<!-- not-run: REASON -->` marks a fragment that cannot run here (it needs hosts or models that
do not exist in CI) and says why. A block with neither marker fails the suite.
"""

from __future__ import annotations

import gc
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cb_ollama_integrations.testing import vcr_config as project_vcr_config

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
MARKER = re.compile(r"<!-- (snippet|not-run): (.+?) -->\s*\n```python\n(.*?)\n```", re.DOTALL)
PYTHON_BLOCK = re.compile(r"^```python$", re.MULTILINE)


@dataclass(frozen=True)
class Snippet:
    """One marked Python block: where it is, how it is marked, and its code."""

    page: Path
    kind: str
    label: str
    code: str

    @property
    def where(self) -> str:
        return str(self.page.relative_to(ROOT))


def snippets() -> list[Snippet]:
    found = []
    for page in PAGES:
        for kind, label, code in MARKER.findall(page.read_text(encoding="utf-8")):
            found.append(Snippet(page, kind, label.strip(), code))
    return found


RUNNABLE = [s for s in snippets() if s.kind == "snippet"]


def test_every_python_block_is_marked() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        blocks, marked = len(PYTHON_BLOCK.findall(text)), len(MARKER.findall(text))
        assert blocks == marked, f"{page.relative_to(ROOT)}: {blocks - marked} Python block(s) without a marker"


def test_snippet_names_are_unique_and_most_blocks_run() -> None:
    names = [s.label for s in RUNNABLE]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    skipped = [s for s in snippets() if s.kind == "not-run"]
    assert len(RUNNABLE) > 3 * len(skipped), [f"{s.where}: {s.label}" for s in skipped]


# The reliability pages show a genuinely dead host: connections to it bypass the cassette and are refused.
DEAD_HOST = "127.0.0.9"


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """The project's cassette conventions, plus the dead host the pages use."""
    return {**project_vcr_config(), "ignore_hosts": [DEAD_HOST]}


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    """One cassette per snippet, named by its marker, so adding a block elsewhere moves no recording."""
    return str(request.node.callspec.params["snippet"].label)


@pytest.mark.vcr
@pytest.mark.parametrize("snippet", RUNNABLE, ids=[s.label for s in RUNNABLE])
def test_snippet_runs(snippet: Snippet, ollama_url: str, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    # The snippets find the server the way a user's program does: OLLAMA_BASE_URL (the recorder's real server
    # while recording, the replayed localhost:11434 otherwise).
    monkeypatch.setenv("OLLAMA_BASE_URL", ollama_url)
    namespace: dict[str, Any] = {"__name__": "__snippet__"}
    try:
        exec(compile(snippet.code, f"{snippet.where}:{snippet.label}", "exec"), namespace)
    finally:
        # A snippet's LangChain/LlamaIndex objects keep their connection pool until collected, as in a user's
        # script; collected here, so that (while recording, with real sockets) no other test sees the warning.
        namespace.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
    assert capsys.readouterr().out.strip(), "a snippet shows its result"

"""What an import loads: the package root nothing heavy, the adapters their framework and the core but not httpx.

Checked in fresh interpreters by the modules that end up in sys.modules, never by timing.
"""

from __future__ import annotations

import subprocess
import sys

import pytest


def _check(code: str) -> None:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_package_root_loads_neither_pydantic_nor_httpx_until_a_name_is_used() -> None:
    _check(
        "import sys, cb_ollama_integrations as c\n"
        "assert 'pydantic' not in sys.modules and 'httpx' not in sys.modules, sorted(sys.modules)\n"
        "assert set(c.__all__) <= set(dir(c))\n"
        "c.ChatMessage(role='user', content='hi')\n"
        "assert 'pydantic' in sys.modules and 'httpx' not in sys.modules\n"
        "c.OllamaClient\n"
        "assert 'httpx' in sys.modules\n"
    )


@pytest.mark.parametrize(
    ("module", "construct"),
    [
        ("cb_ollama_integrations.langchain", "m.ChatCBOllama(model='llama3.1')"),
        ("cb_ollama_integrations.llama_index", "m.CBOllama(model='llama3.1')"),
    ],
)
def test_an_adapter_imports_httpx_with_its_first_object_not_at_import(module: str, construct: str) -> None:
    _check(
        f"import sys, importlib\nm = importlib.import_module({module!r})\n"
        "assert 'httpx' not in sys.modules, 'httpx at import'\n"
        f"obj = {construct}\n"
        "assert 'httpx' in sys.modules and type(obj.core_client()).__name__ == 'OllamaClient'\n"
    )


def test_a_langchain_client_argument_must_still_be_a_core_client() -> None:
    _check(
        "from cb_ollama_integrations.langchain import ChatCBOllama\n"
        "from pydantic import ValidationError\n"
        "try:\n"
        "    ChatCBOllama(model='llama3.1', client=object())\n"
        "except ValidationError as exc:\n"
        "    assert 'instance of OllamaClient' in str(exc), exc\n"
        "else:\n"
        "    raise AssertionError('a non-client was accepted')\n"
        "from cb_ollama_integrations import OllamaClient, OllamaConfig\n"
        "core = OllamaClient(OllamaConfig(base_url='http://127.0.0.1:9'))\n"
        "assert ChatCBOllama(model='llama3.1', client=core).core_client() is core\n"
    )

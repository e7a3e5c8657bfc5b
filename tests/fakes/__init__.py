"""The test suite's FAKE Ollamas (never recordings; fakes are for fault injection and scale), in one package.

- `bodies`: Ollama-shaped answer bodies (echo answers for tests, sized ones for benchmarks; the benchmarks'
  fake server imports them too);
- `ollama.FakeOllama`: the one scripted fake behind httpx.MockTransport;
- `responders`: answers cut, split, failing or erroring anywhere, for FakeOllama scripts;
- `server.FakeOllamaServer`: the one loopback TCP fake (tests run it in a thread, benchmarks in a process);
- `runners`: drive the core client sync, async or streaming; recorded retry sleeps.
"""

from .bodies import MODEL, aggregate, answer_tokens, chat_body, chat_lines, chat_object, ndjson
from .ollama import FakeOllama
from .responders import FakeFrames, Responder, fake_answer, fake_raw, fake_status, half, inside_last_multibyte_char
from .runners import FAKE_HOSTS, MODES, Outcome, RecordedSleeps, chat_request, make_client, run, run_chat, stream
from .server import FakeOllamaServer, closed_port_url

__all__ = [
    "FAKE_HOSTS",
    "MODEL",
    "MODES",
    "FakeFrames",
    "FakeOllama",
    "FakeOllamaServer",
    "Outcome",
    "RecordedSleeps",
    "Responder",
    "aggregate",
    "answer_tokens",
    "chat_body",
    "chat_lines",
    "chat_object",
    "chat_request",
    "closed_port_url",
    "fake_answer",
    "fake_raw",
    "fake_status",
    "half",
    "inside_last_multibyte_char",
    "make_client",
    "ndjson",
    "run",
    "run_chat",
    "stream",
]

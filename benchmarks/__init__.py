"""Benchmarks (issue #8): cb_ollama_integrations against raw httpx, `ollama`, langchain-ollama, llama-index.

Run `python -m benchmarks.run` (see its --help). Everything talks to a FAKE Ollama server on loopback
(`benchmarks.fake_ollama`, which runs the test suite's one fake server, tests/fakes/server.py, in its own
process) unless `--real URL` is given. Nothing here is imported by the package; the tests run the harness in
a tiny mode (tests/examples/test_benchmarks_smoke.py).
"""

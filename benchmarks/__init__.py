"""Benchmarks (issue #8): cb_ollama_integrations against raw httpx, `ollama`, langchain-ollama, llama-index.

Run `python -m benchmarks.run` (see its --help). Everything talks to a FAKE Ollama server on loopback
(`benchmarks.fake_ollama`) unless `--real URL` is given. Nothing here is imported by the package or its tests,
except the smoke test that runs the harness in a tiny mode.
"""

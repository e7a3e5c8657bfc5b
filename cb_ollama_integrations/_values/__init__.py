"""The ground floor: the pydantic base of the package's models, keep_alive durations, OLLAMA_* variables.

Imports nothing else from the package, and neither httpx nor a framework.
"""

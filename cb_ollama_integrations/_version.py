"""The package version, defined once: pyproject.toml reads it, the User-Agent and `__version__` import it."""

__version__ = "0.1.0"

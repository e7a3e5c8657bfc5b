"""`python -m cb_ollama_integrations`: the same as the `cb-ollama` command."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())

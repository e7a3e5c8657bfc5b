"""How an OllamaClient pickles and copies: the config and the injected seams travel; pools, breakers and
routing state are rebuilt on the other side (a Ray or multiprocessing worker, a copied framework object).
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

from .config import OllamaConfig

__all__ = ["CopiedAsConfig"]


class CopiedAsConfig:
    """A base of OllamaClient: `pickle`, `copy.copy` and `copy.deepcopy` rebuild the client from its config."""

    config: OllamaConfig
    _seams: dict[str, Any]  # the constructor's injected seams (transport, sleep...), only those set

    # -- copies: the config and the seams travel; pools, breakers and routing state are rebuilt ----------
    def __reduce__(self) -> tuple[Any, ...]:
        if self._seams:
            try:
                pickle.dumps(self._seams)
            except Exception as exc:
                raise TypeError(
                    f"this OllamaClient cannot be pickled: its injected {', '.join(sorted(self._seams))} "
                    f"cannot ({exc}); pickle a client built without them (or with picklable ones)"
                ) from exc
        return _rebuild_client, (type(self), self.config, self._seams)

    def __copy__(self) -> Any:
        return _rebuild_client(type(self), self.config, self._seams)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        # the seams (a fake network, a recording sleep) are shared, not copied: the copy talks to the same fake
        return _rebuild_client(type(self), copy.deepcopy(self.config, memo), self._seams)



def _rebuild_client(cls: type[Any], config: OllamaConfig, seams: dict[str, Any]) -> Any:
    """The other side of a pickle or deep copy: a new client of `cls` (no pools yet, fresh breakers)."""
    return cls(config, **seams)

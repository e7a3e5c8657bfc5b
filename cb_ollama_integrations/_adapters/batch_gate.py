"""How many embedding batches an adapter keeps in flight, and a per-event-loop gate that holds the rest.

LlamaIndex's `aget_text_embedding_batch` gathers every batch at once unless `num_workers` > 1; left alone,
10,000 chunks would all wait in the client's per-host slots, each against the pool timeout. The gate holds
them before that, without a timeout (a batch behind others is progress, not a stall): at most as many as the
hosts can run (`hosts x max_concurrency_per_host`) go on to the client at once.
"""

from __future__ import annotations

import asyncio
import weakref

from ..config import OllamaConfig

__all__ = ["batch_gate", "batches_in_flight"]

# owner id -> loop id -> (the loop, its gate, the gate's size); an owner's entry goes with the owner
_GATES: dict[int, dict[int, tuple[weakref.ref[asyncio.AbstractEventLoop], asyncio.Semaphore, int]]] = {}


def batches_in_flight(config: OllamaConfig, workers: int | None) -> int:
    """`workers` when set, else every slot of every host: len(hosts) x max_concurrency_per_host."""
    return workers if workers else len(config.hosts) * config.concurrency_per_host()


def batch_gate(owner: object, size: int) -> asyncio.Semaphore:
    """The running loop's gate of `owner` (one per owner and event loop, rebuilt when `size` changes)."""
    loop = asyncio.get_running_loop()
    gates = _GATES.get(id(owner))
    if gates is None:
        gates = _GATES[id(owner)] = {}
        weakref.finalize(owner, _GATES.pop, id(owner), None)
    entry = gates.get(id(loop))
    if entry is None or entry[0]() is not loop or entry[2] != size:
        for key in [key for key, (ref, _, _) in gates.items() if ref() is None or ref().is_closed()]:  # type: ignore[union-attr]
            del gates[key]
        entry = gates[id(loop)] = (weakref.ref(loop), asyncio.Semaphore(size), size)
    return entry[1]

"""`RoutingStrategy`: the names of the host-choice policies (the policies themselves live in `_resilience`)."""

from __future__ import annotations

from enum import Enum

__all__ = ["RoutingStrategy"]


class RoutingStrategy(str, Enum):
    """How a client with several hosts picks one for each request.

    - FAILOVER_CHAIN: hosts in the order given; skip open circuits; on a host failure move to the next.
    - LOAD_BALANCED: the least busy healthy host (fewest requests in flight or waiting for it); ties go round
      robin.
    - COST_OPTIMIZED: local inference is free, so "cost" is the reload a cold model costs: prefer a host that
      already has the model loaded (from its last /api/ps answer), else fall back to the chain order.
    - PERFORMANCE_FIRST: the host expected to answer first: its observed latency (moving average) times the
      requests already in flight or waiting for it, so a slow host gets a share in proportion to its speed.
    """

    FAILOVER_CHAIN = "failover_chain"
    LOAD_BALANCED = "load_balanced"
    COST_OPTIMIZED = "cost_optimized"
    PERFORMANCE_FIRST = "performance_first"

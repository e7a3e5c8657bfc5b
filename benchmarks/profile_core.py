"""Profile the core OllamaClient on W1/W2/W3 against the FAKE server: where does its time go?

    python -m benchmarks.profile_core                 # cProfile, top functions by own time
    python -m benchmarks.profile_core --pyinstrument  # sampling profiler (needs the [bench] extra)

The fake runs in its own process, so the profile shows only the client.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
from collections.abc import Callable

from benchmarks.clients._plain import CoreClient
from benchmarks.run import start_fake, stop_fake
from benchmarks.workloads import Settings

__all__ = ["cprofile_report", "main", "profile_workload"]


def _workload(client: CoreClient, name: str, size: int) -> Callable[[], object]:
    if name == "W1":
        return lambda: [client.chat() for _ in range(size)]
    if name == "W2":
        return lambda: client.stream(size)
    texts = [f"short text number {i} about topic {i % 97}" for i in range(size)]
    return lambda: client.embed(texts)


def cprofile_report(run: Callable[[], object], top: int) -> str:
    """`run()` under cProfile: the `top` functions by own time, as text."""
    with cProfile.Profile() as profile:
        run()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()


def profile_workload(url: str, name: str, size: int, *, top: int = 25, sampling: bool = False) -> str:
    """Run one workload of `size` (calls, stream tokens or texts) under a profiler; return the report."""
    client = CoreClient(Settings(client="cb-core", workload=name, url=url))
    try:
        run = _workload(client, name, size)
        client.chat()  # warm-up: the first connection and lazy imports are not the steady state
        if sampling:
            from pyinstrument import Profiler  # noqa: PLC0415 - optional ([bench] extra)

            profiler = Profiler(interval=0.0002)
            profiler.start()
            run()
            profiler.stop()
            return str(profiler.output_text(unicode=True, color=False, show_all=False))
        return cprofile_report(run, top)
    finally:
        client.close()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default="W1,W2,W3")
    parser.add_argument("--pyinstrument", action="store_true", help="sampling profile instead of cProfile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    sizes = {"W1": 500, "W2": 40_000, "W3": 10_000}
    fake, urls = start_fake(600)
    try:
        for name in args.workloads.split(","):
            print(f"===== {name} ({sizes[name]}) =====")
            print(profile_workload(urls["url"], name, sizes[name], top=args.top, sampling=args.pyinstrument))
    finally:
        stop_fake(fake)


if __name__ == "__main__":
    main()

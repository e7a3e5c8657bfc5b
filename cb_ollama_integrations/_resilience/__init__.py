"""Pure resilience policy: circuit breakers, what to retry and how long to wait, which host to try next.

No I/O and no httpx: the engine (`_http`) asks these objects what to do and reports what happened.
"""

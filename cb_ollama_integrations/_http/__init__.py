"""The HTTP floor: the only package folder that imports httpx (with `client.py` above it).

`transport` owns the httpx clients, `errors` maps every httpx exception to the package's, `replies` checks and
decodes answers, and `engine` drives one `Call` through routing, retries and breakers, sync or async.
"""

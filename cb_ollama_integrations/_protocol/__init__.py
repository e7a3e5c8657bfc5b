"""Pure request building and response parsing: one builder per endpoint returning a `Call`, one parser per answer.

No I/O and no httpx: the sync and async paths of the client share every function here. Imports only the
public data modules (types, config, errors, catalog, model_info) and `_values`.
"""

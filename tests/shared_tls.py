"""One TLS context for every httpx client the tests make (a plugin of tests/conftest.py).

httpx makes a TLS context for every ``Client`` — every ``httpx.get()`` too — and that reads the
whole CA bundle: 10–20 ms of CPU each on the 2-core machine, even for a client that only ever
speaks plain HTTP to 127.0.0.1. The tests make thousands (each poll of
``graph_service.testing.wait_http`` is one), so they share one context, made on first use. Only
the default one (``verify=True``, no client certificate) is shared; any other is made as before.
The servers the tests start, and the venv of tests/test_wheel.py, are other processes: untouched.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx._transports.default as _transport

_make = _transport.create_ssl_context
_shared: dict[bool, ssl.SSLContext] = {}


def create_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
    """httpx's own, but the default context is made once per ``trust_env``."""
    if verify is not True or cert is not None:
        return _make(verify=verify, cert=cert, trust_env=trust_env)
    if trust_env not in _shared:
        _shared[trust_env] = _make(verify=True, cert=None, trust_env=trust_env)
    return _shared[trust_env]


_transport.create_ssl_context = create_ssl_context

"""``/health`` and ``/metrics`` (Prometheus), over ``app.state.service``.

``/health`` tells whether a query gets answered: it runs ``queries/health-probe.rq`` through the
executor (a query worker, for the embedded store) with a short deadline, and answers 200
``"status": "ok"`` when that worked and the backend could be read, else 503 ``"degraded"``.
Strangers see no pids, file paths, endpoint URLs or error texts: those go to the log, and to
``/health`` only with ``ZKG_HEALTH_DETAILS=1``.
"""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("zkg.health")
#: executor fields that name processes or places: only with ZKG_HEALTH_DETAILS
PRIVATE_EXECUTOR = ("pids",)


async def health(request: Request) -> Response:
    service = request.app.state.service
    details = service.config.health_details
    started = time.perf_counter()
    info, probe = await asyncio.gather(asyncio.to_thread(service.backend.health), service.probe())
    ok = info.ok and probe.ok
    if not info.ok:
        log.warning("health: the backend: %s %s", info.detail, info.private.get("error", ""))
    data = info.as_dict(details)
    data["status"] = "ok" if ok else "degraded"
    data["query"] = probe.as_dict(details)
    executor = service.executor.status()
    data["executor"] = (
        executor if details else {k: v for k, v in executor.items() if k not in PRIVATE_EXECUTOR}
    )
    data["cache"] = {"entries": len(service.cache), "bytes": service.cache.size}
    data["in_flight"] = service.in_flight
    status = 200 if ok else 503
    service.metrics.requests.labels("health", str(status)).inc()
    service.metrics.latency.labels("health").observe(time.perf_counter() - started)
    return JSONResponse(data, status_code=status)


async def metrics(request: Request) -> Response:
    return Response(request.app.state.service.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

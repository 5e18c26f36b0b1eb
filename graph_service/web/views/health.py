"""``/health`` (the backend's health, the executor, the result cache; 503 when not ok) and
``/metrics`` (Prometheus), over ``app.state.service``."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


async def health(request: Request) -> Response:
    service = request.app.state.service
    started = time.perf_counter()
    info = await asyncio.to_thread(service.backend.health)
    data = info.as_dict()
    data["executor"] = service.executor.status()
    data["cache"] = {"entries": len(service.cache), "bytes": service.cache.size}
    data["in_flight"] = service.in_flight
    status = 200 if info.ok else 503
    service.metrics.requests.labels("health", str(status)).inc()
    service.metrics.latency.labels("health").observe(time.perf_counter() - started)
    return JSONResponse(data, status_code=status)


async def metrics(request: Request) -> Response:
    return Response(request.app.state.service.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

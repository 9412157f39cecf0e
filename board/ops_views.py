"""Pages for operators: liveness and readiness probes, and the outbox's state
for staff. None of them is cached; the probes are cheap (at most one query and
one Redis PING with short timeouts)."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from notifications.health import outbox_health

logger = logging.getLogger(__name__)

# A probe must answer quickly even when Redis is gone.
REDIS_TIMEOUT_SECONDS = 0.5


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process is up and serving. Touches nothing else."""
    return HttpResponse("ok\n", content_type="text/plain")


def _redis_ok() -> bool:
    if not settings.REDIS_URL:
        # In-process tasks: nothing to reach.
        return True
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        logger.warning(
            "Readiness: Redis does not answer (%s). The web keeps serving without it; "
            "email waits in the outbox until it is back.",
            type(exc).__name__,
        )
        return False
    finally:
        client.close()
    return True


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 503 only when this process cannot serve people, that is when
    the database does not answer. Redis down or a stalled outbox leave every
    page working (the cache falls back, email waits in the outbox), so they
    are reported as "degraded" with a 200 and a warning in the log, never a
    reason for a load balancer to take every web process out of rotation. The
    probe is public: it says what is degraded, never how much email waits or
    failed (staff see that at /staff/outbox/, monitors in `outbox_status`)."""
    checks: dict[str, str] = {}
    try:
        # Logs a warning itself when the outbox is stalled.
        stalled = outbox_health().stalled
    except DatabaseError as exc:
        logger.warning("Readiness: the database does not answer (%s).", type(exc).__name__)
        checks["database"] = "unreachable"
        checks["outbox"] = "unknown"
    else:
        checks["database"] = "ok"
        checks["outbox"] = "stalled" if stalled else "ok"
    checks["redis"] = "ok" if _redis_ok() else "unreachable"
    ready = checks["database"] == "ok"
    if not ready:
        status = "unavailable"
    elif any(value != "ok" for value in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {"ready": ready, "status": status, "checks": checks}, status=200 if ready else 503
    )


@never_cache
@staff_member_required
@permission_required("notifications.view_notification", raise_exception=True)
def outbox_status(request: HttpRequest) -> HttpResponse:
    """How much email waits and for how long, for staff (moderators included)."""
    return render(request, "board/outbox_status.html", {"outbox": outbox_health()})

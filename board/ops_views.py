"""Pages for operators: liveness and readiness probes, and the outbox's state
for staff. None of them is cached; the probes are cheap (at most one query and
one Redis PING with short timeouts)."""

from __future__ import annotations

import redis
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from board import outbox

# A probe must answer quickly even when Redis is gone.
REDIS_TIMEOUT_SECONDS = 0.5


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process is up and serving. Touches nothing else."""
    return HttpResponse("ok\n", content_type="text/plain")


def _redis_ok() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "not configured (in-process tasks)"
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return False, f"unreachable: {type(exc).__name__}"
    finally:
        client.close()
    return True, "ok"


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers, Redis answers, and the outbox is not
    stalled (no due email older than BOARD_OUTBOX_MAX_AGE_SECONDS). 200 when
    all hold, else 503; the body says which failed."""
    checks: dict[str, dict[str, object]] = {}
    try:
        state = outbox.health()
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "detail": f"unreachable: {type(exc).__name__}"}
        checks["outbox"] = {"ok": False, "detail": "unknown without the database"}
    else:
        checks["database"] = {"ok": True, "detail": "ok"}
        checks["outbox"] = {"ok": not state.stalled, **state.as_dict()}
    redis_ok, detail = _redis_ok()
    checks["redis"] = {"ok": redis_ok, "detail": detail}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"ready": ready, "checks": checks}, status=200 if ready else 503)


@never_cache
@staff_member_required
@permission_required("board.view_notification", raise_exception=True)
def outbox_status(request: HttpRequest) -> HttpResponse:
    """How much email waits and for how long, for staff (moderators included)."""
    return render(request, "board/outbox_status.html", {"outbox": outbox.health()})

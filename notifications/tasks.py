"""The Celery tasks of the outbox. Each keeps the name it had in board/tasks.py
(`name=`), so tasks already queued under it, the beat schedule and any route
keep working across the move."""

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.db import connection

from notifications import delivery, digests

logger = logging.getLogger(__name__)


@shared_task(bind=True, name=delivery.DELIVER_TASK, max_retries=None, acks_late=True)
def deliver_notification(self: Any, notification_id: int) -> str:
    claimer = delivery.claimer_id(self.request.hostname or "")
    outcome = delivery.deliver(notification_id, claimer=claimer)
    if outcome.retry_in is not None and not self.request.is_eager:
        # The row is queued again in the database too, so even if this retry
        # is lost the sweeper will find it.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task(name="board.tasks.sweep_outbox")
def sweep_outbox() -> int:
    return delivery.sweep()


@shared_task(name="board.tasks.send_digests")
def send_digests() -> int:
    return digests.build_digests()


@worker_ready.connect
def reclaim_after_restart(sender: Any, **kwargs: Any) -> None:
    """A worker restarted under the same name (by its supervisor) takes back
    at once the rows its killed run was sending."""
    try:
        delivery.reclaim_after_restart(node=sender.hostname)
    except Exception:
        # The database may be away at start: the sweeper takes them later.
        logger.exception("Could not reclaim the rows of this worker's earlier run.")
    finally:
        # The worker's main process sends no email: keep no connection open.
        connection.close()

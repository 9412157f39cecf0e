import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import connection

from board import notifications

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:
    claimer = notifications.claimer_id(self.request.hostname or "")
    outcome = notifications.deliver(notification_id, claimer=claimer)
    if outcome.retry_in is not None and not self.request.is_eager:
        # The row is queued again in the database too, so even if this retry
        # is lost the sweeper will find it.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@shared_task
def sweep_outbox() -> int:
    return notifications.sweep()


@shared_task
def send_digests() -> int:
    return notifications.build_digests()


@worker_ready.connect
def reclaim_after_restart(sender, **kwargs) -> None:
    """A worker restarted under the same name (by its supervisor) takes back
    at once the rows its killed run was sending."""
    try:
        notifications.reclaim_after_restart(node=sender.hostname)
    except Exception:
        # The database may be away at start: the sweeper takes them later.
        logger.exception("Could not reclaim the rows of this worker's earlier run.")
    finally:
        # The worker's main process sends no email: keep no connection open.
        connection.close()

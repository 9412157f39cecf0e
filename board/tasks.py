from celery import shared_task

from board import notifications


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:
    outcome = notifications.deliver(notification_id)
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

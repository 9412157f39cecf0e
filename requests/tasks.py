from celery import shared_task

from requests import services


@shared_task
def expire_requests() -> list[int]:
    return list(services.expire_requests())


@shared_task
def resurface_unanswered() -> int:
    return services.resurface_unanswered()

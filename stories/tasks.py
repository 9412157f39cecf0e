from celery import shared_task

from stories import figures, services


@shared_task
def compute_figures() -> int:
    return len(figures.compute())


@shared_task
def send_gentle_notes() -> int:
    return services.send_gentle_notes()

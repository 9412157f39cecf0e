"""The Celery app. Configuration lives in Django settings under CELERY_*."""

import os

from celery import Celery

from board import broker_fixes

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board.settings")

# Before any connection is made: a worker must survive Redis going away while
# it holds a task (see board/broker_fixes.py).
broker_fixes.install()

app = Celery("board")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

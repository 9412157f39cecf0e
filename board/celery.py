"""The Celery app. Configuration lives in Django settings under CELERY_*."""

import os

from celery import Celery

# The submodule itself, never the `board` package: board/__init__.py imports
# this module, so a name taken from the package would be a circle.
from board.broker_fixes import install as install_broker_fixes

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "board.settings")

# Before any connection is made: a worker must survive Redis going away while
# it holds a task (see board/broker_fixes.py).
install_broker_fixes()

app = Celery("board")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

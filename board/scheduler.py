"""The periodic jobs, run without Celery beat: the embedded default's scheduler.

In production beat runs `CELERY_BEAT_SCHEDULE` against Redis. On the embedded
default (`make run`: no broker, tasks run in-process) nothing would run them, so
`manage.py run_scheduler` (started by `make run` as a second process beside the
web server) reads the same schedule and runs each job in its own process when
it is due. `manage.py run_job <name>` runs one job by hand.

A second process rather than a thread inside runserver: the autoreloader starts
the server twice and restarts it on every code change (a thread would run the
jobs twice, then be killed mid-job), and it is the same shape as production
(beat beside the web processes). SQLite in WAL mode takes the two processes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.schedules import crontab
from django.conf import settings

from board.celery import app

logger = logging.getLogger(__name__)

# How far ahead a crontab's next time is looked for (a weekly job fits).
CRONTAB_HORIZON = timedelta(days=8)


class UnknownJob(LookupError):
    """No periodic job has this name."""


@dataclass(frozen=True)
class Job:
    name: str
    task: str
    schedule: float | timedelta | crontab

    def next_run(self, after: datetime) -> datetime:
        """The first time this job is due strictly after `after` (UTC)."""
        if isinstance(self.schedule, crontab):
            return _next_crontab_time(self.schedule, after)
        seconds = (
            self.schedule.total_seconds()
            if isinstance(self.schedule, timedelta)
            else float(self.schedule)
        )
        return after + timedelta(seconds=seconds)

    def run(self) -> Any:
        """Run the job here and now, through its Celery task (in this process)."""
        app.loader.import_default_modules()  # registers every app's tasks
        result = app.tasks[self.task].apply()
        if result.failed():
            raise RuntimeError(f"The {self.name} job failed: {result.result!r}")
        return result.result


def _next_crontab_time(schedule: crontab, after: datetime) -> datetime:
    moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    end = after + CRONTAB_HORIZON
    while moment <= end:
        if (
            moment.minute in schedule.minute
            and moment.hour in schedule.hour
            and moment.day in schedule.day_of_month
            and moment.month in schedule.month_of_year
            # crontab counts the week from Sunday (0); Python from Monday (0).
            and (moment.weekday() + 1) % 7 in schedule.day_of_week
        ):
            return moment
        moment += timedelta(minutes=1)
    raise ValueError(f"{schedule} has no time in the next {CRONTAB_HORIZON}")


def jobs(schedule: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Job]:
    """Every periodic job, by name, from the beat schedule in the settings."""
    schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
    return {
        name: Job(name=name, task=entry["task"], schedule=entry["schedule"])
        for name, entry in schedule.items()
    }


def run_job(name: str) -> Any:
    try:
        job = jobs()[name]
    except KeyError:
        raise UnknownJob(name) from None
    return job.run()


class Scheduler:
    """Runs each job when it is due. Interval jobs run once at start (so a request
    already past its time closes right away) and then every interval; crontab jobs
    (the digest) at their next time, never at start. A job missed while the machine
    slept runs once when it wakes, not once per missed time."""

    def __init__(self, jobs: Mapping[str, Job], *, started_at: datetime) -> None:
        self.jobs = dict(jobs)
        self.next_due = {
            name: (job.next_run(started_at) if isinstance(job.schedule, crontab) else started_at)
            for name, job in self.jobs.items()
        }

    def due(self, now: datetime) -> list[str]:
        return [name for name, when in self.next_due.items() if when <= now]

    def tick(self, now: datetime) -> list[str]:
        """Run every job that is due at `now`; returns the names of those run.
        A failing job is logged and tried again at its next time."""
        ran = []
        for name in self.due(now):
            job = self.jobs[name]
            try:
                outcome = job.run()
            except Exception:
                logger.exception("The periodic job %s failed.", name)
            else:
                logger.info("Ran the periodic job %s: %s", name, outcome)
            self.next_due[name] = job.next_run(now)
            ran.append(name)
        return ran

    def seconds_until_next(self, now: datetime) -> float:
        return max(0.0, min((when - now).total_seconds() for when in self.next_due.values()))

"""`connector schedule`: the container's long-running process (APScheduler 3.x).

One job, `run` (sync then submit), on the crontab of `schedule.cron` in `schedule.timezone`.
A run never overlaps another: APScheduler keeps one instance per job, and the store's run lock
also keeps a manual backfill and the scheduled run apart. A failed run is logged and recorded in
the store (see `connector status`); the scheduler stays up for the next one.
"""

from __future__ import annotations

from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from connector.errors import ConfigError, ConnectorError
from connector.logging import get_logger
from connector.settings import ScheduleSettings

log = get_logger(__name__)


def build_trigger(schedule: ScheduleSettings) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(schedule.cron, timezone=schedule.timezone)
    except (ValueError, LookupError) as exc:
        raise ConfigError(f"Setting 'schedule.cron' ('{schedule.cron}') is not a valid crontab expression: {exc}.") from None


def guarded(job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except ConnectorError as exc:
            log.error("scheduled_run.failed", error=str(exc))
        except Exception:  # keep the scheduler alive; the run is recorded as failed in the store
            log.exception("scheduled_run.crashed")

    return run


def build_scheduler(schedule: ScheduleSettings, job: Callable[[], object]) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=schedule.timezone)
    scheduler.add_job(
        guarded(job),
        build_trigger(schedule),
        id="run",
        name="sync and submit",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    return scheduler

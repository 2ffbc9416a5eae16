import logging

from celery import shared_task

from leave.services import jobs

logger = logging.getLogger(__name__)


def _summary(name: str, report: jobs.JobReport) -> dict:
    logger.info(
        "%s: wrote %s ledger rows (%s days), %s already there", name, len(report.written), report.days, report.already
    )
    return {"written": len(report.written), "days": str(report.days), "already": report.already}


@shared_task
def leave_grant_yearly_task() -> dict:
    return _summary("leave_grant_yearly", jobs.leave_grant_yearly())


@shared_task
def leave_accrue_task() -> dict:
    return _summary("leave_accrue", jobs.leave_accrue())


@shared_task
def leave_carry_over_task() -> dict:
    return _summary("leave_carry_over", jobs.leave_carry_over())


@shared_task
def leave_expire_carry_over_task() -> dict:
    return _summary("leave_expire_carry_over", jobs.leave_expire_carry_over())

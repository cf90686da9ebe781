"""Celery tasks start with no shop: each says which shop it works in, or that it spans them.

    @shared_task
    def rollup_job_days(shop_id: int, days: list[str]) -> None:
        with tenancy.for_shop(shop_id):
            ...

    @shared_task
    @tenancy.all_shops()
    def sla_sweep() -> ...:

Every task (run by a worker, or called directly as tests do) runs inside `for_shop(None)`: no
shop's rows, and off the cross-shop role even where the caller was on it, so a task that forgets
to say fails in tests as it would in production.
"""

from celery import Task

from tenancy.context import for_shop


class TenantTask(Task):
    def __call__(self, *args, **kwargs):
        with for_shop(None):
            return super().__call__(*args, **kwargs)

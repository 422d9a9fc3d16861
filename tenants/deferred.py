"""Deferred tasks (tenants.models.DeferredTask) sent when they are due.

`tenants.release_deferred` runs every few seconds (beat): it takes the due rows under a lock that
other releasers skip, sends each to the broker with its own headers (its schema among them), and
deletes them in the same transaction. A releaser killed before its commit leaves the rows for the
next one: a task may then be sent twice, never lost — every task we defer is idempotent.
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from tenants.models import DeferredTask

log = logging.getLogger(__name__)
RELEASE_BATCH = 500


def deferred_release(*, limit: int = RELEASE_BATCH) -> int:
    """Send up to `limit` due tasks; the number sent."""
    with transaction.atomic():
        due = list(
            DeferredTask.objects.select_for_update(skip_locked=True)
            .filter(due_at__lte=timezone.now())
            .order_by("due_at", "pk")[:limit]
        )
        for item in due:
            task = current_app.tasks.get(item.task_name)
            if task is None:  # a task removed by a deploy: nothing can run it any more
                log.error("deferred task %s is unknown; dropped", item.task_name)
                continue
            task.apply_async(args=item.args, kwargs=item.kwargs, **item.options)
        DeferredTask.objects.filter(pk__in=[item.pk for item in due]).delete()
    return len(due)

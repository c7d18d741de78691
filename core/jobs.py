"""Scheduled jobs contributed by add-ons, run once per company that enabled the add-on.

The queue and the worker process come with the business base (huey, embedded SQLite or
Redis); this module holds what add-ons declare and which of it applies to a company.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.models import Company


@dataclass(frozen=True)
class PeriodicTask:
    """A job run on a schedule for every company that enabled the add-on.

    ``func(company)`` runs inside one transaction with the company attached to its
    session (``core.db.session_of(company)``). The schedule uses cron fields as huey's
    ``crontab`` reads them: ``PeriodicTask("nightly", func, minute="0", hour="2")``.
    """

    name: str
    func: Callable[[Company], Any]
    minute: str = "*"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"
    addon: str = field(default="", compare=False)  # set by the kernel

    @property
    def qualified_name(self) -> str:
        return f"{self.addon}.{self.name}"

    @property
    def schedule(self) -> str:
        return f"{self.minute} {self.hour} {self.day} {self.month} {self.day_of_week}"

    def matcher(self) -> Callable[[datetime], bool]:
        """The schedule as a predicate (raises ValueError naming a bad field)."""
        from huey import crontab  # lazily: huey imports a lot

        return crontab(self.minute, self.hour, self.day, self.month, self.day_of_week)

    def is_due(self, when: datetime) -> bool:
        return bool(self.matcher()(when))

"""Errors the kernel raises and the problems it reports about add-ons."""

from __future__ import annotations

from dataclasses import dataclass


class KernelError(Exception):
    """A request the kernel refuses: the message is one line meant for the user."""


class UnknownAddon(KernelError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown add-on {name!r}")
        self.name = name


class UnknownCompany(KernelError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown company {code!r}")
        self.code = code


class MigrationFailed(KernelError):
    """An add-on's migration raised; the database stays at the last good revision."""


@dataclass(frozen=True)
class Problem:
    """Why an add-on cannot load. ``addon`` names it; ``message`` is one line."""

    addon: str
    message: str
    source: str = ""  # the file or distribution the problem is in, when there is one

    def __str__(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"{self.addon}: {self.message}{where}"

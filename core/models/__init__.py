"""Core's tables (all prefixed ``core_``)."""

from core.models.addon import CompanyAddon, InstalledAddon
from core.models.company import Company

__all__ = ["Company", "CompanyAddon", "InstalledAddon"]

"""Core's tables (all prefixed ``core_``)."""

from core.models.addon import CompanyAddon, InstalledAddon
from core.models.attachment import Attachment
from core.models.audit import AuditEntry
from core.models.cache_version import CacheVersion
from core.models.company import Company
from core.models.jobs import JobRun
from core.models.note import Note
from core.models.outbox import OutboxAttachment, OutboxMessage
from core.models.partner import Partner, PartnerAddress, PartnerGroup, PaymentTerm
from core.models.product import Product, ProductCategory, ProductVendor
from core.models.saved_view import SavedView
from core.models.sequence import Sequence, SequenceCounter
from core.models.template import TemplateOverride
from core.models.user import ApiToken, Membership, MembershipRole, User
from core.models.workflow import Approval, Delegation, WorkflowSetting

__all__ = [
    "ApiToken",
    "Approval",
    "Attachment",
    "AuditEntry",
    "CacheVersion",
    "Company",
    "CompanyAddon",
    "Delegation",
    "InstalledAddon",
    "JobRun",
    "Membership",
    "MembershipRole",
    "Note",
    "OutboxAttachment",
    "OutboxMessage",
    "Partner",
    "PartnerAddress",
    "PartnerGroup",
    "PaymentTerm",
    "Product",
    "ProductCategory",
    "ProductVendor",
    "SavedView",
    "Sequence",
    "SequenceCounter",
    "TemplateOverride",
    "User",
    "WorkflowSetting",
]

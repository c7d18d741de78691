"""Core's tables (all prefixed ``core_``)."""

from core.models.addon import CompanyAddon, InstalledAddon
from core.models.company import Company
from core.models.partner import Partner, PartnerAddress, PartnerGroup, PaymentTerm
from core.models.product import Product, ProductCategory, ProductVendor
from core.models.sequence import Sequence, SequenceCounter
from core.models.user import ApiToken, Membership, MembershipRole, User

__all__ = [
    "ApiToken",
    "Company",
    "CompanyAddon",
    "InstalledAddon",
    "Membership",
    "MembershipRole",
    "Partner",
    "PartnerAddress",
    "PartnerGroup",
    "PaymentTerm",
    "Product",
    "ProductCategory",
    "ProductVendor",
    "Sequence",
    "SequenceCounter",
    "User",
]

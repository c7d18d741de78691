"""Companies: the tenants. Everything a company owns carries its ``company_id``."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamped
from core.models.addon import CompanyAddon


class Company(Timestamped, Base):
    __tablename__ = "core_company"
    __cache_versioned__ = True  # kept per worker (core.cache): every request reads it

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    #: Postal address as printed on documents (several lines).
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Logo image (PNG, JPEG or SVG) shown on documents; loaded only when asked for.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(String(40))
    # What a Turkish invoice's header shows besides the name and address:
    #: Tax office (vergi dairesi), e.g. "Kadıköy".
    tax_office: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: Tax number: a VKN (10 digits) or, for a sole proprietor, the owner's TCKN (11).
    tax_id: Mapped[str] = mapped_column(String(11), default="", server_default="")
    #: MERSİS number (16 digits) of the central trade registry, for companies that have one.
    mersis_no: Mapped[str] = mapped_column(String(16), default="", server_default="")
    #: Trade registry (ticaret sicil) number, as the registry office gave it.
    trade_registry_no: Mapped[str] = mapped_column(String(40), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    website: Mapped[str] = mapped_column(String(200), default="", server_default="")

    addon_rows: Mapped[list[CompanyAddon]] = relationship(
        back_populates="company", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def enabled_addons(self) -> frozenset[str]:
        """Names of the add-ons enabled for this company."""
        return frozenset(row.addon for row in self.addon_rows if row.enabled)

    def __repr__(self) -> str:
        return f"<Company {self.code}>"

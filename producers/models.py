"""Cooperatives, their managers (memberships) and their members."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from shop.accounts.models import User
from shop.extensions import Model, db
from shop.i18n import Localized, localized
from shop.models import Timestamped, str_enum, utcnow
from shop.regions import Region, regions


class CooperativeStatus(enum.StrEnum):
    """Where a cooperative stands with the platform.

    An application is saved as a draft until its applicant submits it; the
    administrators' decisions move it on (``producers.services.transition``).
    """

    DRAFT = "draft"
    PENDING = "pending"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class CooperativeKind(enum.StrEnum):
    """The sector a cooperative is registered in with ODCo."""

    AGRICULTURE = "agriculture"
    HANDICRAFT = "handicraft"
    FORESTRY = "forestry"
    FISHING = "fishing"
    OTHER = "other"


class Cooperative(Timestamped, db.Model):
    """A producer cooperative registered with ODCo."""

    __tablename__ = "cooperative"
    __table_args__ = (
        CheckConstraint("region_code BETWEEN 1 AND 12", name="region_code"),
        CheckConstraint("members_count >= 0", name="members_count"),
        CheckConstraint(
            "women_members_count >= 0 AND women_members_count <= members_count",
            name="women_members_count",
        ),
        CheckConstraint("reserve_bp BETWEEN 0 AND 10000", name="reserve_range"),
        CheckConstraint("vat_rate_bp BETWEEN 0 AND 10000", name="vat_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    #: Registration number at the Office du Développement de la Coopération.
    odco_number: Mapped[str | None] = mapped_column(String(40))
    #: Identifiant Commun de l'Entreprise: 15 digits.
    ice: Mapped[str | None] = mapped_column(String(15))
    # What a Moroccan invoice names its seller by (orders/invoicing), beside
    # the ICE: asked for in the workspace's legal details before shipping.
    #: Identifiant fiscal (IF), digits.
    tax_id: Mapped[str | None] = mapped_column(String(20))
    #: Taxe professionnelle (patente) number, digits.
    tp_number: Mapped[str | None] = mapped_column(String(20))
    #: Registre du commerce number, when the cooperative has one (most are
    #: registered with ODCo and the court instead).
    rc_number: Mapped[str | None] = mapped_column(String(40))
    #: VAT charged on its sales, in basis points (2000 = 20 %); NULL when the
    #: cooperative is exempt, its invoices then carry ``vat_exemption_*``.
    vat_rate_bp: Mapped[int | None] = mapped_column(Integer)
    vat_exemption_fr: Mapped[str] = mapped_column(String(200), default="", server_default="")
    vat_exemption_ar: Mapped[str] = mapped_column(String(200), default="", server_default="")
    founded_year: Mapped[int | None] = mapped_column(Integer)
    #: One of the 12 official regions (shop/data/regions.csv).
    region_code: Mapped[int] = mapped_column(Integer)
    province: Mapped[str] = mapped_column(String(120), default="")
    commune: Mapped[str] = mapped_column(String(120), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    #: Content address of the logo in media storage (catalog/images.py).
    logo_key: Mapped[str | None] = mapped_column(String(64))
    members_count: Mapped[int] = mapped_column(Integer, default=0)
    women_members_count: Mapped[int] = mapped_column(Integer, default=0)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[CooperativeStatus] = mapped_column(
        str_enum(CooperativeStatus),
        default=CooperativeStatus.PENDING,
    )
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: The court (tribunal de première instance) that holds the registration.
    odco_court: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[CooperativeKind] = mapped_column(
        str_enum(CooperativeKind), default=CooperativeKind.AGRICULTURE
    )
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(250), default="")
    #: The user who filed the application (its first owner).
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: The last decision's reason or requested changes, shown to the applicant.
    review_note: Mapped[str] = mapped_column(Text, default="")
    #: Moroccan RIB (24 digits, int(rib) % 97 == 0) payouts are sent to.
    rib: Mapped[str | None] = mapped_column(String(24))
    rib_holder: Mapped[str] = mapped_column(String(120), default="", server_default="")
    rib_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: A Stripe Connect account id ("acct_…"); payouts then go by Stripe transfer.
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    #: The share of producer revenue kept in reserve before sharing among
    #: members (member-distribution helper), in basis points.
    reserve_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    translations: Mapped[list[CooperativeTranslation]] = relationship(
        back_populates="cooperative", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def region(self) -> Region:
        """The official region."""
        return regions()[self.region_code]

    @property
    def is_approved(self) -> bool:
        """Approved cooperatives are the only ones shown to shoppers."""
        return self.status == CooperativeStatus.APPROVED

    def story(self, lang: str) -> Localized:
        """The cooperative's story in ``lang`` or its fallback."""
        return localized(self.translations, "story", lang)

    def tagline(self, lang: str) -> Localized:
        """A one-line presentation in ``lang`` or its fallback."""
        return localized(self.translations, "tagline", lang)

    def women_share(self) -> Decimal:
        """Share of women among members (0 when unknown)."""
        if not self.members_count:
            return Decimal(0)
        return Decimal(self.women_members_count) / Decimal(self.members_count)

    def __repr__(self) -> str:
        return f"<Cooperative {self.slug}>"


class DocumentKind(enum.StrEnum):
    """Papers an application carries."""

    REGISTRATION = "registration"  # ODCo registration certificate
    ONSSA = "onssa"  # food safety authorisation
    QUALITY = "quality"  # organic, IGP, AOP… certificates


class CooperativeDocument(Timestamped, db.Model):
    """A private document of a cooperative (only its managers and admins see it)."""

    __tablename__ = "cooperative_document"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    #: Name in the private storage (content-addressed, under ``docs/``).
    storage_name: Mapped[str] = mapped_column(String(200))
    #: The name the file had on the uploader's computer (shown, never used as a path).
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)

    cooperative: Mapped[Cooperative] = relationship(
        backref=backref(
            "documents", cascade="all, delete-orphan", order_by="CooperativeDocument.id"
        )
    )


class CooperativeOldSlug(Model):
    """An address a cooperative had before an administrator changed it.

    Links printed on labels, shared on social media or indexed by search
    engines keep working: the public pages redirect an old slug (301) to the
    cooperative's current address. A slug is here at most once, and never
    both here and a cooperative's current slug.
    """

    __tablename__ = "cooperative_old_slug"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: When the cooperative stopped using it.
    retired_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    cooperative: Mapped[Cooperative] = relationship()


class CooperativeTranslation(db.Model):
    """A cooperative's texts in one language."""

    __tablename__ = "cooperative_translation"
    __table_args__ = (UniqueConstraint("cooperative_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(2))
    tagline: Mapped[str] = mapped_column(String(200), default="")
    story: Mapped[str] = mapped_column(Text, default="")

    cooperative: Mapped[Cooperative] = relationship(back_populates="translations")


class MembershipRole(enum.StrEnum):
    """What a user may do for a cooperative."""

    OWNER = "owner"
    MANAGER = "manager"


class Membership(Timestamped, db.Model):
    """A user who manages a cooperative on the platform."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "cooperative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(
        str_enum(MembershipRole),
        default=MembershipRole.MANAGER,
    )
    #: Whether this manager is told of each new parcel to prepare (an order
    #: confirmed or paid); on by default, switched on the parcels page.
    parcel_notices: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    user: Mapped[User] = relationship(backref=backref("memberships", cascade="all, delete-orphan"))
    cooperative: Mapped[Cooperative] = relationship(
        backref=backref("memberships", cascade="all, delete-orphan")
    )


class MemberGender(enum.StrEnum):
    """Optional, for the cooperative's own impact figures."""

    FEMALE = "female"
    MALE = "male"


class Member(Timestamped, db.Model):
    """A member of a cooperative (a person, not a platform user).

    Names are private to the cooperative: the public sees counts only.
    """

    __tablename__ = "member"
    __table_args__ = (CheckConstraint("share_capital_cents >= 0", name="share_capital"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(160))
    #: Role in the cooperative ("president", "treasurer", "member"…), free text.
    role: Mapped[str] = mapped_column(String(80), default="")
    gender: Mapped[MemberGender | None] = mapped_column(str_enum(MemberGender))
    joined_on: Mapped[date | None] = mapped_column(Date)
    #: Share capital subscribed, in centimes of MAD.
    share_capital_cents: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    cooperative: Mapped[Cooperative] = relationship(
        backref=backref("members", cascade="all, delete-orphan")
    )

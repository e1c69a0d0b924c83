"""Workspace and application forms: application, products, stock, profile, certificates,
members, team, bank details, the distribution reserve (lots: ``lot_forms``)."""

from __future__ import annotations

from datetime import datetime

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from catalog.models import Unit
from catalog.presentation import CERTIFICATION_LABELS
from catalog.validators import normalize_gtin, normalize_ice
from producers.models import MembershipRole
from producers.money import distribution as dist
from producers.money.rib import valid_rib
from producers.presentation import DOCUMENT_LABELS, KIND_LABELS
from shop.digits import international_phone, moroccan_phone
from shop.fields import BoundedDateField, BoundedIntegerField, digits_filter
from shop.i18n import LANGUAGES, LOCAL_TZ
from shop.money.fields import MoneyField
from shop.regions import regions

LANG_LABELS = {"ar": _l("Arabic"), "fr": _l("French"), "en": _l("English")}
UPLOADS = ("pdf", "jpg", "jpeg", "png", "webp")


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


def _ice(form, field) -> None:
    if field.data:
        try:
            field.data = normalize_ice(field.data)
        except ValueError:
            raise ValidationError(
                _l("This ICE is not valid: it has 15 digits and its last two are a check key.")
            ) from None


def _phone(form, field) -> None:
    """A Moroccan number (``06…``, ``+212 (0)6…``) as ``+212…``, or any number with its country code."""
    if field.data:
        phone = moroccan_phone(field.data) or international_phone(field.data)
        if phone is None:
            raise ValidationError(_l("A phone number like 0612345678 or +212 612 345 678."))
        field.data = phone


def _gtin(form, field) -> None:
    if field.data:
        try:
            field.data = normalize_gtin(field.data)
        except ValueError:
            raise ValidationError(_l("This GTIN is not valid (length or check digit).")) from None


class ApplicationForm(FlaskForm):
    """Apply to sell on Taawon (saved as a draft until sent)."""

    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    odco_number = StringField(
        _l("ODCo registration number"), validators=[DataRequired(), Length(max=40)]
    )
    odco_court = StringField(
        _l("Court of registration"), validators=[DataRequired(), Length(max=120)]
    )
    ice = StringField(
        _l("ICE (15 digits)"),
        validators=[DataRequired(), _ice],
        filters=[digits_filter],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    kind = SelectField(
        _l("Category of cooperative"),
        choices=options((k.value, label) for k, label in KIND_LABELS.items()),
    )
    region_code = SelectField(_l("Region"), coerce=int)
    province = StringField(_l("Province"), validators=[DataRequired(), Length(max=120)])
    commune = StringField(_l("Commune"), validators=[DataRequired(), Length(max=120)])
    founded_year = BoundedIntegerField(
        _l("Year founded"),
        validators=[
            DataRequired(),
            NumberRange(
                min=1900,
                max=datetime.now(LOCAL_TZ).year,
                message=_l("A year between %(min)s and %(max)s."),
            ),
        ],
    )
    members_count = BoundedIntegerField(
        _l("Number of members"),
        validators=[
            DataRequired(),
            NumberRange(min=7, max=100_000, message=_l("A cooperative has at least 7 members.")),
        ],
    )
    women_members_count = BoundedIntegerField(
        _l("Women members"), validators=[Optional(), NumberRange(min=0)]
    )
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(
        _l("Phone"),
        validators=[DataRequired(), Length(max=40), _phone],
        render_kw={"inputmode": "tel", "dir": "ltr"},
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=250)])
    story_ar = TextAreaField(_l("Your story in Arabic"), validators=[Length(max=5000)])
    story_fr = TextAreaField(_l("Your story in French"), validators=[Length(max=5000)])
    story_en = TextAreaField(_l("Your story in English"), validators=[Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = g.get("lang", "fr")
        self.region_code.choices = options((code, r.name(lang)) for code, r in regions().items())

    def validate_women_members_count(self, field) -> None:
        """Women are counted among the members."""
        if field.data and self.members_count.data and field.data > self.members_count.data:
            raise ValidationError(_l("There cannot be more women members than members."))


class DocumentForm(FlaskForm):
    """Add a document to an application."""

    kind = SelectField(
        _l("Document"), choices=options((k.value, v) for k, v in DOCUMENT_LABELS.items())
    )
    file = FileField(
        _l("File (PDF or photo, at most 10 MB)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(UPLOADS, _l("Send a PDF or a photo (JPEG, PNG or WebP).")),
        ],
    )


class ProductForm(FlaskForm):
    """A product's texts side by side, its category, origin and certifications."""

    category_id = SelectField(_l("Category"), coerce=int)
    origin = StringField(_l("Origin (place of production)"), validators=[Length(max=200)])
    certification_ids = SelectMultipleField(
        _l("Certifications"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


for _lang in LANGUAGES:
    setattr(
        ProductForm,
        f"name_{_lang}",
        StringField(_l("Name"), validators=[Length(max=200)], render_kw={"lang": _lang}),
    )
    setattr(
        ProductForm,
        f"description_{_lang}",
        TextAreaField(_l("Description"), validators=[Length(max=5000)], render_kw={"lang": _lang}),
    )
    setattr(
        ProductForm,
        f"usage_{_lang}",
        TextAreaField(
            _l("How to use it"), validators=[Length(max=3000)], render_kw={"lang": _lang}
        ),
    )
    setattr(
        ProductForm,
        f"ingredients_{_lang}",
        TextAreaField(_l("Ingredients"), validators=[Length(max=3000)], render_kw={"lang": _lang}),
    )


class VariantForm(FlaskForm):
    """A size of a product, with its price and stock."""

    sku = StringField(
        _l("SKU (your reference)"),
        validators=[
            DataRequired(),
            Regexp(
                r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
                message=_l("Letters, digits, dot, dash and underscore only."),
            ),
        ],
        filters=[digits_filter],
        render_kw={"dir": "ltr"},
    )
    unit_quantity = BoundedIntegerField(
        _l("Quantity"), validators=[DataRequired(), NumberRange(min=1, max=1_000_000)]
    )
    unit = SelectField(
        _l("Unit"),
        choices=options(
            [(Unit.ML.value, "ml"), (Unit.G.value, "g"), (Unit.PIECE.value, _l("pieces"))]
        ),
    )
    price = MoneyField(
        _l("Price (MAD, taxes included)"),
        validators=[DataRequired()],
        render_kw={"inputmode": "decimal", "dir": "ltr"},
    )
    stock = BoundedIntegerField(
        _l("Stock"), validators=[Optional(), NumberRange(min=0, max=1_000_000)], default=0
    )
    weight_g = BoundedIntegerField(
        _l("Shipping weight (g)"), validators=[DataRequired(), NumberRange(min=1, max=100_000)]
    )
    gtin = StringField(
        _l("GTIN (barcode, optional)"),
        validators=[Optional(), _gtin],
        filters=[digits_filter],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    active = BooleanField(_l("On sale"), default=True)

    def validate_price(self, field) -> None:
        """Prices are positive."""
        if field.cents is not None and field.cents <= 0:
            raise ValidationError(_l("The price must be above zero."))


class ImageForm(FlaskForm):
    """Add a picture."""

    image = FileField(
        _l("Picture (JPEG, PNG or WebP)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(("jpg", "jpeg", "png", "webp"), _l("JPEG, PNG or WebP only.")),
        ],
    )


class CsvForm(FlaskForm):
    """Upload a CSV (or, for the catalog, a ZIP with the CSV and its pictures)."""

    file = FileField(
        _l("File"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(("csv", "zip"), _l("A CSV or ZIP file.")),
        ],
    )


class ProfileForm(FlaskForm):
    """The cooperative's public profile."""

    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(
        _l("Phone"), validators=[Optional(), Length(max=40), _phone], render_kw={"dir": "ltr"}
    )
    members_count = BoundedIntegerField(
        _l("Number of members"), validators=[DataRequired(), NumberRange(min=1)]
    )
    women_members_count = BoundedIntegerField(
        _l("Women members"), validators=[Optional(), NumberRange(min=0)]
    )
    logo = FileField(
        _l("Logo (JPEG, PNG or WebP)"),
        validators=[
            Optional(),
            FileAllowed(("jpg", "jpeg", "png", "webp"), _l("JPEG, PNG or WebP only.")),
        ],
    )

    def validate_women_members_count(self, field) -> None:
        """Women are counted among the members."""
        if field.data and self.members_count.data and field.data > self.members_count.data:
            raise ValidationError(_l("There cannot be more women members than members."))


for _lang in LANGUAGES:
    setattr(
        ProfileForm,
        f"tagline_{_lang}",
        StringField(
            _l("One-line presentation"), validators=[Length(max=200)], render_kw={"lang": _lang}
        ),
    )
    setattr(
        ProfileForm,
        f"story_{_lang}",
        TextAreaField(_l("Story"), validators=[Length(max=5000)], render_kw={"lang": _lang}),
    )


#: The VAT choices of the legal details: exempt, or one of Morocco's rates.
VAT_EXEMPT = "exempt"
VAT_CHOICES = [
    (VAT_EXEMPT, _l("Exempt from VAT")),
    ("700", "7 %"),
    ("1000", "10 %"),
    ("1400", "14 %"),
    ("2000", "20 %"),
]
_DIGITS = Regexp(r"^[0-9]*$", message=_l("Digits only."))


class LegalForm(FlaskForm):
    """What the cooperative's invoices must say about it (Moroccan rules)."""

    address = StringField(
        _l("Registered address (street and number)"),
        validators=[DataRequired(message=_l("Give the registered address.")), Length(max=250)],
    )
    ice = StringField(
        _l("ICE (15 digits)"),
        validators=[DataRequired(message=_l("Give the ICE.")), _ice],
        filters=[digits_filter],
        render_kw={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"},
    )
    tax_id = StringField(
        _l("Tax identifier (IF)"),
        validators=[
            DataRequired(message=_l("Give the tax identifier (IF).")),
            Length(max=20),
            _DIGITS,
        ],
        filters=[digits_filter],
        render_kw={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"},
    )
    tp_number = StringField(
        _l("Professional tax number (TP)"),
        validators=[
            DataRequired(message=_l("Give the professional tax (TP) number.")),
            Length(max=20),
            _DIGITS,
        ],
        filters=[digits_filter],
        render_kw={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"},
    )
    rc_number = StringField(
        _l("Trade register number (RC), if any"),
        validators=[Optional(), Length(max=40)],
        render_kw={"dir": "ltr", "autocomplete": "off"},
    )
    vat = SelectField(_l("VAT"), choices=options(VAT_CHOICES), default=VAT_EXEMPT)
    vat_exemption_fr = StringField(
        _l("Exemption mention in French"),
        validators=[Length(max=200)],
        render_kw={"lang": "fr", "dir": "ltr"},
    )
    vat_exemption_ar = StringField(
        _l("Exemption mention in Arabic"),
        validators=[Length(max=200)],
        render_kw={"lang": "ar", "dir": "rtl"},
    )

    def validate_vat_exemption_fr(self, field) -> None:
        """An exempt cooperative's invoices say why, in both languages."""
        if self.vat.data == VAT_EXEMPT and not (field.data or "").strip():
            raise ValidationError(_l("Give the exemption mention your invoices carry."))

    def validate_vat_exemption_ar(self, field) -> None:
        """An exempt cooperative's invoices say why, in both languages."""
        if self.vat.data == VAT_EXEMPT and not (field.data or "").strip():
            raise ValidationError(_l("Give the exemption mention your invoices carry."))

    @property
    def vat_rate_bp(self) -> int | None:
        """The chosen rate in basis points, None when exempt."""
        return None if self.vat.data == VAT_EXEMPT else int(self.vat.data)


class MemberForm(FlaskForm):
    """A member of the cooperative (private to it)."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=160)])
    role = StringField(_l("Role"), validators=[Optional(), Length(max=80)])
    gender = SelectField(
        _l("Gender (optional)"),
        choices=options([("", _l("Not said")), ("female", _l("Woman")), ("male", _l("Man"))]),
    )
    joined_on = BoundedDateField(_l("Joined on"), validators=[Optional()])
    share_capital = MoneyField(
        _l("Share capital (MAD)"),
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "dir": "ltr"},
    )


class InviteForm(FlaskForm):
    """Invite another manager."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(
        _l("Role"),
        choices=options(
            [
                (MembershipRole.MANAGER.value, _l("Manager")),
                (MembershipRole.OWNER.value, _l("Owner")),
            ]
        ),
    )


class ConfirmForm(FlaskForm):
    """A button that only needs CSRF protection."""


class CertificateForm(FlaskForm):
    """A certificate the cooperative holds, with its scan."""

    kind = SelectField(_l("Kind"))
    number = StringField(
        _l("Number"), validators=[DataRequired(), Length(max=80)], render_kw={"dir": "ltr"}
    )
    issuer = StringField(_l("Issued by"), validators=[DataRequired(), Length(max=160)])
    valid_until = BoundedDateField(_l("Valid until"), validators=[Optional()])
    document = FileField(
        _l("Scan (PDF or photo, at most 10 MB)"),
        validators=[
            Optional(),
            FileAllowed(UPLOADS, _l("Send a PDF or a photo (JPEG, PNG or WebP).")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = options((k.value, label) for k, label in CERTIFICATION_LABELS.items())


# ------------------------------------------------------------------ money


def _rib(form, field) -> None:
    if field.data and valid_rib(field.data) is None:
        raise ValidationError(
            _l("This RIB is not valid: it has 24 digits and its last two digits are a check key.")
        )


class BankForm(FlaskForm):
    """A new RIB and account holder, confirmed with the manager's current password."""

    rib = StringField(
        _l("RIB (24 digits)"),
        validators=[DataRequired(message=_l("Give the RIB of the account.")), Length(max=40), _rib],
        filters=[digits_filter],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "off",
            "dir": "ltr",
            "spellcheck": "false",
        },
    )
    rib_holder = StringField(
        _l("Account holder"),
        validators=[
            DataRequired(message=_l("Give the name of the account holder.")),
            Length(max=120),
        ],
        render_kw={"autocomplete": "off"},
    )
    current_password = PasswordField(
        _l("Your current password"),
        validators=[DataRequired(message=_l("Give your password to change the bank details."))],
        render_kw={"autocomplete": "current-password"},
    )


class ReserveForm(FlaskForm):
    """The share of producer revenue the cooperative keeps before sharing."""

    reserve = StringField(
        _l("Reserve (%)"),
        validators=[DataRequired()],
        render_kw={"inputmode": "decimal", "dir": "ltr", "size": 6},
    )

    def validate_reserve(self, field) -> None:
        """0 to 100, up to two decimals; keeps the basis points on the field."""
        try:
            field.basis_points = dist.percent_to_bp(field.data or "")
        except dist.DistributionError as exc:
            raise ValidationError(str(exc.message)) from None

"""Cart and checkout forms."""

from __future__ import annotations

import functools

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from shop.digits import international_phone, moroccan_phone
from shop.fields import BoundedIntegerField, digits_filter
from shop.i18n import FORMAT_LOCALES, current_language
from shop.params import MAX_ID, parse_int

from .cart import MAX_QUANTITY
from .cities import as_typed, find_city
from .models import PaymentMethod
from .services import Address, available_payment_methods

#: Babel's two-letter territories that are not countries one ships to (unions,
#: placeholders), and Morocco itself, which comes first; the Moroccan Sahara's
#: cities (Laâyoune, Dakhla) are in Morocco's list.
NOT_COUNTRIES = frozenset({"MA", "EH", "EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})

CONTACT_LABELS = {
    "sms": _l("SMS"),
    "whatsapp": _l("WhatsApp"),
    "email": _l("E-mail"),
}

PAYMENT_LABELS = {
    PaymentMethod.COD: _l("Cash on delivery: pay the carrier in dirhams when your parcels arrive"),
    PaymentMethod.CARD: _l("Card, on Stripe's secure page"),
}


class AddToCartForm(FlaskForm):
    """The product page's buy form.

    The product page is cached and shared, so it cannot carry a visitor's
    CSRF token: the view checks the request's origin instead
    (``shop.security.same_origin``).
    """

    class Meta:
        csrf = False

    variant = StringField(validators=[DataRequired(), Length(max=64)])
    quantity = BoundedIntegerField(
        default=1, validators=[Optional(), NumberRange(1, MAX_QUANTITY)], maximum=MAX_QUANTITY
    )


class QuantityForm(FlaskForm):
    """Change one cart line (0 removes it)."""

    sku = HiddenField(validators=[DataRequired(), Length(max=64)])
    quantity = BoundedIntegerField(
        _l("Quantity"), validators=[InputRequired(), NumberRange(0, MAX_QUANTITY)]
    )


class RemoveForm(FlaskForm):
    """Take a line out of the cart."""

    sku = HiddenField(validators=[DataRequired(), Length(max=64)])


@functools.cache
def country_choices(lang: str) -> tuple[SelectChoice, ...]:
    """Morocco first, then every country by its name in ``lang`` (sorted once per language)."""
    names = Locale.parse(FORMAT_LOCALES[lang]).territories
    others = sorted(
        (
            (code, name)
            for code, name in names.items()
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
        ),
        key=lambda item: item[1],
    )
    return (SelectChoice("MA", names["MA"]), *(SelectChoice(c, n) for c, n in others))


class CheckoutForm(FlaskForm):
    """Contact, address and payment; validated again when the order is placed."""

    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    phone = StringField(
        _l("Mobile phone"),
        validators=[DataRequired(), Length(max=25)],
        render_kw={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr"},
    )
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    address_line = StringField(
        _l("Address"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "address-line1"},
    )
    city = StringField(
        _l("City"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "address-level2", "list": "city-list"},
    )
    postal_code = StringField(
        _l("Postal code"),
        validators=[DataRequired(), Length(max=12)],
        filters=[digits_filter],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric", "dir": "ltr"},
    )
    country = SelectField(_l("Country"), default="MA", render_kw={"autocomplete": "country"})
    payment = RadioField(
        _l("Payment"), default=PaymentMethod.COD.value, validators=[DataRequired()]
    )
    #: How the shopper wants to hear about the order (and confirm it, for cash
    #: on delivery): SMS unless they choose otherwise.
    contact = RadioField(
        _l("Send me the messages about this order by"),
        default="sms",
        choices=[SelectChoice(key, label) for key, label in CONTACT_LABELS.items()],
        validators=[DataRequired()],
    )
    #: The total the shopper reviewed, in centimes: placing refuses another one.
    expected_total = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        """Choices depend on the page's language and on Stripe's configuration."""
        super().__init__(*args, **kwargs)
        self.country.choices = list(country_choices(current_language()))
        self.payment.choices = [
            SelectChoice(m.value, PAYMENT_LABELS[m]) for m in available_payment_methods()
        ]
        self._address: Address | None = None

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the address as a whole (Moroccan city, postal code, phone)."""
        if not super().validate(extra_validators):
            return False
        if self.country.data == "MA":
            return self._validate_morocco()
        ok = True
        if self.payment.data == PaymentMethod.COD:
            self.country.errors.append(
                _l("Cash on delivery is only possible for addresses in Morocco.")
            )
            ok = False
        phone = international_phone(self.phone.data)
        if phone is None:
            self.phone.errors.append(
                _l("Give the number with its country code, e.g. +33 6 12 34 56 78.")
            )
            ok = False
        if ok:
            city = as_typed(self.city.data or "")
            self._address = self._build(phone, city, city, self.postal_code.data.strip(), None)
        return ok

    def _validate_morocco(self) -> bool:
        ok = True
        phone = moroccan_phone(self.phone.data, mobile=True)
        if phone is None:
            self.phone.errors.append(_l("Give a Moroccan mobile number, e.g. 06 12 34 56 78."))
            ok = False
        city = find_city(self.city.data)
        postal = self.postal_code.data.strip()
        if city is None:
            self.city.errors.append(
                _l("We do not know this city. Choose the nearest one from the list.")
            )
            ok = False
        elif not city.accepts(postal):
            self.postal_code.errors.append(
                _l(
                    "Postal codes of %(city)s have 5 digits and start with %(prefix)s.",
                    city=city.name(current_language()),
                    prefix=city.postal_prefix,
                )
            )
            ok = False
        if ok and city is not None:
            # What the shopper typed is kept; the recognised city goes beside it.
            self._address = self._build(
                phone, as_typed(self.city.data or ""), city.canonical, postal, city.region_code
            )
        return ok

    def _build(
        self, phone: str, city: str, canonical: str, postal: str, region: int | None
    ) -> Address:
        return Address(
            email=self.email.data.strip().lower(),
            phone=phone,
            full_name=self.full_name.data.strip(),
            address_line=self.address_line.data.strip(),
            city=city,
            postal_code=postal,
            country=self.country.data,
            region_code=region,
            city_canonical=canonical,
            contact=self.contact.data,
        )

    @property
    def address(self) -> Address:
        """The validated address (only after ``validate()`` returned True)."""
        assert self._address is not None
        return self._address

    @property
    def contact_label(self) -> str:
        """How the shopper chose to be reached, as shown ("SMS")."""
        return str(CONTACT_LABELS.get(self.contact.data, ""))

    @property
    def method(self) -> PaymentMethod:
        """The chosen payment method."""
        return PaymentMethod(self.payment.data)

    @property
    def reviewed_total(self) -> int | None:
        """The total shown on the review step, if this is the placing step."""
        return parse_int(self.expected_total.data, max=MAX_ID)


class ConfirmOrderForm(FlaskForm):
    """The confirmation page's buttons (confirm, or cancel): only CSRF to check."""

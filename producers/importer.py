"""Producers import from CSV: cooperatives onboarded by an administrator.

Columns: slug, legal_name, odco_number, ice, region, province, commune,
founded, members, women_members, email, story_ar, story_fr, story_en. Every
row is checked first, then all or nothing. Each row creates an APPROVED
cooperative (for example a federation bringing its members), audit-logged,
and invites its e-mail address as owner with a link to choose a password.
A slug that already exists is an error: an import never updates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from producers.models import Cooperative, CooperativeStatus, MembershipRole
from producers.services import LANGS, invite_manager, set_texts
from shop.accounts.services import normalize_email
from shop.audit import audit
from shop.digits import ascii_digits, is_ice
from shop.extensions import db
from shop.models import utcnow
from shop.params import parse_int
from shop.regions import region_by_name
from shop.spreadsheet import CsvFileError, RowError, SafeDictReader

REQUIRED_COLUMNS = (
    "slug",
    "legal_name",
    "odco_number",
    "ice",
    "region",
    "province",
    "commune",
    "founded",
    "members",
    "women_members",
    "email",
    "story_ar",
    "story_fr",
    "story_en",
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
FIRST_YEAR = 1900
MAX_ROWS = 5_000
#: Column widths of the cooperative table.
LIMITS = {"legal_name": 200, "odco_number": 40, "province": 120, "commune": 120}


@dataclass
class Row:
    """A checked line."""

    line: int
    slug: str
    legal_name: str
    odco_number: str | None
    ice: str | None
    region_code: int
    province: str
    commune: str
    founded_year: int | None
    members: int
    women: int
    email: str
    stories: dict[str, str]


@dataclass
class ImportReport:
    """What an import did, or why it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    #: Slugs of the cooperatives created, in file order.
    created: list[str] = field(default_factory=list)
    #: E-mail addresses invited as owners.
    invited: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file was imported."""
        return not self.errors


def _whole(value: str) -> int | None:
    """A whole number written with digits only, else None."""
    return parse_int(value, max=999_999_999)


def parse_rows(stream: IO[str]) -> tuple[list[Row], list[RowError]]:
    """Check every line; return the good rows and every error (an unreadable file: its line)."""
    try:
        return _parse_rows(SafeDictReader(stream))
    except CsvFileError as exc:
        return [], [exc.error]


def _parse_rows(reader: SafeDictReader) -> tuple[list[Row], list[RowError]]:
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, _l("Missing columns: %(columns)s.", columns=", ".join(missing)))]
    reader.fieldnames = header
    taken = set(db.session.scalars(select(Cooperative.slug)))
    rows: list[Row] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    end = reader.line_num  # the header's last physical line
    for index, raw in enumerate(reader):
        # The row's first physical line (a quoted story may span several lines).
        line, end = end + 1, reader.line_num
        if index >= MAX_ROWS:
            errors.append(RowError(line, _l("Too many rows (at most %(n)d).", n=MAX_ROWS)))
            break
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        row_errors: list[Any] = []
        row = _parse_row(line, values, row_errors)
        slug = values["slug"]
        if slug and SLUG.match(slug):
            if slug in taken:
                row_errors.append(
                    _l(
                        "The slug “%(slug)s” is already used by a cooperative: "
                        "an import never changes an existing one.",
                        slug=slug,
                    )
                )
            elif slug in seen:
                row_errors.append(
                    _l("Slug %(slug)s is already on line %(line)d.", slug=slug, line=seen[slug])
                )
            seen.setdefault(slug, line)
        errors.extend(RowError(line, message) for message in row_errors)
        if row is not None and not row_errors:
            rows.append(row)
    return rows, errors


def _parse_row(line: int, v: dict[str, str], errors: list[Any]) -> Row | None:
    """Check one line's values, appending a message per problem."""
    slug = v["slug"]
    if not SLUG.match(slug) or len(slug) > SLUG_MAX:
        errors.append(
            _l(
                "Bad slug “%(value)s”: lower-case letters, digits and single dashes, "
                "at most %(n)d characters.",
                value=slug,
                n=SLUG_MAX,
            )
        )
    if not v["legal_name"]:
        errors.append(_l("The legal name is missing."))
    for column, limit in LIMITS.items():
        if len(v[column]) > limit:
            errors.append(
                _l("Column %(column)s is longer than %(n)d characters.", column=column, n=limit)
            )
    ice = ascii_digits(v["ice"]).replace(" ", "")
    if ice and not is_ice(ice):
        errors.append(
            _l("Bad ICE “%(value)s”: 15 digits whose last two are a check key.", value=v["ice"])
        )
    region = region_by_name(v["region"])
    if region is None:
        errors.append(
            _l(
                "Unknown region “%(value)s”: write one of the 12 regions by its "
                "French name, e.g. Souss-Massa.",
                value=v["region"],
            )
        )
    founded: int | None = None
    if v["founded"]:
        founded = _whole(v["founded"])
        if founded is None or not FIRST_YEAR <= founded <= utcnow().year:
            errors.append(
                _l(
                    "Bad founding year “%(value)s”: from %(first)d to %(last)d.",
                    value=v["founded"],
                    first=FIRST_YEAR,
                    last=utcnow().year,
                )
            )
    members = _whole(v["members"])
    if members is None:
        errors.append(_l("Bad number of members “%(value)s”: a whole number.", value=v["members"]))
    women = _whole(v["women_members"])
    if women is None:
        errors.append(
            _l("Bad number of women members “%(value)s”: a whole number.", value=v["women_members"])
        )
    elif members is not None and women > members:
        errors.append(
            _l(
                "There are more women members (%(women)d) than members (%(members)d).",
                women=women,
                members=members,
            )
        )
    email = ""
    try:
        email = normalize_email(validate_email(v["email"], check_deliverability=False).normalized)
    except EmailNotValidError:
        errors.append(_l("Bad e-mail address “%(value)s”.", value=v["email"]))
    if errors:
        return None
    assert region is not None and members is not None and women is not None
    return Row(
        line,
        slug,
        v["legal_name"],
        v["odco_number"] or None,
        ice or None,
        region.code,
        v["province"],
        v["commune"],
        founded,
        members,
        women,
        email,
        {lang: v[f"story_{lang}"] for lang in LANGS},
    )


def import_producers(stream: IO[str], invite_lang: str = "fr") -> ImportReport:
    """Check the whole file, then create the cooperatives and invite their owners.

    On any error nothing is written. The caller commits when ``report.ok``
    (and rolls back otherwise). New owners get their invitation in ``invite_lang``.
    """
    rows, errors = parse_rows(stream)
    report = ImportReport(errors=errors)
    if errors:
        return report
    now = utcnow()
    for row in rows:
        coop = Cooperative(
            slug=row.slug,
            legal_name=row.legal_name,
            odco_number=row.odco_number,
            ice=row.ice,
            region_code=row.region_code,
            province=row.province,
            commune=row.commune,
            founded_year=row.founded_year,
            members_count=row.members,
            women_members_count=row.women,
            email=row.email,
            status=CooperativeStatus.APPROVED,
            approved_at=now,
        )
        set_texts(coop, {lang: {"story": text} for lang, text in row.stories.items()})
        db.session.add(coop)
        db.session.flush()
        audit(
            None, "cooperative.import", coop, label=coop.legal_name, slug=coop.slug, line=row.line
        )
        invite_manager(coop, row.email, None, role=MembershipRole.OWNER, lang=invite_lang)
        report.created.append(coop.slug)
        report.invited.append(row.email)
    db.session.flush()
    return report


def import_file(path: Path, invite_lang: str = "fr") -> ImportReport:
    """Import a UTF-8 CSV file (a BOM is accepted)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return import_producers(fh, invite_lang)

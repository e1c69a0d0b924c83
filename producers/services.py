"""Cooperative operations: applications, documents, decisions, team, members."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from catalog.exceptions import ImageError
from catalog.images import clean_photo
from producers.exceptions import ProducerError
from producers.models import (
    Cooperative,
    CooperativeDocument,
    CooperativeStatus,
    CooperativeTranslation,
    DocumentKind,
    Membership,
    MembershipRole,
)
from producers.slugs import unique_cooperative_slug
from shop import mail
from shop.accounts.models import User
from shop.accounts.services import find_user, make_reset_token, normalize_email
from shop.audit import audit
from shop.extensions import db
from shop.models import utcnow
from shop.storage import get_private_storage

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
LANGS = ("ar", "fr", "en")


# ------------------------------------------------------------------ access


def membership(user: User, cooperative: Cooperative) -> Membership | None:
    """The user's membership of ``cooperative``, if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Membership).filter_by(user_id=user.id, cooperative_id=cooperative.id)
    )


def managed_cooperatives(user: User) -> list[Cooperative]:
    """Cooperatives the user manages (any status), by name."""
    if not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(Cooperative)
            .join(Membership)
            .where(Membership.user_id == user.id)
            .order_by(Cooperative.legal_name)
        )
    )


# ------------------------------------------------------------------ application


#: Application fields copied as they are from the form.
APPLICATION_FIELDS = (
    "legal_name",
    "odco_number",
    "odco_court",
    "ice",
    "kind",
    "region_code",
    "province",
    "commune",
    "founded_year",
    "members_count",
    "women_members_count",
    "contact_name",
    "email",
    "phone",
    "address",
)


def save_application(
    user: User, data: dict[str, Any], cooperative: Cooperative | None = None
) -> Cooperative:
    """Create or update a draft application; the applicant becomes its owner."""
    if cooperative is None:
        cooperative = Cooperative(
            slug=unique_cooperative_slug(data["legal_name"]),
            status=CooperativeStatus.DRAFT,
            applicant_id=user.id,
        )
        db.session.add(cooperative)
        db.session.add(Membership(user=user, cooperative=cooperative, role=MembershipRole.OWNER))
    elif cooperative.status not in (CooperativeStatus.DRAFT, CooperativeStatus.CHANGES_REQUESTED):
        raise ProducerError(_l("This application was already sent; it can no longer be edited."))
    for name in APPLICATION_FIELDS:
        if name in data:
            setattr(cooperative, name, data[name])
    set_texts(cooperative, {lang: {"story": data.get(f"story_{lang}", "")} for lang in LANGS})
    db.session.flush()
    return cooperative


def set_texts(cooperative: Cooperative, texts: dict[str, dict[str, str]]) -> None:
    """Set translated texts (``{"fr": {"story": ..., "tagline": ...}}``)."""
    existing = {t.locale: t for t in cooperative.translations}
    for lang, fields in texts.items():
        values = {k: (v or "").strip() for k, v in fields.items()}
        row = existing.get(lang)
        if row is None:
            if any(values.values()):
                cooperative.translations.append(CooperativeTranslation(locale=lang, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)


def add_document(
    cooperative: Cooperative, kind: DocumentKind, filename: str, data: bytes
) -> CooperativeDocument:
    """Check and store a PDF or photo of a document."""
    name, content_type, size = store_document(data)
    document = CooperativeDocument(
        kind=kind,
        storage_name=name,
        content_type=content_type,
        filename=(filename or name.rsplit("/", 1)[-1])[-200:],
        size=size,
    )
    cooperative.documents.append(document)
    db.session.flush()
    return document


def store_document(data: bytes) -> tuple[str, str, int]:
    """Check a PDF or photo and store it privately; (storage name, type, size)."""
    if not data:
        raise ProducerError(_l("The file is empty."))
    if len(data) > DOCUMENT_MAX_BYTES:
        raise ProducerError(
            _l("The file is too large (at most %(mb)d MB).", mb=DOCUMENT_MAX_BYTES // 2**20)
        )
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ProducerError(_l("The PDF file is damaged or incomplete."))
        content, content_type, extension = data, "application/pdf", "pdf"
    else:
        try:
            content = clean_photo(data, max_bytes=DOCUMENT_MAX_BYTES)
        except ImageError as exc:
            raise ProducerError(
                _l("Send a PDF or a photo (JPEG, PNG or WebP): %(reason)s", reason=exc.message)
            ) from exc
        content_type, extension = "image/jpeg", "jpg"
    digest = hashlib.sha256(content).hexdigest()
    name = f"docs/{digest[:2]}/{digest}.{extension}"
    # The private area: no URL reaches it, only the routes that check who asks.
    get_private_storage().save(name, content)
    return name, content_type, len(content)


def missing_for_submission(cooperative: Cooperative) -> list[Any]:
    """What must still be provided before the application can be sent."""
    missing = []
    if not any(d.kind == DocumentKind.REGISTRATION for d in cooperative.documents):
        missing.append(_l("the registration certificate"))
    if not any((t.story or "").strip() for t in cooperative.translations):
        missing.append(_l("your story, in at least one language"))
    return missing


# ------------------------------------------------------------------ decisions


@dataclass(frozen=True)
class Transition:
    """One allowed move of the cooperative state machine."""

    sources: frozenset[CooperativeStatus]
    target: CooperativeStatus
    needs_reason: bool
    by_admin: bool


S = CooperativeStatus
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.PENDING, False, False),
    "approve": Transition(frozenset({S.PENDING}), S.APPROVED, False, True),
    "reject": Transition(frozenset({S.PENDING}), S.REJECTED, True, True),
    "request_changes": Transition(frozenset({S.PENDING}), S.CHANGES_REQUESTED, True, True),
    "suspend": Transition(frozenset({S.APPROVED}), S.SUSPENDED, True, True),
    "reinstate": Transition(frozenset({S.SUSPENDED}), S.APPROVED, False, True),
}
SUBJECTS = {
    "submit": _l("We received your application"),
    "approve": _l("Your cooperative is approved on Taawon"),
    "reject": _l("Your application to Taawon was not accepted"),
    "request_changes": _l("Your application needs changes"),
    "suspend": _l("Your cooperative is suspended on Taawon"),
    "reinstate": _l("Your cooperative is active again on Taawon"),
}


def allowed_actions(cooperative: Cooperative) -> list[str]:
    """Administrator actions possible from the cooperative's status."""
    return [
        name for name, t in TRANSITIONS.items() if t.by_admin and cooperative.status in t.sources
    ]


def transition(
    cooperative: Cooperative, action: str, actor: User | None, reason: str = ""
) -> Cooperative:
    """Move ``cooperative`` by ``action``: check, record, audit and notify."""
    move = TRANSITIONS.get(action)
    if move is None or cooperative.status not in move.sources:
        raise ProducerError(_l("This action is not possible for a cooperative in this state."))
    if move.by_admin and not (actor and actor.is_admin):
        raise ProducerError(_l("Only an administrator can do this."))
    reason = reason.strip()
    if move.needs_reason and not reason:
        raise ProducerError(_l("Please give a reason: the cooperative will read it."))
    if action == "submit":
        missing = missing_for_submission(cooperative)
        if missing:
            raise ProducerError(
                _l("Before sending, add: %(items)s.", items=", ".join(str(m) for m in missing))
            )
        cooperative.submitted_at = utcnow()
    previous = cooperative.status
    cooperative.status = move.target
    if move.target == S.APPROVED and cooperative.approved_at is None:
        cooperative.approved_at = utcnow()
    if move.by_admin:
        cooperative.review_note = reason
    audit(
        actor,
        f"cooperative.{action}",
        cooperative,
        reason=reason,
        label=cooperative.legal_name,
        previous=previous.value,
        status=move.target.value,
    )
    db.session.flush()
    notify_owners(cooperative, action, reason)
    return cooperative


def notify_owners(cooperative: Cooperative, action: str, reason: str) -> None:
    """Mail the cooperative's owners about a decision, each in their language."""
    for member in cooperative.memberships:
        if member.role != MembershipRole.OWNER or not member.user.active:
            continue
        lang = member.user.locale or "fr"
        mail.send_template(
            member.user.email,
            lang,
            "cooperative_decision",
            SUBJECTS[action],
            user=member.user,
            cooperative=cooperative,
            action=action,
            reason=reason,
            link=url_for("producers.dashboard", lang=lang, slug=cooperative.slug, _external=True),
        )


# ------------------------------------------------------------------ team


def invite_manager(
    cooperative: Cooperative,
    email: str,
    actor: User | None,
    name: str = "",
    role: MembershipRole = MembershipRole.MANAGER,
    lang: str = "fr",
) -> Membership:
    """Give a person access to the workspace; new people get a set-password link."""
    user = find_user(email)
    created = user is None
    if user is None:
        import secrets

        user = User(
            email=normalize_email(email), name=name.strip() or email.split("@")[0], locale=lang
        )
        user.set_password(secrets.token_urlsafe(32))  # unusable until they choose one
        db.session.add(user)
        db.session.flush()
    elif membership(user, cooperative) is not None:
        raise ProducerError(_l("This person already manages the cooperative."))
    member = Membership(user=user, cooperative=cooperative, role=role)
    db.session.add(member)
    db.session.flush()
    audit(
        actor,
        "cooperative.invite_manager",
        cooperative,
        label=cooperative.legal_name,
        email=user.email,
        role=role.value,
    )
    link = (
        url_for(
            "accounts.reset_password",
            lang=user.locale,
            token=make_reset_token(user),
            _external=True,
        )
        if created
        else url_for("producers.dashboard", lang=user.locale, slug=cooperative.slug, _external=True)
    )
    mail.send_template(
        user.email,
        user.locale,
        "manager_invitation",
        _l("You are invited to manage %(name)s on Taawon", name=cooperative.legal_name),
        user=user,
        cooperative=cooperative,
        link=link,
        new_account=created,
    )
    return member


def remove_manager(cooperative: Cooperative, member: Membership, actor: User) -> None:
    """Take workspace access away; the last owner cannot be removed."""
    if member.cooperative_id != cooperative.id:
        raise ProducerError(_l("This person does not manage the cooperative."))
    owners = [m for m in cooperative.memberships if m.role == MembershipRole.OWNER]
    if member.role == MembershipRole.OWNER and len(owners) <= 1:
        raise ProducerError(_l("A cooperative keeps at least one owner."))
    audit(
        actor,
        "cooperative.remove_manager",
        cooperative,
        label=cooperative.legal_name,
        email=member.user.email,
    )
    db.session.delete(member)
    db.session.flush()

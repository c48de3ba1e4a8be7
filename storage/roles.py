"""Organisers and chairs per workshop, as stored; the rules of who may do what are bot.permissions."""

from collections.abc import Collection, Sequence

from sqlmodel import Session, col, select

from storage.models import Role, RoleName, Workshop


def users_with_role(session: Session, workshop_id: int, role: RoleName) -> list[str]:
    statement = select(Role.user_id).where(Role.workshop_id == workshop_id, Role.role == role)
    return sorted(set(session.exec(statement).all()))


def roles_of(session: Session, workshop_id: int, user_id: str) -> set[RoleName]:
    statement = select(Role.role).where(Role.workshop_id == workshop_id, Role.user_id == user_id)
    return {RoleName(role) for role in session.exec(statement).all()}


def workshops_for_channel(
    session: Session, channel_id: str, channel_name: str | None = None
) -> Sequence[Workshop]:
    """Workshops bound to a channel, by resolved id or by the "#name" written in the workshop file."""
    refs: list[str] = [channel_id]
    if channel_name:
        refs.append(f"#{channel_name}")
    statement = (
        select(Workshop)
        .where(
            col(Workshop.active),
            (col(Workshop.channel_id) == channel_id) | col(Workshop.channel_ref).in_(refs),
        )
        .order_by(col(Workshop.starts_at), col(Workshop.id))
    )
    return session.exec(statement).all()


def workshops_with_roles(
    session: Session, user_id: str, roles: Collection[RoleName], *, everywhere: bool = False
) -> Sequence[Workshop]:
    """Workshops where `user_id` holds any of `roles`, once each; every workshop when `everywhere`."""
    statement = select(Workshop).order_by(col(Workshop.starts_at), col(Workshop.slug))
    if not everywhere:
        held = select(Role.workshop_id).where(Role.user_id == user_id, col(Role.role).in_(list(roles)))
        statement = statement.where(col(Workshop.id).in_(held))
    return session.exec(statement).all()

"""Glance's rules for the members of a shared image, as pure checks the `Image` aggregate runs.

A member is a project the owner offers a `shared` image to; it answers pending/accepted/rejected.
Who may do what (Glance's image-sharing API): only the owner adds and removes members, only the
member changes its own status, the owner sees every member and a member only itself.
"""

from __future__ import annotations

from domain.errors import AlreadyExists, Forbidden, InvalidInput, NotFound, QuotaExceeded

MEMBER_STATUSES = ("pending", "accepted", "rejected")
MAX_MEMBERS = 128  # Glance's image_member_quota

# member (project id) -> status
Members = dict[str, str]


def check_addable(image_id: str, visibility: str, members: Members, member_id: str) -> None:
    if visibility != "shared":
        raise Forbidden(f"Image {image_id} is not shared: only shared images have members.")
    if member_id in members:
        raise AlreadyExists(f"Member {member_id} already associated with image {image_id}")
    if len(members) >= MAX_MEMBERS:
        raise QuotaExceeded("image members", 1, len(members), MAX_MEMBERS)


def check_status(status: object) -> str:
    if status not in MEMBER_STATUSES:
        raise InvalidInput(f"Status must be one of {', '.join(MEMBER_STATUSES)}; got {status!r}")
    return str(status)


def check_member(image_id: str, members: Members, member_id: str) -> None:
    if member_id not in members:
        raise NotFound(f"Member {member_id} not found for image {image_id}")


def check_answerer(member_id: str, caller_project: str | None) -> None:
    """Only the member itself accepts or rejects an offer, not even the image's owner."""
    if caller_project != member_id:
        raise Forbidden(f"Only project {member_id} may change its membership status.")

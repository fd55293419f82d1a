"""Recipient privacy: per-award salts, hashed emails and short credential codes."""

from __future__ import annotations

import hashlib

from sitegen.model import Award

# Crockford's base32: no I, L, O or U, so a code read aloud or typed is unambiguous.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def recipient_salt(award: Award) -> str:
    """A salt unique to the award and stable across builds.

    Derived from the issuer and the award id, never a global constant, so
    two awards of one earner have unrelated hashes. An imported hash keeps
    its own salt ("" when it had none: credentials then carry no salt).
    """
    if award.recipient.hashed is not None:
        return award.recipient.salt or ""
    seed = f"sitegen/recipient-salt/v1\0{award.badge.issuer.slug}\0{award.id}"
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]


def hash_email(email: str, salt: str) -> str:
    """The Open Badges hashed identity: ``sha256$`` + SHA-256(email + salt)."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def recipient_identity(award: Award) -> str:
    """The award's hashed recipient email (an imported hash as it was)."""
    if award.recipient.hashed is not None:
        return award.recipient.hashed
    return hash_email(award.recipient.email or "", recipient_salt(award))


def credential_code(award: Award) -> str:
    """A short code a person can type (``XXXX-XXXX``), shown on pages and used on LinkedIn."""
    seed = f"sitegen/credential-code/v1\0{award.badge.issuer.slug}\0{award.id}"
    number = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:5], "big")
    chars = "".join(_CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(8)))
    return f"{chars[:4]}-{chars[4:]}"

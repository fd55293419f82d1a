"""Finding each issuer's and endorser's signing key: a CI secret, a local key file, or the
development key."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sitegen.crypto.keys import KeyMaterialError, SigningKey, read_key_file, read_signing_key
from sitegen.diagnostics import Diagnostics
from sitegen.did import PublishedKey
from sitegen.model import Endorser, Issuer, Site

ENV_PREFIX = "SITEGEN_SIGNING_KEY_"
KEY_DIR = ".keys"  # in the repository folder, ignored by git
DEVELOPMENT_FRAGMENT = "development-key"
PRODUCTION_ENV = "SITEGEN_PRODUCTION"


def env_name(issuer_slug: str) -> str:
    """The environment variable (CI secret) that holds an issuer's secret key."""
    return ENV_PREFIX + issuer_slug.upper().replace("-", "_")


def key_path(source: Path, issuer_slug: str) -> Path:
    """The local key file of an issuer (owner-only, never committed)."""
    return source / KEY_DIR / f"{issuer_slug}.key"


def development_key(issuer_slug: str) -> SigningKey:
    """A key anyone can recompute, for builds with no real key: never trusted.

    It is derived, not stored, so development builds are reproducible on any
    machine; pages of such builds say "development build" and production
    builds refuse to use it.
    """
    seed = hashlib.sha256(f"sitegen development key, not secret\0{issuer_slug}".encode()).digest()
    return SigningKey.from_seed(seed)


@dataclass(frozen=True, slots=True, kw_only=True)
class Signer:
    """The key that signs an issuer's credentials, and its fragment in the DID document."""

    key: SigningKey
    fragment: str
    is_development: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Keyring:
    """Signers by issuer or endorser slug (the two share one name space)."""

    signers: Mapping[str, Signer]

    @property
    def is_development(self) -> bool:
        """True when any issuer signs with a development key."""
        return any(s.is_development for s in self.signers.values())

    def published_keys(self, issuer: Issuer | Endorser) -> tuple[PublishedKey, ...]:
        """The keys the issuer's DID document lists: declared ones, plus the dev key if used."""
        keys = [PublishedKey(fragment=k.id, multikey=k.multikey) for k in issuer.keys]
        signer = self.signers[issuer.slug]
        if signer.is_development:
            keys.append(PublishedKey(
                fragment=signer.fragment, multikey=signer.key.public_key.multibase,
            ))
        return tuple(keys)


def is_production(environ: Mapping[str, str]) -> bool:
    """True when the environment asks for a production build (e.g. a CI setting)."""
    return environ.get(PRODUCTION_ENV, "").lower() in {"1", "true", "yes"}


def read_keyring(
    site: Site,
    source: Path,
    environ: Mapping[str, str],
    diags: Diagnostics,
    *,
    production: bool,
) -> Keyring:
    """Load every issuer's and endorser's secret key; never put key material in a message."""
    signers: dict[str, Signer] = {}
    holders: tuple[Issuer | Endorser, ...] = (*site.issuers, *site.endorsers)
    for issuer in holders:
        noun = "issuer" if isinstance(issuer, Issuer) else "endorser"
        key, origin = read_secret(issuer, source, environ, diags)
        declared = {k.multikey: k for k in issuer.keys}
        entry = declared.get(key.public_key.multibase) if key else None
        if key is not None and entry is not None and entry.is_active:
            signers[issuer.slug] = Signer(key=key, fragment=entry.id, is_development=False)
            continue
        if key is None:
            problem = (
                f"no signing key for {noun} '{issuer.slug}': set {env_name(issuer.slug)} "
                f"or create {KEY_DIR}/{issuer.slug}.key"
            )
            hint = f"run: sitegen keys generate {issuer.slug}"
        elif entry is None:
            problem = (
                f"the key from {origin} matches no public key declared for '{issuer.slug}'"
            )
            hint = (
                f"declare it under 'keys:' in {issuer.source.path}: "
                f"{{id: key-1, multikey: {key.public_key.multibase}}}"
            )
        else:
            problem = f"the key from {origin} is marked retired for '{issuer.slug}'"
            hint = "sign with the current key, or run: sitegen keys rotate " + issuer.slug
        if production:
            diags.error(issuer.source, "keys.unusable", problem, hint)
        elif key is not None:
            diags.warning(issuer.source, "keys.unusable", problem + "; using the development key",
                          hint)
        signers[issuer.slug] = Signer(
            key=development_key(issuer.slug), fragment=DEVELOPMENT_FRAGMENT, is_development=True,
        )
    return Keyring(signers=signers)


def read_secret(
    issuer: Issuer | Endorser, source: Path, environ: Mapping[str, str], diags: Diagnostics
) -> tuple[SigningKey | None, str]:
    """The issuer's (or endorser's) secret key from its CI variable, else its key file, and
    where it came from."""
    name = env_name(issuer.slug)
    if environ.get(name):
        try:
            return read_signing_key(environ[name]), f"${name}"
        except KeyMaterialError as exc:
            diags.error(issuer.source, "keys.bad-secret", f"${name}: {exc}")
            return None, name
    path = key_path(source, issuer.slug)
    if path.is_file():
        try:
            return read_key_file(path), str(Path(KEY_DIR) / path.name)
        except (KeyMaterialError, OSError) as exc:
            diags.error(issuer.source, "keys.bad-secret", f"{KEY_DIR}/{path.name}: {exc}")
    return None, ""


def current_environment() -> Mapping[str, str]:
    """The process environment (read only at the command-line edge)."""
    return os.environ

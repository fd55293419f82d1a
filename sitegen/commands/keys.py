"""``sitegen keys``: create, show and rotate issuers' and endorsers' signing keys, never
printing secrets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sitegen.crypto.keys import SigningKey, read_key_file, write_key_file
from sitegen.diagnostics import Diagnostics
from sitegen.keyring import KEY_DIR, env_name, key_path, read_secret
from sitegen.model import Endorser, Issuer
from sitegen.output import OutputError


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyReport:
    """What a keys command did, for the command line to print."""

    lines: tuple[str, ...]


def _issuer_file(source: Path, slug: str) -> Path:
    """The issuer's file, else the endorser's (they share one name space, and keys)."""
    for folder in ("issuers", "endorsers"):
        for suffix in (".yaml", ".yml"):
            path = source / "content" / folder / f"{slug}{suffix}"
            if path.is_file():
                return path
    raise OutputError(
        f"no issuer or endorser '{slug}': neither content/issuers/{slug}.yaml "
        f"nor content/endorsers/{slug}.yaml exists"
    )


def _key_entry(key_id: str, multikey: str, today: date) -> str:
    return f"  - id: {key_id}\n    multikey: {multikey}\n    created: {today.isoformat()}\n"


def generate_key(source: Path, slug: str, today: date) -> KeyReport:
    """Create ``.keys/<slug>.key`` (owner-only) and declare its public key in the issuer file."""
    issuer_file = _issuer_file(source, slug)
    path = key_path(source, slug)
    if path.exists():
        raise OutputError(
            f"{KEY_DIR}/{path.name} already exists; use 'sitegen keys rotate {slug}' "
            "to replace it"
        )
    key = SigningKey.generate()
    write_key_file(path, key)
    key_id = f"key-{today:%Y-%m-%d}"
    multikey = key.public_key.multibase
    text = issuer_file.read_text(encoding="utf-8")
    lines = [f"created {KEY_DIR}/{path.name} (readable by you only; git ignores it)"]
    if _has_top_level_key(text, "keys"):
        lines += [
            f"add this entry under 'keys:' in {issuer_file.relative_to(source)}:",
            _key_entry(key_id, multikey, today).rstrip(),
        ]
    else:
        suffix = "" if text.endswith("\n") else "\n"
        issuer_file.write_text(
            text + suffix + "\n# Public signing keys (the secret halves are never in git).\n"
            "keys:\n" + _key_entry(key_id, multikey, today),
            encoding="utf-8",
        )
        lines.append(f"declared public key {key_id} in {issuer_file.relative_to(source)}")
    lines += [
        f"public key: {multikey}",
        f"for CI, store the content of {KEY_DIR}/{path.name} as the secret {env_name(slug)}",
    ]
    return KeyReport(lines=tuple(lines))


def show_key(
    source: Path, issuer: Issuer | Endorser, environ: Mapping[str, str], diags: Diagnostics
) -> KeyReport:
    """Say which key would sign and which public keys are declared (public halves only)."""
    key, origin = read_secret(issuer, source, environ, diags)
    lines = []
    if key is None:
        lines.append(
            f"no signing key for '{issuer.slug}' (looked for ${env_name(issuer.slug)} "
            f"and {KEY_DIR}/{issuer.slug}.key): builds use the development key"
        )
    else:
        public = key.public_key.multibase
        match = next((k for k in issuer.keys if k.multikey == public), None)
        state = (
            f"declared as '{match.id}'" + (" (retired)" if match.retired else "")
            if match else f"NOT declared in {issuer.source.path}"
        )
        lines.append(f"signing key from {origin}: public key {public}, {state}")
    for k in issuer.keys:
        status = f"retired {k.retired.date().isoformat()}" if k.retired else "active"
        lines.append(f"declared {k.id}: {k.multikey} ({status})")
    return KeyReport(lines=tuple(lines))


def rotate_key(source: Path, slug: str, today: date) -> KeyReport:
    """Replace the local key with a new one; the old public key must stay declared, retired."""
    issuer_file = _issuer_file(source, slug)
    path = key_path(source, slug)
    if not path.is_file():
        raise OutputError(f"no {KEY_DIR}/{path.name} to rotate; run 'sitegen keys generate {slug}'")
    old = read_key_file(path)
    retired = path.with_name(f"{slug}.retired-{today:%Y-%m-%d}.key")
    path.rename(retired)
    key = SigningKey.generate()
    write_key_file(path, key)
    key_id = f"key-{today:%Y-%m-%d}"
    return KeyReport(lines=(
        f"created a new {KEY_DIR}/{path.name}; the old one is kept as {KEY_DIR}/{retired.name}",
        f"in {issuer_file.relative_to(source)}, under 'keys:':",
        f"  1. add 'retired: {today.isoformat()}' to the key whose multikey is "
        f"{old.public_key.multibase} (keep the entry: credentials it signed must keep verifying)",
        "  2. add the new key:",
        _key_entry(key_id, key.public_key.multibase, today).rstrip(),
        f"then update the CI secret {env_name(slug)} with the content of {KEY_DIR}/{path.name}",
    ))


def _has_top_level_key(text: str, key: str) -> bool:
    return any(line.startswith(f"{key}:") for line in text.splitlines())

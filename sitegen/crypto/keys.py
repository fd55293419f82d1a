"""Ed25519 keys for signing credentials: Multikey text forms and private key files."""

from __future__ import annotations

import os
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

_PUBLIC_HEADER = b"\xed\x01"
"""Multicodec ``ed25519-pub``: ``publicKeyMultibase`` is ``z`` + base58btc(header + key)."""
_SECRET_HEADER = b"\x80\x26"
"""Multicodec ``ed25519-priv``: ``secretKeyMultibase`` is ``z`` + base58btc(header + seed)."""
_KEY_SIZE = 32
_SIGNATURE_SIZE = 64
_MAX_KEY_FILE = 4096
"""A key file holds one line of about 50 characters; anything far bigger is another file."""


class KeyMaterialError(ValueError):
    """Key text or a key file is unusable; the message never contains the key material."""


def _decode_base58btc(text: str, what: str) -> bytes:
    """The bytes of multibase base58btc ``text``; errors name ``what``, never the text."""
    if not text.startswith("z"):
        raise KeyMaterialError(f"{what} must be multibase base58btc text, starting with 'z'")
    try:
        return base58.b58decode(text[1:])
    except ValueError:
        # The decoder's own message quotes the offending character: do not chain it.
        raise KeyMaterialError(
            f"{what} contains characters outside the base58btc alphabet"
        ) from None


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key, as published in a ``Multikey`` verification method."""

    raw: bytes
    """The 32-byte key."""

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != _KEY_SIZE:
            raise KeyMaterialError(f"an Ed25519 public key is {_KEY_SIZE} bytes")

    def __repr__(self) -> str:
        return f"PublicKey({self.multibase!r})"

    @property
    def multibase(self) -> str:
        """The ``publicKeyMultibase`` form, ``z6Mk…``."""
        return "z" + base58.b58encode(_PUBLIC_HEADER + self.raw).decode("ascii")

    @classmethod
    def from_multibase(cls, text: str) -> PublicKey:
        """Read a ``publicKeyMultibase`` value; anything but an Ed25519 Multikey is refused."""
        data = _decode_base58btc(text.strip(), "a publicKeyMultibase value")
        if data[:2] == _SECRET_HEADER:
            raise KeyMaterialError(
                "this is an Ed25519 secret key, not a public key: never publish it"
            )
        if data[:2] != _PUBLIC_HEADER:
            raise KeyMaterialError(
                "not an Ed25519 Multikey: publicKeyMultibase must start with header 0xed01"
            )
        if len(data) != len(_PUBLIC_HEADER) + _KEY_SIZE:
            raise KeyMaterialError(
                f"an Ed25519 publicKeyMultibase holds {_KEY_SIZE} key bytes after its header,"
                f" found {len(data) - len(_PUBLIC_HEADER)}"
            )
        return cls(data[len(_PUBLIC_HEADER) :])

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` is this key's pure Ed25519 (RFC 8032) signature of ``data``."""
        if len(signature) != _SIGNATURE_SIZE:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except InvalidSignature:
            return False
        return True


class SigningKey:
    """An Ed25519 private key.

    Its ``repr`` shows only the public key, and :meth:`to_multibase` is the one way to
    export the secret. It is immutable, so copying returns the same object.
    """

    __slots__ = ("_key",)

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def __repr__(self) -> str:
        return f"SigningKey(public_key={self.public_key.multibase!r})"

    def __copy__(self) -> SigningKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> SigningKey:
        return self

    @classmethod
    def generate(cls) -> SigningKey:
        """A new random key from the operating system's CSPRNG."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """The key whose RFC 8032 secret (seed) is the 32 bytes ``seed``."""
        if not isinstance(seed, bytes) or len(seed) != _KEY_SIZE:
            raise KeyMaterialError(f"an Ed25519 seed is {_KEY_SIZE} bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_multibase(cls, text: str) -> SigningKey:
        """Read a ``secretKeyMultibase`` value (``z3u2…``): header 0x8026 and the seed.

        The 64-byte form that ``@digitalbazaar/ed25519-multikey`` exports (seed followed by
        the public key) is accepted too, when its public half matches the seed.
        """
        data = _decode_base58btc(text, "a secretKeyMultibase value")
        if data[:2] == _PUBLIC_HEADER:
            raise KeyMaterialError(
                "this is an Ed25519 public key (publicKeyMultibase), not a secret key"
            )
        if data[:2] != _SECRET_HEADER:
            raise KeyMaterialError(
                "not an Ed25519 secret key: secretKeyMultibase must start with header 0x8026"
            )
        body = data[len(_SECRET_HEADER) :]
        if len(body) not in (_KEY_SIZE, 2 * _KEY_SIZE):
            raise KeyMaterialError(
                f"an Ed25519 secretKeyMultibase holds {_KEY_SIZE} or {2 * _KEY_SIZE} key bytes"
                f" after its header, found {len(body)}"
            )
        key = cls.from_seed(body[:_KEY_SIZE])
        if len(body) == 2 * _KEY_SIZE and key.public_key.raw != body[_KEY_SIZE:]:
            raise KeyMaterialError(
                "the 64-byte secret key is inconsistent: its public half does not match its seed"
            )
        return key

    @property
    def public_key(self) -> PublicKey:
        """The matching public key."""
        return PublicKey(self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, data: bytes) -> bytes:
        """The 64-byte pure Ed25519 signature of ``data`` (deterministic)."""
        return self._key.sign(data)

    def to_multibase(self) -> str:
        """The ``secretKeyMultibase`` text (32-byte seed form): keep it secret."""
        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return "z" + base58.b58encode(_SECRET_HEADER + seed).decode("ascii")


def read_signing_key(text: str) -> SigningKey:
    """Read a ``secretKeyMultibase`` line, e.g. from a file or an environment variable."""
    value = text.strip()
    if not value:
        raise KeyMaterialError("the key text is empty")
    if any(char.isspace() for char in value):
        raise KeyMaterialError(
            "the key text must be one secretKeyMultibase value, without spaces or line breaks"
        )
    return SigningKey.from_multibase(value)


def _make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents, each readable by its owner only."""
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue  # created meanwhile by someone else: not ours to chmod
        os.chmod(path, 0o700)  # mkdir's mode is filtered through the umask


def write_key_file(path: Path, key: SigningKey) -> None:
    """Write ``key`` to a new file readable by its owner only; never overwrite a file.

    Raises ``FileExistsError`` when ``path`` exists (even as a dangling symlink).
    """
    _make_private_dirs(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # exactly 0600, whatever the umask
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.to_multibase() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def read_key_file(path: Path) -> SigningKey:
    """Read a key file written by :func:`write_key_file`.

    A file that group or others may read or write is refused, as ssh does with private
    keys: its secret must be assumed leaked or replaceable.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)  # of the file opened, not of whatever the path names later
        if not stat.S_ISREG(info.st_mode):
            raise KeyMaterialError(f"{path} is not a regular file")
        # Windows reports 0o666 for every writable file: its ACLs are not mode bits.
        if os.name != "nt":
            hint = f"run chmod 600 {shlex.quote(str(path))}"
            if info.st_mode & 0o044:
                raise KeyMaterialError(f"{path} is readable by other users; {hint}")
            if info.st_mode & 0o022:
                raise KeyMaterialError(f"{path} is writable by other users; {hint}")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(_MAX_KEY_FILE + 1)
    finally:
        os.close(fd)
    if len(data) > _MAX_KEY_FILE:
        raise KeyMaterialError(f"{path} is too big to be a key file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyMaterialError(f"{path} is not a text file") from None
    try:
        return read_signing_key(text)
    except KeyMaterialError as error:
        raise KeyMaterialError(f"{path}: {error}") from None

"""Tests for Ed25519 keys: Multikey text forms, key files, and keeping secrets out of messages."""

from __future__ import annotations

import base64
import json
import os
import stat
import traceback
from collections.abc import Iterator
from pathlib import Path

import base58
import pytest

from sitegen.crypto.keys import (
    KeyMaterialError,
    PublicKey,
    SigningKey,
    read_key_file,
    read_signing_key,
    write_key_file,
)

VECTORS = Path(__file__).resolve().parents[1] / "data" / "vectors" / "eddsa-rdfc-2022"
KEY_PAIR = json.loads((VECTORS / "key-pair.json").read_text("utf-8"))
SECRET = KEY_PAIR["secretKeyMultibase"]
PUBLIC = KEY_PAIR["publicKeyMultibase"]
SEED = bytes.fromhex(KEY_PAIR["secretKeySeedHex"])
RAW_PUBLIC = bytes.fromhex(KEY_PAIR["publicKeyHex"])

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def secret_forms(seed: bytes, secret_text: str) -> list[str]:
    """Every text form of a secret that must never appear in a message."""
    return [
        secret_text,
        seed.hex(),
        seed.hex().upper(),
        base58.b58encode(seed).decode(),
        base58.b58encode(b"\x80\x26" + seed).decode(),
        base64.b64encode(seed).decode(),
        base64.b64encode(seed).decode().rstrip("="),
        base64.urlsafe_b64encode(seed).decode().rstrip("="),
    ]


def leaks(text: str, forms: list[str], window: int = 10) -> list[str]:
    """The pieces (``window`` characters or more) of any secret form found in ``text``."""
    return [
        form[i : i + window]
        for form in forms
        for i in range(len(form) - window + 1)
        if form[i : i + window] in text
    ]


def with_b58(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode()


def test_vector_secret_key_gives_vector_public_key() -> None:
    key = SigningKey.from_multibase(SECRET)

    assert key.public_key.multibase == PUBLIC
    assert key.public_key.raw == RAW_PUBLIC
    assert key.to_multibase() == SECRET


def test_seed_round_trips_through_secret_multibase() -> None:
    assert SigningKey.from_seed(SEED).to_multibase() == SECRET
    assert SECRET.startswith("z3u2")


def test_public_key_round_trips_through_multibase() -> None:
    key = PublicKey.from_multibase(PUBLIC)

    assert key.raw == RAW_PUBLIC
    assert key.multibase == PUBLIC
    assert key == PublicKey(RAW_PUBLIC)
    assert repr(key) == f"PublicKey({PUBLIC!r})"


def test_generated_keys_differ_and_round_trip() -> None:
    first, second = SigningKey.generate(), SigningKey.generate()

    assert first.public_key != second.public_key
    again = SigningKey.from_multibase(first.to_multibase())
    assert again.public_key == first.public_key
    assert first.public_key.multibase.startswith("z6Mk")


def test_64_byte_secret_form_is_accepted() -> None:
    long_form = with_b58(b"\x80\x26" + SEED + RAW_PUBLIC)

    key = SigningKey.from_multibase(long_form)

    assert key.public_key.multibase == PUBLIC
    assert key.to_multibase() == SECRET  # exported in the 32-byte form


def test_64_byte_secret_form_with_wrong_public_half_is_rejected() -> None:
    other = SigningKey.generate().public_key.raw

    with pytest.raises(KeyMaterialError, match="public half does not match"):
        SigningKey.from_multibase(with_b58(b"\x80\x26" + SEED + other))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PUBLIC, "public key"),
        (with_b58(b"\x12\x00" + SEED), "header 0x8026"),
        (with_b58(b"\x80\x26" + SEED[:31]), "found 31"),
        (SECRET[1:], "starting with 'z'"),
        (SECRET[:-1] + "0", "base58btc alphabet"),
        ("zé", "base58btc alphabet"),
    ],
)
def test_bad_secret_key_text_is_rejected(text: str, message: str) -> None:
    with pytest.raises(KeyMaterialError, match=message):
        SigningKey.from_multibase(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SECRET, "secret key, not a public key"),
        (with_b58(b"\xe7\x01" + RAW_PUBLIC + b"\x00"), "header 0xed01"),
        (with_b58(b"\xed\x01" + RAW_PUBLIC[:31]), "found 31"),
        ("u" + PUBLIC[1:], "starting with 'z'"),
        (PUBLIC[:-1] + "l", "base58btc alphabet"),
    ],
)
def test_bad_public_key_text_is_rejected(text: str, message: str) -> None:
    with pytest.raises(KeyMaterialError, match=message):
        PublicKey.from_multibase(text)


def test_public_key_needs_32_bytes() -> None:
    with pytest.raises(KeyMaterialError, match="32 bytes"):
        PublicKey(RAW_PUBLIC + b"\x00")


def test_seed_needs_32_bytes() -> None:
    with pytest.raises(KeyMaterialError, match="32 bytes"):
        SigningKey.from_seed(SEED[:16])


def test_signature_of_vector_hash_data_matches_vector() -> None:
    data = bytes.fromhex(json.loads((VECTORS / "hash-data.json").read_text())["hex"])
    expected = json.loads((VECTORS / "signature.json").read_text())["hex"]

    signature = SigningKey.from_multibase(SECRET).sign(data)

    assert signature.hex() == expected
    assert PublicKey(RAW_PUBLIC).verify(signature, data)


def test_verify_rejects_changed_data_and_bad_signatures() -> None:
    key = SigningKey.from_multibase(SECRET)
    signature = key.sign(b"hello")
    flipped = bytes([signature[0] ^ 1]) + signature[1:]

    assert not key.public_key.verify(signature, b"hellO")
    assert not key.public_key.verify(flipped, b"hello")
    assert not key.public_key.verify(signature[:63], b"hello")
    assert not SigningKey.generate().public_key.verify(signature, b"hello")


def test_read_signing_key_accepts_surrounding_whitespace() -> None:
    key = read_signing_key(f"  {SECRET}\r\n")

    assert key.public_key.multibase == PUBLIC


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), (" \n", "empty"), (f"{SECRET[:20]} {SECRET[20:]}", "without spaces")],
)
def test_read_signing_key_rejects_malformed_text(text: str, message: str) -> None:
    with pytest.raises(KeyMaterialError, match=message):
        read_signing_key(text)


def bad_inputs_made_from_the_secret() -> Iterator[str]:
    """Wrong key texts that still contain most of the real secret."""
    other = SigningKey.generate().public_key.raw
    yield SECRET[:-1] + "0"  # one character outside the alphabet
    yield SECRET[:-3]  # truncated: wrong length
    yield SECRET + "a"  # too long
    yield SECRET[1:]  # multibase prefix missing
    yield "u" + base64.urlsafe_b64encode(b"\x80\x26" + SEED).decode().rstrip("=")
    yield with_b58(b"\x80\x26" + SEED + other)  # 64-byte form, wrong public half
    yield with_b58(b"\x80\x27" + SEED)  # wrong header
    yield f"{SECRET} {SECRET}"
    yield SEED.hex()


@pytest.mark.parametrize("text", list(bad_inputs_made_from_the_secret()))
def test_key_errors_never_contain_the_key_material(text: str) -> None:
    forms = [*secret_forms(SEED, SECRET), text]

    with pytest.raises(KeyMaterialError) as caught:
        read_signing_key(text)

    report = "".join(traceback.format_exception(caught.value))
    assert leaks(str(caught.value), forms) == []
    assert leaks(report, forms) == []


def test_signing_key_repr_and_str_never_show_the_secret() -> None:
    key = SigningKey.from_multibase(SECRET)
    forms = secret_forms(SEED, SECRET)

    assert repr(key) == f"SigningKey(public_key={PUBLIC!r})"
    assert leaks(repr(key), forms) == []
    assert leaks(str(key), forms) == []
    assert leaks(repr([key, {"key": key}]), forms) == []
    assert not hasattr(key, "__dict__")


@posix_only
def test_write_key_file_creates_owner_only_file_and_dirs(tmp_path: Path) -> None:
    path = tmp_path / "private" / "keys" / "acme.key"
    old_umask = os.umask(0)  # the modes must not depend on a permissive umask
    try:
        write_key_file(path, SigningKey.from_multibase(SECRET))
    finally:
        os.umask(old_umask)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "private").stat().st_mode) == 0o700
    assert path.read_text("ascii") == SECRET + "\n"
    assert read_key_file(path).public_key.multibase == PUBLIC


def test_write_key_file_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "acme.key"
    path.write_text("precious\n")

    with pytest.raises(FileExistsError):
        write_key_file(path, SigningKey.generate())

    assert path.read_text() == "precious\n"


@posix_only
@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (0o640, "readable by other users"),
        (0o604, "readable by other users"),
        (0o620, "writable by other users"),
    ],
)
def test_read_key_file_refuses_a_file_others_can_use(
    tmp_path: Path, mode: int, message: str
) -> None:
    path = tmp_path / "acme.key"
    write_key_file(path, SigningKey.from_multibase(SECRET))
    path.chmod(mode)

    with pytest.raises(KeyMaterialError, match=message) as caught:
        read_key_file(path)

    assert f"run chmod 600 {path}" in str(caught.value)
    assert leaks(str(caught.value), secret_forms(SEED, SECRET)) == []


@posix_only
def test_read_key_file_reports_bad_content_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / "acme.key"
    path.write_text(SECRET[:-3] + "\n")
    path.chmod(0o600)

    with pytest.raises(KeyMaterialError) as caught:
        read_key_file(path)

    assert str(caught.value).startswith(f"{path}: ")
    assert leaks(str(caught.value), [*secret_forms(SEED, SECRET), SECRET[:-3]]) == []


@posix_only
def test_read_key_file_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="not a regular file"):
        read_key_file(tmp_path)

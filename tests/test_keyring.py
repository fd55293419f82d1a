import base64
import os
import stat

import base58
import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.commands.build import build_site
from sitegen.crypto.keys import SigningKey
from sitegen.diagnostics import ContentError
from sitegen.keyring import development_key, env_name

SEED = bytes(range(1, 33))
KEY = SigningKey.from_seed(SEED)


def with_key(site_factory, *, declared=True, retired=False):
    issuer = (
        "name: Atelier Test\nurl: https://atelier.example.org/\n"
        "email: contact@atelier.example.org\n"
    )
    if declared:
        issuer += f"keys:\n  - id: key-1\n    multikey: {KEY.public_key.multibase}\n"
        if retired:
            issuer += "    retired: 2025-01-01\n"
    return site_factory({"content/issuers/atelier.yaml": issuer})


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_env_name_is_upper_snake_case():
    assert env_name("valoristes-bourguignons") == "SITEGEN_SIGNING_KEY_VALORISTES_BOURGUIGNONS"


def test_development_key_is_stable_and_labelled(site_factory, tmp_path):
    root = site_factory()
    result = build_site(root, tmp_path / "out", environ={})
    assert result.development
    assert "Development build" not in (tmp_path / "out/index.html").read_text()  # French site
    assert "Version de développement" in (tmp_path / "out/index.html").read_text()
    did = (tmp_path / "out/issuers/atelier/did.json").read_text()
    assert "#development-key" in did
    assert development_key("atelier").public_key.multibase in did


def test_declared_key_from_environment_signs_in_production(site_factory, tmp_path):
    root = with_key(site_factory)
    env = {env_name("atelier"): KEY.to_multibase()}
    result = build_site(root, tmp_path / "out", environ=env, production=True)
    assert not result.development
    credential = (tmp_path / "out/awards/a1/credential.json").read_text()
    assert "#key-1" in credential
    assert "development" not in (tmp_path / "out/issuers/atelier/did.json").read_text()
    assert "Version de développement" not in (tmp_path / "out/index.html").read_text()


def test_production_refuses_a_missing_key(site_factory, tmp_path):
    with pytest.raises(ContentError) as info:
        build_site(with_key(site_factory), tmp_path / "out", environ={}, production=True)
    (d,) = info.value.diagnostics
    assert (d.code, d.span.path) == ("keys.unusable", "content/issuers/atelier.yaml")
    assert "no signing key for issuer 'atelier'" in d.message
    assert not (tmp_path / "out").exists()


def test_production_refuses_an_undeclared_key(site_factory, tmp_path):
    other = SigningKey.from_seed(bytes(32))
    with pytest.raises(ContentError) as info:
        build_site(with_key(site_factory), tmp_path / "out",
                   environ={env_name("atelier"): other.to_multibase()}, production=True)
    (d,) = info.value.diagnostics
    assert d.code == "keys.unusable"
    assert "matches no public key declared" in d.message
    assert other.public_key.multibase in d.hint  # the public half helps; never the secret
    assert other.to_multibase() not in d.message + d.hint


def test_retired_key_is_refused_in_production(site_factory, tmp_path):
    root = with_key(site_factory, retired=True)
    with pytest.raises(ContentError) as info:
        build_site(root, tmp_path / "o", environ={env_name("atelier"): KEY.to_multibase()},
                   production=True)
    assert "is marked retired" in info.value.diagnostics[0].message


def secret_encodings(key: SigningKey) -> list[bytes]:
    seed = base58.b58decode(key.to_multibase()[1:])[2:]
    assert len(seed) == 32
    text = [key.to_multibase(), seed.hex(), seed.hex().upper(),
            base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed).decode().rstrip("="),
            base58.b58encode(seed).decode()]
    return [t.encode() for t in text] + [seed]


def test_no_secret_key_material_in_output_or_logs(site_factory, tmp_path):
    root = with_key(site_factory)
    env = {env_name("atelier"): KEY.to_multibase()}
    result = run("build", "--source", str(root), "--output", str(tmp_path / "out"),
                 "--production", env=env)
    assert result.exit_code == 0, result.output
    logs = (result.stdout + result.stderr).encode()
    for path in [p for p in (tmp_path / "out").rglob("*") if p.is_file()]:
        data = path.read_bytes()
        for secret in secret_encodings(KEY):
            assert secret not in data, path
    for secret in secret_encodings(KEY):
        assert secret not in logs


def test_keys_generate_creates_owner_only_file_and_declares_public_key(site_factory):
    root = site_factory()
    result = run("keys", "generate", "atelier", "--source", str(root))
    assert result.exit_code == 0, result.output
    key_file = root / ".keys/atelier.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = SigningKey.from_multibase(key_file.read_text().strip())
    issuer = (root / "content/issuers/atelier.yaml").read_text()
    assert key.public_key.multibase in issuer
    for secret in secret_encodings(key):
        assert secret not in result.output.encode()
    assert run("check", "--source", str(root)).exit_code == 0
    again = run("keys", "generate", "atelier", "--source", str(root))
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_keys_show_names_the_signing_key_without_the_secret(site_factory):
    root = site_factory()
    run("keys", "generate", "atelier", "--source", str(root))
    result = run("keys", "show", "atelier", "--source", str(root))
    key = SigningKey.from_multibase((root / ".keys/atelier.key").read_text())
    assert f"public key {key.public_key.multibase}, declared as" in result.stdout
    assert key.to_multibase() not in result.output


def test_keys_rotate_keeps_the_old_key_and_explains_the_edit(site_factory):
    root = site_factory()
    run("keys", "generate", "atelier", "--source", str(root))
    old = SigningKey.from_multibase((root / ".keys/atelier.key").read_text())
    result = run("keys", "rotate", "atelier", "--source", str(root))
    assert result.exit_code == 0, result.output
    new = SigningKey.from_multibase((root / ".keys/atelier.key").read_text())
    assert new.public_key != old.public_key
    assert "retired: " in result.stdout and old.public_key.multibase in result.stdout
    assert new.public_key.multibase in result.stdout
    retired_files = list((root / ".keys").glob("atelier.retired-*.key"))
    assert len(retired_files) == 1
    assert stat.S_IMODE(retired_files[0].stat().st_mode) == 0o600


def test_key_file_readable_by_others_is_refused(site_factory, tmp_path):
    root = with_key(site_factory)
    path = root / ".keys/atelier.key"
    path.parent.mkdir()
    path.write_text(KEY.to_multibase())
    os.chmod(path, 0o644)
    with pytest.raises(ContentError) as info:
        build_site(root, tmp_path / "o", environ={}, production=True)
    messages = " ".join(d.message for d in info.value.diagnostics)
    assert "readable by other users" in messages
    assert KEY.to_multibase() not in messages


# Endorsers sign their endorsements with keys of their own, handled like issuers' keys.
ENDORSER_SEED = bytes(range(101, 133))
ENDORSER_KEY = SigningKey.from_seed(ENDORSER_SEED)
ENDORSER = "name: Agence\nurl: https://agence.example.org/\nemail: contact@agence.example.org\n"
ENDORSEMENT = "endorser: agence\nbadge: ponctuel\nissued: 2024-04-01\ncomment: Fiable.\n"


def with_endorser(site_factory, *, declared=True):
    root = with_key(site_factory)
    endorser = ENDORSER
    if declared:
        endorser += f"keys:\n  - id: key-1\n    multikey: {ENDORSER_KEY.public_key.multibase}\n"
    (root / "content/endorsers").mkdir()
    (root / "content/endorsers/agence.yaml").write_text(endorser)
    (root / "content/endorsements").mkdir()
    (root / "content/endorsements/agence-ponctuel.yaml").write_text(ENDORSEMENT)
    return root


def test_production_refuses_an_endorser_without_its_key(site_factory, tmp_path):
    root = with_endorser(site_factory)
    with pytest.raises(ContentError) as info:
        build_site(root, tmp_path / "out", environ={env_name("atelier"): KEY.to_multibase()},
                   production=True)
    (d,) = info.value.diagnostics
    assert (d.code, d.span.path) == ("keys.unusable", "content/endorsers/agence.yaml")
    assert "no signing key for endorser 'agence'" in d.message
    assert d.hint == "run: sitegen keys generate agence"
    assert not (tmp_path / "out").exists()


def test_an_endorser_without_a_key_signs_with_the_development_key_and_the_banner(
    site_factory, tmp_path
):
    root = with_endorser(site_factory, declared=False)
    result = build_site(root, tmp_path / "out", environ={env_name("atelier"): KEY.to_multibase()})
    assert result.development, "an endorsement signed by a test key proves nothing either"
    assert "Version de développement" in (tmp_path / "out/index.html").read_text()
    assert "#development-key" in (tmp_path / "out/endorsers/agence/did.json").read_text()
    assert "#development-key" not in (tmp_path / "out/issuers/atelier/did.json").read_text()


def test_no_endorser_key_material_in_output_or_logs(site_factory, tmp_path):
    root = with_endorser(site_factory)
    env = {env_name("atelier"): KEY.to_multibase(), env_name("agence"): ENDORSER_KEY.to_multibase()}
    result = run("build", "--source", str(root), "--output", str(tmp_path / "out"),
                 "--production", env=env)
    assert result.exit_code == 0, result.output
    credential = (tmp_path / "out/endorsements/agence-ponctuel/credential.json").read_text()
    assert "did:web:badges.example.org:endorsers:agence#key-1" in credential
    logs = (result.stdout + result.stderr).encode()
    for path in [p for p in (tmp_path / "out").rglob("*") if p.is_file()]:
        data = path.read_bytes()
        for secret in secret_encodings(ENDORSER_KEY) + secret_encodings(KEY):
            assert secret not in data, path
    for secret in secret_encodings(ENDORSER_KEY):
        assert secret not in logs


def test_keys_commands_manage_an_endorsers_key(site_factory):
    root = with_endorser(site_factory, declared=False)
    result = run("keys", "generate", "agence", "--source", str(root))
    assert result.exit_code == 0, result.output
    key = SigningKey.from_multibase((root / ".keys/agence.key").read_text().strip())
    assert key.public_key.multibase in (root / "content/endorsers/agence.yaml").read_text()
    assert "SITEGEN_SIGNING_KEY_AGENCE" in result.stdout
    shown = run("keys", "show", "agence", "--source", str(root))
    assert f"public key {key.public_key.multibase}, declared as" in shown.stdout
    for secret in secret_encodings(key):
        assert secret not in (result.output + shown.output).encode()
    missing = run("keys", "show", "agense", "--source", str(root))
    assert missing.exit_code == 2 and "no issuer or endorser 'agense'" in missing.output

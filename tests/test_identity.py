import hashlib
import re

from sitegen.identity import credential_code, hash_email, recipient_identity, recipient_salt
from tests.test_resolve import load


def test_hash_email_matches_open_badges_formula():
    # OB 2.0 spec example: sha256$ + SHA-256("mayze") with no salt.
    assert hash_email("mayze", "") == (
        "sha256$7a1a1b3f7d40552e4299180e346e3add12bf9a751a43d9c4ca4518febc2c60c6"
    )
    expected = hashlib.sha256(b"ada@example.netSALT").hexdigest()
    assert hash_email("ada@example.net", "SALT") == "sha256$" + expected


def test_salt_is_per_award_and_stable(site_factory):
    root = site_factory({"content/awards/2024/a2.yaml": (
        "badge: ponctuel\nrecipient: {email: ada@example.net}\nissued: 2024-03-15\n")})
    site, _ = load(root)
    a1, a2 = site.awards
    assert a1.recipient.email == a2.recipient.email
    assert recipient_salt(a1) != recipient_salt(a2)
    assert recipient_identity(a1) != recipient_identity(a2)  # unlinkable
    again, _ = load(root)
    assert recipient_salt(again.awards[0]) == recipient_salt(a1)
    assert re.fullmatch(r"[0-9a-f]{32}", recipient_salt(a1))


def test_recipient_identity_uses_normalized_email(site_factory):
    site, _ = load(site_factory())
    (award,) = site.awards
    salt = recipient_salt(award)
    assert recipient_identity(award) == hash_email("ada@example.net", salt)


def test_credential_code_is_short_unambiguous_and_stable(site_factory):
    site, _ = load(site_factory())
    code = credential_code(site.awards[0])
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    assert credential_code(load(site_factory())[0].awards[0]) == code


KEPT_HASH = "sha256$" + hashlib.sha256(b"ada@example.netOLDSALT").hexdigest()


def test_imported_hash_is_kept_as_is_with_its_salt(site_factory):
    site, problems = load(site_factory({"content/awards/2024/a1.yaml": (
        f"badge: ponctuel\nrecipient:\n  hashed: {KEPT_HASH}\n  salt: OLDSALT\n"
        "issued: 2024-03-14\n")}))
    assert problems == []
    (award,) = site.awards
    assert award.recipient.email is None
    assert recipient_identity(award) == KEPT_HASH
    assert recipient_salt(award) == "OLDSALT"


def test_imported_hash_without_salt_has_no_salt(site_factory):
    site, problems = load(site_factory({"content/awards/2024/a1.yaml": (
        f"badge: ponctuel\nrecipient: {{hashed: '{KEPT_HASH}'}}\nissued: 2024-03-14\n")}))
    assert problems == []
    assert recipient_salt(site.awards[0]) == ""


def test_recipient_needs_one_identity_and_a_real_hash(site_factory):
    bad = {
        "content/awards/2024/a1.yaml": (
            f"badge: ponctuel\nrecipient:\n  email: ada@example.net\n  hashed: {KEPT_HASH}\n"
            "issued: 2024-03-14\n"),
        "content/awards/2024/a2.yaml": (
            "badge: ponctuel\nrecipient:\n  hashed: md5$abc\nissued: 2024-03-14\n"),
        "content/awards/2024/a3.yaml": (
            "badge: ponctuel\nrecipient:\n  email: b@example.net\n  salt: x\n"
            "issued: 2024-03-14\n"),
    }
    _, problems = load(site_factory(bad))
    codes = {(p[0].rsplit("/", 1)[-1], p[3]) for p in problems}
    assert ("a1.yaml", "award.two-identities") in codes
    assert ("a2.yaml", "award.bad-hash") in codes
    assert ("a3.yaml", "award.salt-without-hash") in codes

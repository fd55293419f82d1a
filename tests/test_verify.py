import json
from datetime import UTC, datetime

from click.testing import CliRunner

from sitegen.cli import main
from sitegen.commands.build import build_site
from sitegen.status import decode_bitstring, is_set
from sitegen.verify import did_web_url, site_fetcher, verify

AWARD = "badge: ponctuel\nrecipient: {email: b@example.net}\nissued: 2024-03-14\n"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_did_web_url_follows_the_method_rules():
    assert did_web_url("did:web:example.com") == "https://example.com/.well-known/did.json"
    assert did_web_url("did:web:example.com:issuers:acme#key-1") == (
        "https://example.com/issuers/acme/did.json")
    assert did_web_url("did:web:example.com%3A3000:user:alice") == (
        "https://example.com:3000/user/alice/did.json")


def test_site_fetcher_handles_sub_paths_and_refuses_traversal(site_factory, tmp_path):
    root = site_factory()
    build_site(root, tmp_path / "out", base_url="https://example.org/badges/", environ={})
    fetch = site_fetcher(tmp_path / "out")
    assert fetch("https://example.org/badges/issuers/atelier/did.json") is not None
    assert fetch("https://example.org/badges/../../etc/passwd") is None
    assert fetch("https://example.org/badges/nothing.json") is None


def test_revoking_an_award_flips_exactly_its_bit(site_factory, tmp_path):
    root = site_factory({"content/awards/2024/a2.yaml": AWARD})
    build_site(root, tmp_path / "before", environ={})
    (root / "content/awards/2024/a2.yaml").write_text(
        AWARD + "revoked: {date: 2024-04-01, reason: Erreur}\n", encoding="utf-8")
    build_site(root, tmp_path / "after", environ={})

    def bits(site):
        doc = json.loads((site / "issuers/atelier/status/1.json").read_text())
        return decode_bitstring(doc["credentialSubject"]["encodedList"])

    before, after = bits(tmp_path / "before"), bits(tmp_path / "after")
    index = int(json.loads((tmp_path / "after/awards/a2/credential.json").read_text())
                ["credentialStatus"]["statusListIndex"])
    changed = [i for i in range(len(before) * 8) if is_set(before, i) != is_set(after, i)]
    assert changed == [index]
    fetch = site_fetcher(tmp_path / "after")
    assert verify((tmp_path / "after/awards/a2/badge.png").read_bytes(), fetch, NOW).status == (
        "revoked")
    assert verify((tmp_path / "after/awards/a1/badge.png").read_bytes(), fetch, NOW).status == (
        "valid")


def test_verify_reports_expiry_and_not_yet_valid(site_factory, tmp_path):
    root = site_factory({"content/awards/2024/a1.yaml": AWARD + "expires: 2025-03-14\n"})
    build_site(root, tmp_path / "out", environ={})
    data = (tmp_path / "out/awards/a1/credential.json").read_bytes()
    fetch = site_fetcher(tmp_path / "out")
    assert verify(data, fetch, NOW).status == "expired"
    assert verify(data, fetch, datetime(2024, 1, 1, tzinfo=UTC)).status == "not-yet-valid"
    assert verify(data, fetch, datetime(2024, 6, 1, tzinfo=UTC)).status == "valid"


def test_verify_refuses_an_ob2_only_image_and_garbage(site_factory, tmp_path):
    from sitegen.bake import OB2, bake_png
    from tests.conftest import png_bytes

    fetch = site_fetcher(tmp_path)
    only_ob2 = bake_png(png_bytes(), '{"type": "Assertion"}', OB2)
    verdict = verify(only_ob2, fetch, NOW)
    assert (verdict.status, verdict.reason) == (
        "invalid", "this PNG carries only an Open Badges 2.0 assertion")
    assert verify(b"not a credential", fetch, NOW).status == "invalid"


def test_verify_command_prints_checks_and_sets_exit_code(site_factory, tmp_path):
    root = site_factory({"content/awards/2024/a2.yaml": (
        AWARD + "revoked: {date: 2024-04-01, reason: Erreur}\n")})
    build_site(root, tmp_path / "out", environ={})
    runner = CliRunner()
    ok = runner.invoke(main, ["verify", str(tmp_path / "out/awards/a1/credential.jwt"),
                              "--site", str(tmp_path / "out")])
    assert ok.exit_code == 0, ok.output
    assert "VALID: signature, issuer key, status and dates check out" in ok.stdout
    revoked = runner.invoke(main, ["verify", str(tmp_path / "out/awards/a2/badge.svg"),
                                   "--site", str(tmp_path / "out")])
    assert revoked.exit_code == 1
    assert "REVOKED: the issuer revoked this credential" in revoked.stdout


def test_check_reports_a_status_index_conflict(site_factory):
    root = site_factory({
        "status-indexes.yaml": "atelier:\n  a1: 10\n  a2: 10\n",
        "content/awards/2024/a2.yaml": AWARD,
    })
    result = CliRunner().invoke(main, ["check", "--source", str(root)])
    assert result.exit_code == 1
    assert ("status-indexes.yaml:3:3: error[status.index-conflict]: awards 'a1' (line 2) and "
            "'a2' share status index 10") in result.stderr

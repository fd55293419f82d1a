from datetime import datetime
from zoneinfo import ZoneInfo

from sitegen.config import resolve_config
from sitegen.content import Repository, read_documents, read_site_file
from sitegen.diagnostics import Diagnostics
from sitegen.model import NameDisplay
from sitegen.resolve import resolve_site

PARIS = ZoneInfo("Europe/Paris")


def load(root):
    diags = Diagnostics()
    repo = Repository(root=root)
    config = resolve_config(read_site_file(repo, diags), diags)
    site = resolve_site(read_documents(repo, diags), repo, config, diags) if config else None
    problems = [
        (d.span.path, d.span.line, d.span.column, d.code, d.message, d.hint)
        for d in diags.sorted()
    ]
    return site, problems


def test_resolve_builds_linked_model_from_valid_site(site_factory):
    site, problems = load(site_factory())
    assert problems == []
    (award,) = site.awards
    assert award.id == "a1"
    assert award.badge.slug == "ponctuel"
    assert award.badge.issuer.slug == "atelier"
    assert award.recipient.email == "ada@example.net"  # trimmed and lower-cased
    assert award.issued == datetime(2024, 3, 14, tzinfo=PARIS)
    assert award.issued.isoformat() == "2024-03-14T00:00:00+01:00"
    assert [c.id for c in award.met_criteria] == ["ponctualite"]
    assert award.badge.criteria[0].period.months == 6
    assert award.listed is False


def test_resolve_reports_unknown_key_with_did_you_mean(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": """\
        badge: ponctuel
        recipeint:
          email: ada@example.net
        issued: 2024-03-14
        """})
    _, problems = load(root)
    assert ("content/awards/2024/a1.yaml", 2, 1, "award.unknown-key", "unknown key 'recipeint'",
            "did you mean 'recipient'?") in problems


def test_resolve_reports_unknown_badge_at_value_with_hint(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": """\
        badge: ponctuell
        recipient: {email: ada@example.net}
        issued: 2024-03-14
        """})
    _, problems = load(root)
    assert problems == [("content/awards/2024/a1.yaml", 1, 8, "award.unknown-badge",
                         "badge 'ponctuell' does not exist", "did you mean 'ponctuel'?")]


def test_resolve_reports_unknown_issuer(site_factory):
    root = site_factory({"content/badges/ponctuel.yaml": """\
        issuer: ateleir
        name: Ponctuel
        description: x
        image: {file: ponctuel.png, alt: une horloge}
        criteria: Être à l'heure.
        """})
    _, problems = load(root)
    assert ("content/badges/ponctuel.yaml", 1, 9, "badge.unknown-issuer",
            "issuer 'ateleir' does not exist", "did you mean 'atelier'?") in problems


def test_resolve_reports_february_30(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": """\
        badge: ponctuel
        recipient: {email: ada@example.net}
        issued: 2024-02-30
        """})
    _, problems = load(root)
    ((path, line, col, code, message, hint),) = problems
    assert (path, line, col, code) == ("content/awards/2024/a1.yaml", 3, 9, "award.bad-date")
    assert message == "'2024-02-30' is not a valid date (that day does not exist)"
    assert hint == "write dates as YYYY-MM-DD, like 2024-03-14"


def test_resolve_reports_invalid_email(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": """\
        badge: ponctuel
        recipient:
          email: ada.example.net
        issued: 2024-03-14
        """})
    _, problems = load(root)
    assert problems == [("content/awards/2024/a1.yaml", 3, 10, "award.bad-email",
                         "'ada.example.net' is not a valid email address",
                         "an address has exactly one @")]


def test_resolve_reports_every_problem_of_every_file_at_once(site_factory):
    root = site_factory({
        "content/awards/2024/a1.yaml": "badge: nope\nrecipient: {email: bad}\nissued: 2024-13-01\n",
        "content/awards/2024/a2.yaml": "badge: ponctuel\nrecipient: {email: x@y.org}\nissued: 2024-01-01\nlisted: yes\n",
    })
    _, problems = load(root)
    assert [(p[0], p[1], p[3]) for p in problems] == [
        ("content/awards/2024/a1.yaml", 1, "award.unknown-badge"),
        ("content/awards/2024/a1.yaml", 2, "award.bad-email"),
        ("content/awards/2024/a1.yaml", 3, "award.bad-date"),
        ("content/awards/2024/a2.yaml", 4, "award.wrong-type"),
    ]


def test_resolve_reports_duplicate_award_ids_across_folders(site_factory):
    root = site_factory({"content/awards/2025/a1.yaml": AWARD_COPY})
    _, problems = load(root)
    assert problems == [("content/awards/2025/a1.yaml", 1, 1, "award.duplicate-id",
                         "award id 'a1' is already used by content/awards/2024/a1.yaml",
                         "each award needs its own id: rename the file or change its 'id'")]


AWARD_COPY = "badge: ponctuel\nrecipient: {email: b@example.net}\nissued: 2024-03-14\n"


def test_resolve_reports_duplicate_explicit_id_at_the_id(site_factory):
    root = site_factory({"content/awards/2024/b2.yaml": "id: a1\n" + AWARD_COPY})
    _, problems = load(root)
    assert [(p[0], p[1], p[2], p[3]) for p in problems] == [
        ("content/awards/2024/b2.yaml", 1, 5, "award.duplicate-id")]


def test_resolve_requires_image_alt_text(site_factory):
    root = site_factory({"content/badges/ponctuel.yaml": """\
        issuer: atelier
        name: Ponctuel
        description: x
        image:
          file: ponctuel.png
        criteria: Être à l'heure.
        """})
    _, problems = load(root)
    assert [(p[1], p[3], p[4]) for p in problems] == [
        (5, "badge.image-alt", "the image has no alternative text ('alt')")]


def test_resolve_rejects_image_outside_repository(site_factory, tmp_path):
    (tmp_path / "secret.png").write_bytes(b"x")
    root = site_factory({"content/badges/ponctuel.yaml": """\
        issuer: atelier
        name: Ponctuel
        description: x
        image: {file: ../../../secret.png, alt: une horloge}
        criteria: Être à l'heure.
        """})
    _, problems = load(root)
    assert [(p[1], p[3], p[4]) for p in problems] == [
        (4, "badge.outside-repository", "'../../../secret.png' points outside the repository")]


def test_resolve_rejects_absolute_image_path(site_factory):
    root = site_factory({"content/badges/ponctuel.yaml": """\
        issuer: atelier
        name: Ponctuel
        description: x
        image: {file: /etc/passwd.png, alt: une horloge}
        criteria: Être à l'heure.
        """})
    _, problems = load(root)
    assert [p[3] for p in problems] == ["badge.outside-repository"]


def test_resolve_rejects_symlink_escaping_repository(site_factory, tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"x")
    root = site_factory({"content/badges/ponctuel.png": None})
    (root / "content/badges/ponctuel.png").symlink_to(outside)
    _, problems = load(root)
    assert [p[3] for p in problems] == ["badge.outside-repository"]


def test_resolve_reports_missing_image_with_close_name(site_factory):
    root = site_factory({"content/badges/ponctuel.yaml": """\
        issuer: atelier
        name: Ponctuel
        description: x
        image: {file: ponctuell.png, alt: une horloge}
        criteria: Être à l'heure.
        """})
    _, problems = load(root)
    assert [(p[3], p[4], p[5]) for p in problems] == [
        ("badge.missing-file", "file 'ponctuell.png' does not exist", "did you mean 'ponctuel.png'?")]


def test_resolve_reads_revocation_expiry_consent_and_optional_criteria(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": """\
        badge: ponctuel
        recipient: {email: ada@example.net, name: Ada Lovelace, display: initial}
        issued: 2024-03-14
        expires: 2025-03-14
        optional_criteria: [communication]
        revoked: {date: 2024-06-01, reason: Décerné par erreur}
        listed: true
        evidence:
          - narrative: Aucun retard sur six mois.
            criterion: ponctualite
        """})
    site, problems = load(root)
    assert problems == []
    (award,) = site.awards
    assert award.recipient.display is NameDisplay.INITIAL
    assert award.recipient.shown_name == "Ada L."
    assert award.expires == datetime(2025, 3, 14, tzinfo=PARIS)
    assert award.revocation.reason.get("fr", "fr") == "Décerné par erreur"
    assert [c.id for c in award.met_criteria] == ["ponctualite", "communication"]
    assert award.evidence[0].criterion.id == "ponctualite"
    assert award.listed


def test_resolve_derives_expiry_from_badge_validity(site_factory):
    root = site_factory({"content/badges/ponctuel.yaml": (
        "issuer: atelier\nname: P\ndescription: x\nimage: {file: ponctuel.png, alt: a}\n"
        "criteria: c\nvalidity: P2Y\n")})
    site, problems = load(root)
    assert problems == []
    assert site.awards[0].expires == datetime(2026, 3, 14, tzinfo=PARIS)


def test_resolve_reports_unknown_criterion_in_evidence(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": """\
        badge: ponctuel
        recipient: {email: ada@example.net}
        issued: 2024-03-14
        evidence:
          - narrative: ok
            criterion: ponctualit
        """})
    _, problems = load(root)
    assert [(p[1], p[3], p[5]) for p in problems] == [
        (6, "award.unknown-criterion", "did you mean 'ponctualite'?")]


def test_resolve_requires_name_for_displayed_recipient(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": """\
        badge: ponctuel
        recipient: {email: ada@example.net, display: full}
        issued: 2024-03-14
        """})
    _, problems = load(root)
    assert [p[3] for p in problems] == ["award.display-without-name"]


def test_resolve_reports_missing_required_keys_at_file_start(site_factory):
    root = site_factory({"content/issuers/atelier.yaml": "name: Atelier\n"})
    _, problems = load(root)
    assert [(p[1], p[3], p[4]) for p in problems] == [
        (1, "issuer.missing-key", "missing required key 'email'"),
        (1, "issuer.missing-key", "missing required key 'url'"),
    ]


def test_resolve_reports_localized_text_missing_site_language(site_factory):
    root = site_factory({"content/issuers/atelier.yaml": ISSUER_EN_ONLY})
    _, problems = load(root)
    assert [(p[1], p[3]) for p in problems] == [(1, "issuer.missing-language")]


ISSUER_EN_ONLY = """\
name: {en: Workshop}
url: https://atelier.example.org/
email: contact@atelier.example.org
"""


def test_resolve_reports_bad_file_name(site_factory):
    root = site_factory({"content/awards/2024/Ada Lovelace.yaml": AWARD_COPY})
    _, problems = load(root)
    assert [(p[0], p[3]) for p in problems] == [
        ("content/awards/2024/Ada Lovelace.yaml", "award.bad-file-name")]


def test_resolve_reports_expiry_before_issue(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": AWARD_COPY + "expires: 2024-01-01\n"})
    _, problems = load(root)
    assert [(p[1], p[3]) for p in problems] == [(4, "award.expires-before-issued")]


def test_resolve_accepts_translated_criteria_text(site_factory):
    root = site_factory({"content/badges/ponctuel.yaml": (
        "issuer: atelier\nname: P\ndescription: x\nimage: {file: ponctuel.png, alt: a}\n"
        "criteria: {fr: Être à l'heure., en: Be on time.}\n")})
    site, problems = load(root)
    assert problems == []
    assert site.badges[0].criteria_narrative.get("en", "fr") == "Be on time."


def test_resolve_reports_control_characters_but_keeps_tabs_and_line_breaks(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": """\
        badge: ponctuel
        recipient:
          email: ada@example.net
        issued: 2024-03-14
        narrative: "Bravo\\tà toi,\\nAda."
        """, "content/awards/2024/a2.yaml": """\
        badge: ponctuel
        recipient:
          email: bob@example.net
        issued: 2024-03-14
        narrative: "Bravo\\r\\nBob\\u0007"
        """})
    _, problems = load(root)
    assert problems == [("content/awards/2024/a2.yaml", 5, 12, "award.control-character",
                         "'narrative' contains a control character", None)]

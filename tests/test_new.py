"""``sitegen new``: valid, commented content files from flags or answers, never overwritten."""

import re
from datetime import date

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.commands.new import (
    AWARD_ID_RANDOM,
    Question,
    gather,
    new_award_id,
    slugify,
    yaml_field,
    yaml_scalar,
)
from sitegen.diagnostics import Diagnostics
from sitegen.fields import SLUG
from sitegen.yamlsrc import parse_yaml
from tests.conftest import png_bytes

HOSTILE = 'Jean: "le Boss" #1'


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def award_file(root):
    (path,) = [p for p in (root / "content/awards").rglob("*.yaml") if p.stem != "a1"]
    return path


def check_passes(root):
    result = run("check", "--source", root)
    assert result.exit_code == 0, result.output
    return result


def test_slugify_strips_accents_and_punctuation():
    assert slugify("Esprit d'équipe") == "esprit-d-equipe"
    assert slugify("Esprit d’équipe") == "esprit-d-equipe"
    assert slugify("  Œuvre collective — Ça va ! ") == "oeuvre-collective-ca-va"
    assert slugify("---") == ""
    assert len(slugify("a" * 100)) == 64


def test_new_award_ids_are_random_and_valid():
    ids = {new_award_id("esprit-d-equipe", date(2024, 3, 14)) for _ in range(500)}
    assert len(ids) == 500
    for award_id in ids:
        assert SLUG.fullmatch(award_id)
        assert re.fullmatch(rf"2024-03-esp-[a-z2-9]{{{AWARD_ID_RANDOM}}}", award_id)


@pytest.mark.parametrize("value", [
    HOSTILE, "0755", "yes", "no", "null", "2024-03-14", "- item", "'quoted'", "a\nb\n\nc",
    "  leading", "trailing  ", "x\u2028y", "a\x85b", "{a: 1}", "&anchor *alias !tag", "#x",
    "Camille Martin", "tab\there",
])
def test_yaml_values_read_back_as_the_same_string(value):
    assert yaml.safe_load(f"k: {yaml_scalar(value)}") == {"k": value}
    assert "\n" not in yaml_scalar(value)
    text = "recipient:\n" + yaml_field("name", value, 2)
    assert yaml.safe_load(text) == {"recipient": {"name": value}}
    node = parse_yaml(text.encode(), "a.yaml", Diagnostics())
    assert node.value["recipient"].node.value["name"].node.value == value


@given(st.text(max_size=60))
def test_any_text_round_trips_through_yaml_field(value):
    text = "recipient:\n" + yaml_field("name", value, 2)
    assert yaml.safe_load(text) == {"recipient": {"name": value}}


def test_new_issuer_badge_and_award_from_flags_pass_check(site_factory):
    root = site_factory()
    issuer = run("new", "issuer", "--source", root, "--name", "Atelier Éole: #1",
                 "--url", "https://eole.example.org/", "--email", "contact@eole.example.org")
    assert issuer.exit_code == 0, issuer.output
    assert "created content/issuers/atelier-eole-1.yaml" in issuer.stdout
    badge = run("new", "badge", "--source", root, "--issuer", "atelier-eole-1",
                "--name", "Esprit d'équipe", "--description", "Coopère.\n\n- aide\n- partage",
                "--criteria", "Observé pendant trois mois.")
    assert badge.exit_code == 0, badge.output
    assert (root / "content/badges/esprit-d-equipe.svg").is_file()
    award = run("new", "award", "--source", root, "--badge", "esprit-d-equipe",
                "--recipient-email", "jean@example.net", "--recipient-name", HOSTILE,
                "--display", "full", "--issued", "2024-03-14")
    assert award.exit_code == 0, award.output
    path = award_file(root)
    assert path.parent.name == "2024-03"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data == {
        "badge": "esprit-d-equipe", "issued": date(2024, 3, 14),
        "recipient": {"email": "jean@example.net", "name": HOSTILE, "display": "full"},
    }
    assert path.read_text(encoding="utf-8").startswith("# One award")
    badge_data = yaml.safe_load((root / "content/badges/esprit-d-equipe.yaml").read_text())
    assert badge_data["description"] == "Coopère.\n\n- aide\n- partage"
    assert badge_data["issuer"] == "atelier-eole-1"
    check_passes(root)


def test_new_award_defaults_to_the_only_badge_today_and_a_random_id(site_factory):
    root = site_factory()
    result = run("new", "award", "--source", root, "--recipient-email", "ada@example.net")
    assert result.exit_code == 0, result.output
    path = award_file(root)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["badge"] == "ponctuel"
    assert re.fullmatch(rf"\d{{4}}-\d{{2}}-pon-[a-z2-9]{{{AWARD_ID_RANDOM}}}", path.stem)
    assert path.parent.name == path.stem[:7]
    assert "name" not in data["recipient"]
    check_passes(root)


def test_new_refuses_to_overwrite(site_factory):
    root = site_factory()
    original = (root / "content/issuers/atelier.yaml").read_text()
    result = run("new", "issuer", "--source", root, "--name", "Atelier",
                 "--url", "https://a.example.org/", "--email", "a@example.org")
    assert result.exit_code == 1
    assert "content/issuers/atelier.yaml already exists" in result.stderr
    assert "Traceback" not in result.output
    assert (root / "content/issuers/atelier.yaml").read_text() == original
    args = ("new", "award", "--source", root, "--recipient-email", "b@example.net",
            "--id", "2024-03-pon-abcdefgh23")
    assert run(*args).exit_code == 0
    again = run(*args, "--folder", "elsewhere")
    assert again.exit_code == 1
    assert "already uses the id '2024-03-pon-abcdefgh23'" in again.stderr


def test_new_badge_refuses_when_its_image_name_is_taken(site_factory):
    root = site_factory({"content/badges/autre.svg": "<svg/>"})
    result = run("new", "badge", "--source", root, "--name", "Autre", "--description", "d",
                 "--criteria", "c")
    assert result.exit_code == 1
    assert "content/badges/autre.svg already exists" in result.stderr
    assert not (root / "content/badges/autre.yaml").exists()


def test_missing_flags_without_a_terminal_are_listed_at_once(site_factory):
    root = site_factory()
    result = run("new", "issuer", "--source", root)
    assert result.exit_code == 2
    assert "missing --name, --url, --email" in result.stderr
    award = run("new", "award", "--source", root, "--display", "full")
    assert award.exit_code == 2
    assert "--display needs --recipient-name" in award.stderr
    assert not any(p.stem != "a1" for p in (root / "content/awards").rglob("*.yaml"))


def test_bad_values_are_refused_before_writing(site_factory):
    root = site_factory()
    cases = [
        (("--recipient-email", "not an email"), "--recipient-email: an address looks like"),
        (("--recipient-email", "a@example.net", "--issued", "2024-02-30"), "that day does not exist"),
        (("--recipient-email", "a@example.net", "--badge", "nope"), "no badge 'nope'"),
        (("--recipient-email", "a@example.net", "--id", "Jean Dupont"), "--id: use 1 to 64"),
        (("--recipient-email", "a@example.net", "--folder", "../out"), "--folder: a relative"),
    ]
    for args, message in cases:
        result = run("new", "award", "--source", root, *args)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)
    assert not any(p.stem != "a1" for p in (root / "content/awards").rglob("*.yaml"))


def test_new_needs_a_site(tmp_path):
    result = run("new", "issuer", "--source", tmp_path, "--name", "A",
                 "--url", "https://a.example.org/", "--email", "a@example.org")
    assert result.exit_code == 1
    assert "no site.yaml" in result.stderr


def test_new_badge_copies_a_given_image_and_needs_its_alt(site_factory, tmp_path):
    root = site_factory()
    image = tmp_path / "medal.PNG"
    image.write_bytes(png_bytes(256))
    base = ("new", "badge", "--source", root, "--name", "Médaille", "--description", "d",
            "--criteria", "c", "--image", image)
    missing = run(*base)
    assert missing.exit_code == 2
    assert "missing --alt" in missing.stderr
    result = run(*base, "--alt", "Une médaille verte")
    assert result.exit_code == 0, result.output
    assert (root / "content/badges/medaille.png").read_bytes() == image.read_bytes()
    data = yaml.safe_load((root / "content/badges/medaille.yaml").read_text())
    assert data["image"] == {"file": "medaille.png", "alt": "Une médaille verte"}
    check_passes(root)


def test_new_award_asks_a_person_at_a_terminal(site_factory, monkeypatch):
    monkeypatch.setattr("sitegen.cli._stdin_is_interactive", lambda: True)
    root = site_factory()
    answers = ["camille@", "camille@example.net", "Camille Martin", "initial", "2024-03-14"]
    result = run("new", "award", "--source", root, input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "error: an address looks like name@example.org" in result.stderr
    data = yaml.safe_load(award_file(root).read_text(encoding="utf-8"))
    assert data["recipient"] == {
        "email": "camille@example.net", "name": "Camille Martin", "display": "initial"}
    assert data["issued"] == date(2024, 3, 14)
    check_passes(root)


def test_gather_reports_every_missing_value_without_asking():
    questions = (
        Question(key="a", flag="--a", prompt="A"),
        Question(key="b", flag="--b", prompt="B", default="x"),
        Question(key="c", flag="--c", prompt="C", required=False),
        Question(key="d", flag="--d", prompt="D"),
    )
    with pytest.raises(Exception, match="missing --a, --d"):
        gather(questions, {}, None)
    assert gather(questions, {"a": " 1 ", "d": "2"}, None) == {"a": "1", "b": "x", "d": "2"}


def test_new_award_comments_show_a_trail_and_a_renewal_that_check_accepts(site_factory):
    root = site_factory()
    run("new", "award", "--source", root, "--recipient-email", "ada@example.net",
        "--issued", "2024-09-02")
    path = award_file(root)
    text = path.read_text(encoding="utf-8")
    uncommented = re.sub(r"^# ((?:evidence|validation|renews|  ).*)$", r"\1", text, flags=re.M)
    uncommented = uncommented.replace("the-criterion-id", "ponctualite")
    uncommented = uncommented.replace("the-id-of-an-earlier-award", "a1")
    assert uncommented.count("\nvalidation:") == uncommented.count("\nrenews: a1") == 1
    path.write_text(uncommented, encoding="utf-8")
    check_passes(root)

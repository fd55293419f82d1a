import json

from click.testing import CliRunner

from sitegen.cli import main

THREE_MISTAKES = """\
badge: ponctuell
recipeint:
  email: ada@example.net
issued: 2024-02-30
"""


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_reports_three_mistakes_with_positions_and_exits_1(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": THREE_MISTAKES})
    result = run("check", "--source", str(root))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines == [
        "content/awards/2024/a1.yaml:1:8: error[award.unknown-badge]: badge 'ponctuell' does not exist",
        "  hint: did you mean 'ponctuel'?",
        "content/awards/2024/a1.yaml:2:1: error[award.unknown-key]: unknown key 'recipeint'",
        "  hint: did you mean 'recipient'?",
        "content/awards/2024/a1.yaml:4:9: error[award.bad-date]: '2024-02-30' is not a valid date (that day does not exist)",
        "  hint: write dates as YYYY-MM-DD, like 2024-03-14",
        "3 problems (3 errors, 0 warnings) in 1 file",
        "nothing was written: fix the problems above and run again",
    ]
    assert "Traceback" not in result.output


def test_check_formats_for_github_and_json(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": THREE_MISTAKES})
    github = run("check", "--source", str(root), "--format", "github")
    assert github.exit_code == 1
    assert ("::error file=content/awards/2024/a1.yaml,line=2,col=1,title=award.unknown-key::"
            "unknown key 'recipeint' (did you mean 'recipient'?)") in github.stdout.splitlines()
    as_json = run("check", "--source", str(root), "--format", "json")
    problems = json.loads(as_json.stdout)
    assert {(p["line"], p["column"], p["code"]) for p in problems} == {
        (1, 8, "award.unknown-badge"),
        (2, 1, "award.unknown-key"), (4, 9, "award.bad-date")}


def test_check_passes_on_valid_site_and_writes_nothing(site_factory):
    root = site_factory()
    result = run("check", "--source", str(root))
    assert result.exit_code == 0
    assert "ok: 1 issuer(s), 1 badge(s), 1 award(s)" in result.stderr
    assert not (root / "_site").exists()


def test_build_cli_writes_site_and_reports_counts(site_factory, tmp_path):
    root = site_factory()
    result = run("build", "--source", str(root), "--output", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "built 1 issuer(s), 1 badge(s), 1 award(s)" in result.stdout
    assert (tmp_path / "out/awards/a1/index.html").is_file()


def test_build_cli_reports_unwritable_output_without_traceback(site_factory, tmp_path):
    root = site_factory()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/keep.txt").write_text("x")
    result = run("build", "--source", str(root), "--output", str(tmp_path / "notes"))
    assert result.exit_code == 1
    assert "not a sitegen output folder" in result.stderr
    assert "Traceback" not in result.output


def test_missing_site_yaml_is_a_content_error(tmp_path):
    result = run("check", "--source", str(tmp_path))
    assert result.exit_code == 1
    assert "site.yaml:1:1: error[site.missing]: site.yaml not found" in result.stderr


def test_check_rejects_an_award_dated_in_the_future(site_factory):
    root = site_factory({"content/awards/2024/a1.yaml": (
        "badge: ponctuel\nrecipient: {email: a@example.net}\nissued: 2999-01-01\n")})
    result = run("check", "--source", str(root))
    assert result.exit_code == 1
    assert ("content/awards/2024/a1.yaml:3:9: error[award.future-date]: the award is dated "
            "2999-01-01, in the future") in result.stderr


def test_check_warns_about_a_published_award_whose_file_was_removed(site_factory):
    root = site_factory({"status-indexes.yaml": "atelier:\n  a1: 10\n  gone-award: 11\n"})
    result = run("check", "--source", str(root))
    assert result.exit_code == 0
    assert ("status-indexes.yaml:3:3: warning[award.removed]: award 'gone-award' was published "
            "but its file is gone") in result.stderr
    github = run("check", "--source", str(root), "--format", "github")
    assert github.stdout.startswith(
        "::warning file=status-indexes.yaml,line=3,col=3,title=award.removed::")

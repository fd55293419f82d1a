"""``sitegen init``: a new repository that checks and builds, with CI that matches the docs."""

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.commands.init import PLACEHOLDER_PACKAGE, TOKEN, package_spec
from sitegen.commands.new import AWARD_ID_RANDOM
from sitegen.fields import SLUG
from sitegen.keyring import env_name

ROOT = Path(__file__).resolve().parent.parent
ISSUER = "atelier-eole"
GITHUB_FILES = (".github/workflows/check.yml", ".github/workflows/publish.yml")
HOSTILE = 'Jean: "le Boss" #1'


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def init(target, *extra):
    result = run(
        "init", target, "--title", "Badges de l’Atelier", "--base-url",
        "https://badges.example.org/", "--issuer-name", "Atelier Éole", "--language", "fr",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return init(tmp_path_factory.mktemp("init") / "badges")


def load(site, rel):
    return yaml.safe_load((site / rel).read_text(encoding="utf-8"))


def triggers(workflow):
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    return workflow.get("on", workflow.get(True))


def example_award(site):
    (award,) = (site / "content/awards").glob("*.yaml")
    return award


def test_init_writes_the_whole_repository(site):
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    award = example_award(site).name
    assert files >= {
        "site.yaml", "README.md", "requirements.txt", ".gitignore", ".gitlab-ci.yml",
        f"content/issuers/{ISSUER}.yaml", "content/badges/esprit-d-equipe.yaml",
        "content/badges/esprit-d-equipe.svg", f"content/awards/{award}",
        *GITHUB_FILES, ".github/pull_request_template.md",
        ".github/ISSUE_TEMPLATE/request-badge.yml", ".github/ISSUE_TEMPLATE/config.yml",
    }


def test_init_result_passes_check_and_build(tmp_path):
    site = init(tmp_path / "new")
    checked = run("check", "--source", site)
    assert checked.exit_code == 0, checked.output
    assert "ok: 1 issuer(s), 1 badge(s), 1 award(s)" in checked.stderr
    built = run("build", "--source", site, "--output", tmp_path / "out")
    assert built.exit_code == 0, built.output
    award_id = example_award(site).stem
    assert (tmp_path / "out/awards" / award_id / "credential.json").is_file()
    assert award_id in (site / "status-indexes.yaml").read_text(encoding="utf-8")


def test_no_placeholder_is_left_in_any_file_or_name(site):
    for path in site.rglob("*"):
        assert not TOKEN.search(path.relative_to(site).as_posix()), path
        if path.is_file():
            assert not TOKEN.search(path.read_text(encoding="utf-8")), path


def test_every_generated_yaml_file_parses(site):
    paths = [p for p in site.rglob("*") if p.suffix in {".yml", ".yaml"}]
    assert len(paths) >= 9
    for path in paths:
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict), path


def test_gitignore_keeps_keys_and_output_out_of_git(site):
    lines = (site / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"_site/", ".sitegen/", ".keys/", "*.key", ".cache/"} <= set(lines)


def test_example_award_id_is_random_and_unguessable(tmp_path):
    ids = {example_award(init(tmp_path / f"s{i}")).stem for i in range(3)}
    assert len(ids) == 3
    for award_id in ids:
        assert SLUG.fullmatch(award_id)
        assert re.fullmatch(rf"\d{{4}}-\d{{2}}-esp-[a-z2-9]{{{AWARD_ID_RANDOM}}}", award_id)


def test_check_workflow_is_safe_for_forks(site):
    text = (site / ".github/workflows/check.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert set(triggers(workflow)) == {"pull_request"}
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "pull_request_target" not in code
    assert "secrets." not in code
    assert workflow["permissions"] == {"contents": "read"}


def test_publish_workflow_signs_with_the_issuer_secret_and_writes_the_lock_back(site):
    text = (site / ".github/workflows/publish.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert set(triggers(workflow)) == {"push", "workflow_dispatch"}
    assert triggers(workflow)["push"] == {"branches": ["main"]}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "write"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert build["env"]["SITEGEN_PRODUCTION"] == "1"
    secret = env_name(ISSUER)
    (step,) = [s for s in build["steps"] if "sitegen build" in s.get("run", "")]
    assert step["env"] == {secret: f"${{{{ secrets.{secret} }}}}"}
    assert text.count("secrets.") == 1  # only the build step sees a secret
    (write_back,) = [s for s in build["steps"] if "status-indexes.yaml" in s.get("run", "")]
    assert 'git config user.name "sitegen"' in write_back["run"]
    assert "[skip ci]" in write_back["run"]
    uses = [s["uses"] for job in (build, deploy) for s in job["steps"] if "uses" in s]
    assert uses == [
        "actions/checkout@v4", "actions/setup-python@v5", "actions/cache@v4",
        "actions/upload-pages-artifact@v3", "actions/deploy-pages@v4",
    ]
    (cache,) = [s for s in build["steps"] if s.get("uses") == "actions/cache@v4"]
    assert cache["with"]["path"].split() == [".sitegen", "_site"], "what the next build reuses"


def test_gitlab_ci_checks_merge_requests_and_publishes_public(site):
    ci = load(site, ".gitlab-ci.yml")
    assert ci["check"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert ci["pages"]["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert ci["pages"]["artifacts"] == {"paths": ["public"]}
    assert ci["pages"]["variables"] == {"SITEGEN_PRODUCTION": "1"}
    write_back = ci["pages"]["script"][-1]
    assert "SITEGEN_PUSH_TOKEN" in write_back and "[skip ci]" in write_back
    assert env_name(ISSUER) in (site / ".gitlab-ci.yml").read_text(encoding="utf-8")


def _ci_commands(lines):
    return [line.strip() for line in lines if line.strip().startswith(("pip ", "sitegen "))]


def _documented_commands():
    """Code blocks of docs/workflow.md that start with '# <CI file>', by file."""
    text = (ROOT / "docs/workflow.md").read_text(encoding="utf-8")
    blocks = {}
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        first, *rest = block.splitlines()
        if first.startswith("# ."):
            blocks[first[2:]] = _ci_commands(rest)
    return blocks


def test_ci_files_run_exactly_the_commands_the_docs_give(site):
    documented = _documented_commands()
    assert set(documented) == {*GITHUB_FILES, ".gitlab-ci.yml"}
    for rel in GITHUB_FILES:
        workflow = load(site, rel)
        runs = [s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]
        assert _ci_commands(line for run_ in runs for line in run_.splitlines()) == documented[rel]
    ci = load(site, ".gitlab-ci.yml")
    scripts = [line for job in ("check", "pages") for item in ci[job]["script"]
               for line in item.splitlines()]
    assert _ci_commands(scripts) == documented[".gitlab-ci.yml"]
    assert "sitegen check --format github" in documented[".github/workflows/check.yml"]
    assert "sitegen build --production" in documented[".github/workflows/publish.yml"]


def test_requirements_txt_is_the_one_place_that_says_which_sitegen(tmp_path):
    default = init(tmp_path / "a")
    assert (default / "requirements.txt").read_text().splitlines()[-1] == PLACEHOLDER_PACKAGE
    spec = "sitegen @ git+https://git.example.org/badges/sitegen@v0.1.0"
    chosen = init(tmp_path / "b", "--package", spec)
    assert (chosen / "requirements.txt").read_text().splitlines()[-1] == spec
    for rel in (*GITHUB_FILES, ".gitlab-ci.yml"):
        assert "pip install -r requirements.txt" in (chosen / rel).read_text()


def test_package_spec_pins_the_git_commit_sitegen_came_from():
    commit = "0123456789abcdef0123456789abcdef01234567"
    origin = {"url": "https://git.example.org/o/sitegen.git",
              "vcs_info": {"vcs": "git", "commit_id": commit}}
    assert package_spec(json.dumps(origin)) == (
        f"sitegen @ git+https://git.example.org/o/sitegen.git@{commit}")
    with_token = {**origin, "url": "https://user:secret@git.example.org/o/sitegen.git"}
    local = {"url": "file:///home/someone/sitegen", "dir_info": {"editable": True}}
    plain_http = {**origin, "url": "http://git.example.org/o/sitegen.git"}
    for info in (with_token, local, plain_http):
        assert package_spec(json.dumps(info)) == PLACEHOLDER_PACKAGE
    assert package_spec(None) == PLACEHOLDER_PACKAGE
    assert package_spec("not json") == PLACEHOLDER_PACKAGE


def test_issue_form_offers_the_scaffolded_badge_and_asks_for_no_email(site):
    form = load(site, ".github/ISSUE_TEMPLATE/request-badge.yml")
    fields = {item.get("id"): item for item in form["body"]}
    assert fields["badge"]["attributes"]["options"] == ["esprit-d-equipe"]
    displays = [o.split(":")[0] for o in fields["display"]["attributes"]["options"]]
    assert displays == ["full", "initial", "none"]
    assert {"evidence", "links"} <= set(fields)
    intro = form["body"][0]["attributes"]["value"]
    assert "N'écrivez pas votre adresse e-mail" in intro
    assert "Do not write your email address" in intro
    config = load(site, ".github/ISSUE_TEMPLATE/config.yml")
    assert config["contact_links"][0]["url"] == "https://badges.example.org/"


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    result = run("init", target)
    assert result.exit_code == 1
    assert "is not empty (notes.txt)" in result.stderr
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_init_accepts_a_freshly_cloned_empty_repository(tmp_path):
    target = tmp_path / "clone"
    (target / ".git").mkdir(parents=True)
    init(target)
    assert (target / "site.yaml").is_file()


def test_yaml_hostile_title_and_names_round_trip(tmp_path):
    target = tmp_path / "hostile"
    result = run(
        "init", target, "--title", HOSTILE, "--issuer-name", "O'Brien & Fils: #1 - yes",
        "--issuer-url", "https://obrien.example.org/?a=1#x", "--issuer-email", "o'brien@example.org",
    )
    assert result.exit_code == 0, result.output
    assert load(target, "site.yaml")["title"] == HOSTILE
    issuer = load(target, "content/issuers/o-brien-fils-1-yes.yaml")
    assert issuer["name"] == "O'Brien & Fils: #1 - yes"
    assert issuer["url"] == "https://obrien.example.org/?a=1#x"
    assert issuer["email"] == "o'brien@example.org"
    assert run("check", "--source", target).exit_code == 0


def test_init_without_a_terminal_uses_the_defaults(tmp_path):
    result = run("init", tmp_path / "plain")
    assert result.exit_code == 0, result.output
    config = load(tmp_path / "plain", "site.yaml")
    assert config["language"] == "fr" and config["languages"] == ["fr", "en"]
    assert config["base_url"] == "https://badges.example.org/"
    assert config["timezone"] == "Europe/Paris"
    assert run("check", "--source", tmp_path / "plain").exit_code == 0


def test_init_asks_a_person_at_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setattr("sitegen.cli._stdin_is_interactive", lambda: True)
    answers = ["en", "Acme Works", "", "", "", "not a url", "https://b.example.org"]
    result = run("init", tmp_path / "asked", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    config = load(tmp_path / "asked", "site.yaml")
    assert config == {
        "title": "Acme Works badges", "base_url": "https://b.example.org/", "language": "en",
        "languages": ["en", "fr"], "timezone": "UTC",
    }
    assert (tmp_path / "asked/content/badges/team-spirit.yaml").is_file()
    assert "error: write a full web address" in result.stderr


# SchemaStore's schemas, vendored by check-jsonschema (no network needed).
SCHEMAS = {
    ".github/workflows/check.yml": "github-workflows.json",
    ".github/workflows/publish.yml": "github-workflows.json",
    ".github/ISSUE_TEMPLATE/request-badge.yml": "github-issue-forms.json",
    ".github/ISSUE_TEMPLATE/config.yml": "github-issue-config.json",
    ".gitlab-ci.yml": "gitlab-ci.json",
}


@pytest.mark.parametrize("rel", sorted(SCHEMAS))
def test_generated_ci_file_matches_its_schemastore_schema(site, rel):
    pytest.importorskip("check_jsonschema")
    from importlib import resources

    import jsonschema
    from ruamel.yaml import YAML

    vendor = resources.files("check_jsonschema").joinpath("builtin_schemas", "vendor")
    schema = json.loads(vendor.joinpath(SCHEMAS[rel]).read_text(encoding="utf-8"))
    # YAML 1.2, as GitHub and GitLab read it: `on` stays a key, not a boolean.
    document = YAML(typ="safe").load((site / rel).read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []

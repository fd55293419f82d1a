"""``sitegen init``: scaffold a new badge repository, with its CI, from the package's templates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

from sitegen import __version__
from sitegen.commands.new import (
    Question,
    check_email,
    check_text,
    check_timezone,
    check_url,
    new_award_id,
    slugify,
    yaml_scalar,
)
from sitegen.keyring import KEY_DIR, env_name
from sitegen.output import OutputError

LANGUAGES = ("fr", "en")
TOKEN = re.compile(r"__[A-Z][A-Z0-9_]*__")
# Template names starting with "dot-" become hidden files: kept visible in the package,
# and a real .gitignore or .github/ there would act on sitegen's own repository.
DOT_PREFIX = "dot-"
# Fails loudly, never resolves (.invalid is reserved), and cannot be registered by anyone.
PLACEHOLDER_PACKAGE = f"sitegen @ git+https://CHANGE-ME.invalid/sitegen.git@v{__version__}"
# Entries a freshly cloned empty repository already has.
ALLOWED_EXISTING = frozenset({".git"})
EXAMPLE_BADGE = {"fr": "esprit-d-equipe", "en": "team-spirit"}
DEFAULT_TIMEZONE = {"fr": "Europe/Paris", "en": "UTC"}
DEFAULT_ISSUER_NAME = {"fr": "Mon organisation", "en": "My organisation"}
# Tokens whose values people type: quoted for YAML in .yml/.yaml files. Every other
# token is an identifier, a date or a time zone that is already safe anywhere.
TEXT_TOKENS = frozenset({
    "__SITE_TITLE__", "__BASE_URL__", "__ISSUER_NAME__", "__ISSUER_URL__", "__ISSUER_EMAIL__",
    "__SITEGEN_PACKAGE__",
})


@dataclass(frozen=True, slots=True, kw_only=True)
class Scaffold:
    """The files of a new site, by relative POSIX path, and what to tell its author."""

    files: Mapping[str, bytes]
    issuer: str
    badge: str
    award_id: str
    package_is_placeholder: bool


def _default_title(answers: Mapping[str, str]) -> str:
    name = answers.get("issuer_name", "")
    return f"Badges – {name}" if answers.get("language", "fr") == "fr" else f"{name} badges"


def init_questions(package_default: str) -> tuple[Question, ...]:
    """What ``sitegen init`` asks people; scripts get the defaults."""
    return (
        Question(key="language", flag="--language", prompt="Main language of the site",
                 choices=LANGUAGES, default="fr", always_ask=True),
        Question(key="issuer_name", flag="--issuer-name", always_ask=True,
                 prompt="Name of the organisation that awards the badges", check=check_text,
                 default=lambda a: DEFAULT_ISSUER_NAME[a["language"]]),
        Question(key="issuer_url", flag="--issuer-url", always_ask=True,
                 prompt="Its website", check=check_url, default="https://example.org/"),
        Question(key="issuer_email", flag="--issuer-email", always_ask=True,
                 prompt="Its public contact email", check=check_email,
                 default="contact@example.org"),
        Question(key="title", flag="--title", always_ask=True, prompt="Title of the site",
                 check=check_text, default=_default_title),
        Question(key="base_url", flag="--base-url", always_ask=True,
                 prompt="Address the site will be published at (it goes into every badge)",
                 check=check_url, default="https://badges.example.org/"),
        Question(key="timezone", flag="--timezone", prompt="Time zone", check=check_timezone,
                 default=lambda a: DEFAULT_TIMEZONE[a["language"]]),
        Question(key="package", flag="--package", prompt="pip requirement for sitegen in CI",
                 check=check_requirement, default=package_default),
    )


def check_requirement(value: str) -> str | None:
    """One line of requirements.txt."""
    if "\n" in value or "\r" in value:
        return "write the requirement on one line"
    return check_text(value, 500)


def package_spec(direct_url: str | None) -> str:
    """The requirement CI installs: this very sitegen when it came from a public git URL.

    ``direct_url`` is the installed distribution's ``direct_url.json`` (PEP 610);
    anything else (a local checkout, an unknown origin) gets a placeholder that
    fails loudly until someone writes the right line in requirements.txt.
    """
    try:
        info = json.loads(direct_url) if direct_url else None
    except ValueError:
        info = None
    vcs = info.get("vcs_info") if isinstance(info, dict) else None
    if not isinstance(info, dict) or not isinstance(vcs, dict) or vcs.get("vcs") != "git":
        return PLACEHOLDER_PACKAGE
    url, commit = info.get("url"), vcs.get("commit_id")
    if not isinstance(url, str) or not isinstance(commit, str) or not re.fullmatch(
        r"[0-9a-f]{40}|[0-9a-f]{64}", commit
    ):
        return PLACEHOLDER_PACKAGE
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        return PLACEHOLDER_PACKAGE  # never copy credentials into a public file
    return f"sitegen @ git+{url}@{commit}"


def installed_package_spec() -> str:
    """:func:`package_spec` for the sitegen that is running."""
    try:
        return package_spec(metadata.distribution("sitegen").read_text("direct_url.json"))
    except metadata.PackageNotFoundError:
        return PLACEHOLDER_PACKAGE


def _templates(root: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.startswith((".", "__pycache__")):
            continue
        path = f"{prefix}{entry.name}"
        if entry.is_dir():
            yield from _templates(entry, path + "/")
        else:
            yield path, entry


def _output_path(template_path: str, values: Mapping[str, str]) -> str:
    parts = []
    for part in template_path.split("/"):
        if part.startswith(DOT_PREFIX):
            part = "." + part[len(DOT_PREFIX):]
        parts.append(TOKEN.sub(lambda m: values.get(m.group(0), m.group(0)), part))
    return "/".join(parts)


def fill_template(text: str, values: Mapping[str, str], *, yaml_file: bool) -> str:
    """Replace each ``__TOKEN__`` in one pass (a value is never scanned for tokens).

    Plain ``str`` substitution, not a template engine: workflow files are
    full of ``${{ }}`` that must stay as they are.
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token not in values:
            return token
        value = values[token]
        return yaml_scalar(value) if yaml_file and token in TEXT_TOKENS else value

    return TOKEN.sub(replace, text)


def render_scaffold(answers: Mapping[str, str], today: date) -> Scaffold:
    """Every file of a new site, in memory, from the package's ``scaffold/`` templates."""
    language = answers["language"]
    issuer = slugify(answers["issuer_name"]) or "issuer"
    badge = EXAMPLE_BADGE[language]
    award_id = new_award_id(badge, today)
    base_url = answers["base_url"].rstrip("/") + "/"
    values = {
        "__SITE_TITLE__": answers["title"],
        "__BASE_URL__": base_url,
        "__LANGUAGE__": language,
        "__OTHER_LANGUAGE__": next(code for code in LANGUAGES if code != language),
        "__TIMEZONE__": answers["timezone"],
        "__ISSUER__": issuer,
        "__ISSUER_NAME__": answers["issuer_name"],
        "__ISSUER_URL__": answers["issuer_url"],
        "__ISSUER_EMAIL__": answers["issuer_email"],
        "__KEY_SECRET__": env_name(issuer),
        "__BADGE__": badge,
        "__AWARD_ID__": award_id,
        "__ISSUED__": today.isoformat(),
        "__SITEGEN_PACKAGE__": answers["package"],
    }
    files: dict[str, bytes] = {}
    for template_path, entry in _templates(resources.files("sitegen").joinpath("scaffold")):
        text = entry.read_text(encoding="utf-8")
        yaml_file = template_path.endswith((".yaml", ".yml"))
        files[_output_path(template_path, values)] = fill_template(
            text, values, yaml_file=yaml_file
        ).encode("utf-8")
    return Scaffold(
        files=files, issuer=issuer, badge=badge, award_id=award_id,
        package_is_placeholder=answers["package"] == PLACEHOLDER_PACKAGE,
    )


def check_target(directory: Path) -> None:
    """Refuse a folder that already holds anything but an empty repository's ``.git``."""
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory} exists and is not a folder")
    if directory.is_dir():
        extra = sorted(p.name for p in directory.iterdir() if p.name not in ALLOWED_EXISTING)
        if extra:
            shown = ", ".join(extra[:5]) + (", ..." if len(extra) > 5 else "")
            raise OutputError(
                f"{directory} is not empty ({shown}); sitegen init only writes into a new "
                "or empty folder, so that it never overwrites anything"
            )


def write_scaffold(directory: Path, scaffold: Scaffold) -> None:
    """Write every file of the scaffold into ``directory`` (new or empty)."""
    check_target(directory)
    for rel, content in scaffold.files.items():
        path = directory.joinpath(*rel.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as handle:
            handle.write(content)


def next_steps(directory: Path, scaffold: Scaffold) -> tuple[str, ...]:
    """What to do after ``sitegen init``, for the command line to print."""
    lines = [
        f"created a badge site in {directory}: {len(scaffold.files)} files "
        "(content, GitHub Actions and GitLab CI, issue and pull-request templates)",
        "next:",
        f"  cd {directory}",
        "  sitegen check && sitegen serve          # see it at http://127.0.0.1:8000/",
        f"  sitegen keys generate {scaffold.issuer}   # the signing key, kept out of git",
        f"  store the content of {KEY_DIR}/{scaffold.issuer}.key as the CI secret "
        f"{env_name(scaffold.issuer)}",
        f"  delete the example award content/awards/{scaffold.award_id}.yaml before "
        "publishing real badges",
    ]
    if scaffold.package_is_placeholder:
        lines.append(
            "  edit requirements.txt: it says where CI installs sitegen from, and holds a "
            "placeholder until you do"
        )
    return tuple(lines)

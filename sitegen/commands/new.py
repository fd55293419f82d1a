"""``sitegen new``: write a new, commented issuer, badge or award file, never over another."""

from __future__ import annotations

import re
import secrets
import shutil
import unicodedata
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path, PurePosixPath

import click
import yaml

from sitegen.fields import DATE, EMAIL, SLUG, URL
from sitegen.output import OutputError

DISPLAYS = ("full", "initial", "none")
MAX_NAME = 200
# Letters and digits that cannot be mistaken for one another when read aloud or copied.
_ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
AWARD_ID_RANDOM = 10  # 50 random bits: unlisted award pages are protected by their address
_TRANSLITERATIONS = str.maketrans({
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o",
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th",
})
_FOLDER_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Where the placeholder badge image lives in the package (shared with ``sitegen init``).
PLACEHOLDER_IMAGE = "content/badges/__BADGE__.svg"
PLACEHOLDER_ALT = {
    "fr": "Médaille bleue à deux rubans, une étoile bleue au centre",
    "en": "Blue medal with two ribbons and a blue star in the centre",
}


class InvalidInput(click.UsageError):
    """A flag or an answer that cannot go into a content file; the message names the flag."""


class MissingValues(InvalidInput):
    """Required values that were neither given as flags nor asked (no terminal)."""

    def __init__(self, flags: Sequence[str]) -> None:
        super().__init__(
            "missing " + ", ".join(flags) + " (pass these options, or run the command in "
            "a terminal to be asked)"
        )
        self.flags = tuple(flags)


Check = Callable[[str], str | None]
"""Returns why a value is wrong, or None when it is fine."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """One value of a new file: its flag, how to ask for it, and how to check it."""

    key: str
    flag: str
    prompt: str
    required: bool = True
    always_ask: bool = False
    """Ask people even when there is a default (they confirm it with Enter)."""
    default: str | Callable[[Mapping[str, str]], str | None] | None = None
    choices: tuple[str, ...] = ()
    check: Check | None = None
    needs: str | None = None
    """Only asked or used when this other value was given."""

    def default_for(self, answers: Mapping[str, str]) -> str | None:
        """The default value, which may depend on earlier answers."""
        return self.default(answers) if callable(self.default) else self.default

    def problem(self, value: str) -> str | None:
        """Why ``value`` cannot be used, or None."""
        if self.choices and value not in self.choices:
            return f"'{value}' is not one of: {', '.join(self.choices)}"
        return self.check(value) if self.check else None


Ask = Callable[[Question, str | None], str]
"""Asks a person for one value, showing the default; returns a value that passes the check."""


def gather(
    questions: Sequence[Question], given: Mapping[str, str | None], ask: Ask | None
) -> dict[str, str]:
    """The values of a new file: flags first, then answers or defaults.

    Without ``ask`` (no terminal: a script, CI) nothing is asked and every
    missing required value is reported at once.
    """
    answers: dict[str, str] = {}
    missing: list[str] = []
    by_key = {q.key: q for q in questions}
    for q in questions:
        value = given.get(q.key)
        if q.needs is not None and q.needs not in answers:
            needed = by_key.get(q.needs)
            # A missing required value is reported below; an optional one that was left
            # out makes this flag meaningless (--display full without --recipient-name).
            static_default = q.default if isinstance(q.default, str) else ""
            if value is not None and needed and not needed.required and value != static_default:
                raise InvalidInput(f"{q.flag} needs {needed.flag}")
            continue
        if value is not None:
            value = value.strip()
            problem = q.problem(value) if value or q.required else None
            if problem or (q.required and not value):
                raise InvalidInput(f"{q.flag}: {problem or 'must not be empty'}")
        else:
            default = q.default_for(answers)
            if ask is not None and (q.always_ask or (q.required and default is None)):
                value = ask(q, default).strip()
            elif default is not None:
                value = default
            elif q.required:
                missing.append(q.flag)
                continue
        if value:
            answers[q.key] = value
    if missing:
        raise MissingValues(missing)
    return answers


def terminal_ask(question: Question, default: str | None) -> str:
    """Ask a person at a terminal until the answer passes the question's check."""
    optional = not question.required and default is None
    while True:
        value: str = click.prompt(
            question.prompt,
            default="" if optional else default,
            show_default=not optional,
            type=click.Choice(question.choices) if question.choices else str,
        )
        value = value.strip()
        if optional and not value:
            return ""
        problem = question.problem(value)
        if problem is None:
            return value
        click.echo(f"error: {problem}", err=True)


def answers_from(
    questions: Sequence[Question], given: Mapping[str, str | None], *, interactive: bool
) -> dict[str, str]:
    """:func:`gather`, asking a person at a terminal when ``interactive``."""
    return gather(questions, given, terminal_ask if interactive else None)


# --- checks ---------------------------------------------------------------------------


def check_text(value: str, max_len: int = MAX_NAME) -> str | None:
    """A one-language text as ``sitegen check`` accepts it."""
    if not value.strip():
        return "must not be empty"
    if len(value) > max_len:
        return f"is {len(value)} characters long; the limit is {max_len}"
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        return "contains a control character"
    return None


def check_url(value: str) -> str | None:
    """An absolute web address."""
    return None if URL.fullmatch(value) else "write a full web address, starting with https://"


def check_email(value: str) -> str | None:
    """An email address."""
    return None if EMAIL.fullmatch(value) else "an address looks like name@example.org"


def check_slug(value: str) -> str | None:
    """An identifier usable in web addresses."""
    if SLUG.fullmatch(value):
        return None
    return "use 1 to 64 lower-case letters, digits and hyphens (not first or last)"


def check_date(value: str) -> str | None:
    """A calendar date written YYYY-MM-DD."""
    try:
        if DATE.fullmatch(value):
            date.fromisoformat(value)
            return None
    except ValueError:
        return f"'{value}' is not a valid date (that day does not exist)"
    return "write dates as YYYY-MM-DD, like 2024-03-14"


def check_timezone(value: str) -> str | None:
    """A time zone name known to the tz database."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone '{value}': use a name like Europe/Paris"
    return None


def check_folder(value: str) -> str | None:
    """A relative folder under ``content/awards/`` with plain names."""
    parts = PurePosixPath(value.replace("\\", "/")).parts
    if parts and all(_FOLDER_PART.fullmatch(p) and p not in {".", ".."} for p in parts):
        return None
    return "a relative folder like 2024-03-ceremonie (letters, digits, '.', '_', '-')"


# --- identifiers ----------------------------------------------------------------------


def slugify(text: str) -> str:
    """An identifier from a name, without accents: "Esprit d'équipe" → ``esprit-d-equipe``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:64].rstrip("-")


def local_today() -> date:
    """Today where the person running the command is (the default date of an award)."""
    return datetime.now(UTC).astimezone().date()


def new_award_id(badge: str, issued: date) -> str:
    """A fresh award id: ``YYYY-MM-<badge prefix>-<10 random characters>``.

    The prefix helps people sort files; the random end is what keeps the
    page of an unlisted award from being found by guessing.
    """
    prefix = badge.replace("-", "")[:3]
    random_part = "".join(secrets.choice(_ID_ALPHABET) for _ in range(AWARD_ID_RANDOM))
    return f"{issued:%Y-%m}-{prefix}-{random_part}"


# --- YAML text ------------------------------------------------------------------------


def yaml_scalar(value: str) -> str:
    """``value`` as one YAML scalar on one line that reads back as exactly this string.

    PyYAML's emitter picks plain, single- or double-quoted style, so a name
    like ``Jean: "le Boss" #1`` or a code like ``0755`` stays a string; the
    result is read back to be sure, since some characters (U+2028, NEL) are
    line breaks to YAML and only survive escaped in double quotes.
    """
    for style in (None, '"'):
        dumped = yaml.safe_dump(value, allow_unicode=True, width=1_000_000, default_style=style)
        text = dumped.removesuffix("...\n").rstrip("\n")
        if "\n" not in text and _reads_back(f"k: {text}", "k", value):
            return text
    raise ValueError(f"cannot write {value!r} as a YAML scalar")  # pragma: no cover


def _reads_back(text: str, key: str, value: str) -> bool:
    try:
        return bool(yaml.safe_load(text) == {key: value})
    except yaml.YAMLError:  # e.g. a control character a block cannot hold
        return False


def yaml_field(key: str, value: str, indent: int = 0) -> str:
    """``key: value`` lines at ``indent``; several-line texts become a ``|-`` block."""
    pad = " " * indent
    lines = value.split("\n")
    if len(lines) > 1 and all(line == line.rstrip() for line in lines) and not value[0].isspace():
        block = f"{pad}{key}: |-\n" + "".join(
            f"{pad}  {line}\n" if line else "\n" for line in lines
        )
        if _reads_back(block, key, value):  # a several-line text can fool a block
            return block
    return f"{pad}{key}: {yaml_scalar(value)}\n"


# --- files ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class NewReport:
    """What ``sitegen new`` wrote, for the command line to print."""

    created: tuple[Path, ...]
    lines: tuple[str, ...]


def site_language(source: Path) -> str:
    """The site's main language (``fr`` when site.yaml does not say), for default texts."""
    path = source / "site.yaml"
    if not path.is_file():
        raise OutputError(
            f"no site.yaml in {source}: run the command in your site's folder, pass "
            "--source, or create a site with 'sitegen init'"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return "fr"
    language = data.get("language") if isinstance(data, dict) else None
    return language if language in PLACEHOLDER_ALT else "fr"


def content_names(source: Path, kind: str) -> tuple[str, ...]:
    """The identifiers of the issuers or badges of a site (their file names)."""
    folder = source / "content" / kind
    if not folder.is_dir():
        return ()
    return tuple(sorted(
        p.stem for p in folder.iterdir()
        if p.suffix in {".yaml", ".yml"} and not p.name.startswith(".")
    ))


def _refuse_existing(source: Path, paths: Sequence[Path]) -> None:
    for path in paths:
        if path.exists() or path.is_symlink():
            raise OutputError(
                f"{path.relative_to(source).as_posix()} already exists; sitegen new never "
                "overwrites a file: choose another name (--slug or --id) or edit that file"
            )


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _existing_yaml(folder: Path, slug: str) -> list[Path]:
    return [folder / f"{slug}{suffix}" for suffix in (".yaml", ".yml")]


# --- issuer ---------------------------------------------------------------------------


def issuer_questions() -> tuple[Question, ...]:
    """What ``sitegen new issuer`` needs."""
    return (
        Question(key="name", flag="--name", prompt="Name of the organisation",
                 check=check_text),
        Question(key="slug", flag="--slug", prompt="Identifier (file name)", check=check_slug,
                 default=lambda a: slugify(a["name"]) or None, needs="name"),
        Question(key="url", flag="--url", prompt="Its website (https://...)", check=check_url),
        Question(key="email", flag="--email", prompt="Its public contact email",
                 check=check_email),
    )


def render_issuer(name: str, url: str, email: str, slug: str) -> str:
    """A new issuer file, with comments for the people who will edit it."""
    return (
        "# The organisation that awards badges. This whole file is published.\n"
        f"# Its file name ({slug}) is its identifier: badges refer to it with\n"
        f"# \"issuer: {slug}\". Never change it once a badge has been awarded.\n"
        "\n"
        + yaml_field("name", name)
        + yaml_field("url", url)
        + "# Published as is: use a shared address, not a person's.\n"
        + yaml_field("email", email)
        + "\n"
        "# Optional:\n"
        "# telephone: +33 3 80 00 00 00\n"
        "# location: Dijon, Côte-d’Or\n"
        "# description: |\n"
        "#   Who you are, in a few sentences (Markdown).\n"
        "# image:                  # a square logo next to this file\n"
        f"#   file: {slug}.svg\n"
        "#   alt: What the logo shows\n"
        "# request_url: mailto:badges@example.org   # how to ask for a badge\n"
        "\n"
        f"# Public signing keys are added here by: sitegen keys generate {slug}\n"
    )


def create_issuer(source: Path, answers: Mapping[str, str]) -> NewReport:
    """Write ``content/issuers/<slug>.yaml``."""
    site_language(source)
    slug = answers["slug"]
    folder = source / "content" / "issuers"
    _refuse_existing(source, _existing_yaml(folder, slug))
    path = folder / f"{slug}.yaml"
    _write_new(path, render_issuer(answers["name"], answers["url"], answers["email"], slug))
    return NewReport(created=(path,), lines=(
        f"created {path.relative_to(source).as_posix()}",
        f"next: sitegen keys generate {slug}   (its signing key), then sitegen check",
    ))


# --- badge ----------------------------------------------------------------------------


def _only(names: tuple[str, ...]) -> str | None:
    return names[0] if len(names) == 1 else None


def badge_questions(source: Path) -> tuple[Question, ...]:
    """What ``sitegen new badge`` needs; the issuer defaults to the site's only one."""
    issuers = content_names(source, "issuers")

    def check_issuer(value: str) -> str | None:
        if value in issuers:
            return None
        known = ", ".join(issuers) or "none yet: run sitegen new issuer"
        return f"no issuer '{value}' in content/issuers/ (issuers: {known})"

    def check_image(value: str) -> str | None:
        path = Path(value)
        if path.suffix.lower() not in {".png", ".svg"}:
            return "the image must be a .png or .svg file"
        return None if path.is_file() else f"no file {value}"

    return (
        Question(key="issuer", flag="--issuer", prompt="Issuer", check=check_issuer,
                 default=_only(issuers), choices=issuers if len(issuers) > 1 else ()),
        Question(key="name", flag="--name", prompt="Name of the badge", check=check_text),
        Question(key="slug", flag="--slug", prompt="Identifier (file name)", check=check_slug,
                 default=lambda a: slugify(a["name"]) or None, needs="name"),
        Question(key="description", flag="--description", prompt="What the badge certifies",
                 check=lambda v: check_text(v, 20_000)),
        Question(key="criteria", flag="--criteria", prompt="What a person must do to earn it",
                 check=lambda v: check_text(v, 20_000)),
        Question(key="image", flag="--image", required=False, always_ask=True,
                 prompt="Image file, PNG or SVG (Enter for a placeholder)", check=check_image),
        Question(key="alt", flag="--alt", prompt="What the image shows, in a few words",
                 check=lambda v: check_text(v, 300), needs="image"),
    )


def render_badge(answers: Mapping[str, str], image_name: str, alt: str) -> str:
    """A new badge file, with comments for the people who will edit it."""
    slug = answers["slug"]
    return (
        "# A badge: what it certifies and how it is earned. This whole file is published.\n"
        f"# Its file name ({slug}) is its identifier: awards refer to it with\n"
        f"# \"badge: {slug}\". Never change it once the badge has been awarded.\n"
        "\n"
        + yaml_field("issuer", answers["issuer"])
        + yaml_field("name", answers["name"])
        + "\n# Markdown is welcome: **bold**, lists, links.\n"
        + yaml_field("description", answers["description"])
        + "\n# A square PNG or SVG next to this file, and what it shows (read aloud\n"
        "# to blind visitors and stored in every badge).\n"
        "image:\n"
        + yaml_field("file", image_name, 2)
        + yaml_field("alt", alt, 2)
        + "\n# What a person must do. For a list of criteria that awards can point\n"
        "# evidence at, write 'narrative:' and 'items:' (see the content format guide).\n"
        + yaml_field("criteria", answers["criteria"])
        + "\n# Optional:\n"
        "# how_to_obtain: How to ask for the badge or prepare for it.\n"
        "# tags: [teamwork]\n"
        "# validity: P2Y      # each award expires two years after it is issued\n"
    )


def create_badge(source: Path, answers: Mapping[str, str]) -> NewReport:
    """Write ``content/badges/<slug>.yaml`` and its image (the given one, or a placeholder)."""
    language = site_language(source)
    slug = answers["slug"]
    folder = source / "content" / "badges"
    image = Path(answers["image"]) if "image" in answers else None
    image_name = f"{slug}{image.suffix.lower() if image else '.svg'}"
    yaml_path, image_path = folder / f"{slug}.yaml", folder / image_name
    _refuse_existing(source, [*_existing_yaml(folder, slug), image_path])
    alt = answers.get("alt") or PLACEHOLDER_ALT[language]
    _write_new(yaml_path, render_badge(answers, image_name, alt))
    if image is not None:
        shutil.copyfile(image, image_path)
    else:
        placeholder = resources.files("sitegen").joinpath("scaffold", *PLACEHOLDER_IMAGE.split("/"))
        image_path.write_bytes(placeholder.read_bytes())
    lines = [f"created {p.relative_to(source).as_posix()}" for p in (yaml_path, image_path)]
    if image is None:
        lines.append(f"the image is a placeholder: replace {image_name} with your own")
    return NewReport(created=(yaml_path, image_path), lines=(*lines, "next: sitegen check"))


# --- award ----------------------------------------------------------------------------


def award_questions(source: Path, today: date) -> tuple[Question, ...]:
    """What ``sitegen new award`` needs; the badge defaults to the site's only one."""
    badges = content_names(source, "badges")

    def check_badge(value: str) -> str | None:
        if value in badges:
            return None
        known = ", ".join(badges) or "none yet: run sitegen new badge"
        return f"no badge '{value}' in content/badges/ (badges: {known})"

    return (
        Question(key="badge", flag="--badge", prompt="Badge", check=check_badge,
                 default=_only(badges), choices=badges if len(badges) > 1 else ()),
        Question(key="recipient_email", flag="--recipient-email",
                 prompt="Email of the person (never published)", check=check_email),
        Question(key="recipient_name", flag="--recipient-name", required=False,
                 always_ask=True, prompt="Name of the person (Enter to leave it out)",
                 check=check_text),
        Question(key="display", flag="--display", always_ask=True, choices=DISPLAYS,
                 default="none", needs="recipient_name",
                 prompt="Show the name, as the person agreed in writing"),
        Question(key="issued", flag="--issued", always_ask=True, default=today.isoformat(),
                 prompt="Date of the award", check=check_date),
        Question(key="folder", flag="--folder", required=False, check=check_folder,
                 prompt="Folder under content/awards/",
                 default=lambda a: a["issued"][:7]),
        Question(key="id", flag="--id", check=check_slug, prompt="Award id", needs="badge",
                 default=lambda a: new_award_id(a["badge"], date.fromisoformat(a["issued"]))),
    )


def render_award(answers: Mapping[str, str]) -> str:
    """A new award file, with comments for the people who will edit it."""
    name = answers.get("recipient_name")
    display = answers.get("display", "none")
    if display != "none" and not name:
        raise InvalidInput(f"--display {display} needs --recipient-name")
    recipient = "recipient:\n" + (
        "  # Never published as such: the badge carries only a salted hash of it.\n"
        + yaml_field("email", answers["recipient_email"], 2)
    )
    if name:
        recipient += (
            yaml_field("name", name, 2)
            + "  # How the name appears, as the person agreed in writing:\n"
            "  # full, initial (first name and initial) or none.\n"
            + yaml_field("display", display, 2)
        )
    return (
        f"# One award of the badge '{answers['badge']}' to one person.\n"
        "# The file name is the award's id, part of its page's address: its random\n"
        "# end keeps other people from guessing it. Never put the person's name in it,\n"
        "# and never change it once the badge is handed out.\n"
        "\n"
        + yaml_field("badge", answers["badge"])
        + "\n" + recipient
        + "\n" + f"issued: {answers['issued']}\n"
        "\n"
        "# Published with the badge: facts observed at work only; nothing about\n"
        "# health, family, justice or social situation, and no other names.\n"
        "# narrative: What the person did to earn the badge.\n"
        "# evidence:\n"
        "#   - criterion: the-criterion-id\n"
        "#     observed: {from: 2024-01-01, to: 2024-06-30}   # first and last day\n"
        "#     narrative: What was observed, when and where.\n"
        "\n"
        "# Who decided to award the badge, and when (names and roles are published):\n"
        "# validation:\n"
        "#   date: 2024-07-02\n"
        "#   validators:\n"
        "#     - {name: Claire Martin, role: encadrante technique}\n"
        "\n"
        "# renews: the-id-of-an-earlier-award   # the same badge, validated again\n"
        "\n"
        "# listed: true   # show it on the badge's page, only with the person's consent\n"
    )


def create_award(source: Path, answers: Mapping[str, str]) -> NewReport:
    """Write ``content/awards/<folder>/<id>.yaml``; refuse an id another award file has."""
    site_language(source)
    text = render_award(answers)
    awards = source / "content" / "awards"
    award_id = answers["id"]
    folder = awards.joinpath(*PurePosixPath(answers.get("folder", "").replace("\\", "/")).parts)
    path = folder / f"{award_id}.yaml"
    _refuse_existing(source, _existing_yaml(folder, award_id))
    same_id = sorted(
        p for suffix in (".yaml", ".yml") for p in awards.rglob(f"{award_id}{suffix}")
    ) if awards.is_dir() else []
    if same_id:
        raise OutputError(
            f"{same_id[0].relative_to(source).as_posix()} already uses the id '{award_id}': "
            "each award needs its own id"
        )
    _write_new(path, text)
    return NewReport(created=(path,), lines=(
        f"created {path.relative_to(source).as_posix()}",
        "next: sitegen check, then open a pull request",
    ))

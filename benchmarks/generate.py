"""Write a synthetic but realistic badge site of any size, deterministically, for benchmarks.

Usage: ``python benchmarks/generate.py OUT_DIR --awards N [--issuers 3 --badges 12 --seed 1]``

The site looks like a real one: bilingual texts, criteria with observation periods, SVG
logos and badge images derived from the example content (recoloured, so that no two
badges share an image), awards grouped by ceremony month, about 2 % revoked and 5 %
expired, some listed with names (accents, a few very long ones), evidence for criteria.
"""

from __future__ import annotations

import argparse
import colorsys
import hashlib
import json
import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sitegen.crypto.keys import SigningKey, write_key_file  # noqa: E402

EXAMPLE = ROOT / "content"
BADGE_SVGS = ("indispensable.svg", "autonomie.svg", "esprit-equipe.svg", "sens-du-service.svg")
LOGO_SVG = "issuers/valoristes-bourguignons.svg"

REVOKED_SHARE = 0.02
EXPIRED_SHARE = 0.05
LISTED_SHARE = 0.3
FIRST_MONTH = date(2019, 1, 1)
MONTHS = 72  # ceremonies from January 2019 to December 2024, all in the past

ISSUER_NAMES = (
    ("Les Valoristes Bourguignons", "Dijon, Côte-d’Or"),
    ("Atelier Chantier d’Insertion du Grand Lyon", "Villeurbanne, Rhône"),
    ("Régie de quartier Nord-Est", "Lille, Nord"),
    ("Coopérative Élan Solidaire", "Nantes, Loire-Atlantique"),
    ("Association Tremplin Emploi", "Besançon, Doubs"),
)
SKILLS = (
    ("Ponctualité", "Punctuality"),
    ("Assiduité", "Regular attendance"),
    ("Respect des consignes", "Following instructions"),
    ("Sécurité au poste", "Workplace safety"),
    ("Travail en équipe", "Teamwork"),
    ("Autonomie", "Working autonomously"),
    ("Sens du service", "Customer service"),
    ("Communication", "Communication"),
    ("Gestion du temps", "Time management"),
    ("Organisation du poste", "Workstation organisation"),
    ("Contrôle qualité", "Quality control"),
    ("Esprit d’initiative", "Initiative"),
    ("Adaptabilité", "Adaptability"),
    ("Conduite d’engins", "Operating machinery"),
    ("Accueil du public", "Welcoming the public"),
    ("Tri et valorisation", "Sorting and recovery"),
)
FIRST_NAMES = (
    "Camille", "Samia", "Julien", "Nadia", "Aminata", "Thomas", "Marc", "Léa", "Zoé",
    "Hélène", "François", "Noémie", "Jérôme", "Anaïs", "Loïc", "Maëlle", "Éric", "Inès",
    "Chloé", "Yannick", "Fatoumata", "Mohamed", "Ségolène", "Björn", "Đorđe", "Océane",
)
LAST_NAMES = (
    "Martin", "Haddad", "Morel", "Lefèvre", "Diallo", "Girard", "Petitjean", "Dubois",
    "Bénard", "N’Diaye", "Lemaître", "Gaël", "Françoise", "Østergaard", "Ibáñez", "Nguyễn",
    "Da Costa", "Le Bihan", "Boucher-Côté", "Mbappé", "Çelik", "Kowalczyk",
)
PLACES = (
    "sur la chaîne de tri textile", "à l’atelier de menuiserie", "lors des tournées de collecte",
    "à l’accueil de la boutique solidaire", "sur le chantier espaces verts",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BadgeSpec:
    """What awards need to know about a generated badge."""

    slug: str
    short: str
    criteria: tuple[str, ...]


def quote(text: str) -> str:
    """A YAML scalar for ``text``: JSON strings are valid YAML double-quoted scalars."""
    return json.dumps(text, ensure_ascii=False)


def slugify(text: str) -> str:
    """Lower-case ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def recolour_svg(svg: str, hue_shift: float) -> str:
    """The SVG with every ``#rrggbb`` colour turned by ``hue_shift`` (0..1) on the hue wheel."""

    def turn(match: re.Match[str]) -> str:
        value = match.group(1)
        red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
        hue, light, sat = colorsys.rgb_to_hls(red, green, blue)
        red, green, blue = colorsys.hls_to_rgb((hue + hue_shift) % 1.0, light, sat)
        return "#" + "".join(f"{round(c * 255):02x}" for c in (red, green, blue))

    return re.sub(r"#([0-9a-fA-F]{6})\b", turn, svg)


def write_site(
    out: Path, *, awards: int, issuers: int = 3, badges: int = 12, seed: int = 1
) -> None:
    """Write ``site.yaml`` and ``content/`` for a site of the given size into ``out``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake content, not secrets
    out.mkdir(parents=True, exist_ok=True)
    (out / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    issuer_slugs = write_issuers(out, issuers, seed)
    specs = write_badges(out / "content" / "badges", badges, issuer_slugs, rng)
    awards_dir = out / "content" / "awards"
    made_dirs: set[Path] = set()
    for number in range(awards):
        folder, name, text = make_award(number, specs, rng)
        target = awards_dir / folder
        if target not in made_dirs:
            target.mkdir(parents=True, exist_ok=True)
            made_dirs.add(target)
        (target / name).write_text(text, encoding="utf-8")


def write_issuers(out: Path, count: int, seed: int) -> list[str]:
    """Write ``count`` issuers with recoloured logos and signing keys; return their slugs.

    Each issuer declares a public key and gets its secret in ``.keys/``, as after
    ``sitegen keys generate``: builds are signed as a published site is, without the
    development key's banners. The keys derive from ``seed``: benchmark keys, not secrets.
    """
    folder = out / "content" / "issuers"
    folder.mkdir(parents=True, exist_ok=True)
    logo = (EXAMPLE / LOGO_SVG).read_text(encoding="utf-8")
    slugs = []
    for number in range(count):
        name, location = ISSUER_NAMES[number % len(ISSUER_NAMES)]
        if number >= len(ISSUER_NAMES):
            name = f"{name} {number // len(ISSUER_NAMES) + 1}"
        slug = slugify(name)
        slugs.append(slug)
        key = SigningKey.from_seed(hashlib.sha256(f"benchmark {seed} {slug}".encode()).digest())
        key_file = out / ".keys" / f"{slug}.key"
        key_file.unlink(missing_ok=True)
        write_key_file(key_file, key)
        (folder / f"{slug}.svg").write_text(recolour_svg(logo, number / count), encoding="utf-8")
        (folder / f"{slug}.yaml").write_text(
            ISSUER_YAML.format(
                name=quote(name), slug=slug, location=quote(location), fr_name=quote(name),
                multikey=key.public_key.multibase,
            ),
            encoding="utf-8",
        )
    return slugs


def write_badges(
    folder: Path, count: int, issuer_slugs: list[str], rng: random.Random
) -> list[BadgeSpec]:
    """Write ``count`` badges spread over the issuers, each with its own image."""
    folder.mkdir(parents=True, exist_ok=True)
    images = [(EXAMPLE / "badges" / n).read_text(encoding="utf-8") for n in BADGE_SVGS]
    specs = []
    for number in range(count):
        fr_name, en_name = SKILLS[number % len(SKILLS)]
        if number >= len(SKILLS):
            round_ = number // len(SKILLS) + 1
            fr_name, en_name = f"{fr_name} {round_}", f"{en_name} {round_}"
        slug = slugify(fr_name)
        picked = rng.sample(SKILLS, 4)
        criteria = tuple(slugify(fr) for fr, _ in picked)
        items = "".join(
            CRITERION_YAML.format(
                id=slugify(fr), fr=quote(fr), en=quote(en),
                fr_desc=quote(
                    f"{fr} observée au quotidien {rng.choice(PLACES)}, validée en équipe."
                ),
                en_desc=quote(f"{en} observed day after day at work, validated by the team."),
                period=rng.choice(("P3M", "P6M", "P2M")),
                optional="\n      optional: true" if index == 3 else "",
            )
            for index, (fr, en) in enumerate(picked)
        )
        image = images[number % len(images)]
        (folder / f"{slug}.svg").write_text(
            recolour_svg(image, (number // len(images)) * 0.23), encoding="utf-8"
        )
        (folder / f"{slug}.yaml").write_text(
            BADGE_YAML.format(
                issuer=issuer_slugs[number % len(issuer_slugs)], fr=quote(fr_name),
                en=quote(en_name), slug=slug, items=items,
            ),
            encoding="utf-8",
        )
        specs.append(BadgeSpec(slug=slug, short=slug[:3], criteria=criteria))
    return specs


def make_award(number: int, specs: list[BadgeSpec], rng: random.Random) -> tuple[str, str, str]:
    """The folder, file name and YAML text of award ``number``."""
    spec = specs[number % len(specs)]
    month = rng.randrange(MONTHS)
    year, month_index = FIRST_MONTH.year + month // 12, month % 12 + 1
    issued = date(year, month_index, rng.randint(1, 28))
    award_id = f"{year}-{month_index:02d}-{spec.short}-" + "".join(
        rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=8)
    ) + f"-{number}"
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name = f"{first} {last}"
    if rng.random() < 0.01:
        name = f"{first} {' '.join(rng.choices(LAST_NAMES, k=12))} {last}"[:200].strip()
    email = f"{slugify(first)}.{slugify(last)}.{number}@example.net"
    lines = [
        f"# Synthetic award {number} for benchmarks.",
        f"badge: {spec.slug}",
        "recipient:",
        f"  email: {email}",
    ]
    listed = rng.random() < LISTED_SHARE
    if listed or rng.random() < 0.5:
        lines.append(f"  name: {quote(name)}")
    if listed:
        lines.append(f"  display: {rng.choice(('full', 'initial'))}")
    lines.append(f"issued: {issued.isoformat()}")
    roll = rng.random()
    if roll < REVOKED_SHARE:
        lines += [
            "revoked:",
            f"  date: {(issued + timedelta(days=7)).isoformat()}",
            "  reason:",
            "    fr: Badge remis par erreur, le bilan d’un critère n’était pas terminé.",
            "    en: Awarded in error, the review of one criterion was not finished.",
        ]
    elif roll < REVOKED_SHARE + EXPIRED_SHARE:
        lines.append(f"expires: {(issued + timedelta(days=365)).isoformat()}")
    if listed:
        lines.append("listed: true")
    if rng.random() < 0.5:
        review = f"Validé lors du bilan collégial du {issued.strftime('%d/%m/%Y')}."
        lines += [
            "narrative:",
            f"  fr: {quote(review)}",
            "  en: Validated at the collective review.",
        ]
    evidence = rng.sample(spec.criteria[:3], rng.randint(0, 3))
    if evidence:
        lines.append("evidence:")
        for criterion in evidence:
            lines += [
                f"  - criterion: {criterion}",
                "    narrative: " + quote(
                    f"Observé {rng.choice(PLACES)} de {rng.randint(1, 12)} mois avant la remise : "
                    "aucun écart constaté."
                ),
            ]
            if rng.random() < 0.2:
                lines.append(f"    url: https://portfolio.example.net/{award_id}/{criterion}")
    folder = f"{year}-{month_index:02d}-ceremonie"
    return folder, f"{award_id}.yaml", "\n".join(lines) + "\n"


def write_extra_award(out: Path, *, number: int, seed: int = 1) -> Path:
    """Add one more award to a generated site (for the incremental rebuild); return its path."""
    specs = [
        BadgeSpec(slug=path.stem, short=path.stem[:3], criteria=tuple(
            re.findall(r"^    - id: (\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        ))
        for path in sorted((out / "content" / "badges").glob("*.yaml"))
    ]
    folder, name, text = make_award(
        number, specs, random.Random(seed * 1_000_003 + number)  # noqa: S311 - fake content
    )
    target = out / "content" / "awards" / folder
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_text(text, encoding="utf-8")
    return target / name


SITE_YAML = """\
# Synthetic site for benchmarks (benchmarks/generate.py).
title:
  fr: Badges de démonstration à grande échelle
  en: Large-scale demonstration badges
base_url: https://bench.example.org/
language: fr
timezone: Europe/Paris
languages: [fr, en]
theme: default
description:
  fr: Un site de badges généré pour mesurer les performances de sitegen.
  en: A badge site generated to measure sitegen's performance.
"""

ISSUER_YAML = """\
# Synthetic issuer for benchmarks.
name: {name}
url: https://{slug}.example.org/
email: contact@{slug}.example.org
telephone: +33 3 80 00 00 00
location: {location}
description:
  fr: |
    **{fr_name}** est une structure d’insertion par l’activité économique.
    Nos badges reconnaissent les savoir-être observés au travail pendant
    plusieurs mois.
  en: |
    A work-integration enterprise. Our badges recognise soft skills observed
    at work over several months.
image:
  file: {slug}.svg
  alt:
    fr: Logo, une feuille entourée de deux flèches
    en: Logo, a leaf circled by two arrows
request_url: mailto:badges@{slug}.example.org
keys:
  - id: key-1
    multikey: {multikey}
    created: 2019-01-01
"""

CRITERION_YAML = """
    - id: {id}
      name:
        fr: {fr}
        en: {en}
      description:
        fr: {fr_desc}
        en: {en_desc}
      period: {period}{optional}"""

BADGE_YAML = """\
# Synthetic badge for benchmarks.
issuer: {issuer}
name:
  fr: {fr}
  en: {en}
description:
  fr: |
    Ce badge reconnaît une personne qui fait preuve de **{slug}** au travail,
    observée pendant plusieurs mois par l’équipe d’encadrement.
  en: |
    This badge recognises a person who shows **{slug}** at work, observed
    over several months by the supervision team.
image:
  file: {slug}.svg
  alt:
    fr: Médaille colorée portant un symbole
    en: Coloured medal bearing a symbol
criteria:
  narrative:
    fr: Chaque critère est validé collégialement à la fin de sa période d’observation.
    en: Each criterion is validated collectively at the end of its observation period.
  items:{items}
how_to_obtain:
  fr: Parlez-en à votre encadrant technique lors d’un entretien de suivi.
  en: Talk about it with your technical supervisor at a follow-up meeting.
tags:
  - savoir-être
  - insertion
"""


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the site into")
    parser.add_argument("--awards", type=int, required=True)
    parser.add_argument("--issuers", type=int, default=3)
    parser.add_argument("--badges", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.badges < args.issuers:
        parser.error("--badges must be at least --issuers (every issuer awards a badge)")
    write_site(args.out, awards=args.awards, issuers=args.issuers, badges=args.badges,
               seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

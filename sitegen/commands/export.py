"""``sitegen export``: one ZIP of every award of one earner, taken from a built site.

The files are the published ones, read from the built site (the output of
``sitegen build``, or a copy of the published site): nothing is signed again, so
a local build with development keys never replaces what CI signed. Awards are
matched on the email address in the award files; each one is then checked in the
built site (its credential's hashed identity is this address, and it verifies)
before it goes into the ZIP, so the archive holds this person's awards and nobody
else's.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sitegen.archive import (
    AWARD_FILES,
    LANGUAGES,
    README_NAMES,
    ArchivedAward,
    archive_stem,
    award_folders,
    certificate_name,
    write_zip,
)
from sitegen.certificates import Sheet, image_paths, read_stylesheet, render_certificates
from sitegen.commands.load import load_site
from sitegen.fields import EMAIL
from sitegen.i18n import language_name, make_translator
from sitegen.identity import credential_code, recipient_identity
from sitegen.keyring import DEVELOPMENT_FRAGMENT
from sitegen.model import Award, Site, recipient_key
from sitegen.output import OutputError
from sitegen.render import Renderer
from sitegen.sharing import linkedin_url
from sitegen.theme import read_theme
from sitegen.urls import Urls
from sitegen.verify import site_fetcher, verify

# Statuses a credential in the archive may have: an expired badge still says what it certified.
KEPT_STATUSES = ("valid", "expired")


class ExportError(OutputError):
    """The archive cannot be made; the message says why and the hint what to do."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Export:
    """An earner's archive, made in memory."""

    name: str
    """The ZIP's file name."""
    data: bytes
    awards: tuple[str, ...]
    """Ids of the awards in it."""
    revoked: tuple[str, ...]
    """Ids of this person's revoked awards, left out."""
    development: bool
    """True when the site was signed with development keys (its credentials prove nothing)."""


def normalize_email(text: str) -> str:
    """An address as award files hold it (trimmed, lower case), or an :class:`ExportError`."""
    email = text.strip().lower()
    if not EMAIL.fullmatch(email):
        raise ExportError(
            f"'{text.strip()}' is not an email address",
            "give the address as written in the award files, like camille.martin@example.net",
        )
    return email


def export_recipient(source: Path, site_dir: Path, email_text: str, now: datetime) -> Export:
    """The ZIP of every award of the earner with this email, from the site built in ``site_dir``.

    Raises :class:`ExportError` when no award is this person's, when the built site
    lacks one of their awards or holds another version of it, and
    :class:`~sitegen.diagnostics.ContentError` when the content has errors.
    """
    email = normalize_email(email_text)
    site = load_site(source).site
    mine = [a for a in site.awards if a.recipient.email == email]
    if not mine:
        raise ExportError(
            f"no award is for {_masked(email)}",
            "check the address against the award files (recipient: email:); awards that carry "
            "only a hashed identity cannot be matched to an address",
        )
    _check_site_dir(site_dir)
    if all(a.revocation is not None for a in mine):
        raise ExportError(
            f"every award of {_masked(email)} was revoked: there is nothing to export",
            "revoked awards are left out of archives",
        )
    return _export(source, site, site_dir, mine, archive_stem(email), now)


def export_everyone(source: Path, site_dir: Path, now: datetime) -> list[Export]:
    """One ZIP per earner with an award that is not revoked, each named after its address.

    Two addresses with the same part before the ``@`` get names told apart by a
    digest of the address, never by the address itself.
    """
    site = load_site(source).site
    _check_site_dir(site_dir)
    by_email: dict[str, list[Award]] = {}
    for award in site.awards:
        if award.recipient.email is not None:  # imported with a hashed email only: unknown
            by_email.setdefault(award.recipient.email, []).append(award)
    earners = sorted(
        email for email, awards in by_email.items()
        if any(a.revocation is None for a in awards)
    )
    stems = [archive_stem(email) for email in earners]
    exports = []
    for email, stem in zip(earners, stems, strict=True):
        if stems.count(stem) > 1:
            stem = f"{stem}-{recipient_key(email)[:6]}"
        exports.append(_export(source, site, site_dir, by_email[email], stem, now))
    return exports


def _check_site_dir(site_dir: Path) -> None:
    if not (site_dir / "awards").is_dir():
        raise ExportError(
            f"{site_dir} is not a built site",
            "run 'sitegen build' first, or give --site a copy of the published site",
        )


def _export(
    source: Path, site: Site, site_dir: Path, awards: list[Award], stem: str, now: datetime,
) -> Export:
    """The ZIP of ``awards`` (all of one earner), revoked ones left out."""
    kept = [a for a in awards if a.revocation is None]
    revoked = tuple(a.id for a in awards if a.revocation is not None)
    published = {a.id: _published_files(site_dir, a, now) for a in kept}
    base_url = _base_url(published[kept[0].id]["credential.json"], kept[0])
    development = any(_is_development(files["credential.json"]) for files in published.values())
    files = _archive_files(source, site, site_dir, kept, published, base_url, development, now)
    day = max(a.issued for a in kept).date()
    return Export(
        name=f"{stem}.zip", data=write_zip({f"{stem}/{p}": b for p, b in files.items()}, day),
        awards=tuple(sorted(a.id for a in kept)), revoked=revoked, development=development,
    )


def _masked(email: str) -> str:
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}•••@{domain}"


def _published_files(site_dir: Path, award: Award, now: datetime) -> dict[str, bytes]:
    """The award's files in the built site, checked to be this award's and to verify."""
    folder = site_dir / "awards" / award.id
    files: dict[str, bytes] = {}
    for name in (*AWARD_FILES, "qr.png"):
        path = folder / name
        if not path.is_file():
            raise ExportError(
                f"{award.source.path}: the built site has no awards/{award.id}/{name}",
                "build the site again ('sitegen build'), or give --site an up-to-date copy",
            )
        files[name] = path.read_bytes()
    try:
        subject = json.loads(files["credential.json"])["credentialSubject"]
        identity = subject["identifier"][0]["identityHash"]
    except (ValueError, KeyError, IndexError, TypeError):
        identity = None
    if identity != recipient_identity(award):
        raise ExportError(
            f"{award.source.path}: the built site's award {award.id} is not for this address",
            "the site was built from other content: build it again and retry",
        )
    fetch = site_fetcher(site_dir)
    for name in AWARD_FILES:
        verdict = verify(files[name], fetch, now)
        if verdict.status not in KEPT_STATUSES:
            raise ExportError(
                f"{award.source.path}: awards/{award.id}/{name} in the built site does not "
                f"verify: {verdict.reason}",
                "build the site again; if it still fails, report it as a bug",
            )
    return files


def _base_url(credential: bytes, award: Award) -> str:
    """The address the site was built for, read from a published credential's id."""
    credential_id = str(json.loads(credential).get("id", ""))
    suffix = f"awards/{award.id}/credential.json"
    if not credential_id.endswith(suffix):
        raise ExportError(
            f"the built site's credential of award {award.id} has an unexpected id",
            "build the site again and retry",
        )
    return credential_id[: -len(suffix)]


def _is_development(credential: bytes) -> bool:
    proof = json.loads(credential).get("proof", {})
    method = proof.get("verificationMethod", "") if isinstance(proof, dict) else ""
    return str(method).endswith("#" + DEVELOPMENT_FRAGMENT)


def _archive_files(
    source: Path, site: Site, site_dir: Path, awards: list[Award],
    published: dict[str, dict[str, bytes]], base_url: str, development: bool, now: datetime,
) -> dict[str, bytes]:
    """Every file of the archive, by its path under the top folder."""
    theme = read_theme(source, site.config.theme)
    stylesheet = read_stylesheet(theme)
    urls = Urls(base_url, default_language=site.config.language)
    folders = award_folders(awards)
    files: dict[str, bytes] = {}
    renderers = {
        language: Renderer(
            theme.template_dirs, site, urls, make_translator(language, theme.locale_dirs),
            development=development,
        )
        for language in LANGUAGES
    }
    entries = [
        ArchivedAward(
            award=award, folder=folders[award.id], code=credential_code(award),
            page_url=urls.absolute(urls.award_page(award)),
            credential_url=urls.absolute(urls.credential(award)),
            linkedin_url={lang: linkedin_url(award, urls, r.tr) for lang, r in renderers.items()},
            expired=award.expires is not None and award.expires <= now,
        )
        for award in sorted(awards, key=lambda a: folders[a.id])
    ]
    for entry in entries:
        award = entry.award
        for name in AWARD_FILES:
            files[f"{entry.folder}/{name}"] = published[award.id][name]
        images = {urls.qr_code(award): published[award.id]["qr.png"],
                  urls.baked_png(award): published[award.id]["badge.png"]}
        for path in image_paths(award, urls):
            if path not in images:  # the issuer's logo
                if not (site_dir / path).is_file():
                    raise ExportError(f"the built site has no {path}",
                                      "build the site again, or give --site an up-to-date copy")
                images[path] = (site_dir / path).read_bytes()
        for language, renderer in renderers.items():
            sheet = Sheet(award=award, award_url=entry.page_url,
                          qr_alt=renderer.qr_title(award), images=images)
            files[f"{entry.folder}/{certificate_name(language)}"] = render_certificates(
                renderer, [sheet], title=renderer.award_title(award), intro=(),
                stylesheet=stylesheet,
            )
    for language, renderer in renderers.items():
        page = renderer.env.get_template("archive_readme.html").render(
            entries=entries, readme_names=README_NAMES, certificate_name=certificate_name,
            language_names={other: language_name(other) for other in LANGUAGES},
            issuers=", ".join(dict.fromkeys(renderer.text(e.award.badge.issuer.name)
                                            for e in entries)),
            stylesheet=stylesheet,
        )
        files[README_NAMES[language]] = page.encode("utf-8")
    return files


def write_export(export: Export, output_dir: Path) -> Path:
    """Write the ZIP into ``output_dir`` in one step (a temporary file renamed), and return it."""
    target = output_dir / export.name
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=f".{export.name}.", dir=output_dir)
    except OSError as exc:
        raise ExportError(f"cannot write in {output_dir}: {exc.strerror or exc}",
                          "give --output a folder you can write to") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(export.data)
        Path(staging).chmod(0o644)
        Path(staging).replace(target)
    except OSError as exc:
        Path(staging).unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}",
                          "check the free space and the folder's permissions") from exc
    return target

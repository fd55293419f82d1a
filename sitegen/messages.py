"""The message that tells an earner where their badges are and what to do with them.

One message per person, in one language, ready to send by email (a subject and a body)
or by SMS (one short line). It names the person only in the form they agreed to show.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sitegen.i18n import Translator
from sitegen.identity import credential_code
from sitegen.model import Award
from sitegen.urls import Urls

# French spreadsheets split CSV files on semicolons; English ones on commas.
CSV_DELIMITERS = {"fr": ";"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """What to send to one earner about their awards of a ceremony."""

    email: str
    """Empty for an award imported with only a hashed email: the issuer has no address."""
    name: str
    """The name as the earner agreed to show it, or empty."""
    awards: tuple[str, ...]
    """Ids of the awards it announces."""
    subject: str
    body: str
    sms: str


def group_by_earner(awards: Sequence[Award]) -> list[tuple[Award, ...]]:
    """The awards of each earner (same email address), in the order earners first appear."""
    groups: dict[str, list[Award]] = {}
    for award in awards:  # an award imported with only a hashed email is its own earner
        groups.setdefault(award.recipient.email or f"award:{award.id}", []).append(award)
    return [tuple(group) for group in groups.values()]


def compose_message(awards: Sequence[Award], urls: Urls, tr: Translator) -> Message:
    """The message announcing ``awards``, all of one earner, with each badge's page and code."""
    first = awards[0]
    issuer = first.badge.issuer.name.get(tr.language, tr.language)

    def badge_name(award: Award) -> str:
        return award.badge.name.get(tr.language, tr.language)

    def page(award: Award) -> str:
        return urls.absolute(urls.award_page(award))

    name = next((a.recipient.shown_name for a in awards if a.recipient.shown_name), None) or ""
    lines = [tr.gettext("Hello %(name)s,") % {"name": name} if name else tr.gettext("Hello,"), ""]
    if len(awards) == 1:
        subject = tr.gettext("Your badge “%(badge)s” from %(issuer)s") % {
            "badge": badge_name(first), "issuer": issuer}
        lines += [
            tr.gettext("%(issuer)s awarded you the badge “%(badge)s” on %(date)s. It has its own "
                       "page, which is the proof of it:") % {
                "issuer": issuer, "badge": badge_name(first), "date": tr.date(first.issued)},
            page(first),
            tr.gettext("Credential code: %(code)s") % {"code": credential_code(first)},
        ]
    else:
        subject = tr.gettext("Your badges from %(issuer)s") % {"issuer": issuer}
        lines.append(tr.gettext(
            "%(issuer)s awarded you these badges; each has its own page, which is the proof "
            "of it:") % {"issuer": issuer})
        for award in awards:
            lines += [
                "",
                f"- {badge_name(award)} ({tr.date(award.issued)})",
                f"  {page(award)}",
                "  " + tr.gettext("Credential code: %(code)s") % {"code": credential_code(award)},
            ]
    lines += [
        "",
        tr.gettext(
            "On that page you can download your badge for a digital wallet or an Open Badges "
            "backpack, add it to your LinkedIn profile (the credential code is its credential "
            "ID there) and print your certificate."),
        tr.gettext(
            "Keep this link: anyone you give it to, an employer for instance, can check your "
            "badge without contacting us."),
        "",
        issuer,
    ]
    sms = tr.ngettext("%(issuer)s: your badge is online: %(links)s",
                      "%(issuer)s: your badges are online: %(links)s", len(awards)) % {
        "issuer": issuer,
        "links": " ; ".join(
            tr.gettext("%(url)s (code %(code)s)") % {"url": page(a), "code": credential_code(a)}
            for a in awards
        ),
    }
    return Message(
        email=first.recipient.email or "", name=name, awards=tuple(a.id for a in awards),
        subject=subject, body="\n".join(lines) + "\n", sms=sms,
    )


def messages_csv(messages: Sequence[Message], language: str) -> bytes:
    """A table for mail merge: one row per earner (UTF-8 with a BOM, for spreadsheets)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=CSV_DELIMITERS.get(language, ","), lineterminator="\r\n")
    writer.writerow(["email", "name", "awards", "subject", "message", "sms"])
    for message in messages:
        writer.writerow([message.email, message.name, " ".join(message.awards),
                         message.subject, message.body, message.sms])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def message_text(message: Message, tr: Translator) -> bytes:
    """One message as a text file: who it is for, its subject, then its body."""
    head = [
        tr.gettext("To: %(email)s") % {"email": message.email},
        tr.gettext("Subject: %(subject)s") % {"subject": message.subject},
        tr.gettext("SMS: %(sms)s") % {"sms": message.sms},
    ]
    return ("\n".join(head) + "\n\n" + message.body).encode("utf-8")

"""Well-known skill frameworks (ESCO, ROME): recognising their references and checking their shape.

An alignment may point anywhere, but a reference that claims to be from ESCO or
ROME is checked, because a wrong one cannot be corrected in credentials already
handed out, and software that reads credentials matches these references exactly.
"""

from __future__ import annotations

import enum
import re
from urllib.parse import parse_qs, urlsplit

from sitegen.fields import Fields
from sitegen.model import Alignment

# ESCO concept URIs: http://data.europa.eu/esco/<kind>/<UUID> (https is seen too).
ESCO_URI = re.compile(
    r"https?://data\.europa\.eu/esco/(skill|occupation)/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
ESCO_HOST = re.compile(r"https?://data\.europa\.eu/esco/", re.IGNORECASE)
# A ROME job sheet (fiche métier) code: one letter from A to N (the job family), 4 digits.
ROME_CODE = re.compile(r"[A-N][0-9]{4}")
ROME_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])[A-Na-n][0-9]{4}(?![0-9])")


class Framework(enum.Enum):
    """A framework sitegen recognises, with the kind of concept referred to."""

    ESCO_SKILL = "esco-skill"
    ESCO_OCCUPATION = "esco-occupation"
    ROME = "rome"

    @property
    def name_in_credentials(self) -> str:
        """The framework's name for ``targetFramework``."""
        return "ROME" if self is Framework.ROME else "ESCO"


def _names_esco(framework: str | None) -> bool:
    return framework is not None and framework.strip().upper().startswith("ESCO")


def _names_rome(framework: str | None) -> bool:
    return framework is not None and framework.strip().upper().startswith("ROME")


def framework_of(alignment: Alignment) -> Framework | None:
    """The well-known framework an alignment refers to, or None for any other."""
    match = ESCO_URI.fullmatch(alignment.url)
    if match:
        return Framework.ESCO_SKILL if match.group(1) == "skill" else Framework.ESCO_OCCUPATION
    if _names_rome(alignment.framework):
        return Framework.ROME
    return None


def check_alignment(a: Fields, url: str, framework: str | None, code: str | None) -> bool:
    """Report an ESCO or ROME reference of the wrong shape; True when it is fine."""
    ok = True
    is_esco_url = ESCO_HOST.match(url) is not None
    if (_names_esco(framework) or is_esco_url) and not ESCO_URI.fullmatch(url):
        a.diags.error(
            a.span("url"),
            "badge.bad-esco-uri",
            f"'{url}' is not the address (URI) of an ESCO skill or occupation",
            _esco_hint(url),
        )
        ok = False
    elif is_esco_url and framework is not None and not _names_esco(framework):
        a.diags.error(
            a.span("framework"),
            "badge.framework-mismatch",
            f"the address is an ESCO concept but the framework is '{framework}'",
            "write framework: ESCO, or give the address of a concept of that framework",
        )
        ok = False
    if _names_rome(framework):
        ok = _check_rome(a, url, code) and ok
    elif code is not None and is_esco_url and ROME_CODE.fullmatch(code):
        a.diags.error(
            a.span("code"),
            "badge.framework-mismatch",
            f"'{code}' is a ROME code but the address is an ESCO concept",
            "give each framework its own alignment: one for ESCO, one with framework: ROME",
        )
        ok = False
    return ok


def _check_rome(a: Fields, url: str, code: str | None) -> bool:
    if code is None:
        if a.get("code") is None:  # a bad value was reported already
            a.diags.error(
                a.span("framework"),
                "badge.bad-rome-code",
                "a ROME alignment needs the code of its job sheet",
                "add code: with one letter and four digits, like K2304",
            )
        return False
    if not ROME_CODE.fullmatch(code):
        hint = "a ROME code is one capital letter from A to N and four digits, like K2304"
        if ROME_CODE.fullmatch(code.strip().upper()):
            hint = f"did you mean '{code.strip().upper()}'?"
        a.diags.error(
            a.span("code"),
            "badge.bad-rome-code",
            f"'{code}' is not a ROME code",
            hint,
        )
        return False
    named = {
        found.upper()
        for found in ROME_IN_TEXT.findall(urlsplit(url).path + "?" + urlsplit(url).query)
    }
    if named and code not in named:
        a.diags.error(
            a.span("url"),
            "badge.bad-rome-code",
            f"the address names the job sheet {', '.join(sorted(named))} but the code is '{code}'",
            "copy the address of the job sheet whose code you give",
        )
        return False
    return True


def _esco_hint(url: str) -> str:
    """Where to find the URI, with the URI itself when the address of a portal page holds it."""
    for values in parse_qs(urlsplit(url).query).values():
        for value in values:
            if ESCO_URI.fullmatch(value):
                return f"this is a page of the ESCO portal; write the concept's URI: {value}"
    return (
        "ESCO addresses look like http://data.europa.eu/esco/skill/ followed by an identifier "
        "such as 113b4428-0a31-4199-8496-070af7854b91: copy the 'URI' shown on the ESCO portal"
    )

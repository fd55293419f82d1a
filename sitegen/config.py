"""Reading ``site.yaml`` into a :class:`SiteConfig`."""

from __future__ import annotations

import zoneinfo

from sitegen.diagnostics import Diagnostics
from sitegen.fields import LANGUAGE, Fields
from sitegen.model import Localized, SiteConfig
from sitegen.yamlsrc import Node

# Languages the default theme has catalogs for (English is the catalogs' source).
SUPPORTED_LANGUAGES = ("fr", "en")
SITE_KEYS = (
    "title", "base_url", "language", "languages", "timezone", "theme", "description",
)


def resolve_config(
    node: Node | None, diags: Diagnostics, *, base_url: str | None = None
) -> SiteConfig | None:
    """Validate ``site.yaml``; ``base_url`` overrides the file's (for previews and tests)."""
    if node is None:
        return None
    language = "fr"
    if isinstance(node.value, dict) and "language" in node.value:
        raw = node.value["language"].node
        if isinstance(raw.value, str) and raw.value.strip() in SUPPORTED_LANGUAGES:
            language = raw.value.strip()
        else:
            diags.error(
                raw.span, "site.language", f"pages cannot be written in '{raw.value}'",
                f"supported languages: {', '.join(SUPPORTED_LANGUAGES)}",
            )
    f = Fields(node, diags, allowed=SITE_KEYS, what="site", language=language)
    title = f.localized("title", required=True, max_len=200)
    url = base_url or f.url("base_url", required=True)
    timezone = f.text("timezone") or "UTC"
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        diags.error(
            f.span("timezone"), "site.timezone", f"unknown time zone '{timezone}'",
            "use a name like Europe/Paris",
        )
    theme = f.slug("theme") or "default"
    description = f.localized("description", max_len=500)
    languages = [language]
    for item in f.items("languages"):
        code = item.value.strip() if isinstance(item.value, str) else None
        if code is None or not LANGUAGE.fullmatch(code):
            diags.error(item.span, "site.language", f"'{item.value}' is not a language code",
                        "use codes like 'fr' or 'en'")
        elif code not in SUPPORTED_LANGUAGES:
            diags.error(item.span, "site.language", f"pages cannot be written in '{code}' yet",
                        f"supported: {', '.join(SUPPORTED_LANGUAGES)}")
        elif code not in languages:
            languages.append(code)
    if title is None or url is None:
        return None
    if not url.endswith("/"):
        url += "/"
    return SiteConfig(
        title=title or Localized.of(language, "Badges"),
        base_url=url,
        language=language,
        languages=tuple(languages),
        timezone=timezone,
        theme=theme,
        description=description,
    )


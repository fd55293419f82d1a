"""Reading ``site.yaml`` into a :class:`SiteConfig`."""

from __future__ import annotations

import zoneinfo

from sitegen.diagnostics import Diagnostics
from sitegen.fields import LANGUAGE, Fields
from sitegen.model import Localized, SiteConfig
from sitegen.yamlsrc import Node

SITE_KEYS = ("title", "base_url", "language", "timezone", "theme", "description")


def resolve_config(
    node: Node | None, diags: Diagnostics, *, base_url: str | None = None
) -> SiteConfig | None:
    """Validate ``site.yaml``; ``base_url`` overrides the file's (for previews and tests)."""
    if node is None:
        return None
    language = "fr"
    if isinstance(node.value, dict) and "language" in node.value:
        raw = node.value["language"].node
        if isinstance(raw.value, str) and LANGUAGE.fullmatch(raw.value.strip()):
            language = raw.value.strip()
        else:
            diags.error(raw.span, "site.language", "'language' must be a code like 'fr' or 'en'")
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
    if title is None or url is None:
        return None
    if not url.endswith("/"):
        url += "/"
    return SiteConfig(
        title=title or Localized.of(language, "Badges"),
        base_url=url,
        language=language,
        timezone=timezone,
        theme=theme,
        description=description,
    )


"""Templates render as Jinja renders them, with calls compiled to plain Python calls."""

from __future__ import annotations

import jinja2
import pytest
from markupsafe import Markup

from sitegen.commands.load import load_site
from sitegen.i18n import make_translator
from sitegen.render import Page, Renderer
from sitegen.urls import Urls
from tests.conftest import ROOT

THEME = ROOT / "themes" / "default"

TEMPLATES = {
    "base.html": "<{% block body %}base {{ lang }}{% endblock %}>",
    "calls.html": """{% extends "base.html" %}
{% macro box(label, n=1) %}[{{ label }}:{{ n }}:{{ caller() if caller is defined else "-" }}]{% endmacro %}
{% block body %}{{ super() }}|{{ self.tail() }}|{{ box("a") }}|{{ box("b", n=2) }}|
{%- call box("c") %}inside {{ 1 + 1 }}{% endcall %}|
{%- for i in range(3) %}{{ loop.cycle("x", "y") }}{% endfor %}|
{%- set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}
{%- endfor %}{{ ns.total }}|{% set j = joiner("+") %}{% for i in "ab" %}{{ j() }}{{ i }}
{%- endfor %}|{{ dict(k="v")["k"] }}|{{ _("Award %(code)s", code="<X>") }}|
{{- ngettext("%(num)d month", "%(num)d months", 2) }}|{{ link(urls.home()) }}
{%- endblock %}
{% block tail %}tail{% endblock %}""",
}


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    folder = tmp_path_factory.mktemp("theme")
    for name, text in TEMPLATES.items():
        (folder / name).write_text(text, encoding="utf-8")
    site = load_site(ROOT).site
    return Renderer([str(folder)], site, Urls("https://example.org/"),
                    make_translator("en", [THEME / "locales"]))


def test_calls_of_every_kind_render_as_jinja_renders_them(renderer: Renderer):
    html = renderer.render("calls.html", Page(path="x/index.html", title="t")).decode()
    assert html == (
        "<base en|tail|[a:1:-]|[b:2:-]|[c:1:inside 2]|xyx|6|a+b|v|Award &lt;X&gt;|2 months|../>"
    )
    # The same source through Jinja's own compiler gives the same text.
    plain = jinja2.Environment(
        loader=jinja2.DictLoader(TEMPLATES), autoescape=True, trim_blocks=True,
        lstrip_blocks=True,
    )
    plain.globals.update(
        lang="en", urls=renderer.urls, link=lambda path: "../",
        _=lambda text, **values: Markup(text) % values,  # noqa: S704 - literals
        ngettext=lambda one, many, n, **values: Markup(  # noqa: S704
            one if n == 1 else many) % {"num": n, **values},
    )
    assert plain.get_template("calls.html").render() == html
    # Neither asks Jinja's context whether the callee wants it.
    assert "context.call(" not in renderer.env.compile(TEMPLATES["calls.html"], raw=True)
    assert "context.call(" in plain.compile(TEMPLATES["calls.html"], raw=True)


def test_an_undefined_name_called_in_a_template_is_still_an_error(renderer: Renderer):
    template = renderer.env.from_string("{{ nothing_by_that_name() }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render(page=Page(path="x/index.html", title="t"))

from sitegen.richtext import render_markdown, to_plain_text


def test_markdown_renders_structure():
    assert render_markdown("**fort** et *léger*\n\n- a\n- b") == (
        "<p><strong>fort</strong> et <em>léger</em></p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
    )


def test_markdown_strips_scripts_handlers_and_javascript_links():
    html = render_markdown(
        '<script>alert(1)</script><img src=x onerror="alert(1)"> [x](javascript:alert(1)) '
        '<a href="https://ok.example" onclick="evil()">ok</a> <iframe src="https://evil.example"></iframe>'
    )
    for bad in ("<script", "alert", "onerror", "javascript:", "onclick", "<iframe", "<img"):
        assert bad not in html
    assert 'href="https://ok.example"' in html


def test_markdown_demotes_headings_and_keeps_template_syntax_inert():
    html = render_markdown("# Titre\n\n{{ config }} {% raw %}")
    assert html.startswith("<h3>Titre</h3>")
    assert "{{ config }} {% raw %}" in html


def test_plain_text_unescapes_entities():
    assert to_plain_text("**A** & <b>B</b>") == "A & B"


def test_only_texts_asked_for_again_are_kept():
    once, twice = "Narrative of one award only, 7f3a", "A badge's description, 7f3a"
    before = render_markdown.cache_info().currsize

    render_markdown(once)
    assert render_markdown.cache_info().currsize == before
    first = render_markdown(twice)
    assert render_markdown(twice) == first == "<p>A badge's description, 7f3a</p>"
    assert render_markdown.cache_info().currsize == before + 1
    assert render_markdown(twice) == first
    assert render_markdown.cache_info().hits >= 1

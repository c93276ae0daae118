"""The body rules README documents, each on a snippet we write: what is article text and what
is not (captions, tables, lists, quotes, pull quotes, paywalled and hidden text, end markers)."""

from ingest.extract import extract_article

PROSE = ("The city council voted on Tuesday to fund a new fibre network that will reach every "
         "household by 2028, after months of debate about the cost and about who should run it. ")


def body(inner: str, head: str = "") -> list[str]:
    html = (f"<html><head>{head}</head><body><nav><a href='/'>Home</a></nav><article>"
            f"<h1>Council funds fibre</h1><p class='byline'>By Ana Ruiz</p>"
            f"<p>{PROSE}</p>{inner}<p>Closing. {PROSE}</p></article>"
            f"<footer>© 2025 Example News</footer></body></html>")
    a = extract_article(html, "https://news.example.test/a", fetched_at="2026-11-27T00:00:00Z")
    return [p for s in a.sections for p in ([s.heading] if s.heading else []) + s.paragraphs]


def test_figure_captions_are_not_body():
    paras = body("<figure><img src='x.jpg'><figcaption>The council chamber. Photo: J. Doe"
                 "</figcaption></figure>")
    assert not any("council chamber" in p for p in paras)


def test_data_table_rows_are_lines_with_cells_joined():
    paras = body("<table><tr><th>Year</th><th>Homes</th></tr>"
                 "<tr><td>2026</td><td>12,000</td></tr></table>")
    assert "Year | Homes" in paras and "2026 | 12,000" in paras


def test_list_items_and_quotes_are_paragraphs():
    paras = body("<ul><li>Phase one covers the centre.</li><li>Phase two the suburbs.</li></ul>"
                 "<blockquote><p>We will not raise taxes for this, said the mayor.</p>"
                 "</blockquote>")
    assert "Phase one covers the centre." in paras
    assert "Phase two the suburbs." in paras
    assert "We will not raise taxes for this, said the mayor." in paras


def test_pull_quote_repeating_a_paragraph_keeps_the_paragraph_once():
    line = "The network will be owned by the city and leased to providers."
    paras = body(f"<blockquote class='pullquote'>{line}</blockquote><p>{line}</p>")
    assert paras.count(line) == 1


def test_pull_quote_repeating_one_sentence_of_a_paragraph_is_not_body():
    """The category, not one markup: an <aside> (or a class naming a quote) that prints one
    sentence of a later paragraph again, with or without quote marks."""
    said = "Nobody should have to wait until 2030 for a fast connection"
    para = f"The mayor defended the cost. {said}, she said. The vote was 31 to 9."
    for box in (f"<aside><p>\u201c{said}\u201d</p></aside>",
                f"<div class='story-callout'><p>{said}</p></div>"):
        paras = body(f"{box}<p>{para}</p>")
        assert para in paras
        assert not any(p != para and said in p for p in paras), box


def test_quote_that_repeats_nothing_stays_body():
    quote = "We will finish the network on time and on budget, whatever it takes."
    paras = body(f"<blockquote><p>{quote}</p></blockquote><p>Other. {PROSE}</p>")
    assert quote in paras


def test_paywalled_hidden_prose_is_kept_but_hidden_labels_are_not():
    paras = body(f"<div class='subscriber-only' style='display:none'><p>Behind the wall. {PROSE}"
                 f"</p></div><div style='display:none'><p class='byline'>By Ghost Writer</p>"
                 f"</div>")
    assert any(p.startswith("Behind the wall.") for p in paras)
    assert not any("Ghost Writer" in p for p in paras)


def test_related_box_inside_the_article_is_skipped_and_text_after_it_kept():
    paras = body(f"<p>Second. {PROSE}</p><div class='inline-box'><h3>Related stories</h3>"
                 "<p>Another council voted against a similar plan last year, which cost its "
                 "mayor the election.</p></div>")
    assert not any(p.startswith("Another council") for p in paras)
    assert any(p.startswith("Closing.") for p in paras)


def test_boilerplate_lines_are_dropped():
    paras = body("<p>Advertisement</p><p>Share this article</p>"
                 "<p>We may earn a commission when you buy through links on this page.</p>")
    assert paras[0].startswith("The city council") and paras[-1].startswith("Closing.")
    assert len(paras) == 2


def test_teaser_in_the_articles_own_header_is_body_but_its_title_block_is_not():
    html = ("<html><body><header><a href='/'>Example News</a></header><article><header>"
            "<h1>Council funds fibre</h1><p class='byline'>By Ana Ruiz</p>"
            "<p class='teaser'>Every home in the city is to be connected by 2028, at a cost the "
            "opposition calls reckless.</p></header>"
            f"<p>{PROSE}</p><p>Second. {PROSE}</p></article></body></html>")
    a = extract_article(html, "https://news.example.test/b", fetched_at="2026-11-27T00:00:00Z")
    paras = a.sections[0].paragraphs
    assert paras[0].startswith("Every home in the city")
    assert not any("Example News" in p or "Ana Ruiz" in p for p in paras)
    assert a.headline == "Council funds fibre"


def test_credit_lines_and_appeals_are_dropped_but_sentences_naming_agencies_kept():
    paras = body("<p>Lena Marsh | Bloomberg | Getty Images</p>"
                 "<p>Photo by Tomas Ruiz/AFP via Getty Images</p>"
                 "<p>The 24/7 service was first reported by Bloomberg.</p>"
                 "<p>Our journalism depends on readers like you. Donate today.</p>"
                 "<p>The foundation said the donation would pay for new classrooms.</p>"
                 "<p>SUBSCRIBE</p>")
    assert "The 24/7 service was first reported by Bloomberg." in paras
    assert "The foundation said the donation would pay for new classrooms." in paras
    assert not any("Getty" in p or "Donate" in p or p == "SUBSCRIBE" for p in paras)


def test_a_teaser_repeating_the_lead_is_dropped_and_the_lead_kept():
    html = (f"<html><body><article><h1>Council funds fibre</h1><div class='tease'><p>"
            f"{PROSE.strip()[:-1]}.</p></div><div><p>{PROSE}It passed 7-2.</p><p>Closing. "
            f"{PROSE}</p></div></article></body></html>")
    a = extract_article(html, "https://news.example.test/a", fetched_at="2026-11-27T00:00:00Z")
    paras = a.sections[0].paragraphs
    assert paras[0] == f"{PROSE}It passed 7-2.".strip() and len(paras) == 2


def test_unclosed_button_before_the_article_does_not_take_it_away():
    html = (f"<html><body><div><a href='/'>Home</a></div><button class='menu'>Menu"
            f"<main><article><h1>Council funds fibre</h1><p>{PROSE}</p><p>Closing. {PROSE}"
            f"</p></article></main></body></html>")
    a = extract_article(html, "https://news.example.test/a", fetched_at="2026-11-27T00:00:00Z")
    assert a.sections and a.sections[0].paragraphs[0] == PROSE.strip()
    assert "Menu" not in a.body_text


def test_headline_printed_again_after_the_article_does_not_drop_the_body():
    """Pages that print the headline again below the article (a share card, a "more stories"
    teaser of itself) once lost the whole body as the "title block" before that repeat."""
    html = ("<html><body><div class='entry-content'>"
            f"<p>{PROSE}</p><p>Second. {PROSE}</p><p>Third. {PROSE}</p>"
            "<div class='card'><h2>Council funds fibre</h2><p>Share this story.</p></div>"
            "</div></body></html>")
    head = "<meta property='og:title' content='Council funds fibre'>"
    a = extract_article(html.replace("<html>", f"<html><head>{head}</head>"),
                        "https://news.example.test/a", fetched_at="2026-11-27T00:00:00Z")
    paras = [p for s in a.sections for p in s.paragraphs]
    assert a.headline == "Council funds fibre"
    assert paras[:3] == [PROSE.strip(), f"Second. {PROSE}".strip(), f"Third. {PROSE}".strip()]

"""Unit tests for ingest.extract.byline on byline snippets we wrote ourselves."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ingest.extract.byline import (
    AGENCY_NAMES,
    clean_author_name,
    dedupe_authors,
    parse_byline,
    split_names,
)
from ingest.items import Author


def people(text: str, **kwargs) -> list[tuple[str, str | None]]:
    return [(a.name, a.role) for a in parse_byline(text, **kwargs)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # names and lists
        ("By Alice Smith and Bob Jones", [("Alice Smith", None), ("Bob Jones", None)]),
        (
            "By Alice Smith, Bob Jones and Carol White",
            [("Alice Smith", None), ("Bob Jones", None), ("Carol White", None)],
        ),
        (
            "By Alice Smith, Bob Jones, and Carol White",
            [("Alice Smith", None), ("Bob Jones", None), ("Carol White", None)],
        ),
        ("By Alice Smith & Bob Jones", [("Alice Smith", None), ("Bob Jones", None)]),
        # name, role
        ("Written by Dolapo Omole, Reporter / Editor", [("Dolapo Omole", "Reporter / Editor")]),
        ("Jane Doe | Senior Editor", [("Jane Doe", "Senior Editor")]),
        ("Jane Doe, Special to The Globe", [("Jane Doe", "Special to The Globe")]),
        ("Jane Doe - Senior Writer", [("Jane Doe", "Senior Writer")]),
        ("Jane Doe — Senior Writer", [("Jane Doe", "Senior Writer")]),
        ("Jane Doe Senior Writer", [("Jane Doe", "Senior Writer")]),
        ("Jane Doe, Senior Editor at The Verge", [("Jane Doe", "Senior Editor at The Verge")]),
        ("By Jane Doe, Editor-at-large", [("Jane Doe", "Editor-at-large")]),
        (
            "Jane Doe and John Smith | Contributors",
            [("Jane Doe", "Contributors"), ("John Smith", "Contributors")],
        ),
        ("Senior Writer | Jane Doe", [("Jane Doe", "Senior Writer")]),
        (
            "Jane Doe, Senior Writer, and John Smith, Editor",
            [("Jane Doe", "Senior Writer"), ("John Smith", "Editor")],
        ),
        (
            "By Jane Doe, Reporter, John Smith, Editor",
            [("Jane Doe", "Reporter"), ("John Smith", "Editor")],
        ),
        ("Jane Doe, Senior Editor, The Verge", [("Jane Doe", "Senior Editor, The Verge")]),
        ("Jane Doe\nSenior Writer", [("Jane Doe", "Senior Writer")]),
        # agencies and outlets: the role is the affiliation
        (
            "Jane Doe and John Smith, Reuters",
            [("Jane Doe", "Reuters"), ("John Smith", "Reuters")],
        ),
        ("By Jane Doe, Associated Press", [("Jane Doe", "Associated Press")]),
        ("BY JANE DOE, AP", [("Jane Doe", "AP")]),
        ("By Jane Doe for The Guardian", [("Jane Doe", "The Guardian")]),
        ("By Jane Doe and John Smith for Wired", [("Jane Doe", "Wired"), ("John Smith", "Wired")]),
        ("Jane Doe, Correspondent for Wired", [("Jane Doe", "Correspondent for Wired")]),
        # capitalisation
        ("BY JANE DOE", [("Jane Doe", None)]),
        ("BY MARY O'NEIL-SMITH", [("Mary O'Neil-Smith", None)]),
        ("JANE DOE, SENIOR WRITER", [("Jane Doe", "Senior Writer")]),
        # places, dates, times and reading time are dropped
        ("By Jane Doe in London", [("Jane Doe", None)]),
        (
            "By Jane Doe in San Francisco and John Smith in New York",
            [("Jane Doe", None), ("John Smith", None)],
        ),
        ("By Jane Doe · 5 min read", [("Jane Doe", None)]),
        ("By Jane Doe • 5 min read", [("Jane Doe", None)]),
        ("By Jane Doe\nUpdated 3 hours ago", [("Jane Doe", None)]),
        ("By Jane Doe\nUpdated yesterday", [("Jane Doe", None)]),
        ("By Jane Doe | July 2, 2025 6:25 PM UTC", [("Jane Doe", None)]),
        ("Posted by Jane Doe on March 3, 2025", [("Jane Doe", None)]),
        ("By Jane Doe Published Jul 2, 2025", [("Jane Doe", None)]),
        ("Jane Doe 2 comments", [("Jane Doe", None)]),
        ("Published by Jane Doe", [("Jane Doe", None)]),
        # other languages
        ("Von Max Mustermann", [("Max Mustermann", None)]),
        (
            "Von Max Mustermann und Erika Musterfrau",
            [("Max Mustermann", None), ("Erika Musterfrau", None)],
        ),
        ("Par Jean Dupont et Marie Curie", [("Jean Dupont", None), ("Marie Curie", None)]),
        # credit lines
        (
            "Reporting by Jane Doe; Editing by John Smith",
            [("Jane Doe", "Reporting"), ("John Smith", "Editing")],
        ),
        (
            "Reporting by Jane Doe and Ann Lee in Washington; Additional reporting by Bob Roe; "
            "Editing by Sam Holmes",
            [
                ("Jane Doe", "Reporting"),
                ("Ann Lee", "Reporting"),
                ("Bob Roe", "Additional reporting"),
                ("Sam Holmes", "Editing"),
            ],
        ),
        ("Author: Jane Doe", [("Jane Doe", None)]),
        # link labels, e-mail addresses and handles removed
        ("Jane Doe Follow", [("Jane Doe", None)]),
        ("By Jane Doe | Follow", [("Jane Doe", None)]),
        ("Jane Doe Twitter", [("Jane Doe", None)]),
        ("Jane Doe on Twitter", [("Jane Doe", None)]),
        ("Jane Doe jane.doe@example.com", [("Jane Doe", None)]),
        ("By Jane Doe (@janedoe)", [("Jane Doe", None)]),
        ("By Jane Doe https://twitter.com/janedoe", [("Jane Doe", None)]),
        # suffixes, initials, particles, accents
        (
            "John Smith, Jr. and Jane Doe",
            [("John Smith Jr.", None), ("Jane Doe", None)],
        ),
        ("By Jane Doe, PhD", [("Jane Doe", None)]),
        ("By J.K. Rowling", [("J.K. Rowling", None)]),
        ("By A. J. Smith", [("A. J. Smith", None)]),
        ("By Ludwig van Beethoven", [("Ludwig van Beethoven", None)]),
        ("Por José Núñez", [("José Núñez", None)]),
        # one-word names: alone, or inside an "and" list; not after a full name
        ("By Cher", [("Cher", None)]),
        ("By Jane Doe and Cher", [("Jane Doe", None), ("Cher", None)]),
        ("Jane Doe, London", [("Jane Doe", None)]),
        # a section label beside the byline is no role
        ("News | By Jane Doe", [("Jane Doe", None)]),
        ("Opinion | Jane Doe", [("Jane Doe", None)]),
        ("By Jane Doe | Tech", [("Jane Doe", None)]),
        ("Jane Doe, Tech Editor", [("Jane Doe", "Tech Editor")]),
        # duplicates
        ("By Jane Doe and JANE DOE", [("Jane Doe", None)]),
    ],
)
def test_parse_byline_forms(text, expected):
    assert people(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Senior Writer",
        "Reporter / Editor",
        "Contributors",
        "March 3, 2025",
        "July",
        "Updated 3 hours ago",
        "5 min read",
        "Staff",
        "By Staff",
        "Staff Writer",
        "Editorial Team",
        "The Editors",
        "Admin",
        "admin",
        "AP",
        "By AP",
        "Reuters",
        "By Reuters",
        "Associated Press",
        "The Associated Press",
        "AFP",
        "Bloomberg",
        "By The Verge Staff",
        "Tech Desk",
        "Photos by Getty Images",
        "R2D2",
        "This is a sentence with far too many words to be a name",
        "jane",
        "Follow",
        "",
        "   ",
        "By",
        "https://example.com/author/jane",
        "jane@example.com",
        "@janedoe",
    ],
)
def test_parse_byline_never_a_person(text):
    assert parse_byline(text) == []


@pytest.mark.parametrize(
    "site_names, text",
    [
        (["theverge.com"], "The Verge"),
        (["www.theverge.com"], "By The Verge"),
        (["https://www.techcrunch.com/"], "TechCrunch"),
        (["arstechnica.com"], "Ars Technica"),
        (["bbc.co.uk"], "BBC"),
        (["The Verge"], "THE VERGE"),
    ],
)
def test_site_name_is_not_a_person(site_names, text):
    assert parse_byline(text, site_names=site_names) == []
    assert clean_author_name(text, site_names=site_names) is None


def test_site_name_does_not_hide_people():
    assert people("By Jane Doe, The Verge", site_names=["theverge.com"]) == [
        ("Jane Doe", None)
    ]


def test_site_names_may_be_a_generator():
    assert parse_byline("TechCrunch", site_names=(s for s in ["techcrunch.com"])) == []


def test_agency_names_are_folded():
    assert all(name == name.strip().casefold() for name in AGENCY_NAMES)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("By Jane Doe", "Jane Doe"),
        ("Jane Doe", "Jane Doe"),
        ("  Jane   Doe  ", "Jane Doe"),
        ("Jane Doe, Senior Editor", "Jane Doe"),
        ("Jane Doe | Senior Editor", "Jane Doe"),
        ("JANE DOE", "Jane Doe"),
        ("Dr. Jane Doe", "Dr. Jane Doe"),
        ("https://facebook.com/x", None),
        ("https://www.theverge.com/authors/jane-doe", None),
        ("Senior Editor", None),
        ("Staff", None),
        ("Reuters", None),
        ("", None),
        ("admin", None),
        ("Jane Doe and John Smith", None),  # several people: use parse_byline
        ("Jane Doe 2", None),  # digits: not a name (parse_byline would cut a date tail)
        ("user123", None),
    ],
)
def test_clean_author_name(value, expected):
    assert clean_author_name(value) == expected


def test_clean_author_name_site():
    assert clean_author_name("The Verge", site_names=["theverge.com"]) is None
    assert clean_author_name("The Verge") is None  # "The ..." never starts a person's name
    assert clean_author_name("Verge Staff", site_names=["theverge.com"]) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A, B and C", ["A", "B", "C"]),
        ("A, B, and C", ["A", "B", "C"]),
        ("A & B", ["A", "B"]),
        ("A und B", ["A", "B"]),
        ("A et B", ["A", "B"]),
        ("Jane Doe AND John Smith", ["Jane Doe", "John Smith"]),
        ("John Smith, Jr. and Jane Doe", ["John Smith Jr.", "Jane Doe"]),
        ("Smith, Jr.", ["Smith Jr."]),
        ("John Smith Jr. and Jane Doe", ["John Smith Jr.", "Jane Doe"]),
        ("Henry Ford, III", ["Henry Ford III"]),
        ("Jane Doe, PhD, and John Smith", ["Jane Doe", "John Smith"]),
        ("Andrew Anderson and Sandy Band", ["Andrew Anderson", "Sandy Band"]),
        ("Ivy Chen, Ivan Petrov", ["Ivy Chen", "Ivan Petrov"]),
        ("", []),
    ],
)
def test_split_names(text, expected):
    assert split_names(text) == expected


def test_dedupe_authors_folds_case_space_and_accents():
    authors = [
        Author("José Núñez"),
        Author("jose  nunez", role="Reporter", url="https://example.com/jose"),
        Author("JOSÉ NÚÑEZ", role="Editor"),
        Author("Jane Doe", url=None),
        Author("Jane Doe", url="https://example.com/jane"),
    ]
    result = dedupe_authors(authors)
    assert [(a.name, a.role, a.url) for a in result] == [
        ("José Núñez", "Reporter", "https://example.com/jose"),
        ("Jane Doe", None, "https://example.com/jane"),
    ]
    # the input objects are not modified
    assert authors[0].role is None and authors[3].url is None


def test_dedupe_authors_empty():
    assert dedupe_authors([]) == []


def test_seed_page_byline():
    [author] = parse_byline("Written by Dolapo Omole, Reporter / Editor")
    assert author == Author(name="Dolapo Omole", role="Reporter / Editor", url=None)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=30), max_size=3))
def test_parse_byline_never_raises(text, site_names):
    result = parse_byline(text, site_names=site_names)
    assert isinstance(result, list)
    for author in result:
        assert isinstance(author, Author)
        assert author.name and author.name == author.name.strip()
        assert not any(ch.isdigit() for ch in author.name)
        assert len(author.name.split()) <= 5


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_clean_author_name_never_raises(text):
    result = clean_author_name(text, site_names=["example.com"])
    assert result is None or (isinstance(result, str) and result.strip() == result and result)


CONNECTOR_WORDS = frozenset("and for at to with the of in on und et von par por by".split())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.from_regex(r"(By |Written by |Reporting by )?[A-Z][a-z]{2,8} [A-Z][a-z]{2,10}",
                      fullmatch=True),
        min_size=1,
        max_size=4,
    )
)
def test_generated_name_lists(names):
    """Any list of plain two-word names joined as a byline comes back name by name."""
    bare = [n.split(" by ")[-1].removeprefix("By ") for n in names]
    # A "name" made of a byline connector ("Aaa For") is no plain name: "By A for X" names
    # an outlet, and the parser rightly reads it so.
    assume(not any(w.casefold() in CONNECTOR_WORDS for n in bare for w in n.split()))
    text = "By " + ", ".join(bare[:-1]) + (" and " if len(bare) > 1 else "") + bare[-1]
    expected = []
    for name in bare:
        if name.casefold() not in {e.casefold() for e in expected}:
            expected.append(name)
    got = [a.name for a in parse_byline(text)]
    # a generated word may happen to be a role or organisation word; then it is dropped
    assert set(got) <= set(expected)


@pytest.mark.parametrize("text,expected", [
    ("By Noor Haddad, Hardware Desk", [("Noor Haddad", "Hardware Desk")]),
    ("Gabrielle M. Etzel, Healthcare Reporter", [("Gabrielle M. Etzel", "Healthcare Reporter")]),
    ("By Andrew Bosworth, Chief Technology Officer",
     [("Andrew Bosworth", "Chief Technology Officer")]),
])
def test_title_after_a_name_is_a_role(text, expected):
    assert [(a.name, a.role) for a in parse_byline(text)] == expected


def test_visible_byline_word_split_by_inline_element_and_trailing_date_element():
    from ingest.extract import extract_article

    html = ("<html><body><article><h1>Ports electrify cranes</h1>"
            "<div class='byline'>By <a href='/people/hana'>Hana Brigh<span>t</span></a> "
            "<a href='https://social.test/hb'>@hb</a> <span><time datetime='2024-05-14'>"
            "May 14, 2024, 6:00am PDT</time></span></div><p>" + "Cranes run on power. " * 8 +
            "</p></article></body></html>")
    a = extract_article(html, "https://harbor.test/a", fetched_at="2025-01-01T00:00:00Z")
    assert [x.name for x in a.authors] == ["Hana Bright"]
    assert a.byline == "By Hana Bright @hb"


def test_posted_by_on_date_keeps_its_date_in_the_byline():
    from ingest.extract import extract_article

    html = ("<html><body><div class='post'><h2>Why RSS</h2><p>" + "Feeds are quiet. " * 8 +
            "</p></div><div class='post-footer'>Posted by <span class='post-author'>Sam Lee"
            "</span> on <span class='post-timestamp'>March 3, 2025</span></div></body></html>")
    a = extract_article(html, "https://blog.test/a", fetched_at="2025-06-01T00:00:00Z")
    assert a.byline == "Posted by Sam Lee on March 3, 2025"


def test_unmarked_line_is_a_byline_only_when_it_prints_a_person():
    from ingest.extract import extract_article

    def byline_of(line):
        html = ("<html><head><title>Hof</title></head><body><div class='a1'>Der Hof im Tal</div>"
                f"<div class='a2'>{line}</div><div class='a3'>" + "Der Hof liegt im Tal. " * 8 +
                "</div></body></html>")
        a = extract_article(html, "https://hof.test/geschichte", fetched_at="2025-01-01T00:00:00Z")
        return a.byline, [x.name for x in a.authors]

    assert byline_of("Von Kaminwurzen, Hartbrot und Kartoffeln") == (None, [])
    assert byline_of("By Course or Type") == (None, [])
    assert byline_of("Von Anna Berger, Redakteurin") == ("Von Anna Berger, Redakteurin",
                                                         ["Anna Berger"])


@pytest.mark.parametrize("text", ["Written by", "Posted by:", "By", "Researched by",
                                  "Articles by Juliette"])
def test_a_by_label_or_credit_alone_names_nobody(text):
    assert parse_byline(text) == []


def test_a_label_word_before_a_name_is_dropped():
    assert [a.name for a in parse_byline("Author Isaiah Shelton")] == ["Isaiah Shelton"]
    assert [a.name for a in parse_byline("Authors Jane Doe and John Roe")] == \
        ["Jane Doe", "John Roe"]
    # a one-word rest may be a surname: "Author" is no label then
    assert [a.name for a in parse_byline("Author Venteur")] == ["Author Venteur"]


def _article(body_top, *, head="", url="https://shop.test/blog/post"):
    from ingest.extract import extract_article

    html = (f"<html><head><title>Choosing a kettle</title>{head}</head><body>"
            "<h1>Choosing a kettle</h1>" + body_top +
            "<div class='content'><p>" + "A kettle should pour without dripping. " * 8 +
            "</p></div></body></html>")
    return extract_article(html, url, fetched_at="2025-06-01T00:00:00Z")


def test_a_by_label_in_its_own_element_takes_the_name_printed_beside_it():
    a = _article("<div class='x1'><p>Written by</p><p>Edzel Tabing</p></div>")
    assert a.byline == "Written by Edzel Tabing"
    assert [x.name for x in a.authors] == ["Edzel Tabing"]


def test_a_testers_or_reviewers_credit_is_no_byline():
    a = _article("<div class='author-box'>Recipe tested by "
                 "<a href='/author/juliana-hale'>Juliana Hale</a></div>",
                 head="<meta name='sailthru.author' content='Erin Hooker'>")
    assert [x.name for x in a.authors] == ["Erin Hooker"]
    assert a.byline is None


def test_a_personal_site_named_after_its_author_keeps_the_author():
    head = "<meta property='og:site_name' content='Karl Vossberg'>" \
           "<meta name='author' content='Karl Vossberg'>"
    a = _article("", head=head, url="https://karl-vossberg.test/2021/01/18/tools")
    assert [x.name for x in a.authors] == ["Karl Vossberg"]


def test_a_brand_is_no_author_even_where_it_names_the_site():
    # the JSON-LD publisher is an Organization of that name; one word run together; an
    # organisation word
    org = ("<script type='application/ld+json'>{\"@type\": \"Article\", \"author\": "
           "\"Quiet Bytes\", \"publisher\": {\"@type\": \"Organization\", "
           "\"name\": \"Quiet Bytes\"}}</script><meta property='og:site_name' "
           "content='Quiet Bytes'><meta name='author' content='Quiet Bytes'>")
    assert _article("", head=org, url="https://quietbytes.test/a").authors == []
    camel = "<meta property='og:site_name' content='StarsInsider'>" \
            "<meta name='author' content='StarsInsider'>"
    assert _article("", head=camel, url="https://starsinsider.test/a").authors == []
    paper = "<meta property='og:site_name' content='Hildesheimer Presse'>" \
            "<meta name='author' content='Hildesheimer Presse'>"
    assert _article("", head=paper, url="https://hildesheimer-presse.test/a").authors == []


def test_checkers_credited_in_a_byline_are_not_its_authors():
    text = "By Jane Doe | Fact-checked by Frank Bass"
    assert [a.name for a in parse_byline(text)] == ["Jane Doe"]
    assert [a.name for a in parse_byline("By Jane Doe · Medically reviewed by Ann Lee, MD")] \
        == ["Jane Doe"]


# "By" and a lower-case -ing word is a consent clause under a form, not a byline; capitalised
# names ending in -ing are people.
CONSENT_PAGE = """<html><head><title>Site</title></head><body><article>
<h1>Council approves the new cycle lanes</h1>
<form class="signup"><p>By pressing Submit you agree to our terms and privacy policy.</p>
<button>Submit</button></form>
<p>The council voted on Tuesday to build twelve kilometres of protected cycle lanes across
the city centre, after a consultation that drew more than four thousand responses.</p>
<p>Work starts in spring and is expected to take two years, the transport office said.</p>
</article></body></html>"""


@pytest.mark.parametrize("byline, authors", [
    (None, []),
    ("<p class='byline'>By Jane Manning</p>", ["Jane Manning"]),
    ("<p>By Sterling Archer</p>", ["Sterling Archer"]),
])
def test_a_consent_clause_is_no_byline(byline, authors):
    from ingest.extract import extract_article

    html = CONSENT_PAGE.replace("</h1>", "</h1>" + (byline or ""))
    article = extract_article(html, "https://news.example/cycle-lanes")
    assert [a.name for a in article.authors] == authors
    assert "pressing" not in (article.byline or "")

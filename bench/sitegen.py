"""A generated news site of N articles, built from our demo site's two templates.

``generate_site(folder, n)`` writes: ``index.html`` linking every listing page,
``list/K.html`` listing 100 articles each, the articles under ``news/``, ``business/`` and
``ai/`` (template A, the seed page's CMS, and template B, the WordPress-like one with JSON-LD,
alternating), each linking five other articles as "popular"/"related", plus ``robots.txt``
and ``sitemap.xml``. Text, headlines, authors and dates vary (bench/synth.py). Returns the
list of page paths (home, listings, articles), the set a link-following crawl reaches.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from bench.synth import FIXTURE_SITE, TextGen

TEMPLATE_A = FIXTURE_SITE / "news" / "tiktok-trims-us-tiktok-shop-staff.html"
TEMPLATE_B = FIXTURE_SITE / "ai" / "small-language-models-move-onto-phones.html"
ARTICLES_PER_LIST = 100
RELATED_LINKS = 5
SECTION_PATHS = {"News": "news", "Business": "business", "AI": "ai"}


def _mark(el, marker: str) -> None:
    """Replace el's content with a marker (filled in per page by plain string replacement)."""
    for child in list(el):
        el.remove(child)
    el.text = marker


def _skeleton_a() -> str:
    doc = lxml_html.fromstring(TEMPLATE_A.read_bytes())
    doc.find(".//title").text = "@@HEADLINE@@ | The Future of Tech"
    doc.find(".//meta[@name='description']").set("content", "@@SUMMARY@@")
    doc.find(".//link[@rel='canonical']").set("href", "@@PATH@@")
    art = doc.find(".//article")
    cat = art.find("a")
    cat.set("href", "@@SECTION_PATH@@")
    cat.text = "@@SECTION@@"
    art.find("h1").text = "@@HEADLINE@@"
    _mark(art.find("div[@class='byline']"), "@@BYLINE@@")
    date = art.find("div[@class='post-date']")
    date.text = "@@DATE@@"
    for el in list(date.itersiblings()):
        art.remove(el)
    date.tail = "@@BODY@@"
    _mark(doc.find(".//ul[@class='popular-posts']"), "@@RELATED@@")
    return "<!DOCTYPE html>\n" + etree.tostring(doc, encoding="unicode", method="html")


def _skeleton_b() -> str:
    doc = lxml_html.fromstring(TEMPLATE_B.read_bytes())
    doc.find(".//title").text = "@@HEADLINE@@ - The Future of Tech"
    for key, marker in (("description", "@@SUMMARY@@"),):
        doc.find(f".//meta[@name='{key}']").set("content", marker)
    for prop, marker in (("og:title", "@@HEADLINE@@"), ("og:description", "@@SUMMARY@@"),
                         ("og:url", "@@PATH@@"), ("article:published_time", "@@ISO@@"),
                         ("article:modified_time", "@@ISO@@"),
                         ("article:section", "@@SECTION@@")):
        doc.find(f".//meta[@property='{prop}']").set("content", marker)
    doc.find(".//link[@rel='canonical']").set("href", "@@PATH@@")
    doc.find(".//script[@type='application/ld+json']").text = "@@JSONLD@@"
    art = doc.find(".//article")
    art.find(".//h1").text = "@@HEADLINE@@"
    _mark(art.find(".//p[@class='author-line']"), "@@BYLINE@@")
    for t in art.iter("time"):
        t.set("datetime", "@@ISO@@")
        t.text = "@@DATE@@"
    _mark(art.find(".//div[@class='entry-content']"), "@@BODY@@")
    related = doc.find(".//section[@class='related-posts']")
    if related is not None:
        _mark(related, "@@RELATED@@")
    return "<!DOCTYPE html>\n" + etree.tostring(doc, encoding="unicode", method="html")


def _fill(skeleton: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        skeleton = skeleton.replace(f"@@{key}@@", value)
    return skeleton


def _body_html(sections, heading_tag: str) -> str:
    out = []
    for heading, paragraphs in sections:
        if heading:
            out.append(f"<{heading_tag}>{html.escape(heading)}</{heading_tag}>")
        out += [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    return "\n".join(out)


def _page(title: str, items: list[tuple[str, str]]) -> str:
    links = "\n".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for href, text in items)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)} | The Future of Tech</title></head><body>"
            f"<header class=\"site-header\"><a href=\"/\">The Future of Tech</a></header>"
            f"<main><h1>{html.escape(title)}</h1><ul>\n{links}\n</ul></main></body></html>\n")


def generate_site(folder: Path, n: int, seed: int = 8) -> list[str]:
    gen = TextGen(seed)
    skeletons = (_skeleton_a(), _skeleton_b())
    # Every other page the templates link to (sections, about, authors) exists too, so that
    # the crawl meets no 404s: a small listing page each.
    extra = {h for sk in skeletons for h in re.findall(r'href="(/[^"@]*)"', sk)}
    base = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)
    paths, headlines = [], []
    for i in range(n):
        section = ("News", "Business", "AI")[i % 3]
        paths.append(f"/{SECTION_PATHS[section]}/{i // 1000}/article-{i}.html")
        headlines.append(gen.headline())
    for i in range(n):
        template = i % 2
        section = ("News", "Business", "AI")[i % 3]
        when = base + timedelta(minutes=37 * i)
        name, role = gen.person()
        summary = gen.sentence()
        related = [(gen.rng.randrange(n)) for _ in range(RELATED_LINKS)]
        related_html = "\n".join(f'<li><a href="{paths[j]}">{html.escape(headlines[j])}</a></li>'
                                 for j in related)
        values = {"HEADLINE": html.escape(headlines[i]), "SUMMARY": html.escape(summary),
                  "PATH": paths[i], "SECTION": section,
                  "SECTION_PATH": f"/{SECTION_PATHS[section]}/", "ISO": when.isoformat(),
                  "RELATED": related_html}
        sections = gen.sections()
        if template == 0:
            author_path = f'/authors/{name.lower().replace(" ", "-")}.html'
            extra.add(author_path)
            values["BYLINE"] = (f'Written by <a href="{author_path}">{html.escape(name)}</a>, '
                                f'{role or "Reporter"}')
            values["DATE"] = when.strftime("%A, %b %-d, %Y, %-I:%M %p UTC")
            values["BODY"] = "\n" + _body_html(sections, "h2") + "\n"
        else:
            values["BYLINE"] = f'By <span class="author-name">{html.escape(name)}</span>'
            values["DATE"] = when.strftime("%B %-d, %Y")
            values["BODY"] = _body_html(sections, "h3")
            values["JSONLD"] = json.dumps({
                "@context": "https://schema.org", "@type": "NewsArticle",
                "headline": headlines[i], "description": summary,
                "datePublished": when.isoformat(), "author": {"@type": "Person", "name": name},
                "articleSection": section, "inLanguage": "en"}).replace("</", "<\\/")
        out = folder / paths[i].lstrip("/")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_fill(skeletons[template], values), encoding="utf-8")
    lists = []
    for k in range(0, n, ARTICLES_PER_LIST):
        lists.append(f"/list/{k // ARTICLES_PER_LIST}.html")
        items = [(paths[i], headlines[i]) for i in range(k, min(n, k + ARTICLES_PER_LIST))]
        out = folder / lists[-1].lstrip("/")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_page(f"Archive page {k // ARTICLES_PER_LIST + 1}", items))
    extra -= {"/"}
    for path in sorted(extra):
        out = folder / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_page(path.strip("/").replace("-", " ").title() or "Home",
                             [(paths[j], headlines[j]) for j in range(min(n, 10))]))
    (folder / "index.html").write_text(
        _page("The Future of Tech", [(p, f"Archive page {j + 1}") for j, p in enumerate(lists)]))
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\nSitemap: /sitemap.xml\n")
    urls = "\n".join(f"<url><loc>{p}</loc></url>" for p in paths)
    (folder / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n')
    return ["/"] + lists + sorted(extra) + paths

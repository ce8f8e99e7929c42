"""Authored arXiv API Atom feeds, shaped like export.arxiv.org/api/query answers."""

from __future__ import annotations

from xml.sax.saxutils import escape

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/query</id>
  <title>arXiv Query</title>
  <updated>2026-11-23T00:00:00Z</updated>
  <opensearch:itemsPerPage>{per}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
"""

ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}{version}</id>
    <title>{title}</title>
    <updated>{updated}</updated>
    <link href="https://arxiv.org/abs/{id}{version}" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{id}{version}" rel="related" type="application/pdf" title="pdf"/>
    <summary>{abstract}</summary>
    <category term="{cat}" scheme="http://arxiv.org/schemas/atom"/>
    <published>{published}</published>
    <arxiv:primary_category term="{cat}"/>
{authors}  </entry>
"""


def entry(
    arxiv_id: str,
    title: str,
    authors: list[str],
    *,
    version: str = "v1",
    published: str = "2024-10-08T01:27:46Z",
    updated: str | None = None,
    abstract: str = "An abstract.",
    cat: str = "cs.LG",
) -> str:
    auth = "".join(f"    <author><name>{escape(a)}</name></author>\n" for a in authors)
    return ENTRY.format(
        id=arxiv_id,
        version=version,
        title=escape(title),
        updated=updated or published,
        abstract=escape(abstract),
        cat=cat,
        published=published,
        authors=auth,
    )


def feed(*entries: str) -> str:
    return HEAD.format(per=len(entries), total=len(entries)) + "".join(entries) + "</feed>\n"


ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}

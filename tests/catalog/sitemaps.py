"""Reading the sitemap the way a crawler does: the index, then each of its files."""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
URLSET = "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
INDEX = "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"


def sitemap_files(client) -> list[tuple[str, bytes]]:
    """Each file the index names: its address and its body."""
    index = etree.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == INDEX
    files = []
    for loc in index.iterfind("s:sitemap/s:loc", NS):
        response = client.get(urlsplit(loc.text).path)
        assert response.status_code == 200, loc.text
        files.append((loc.text, response.data))
    return files


def whole_sitemap(client) -> bytes:
    """Every file's <url> entries in one <urlset>, as if the sitemap were one file."""
    merged = etree.Element(URLSET, nsmap={None: NS["s"], "xhtml": NS["x"]})
    for _loc, body in sitemap_files(client):
        merged.extend(etree.fromstring(body).findall("s:url", NS))
    return etree.tostring(merged, xml_declaration=True, encoding="UTF-8")

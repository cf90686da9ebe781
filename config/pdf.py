"""PDFs for the whole app (receipts, tags, invoices): one template in, PDF bytes out.

WeasyPrint may load only the app's own static files and data: URIs. Everything else is
refused, so a PDF render never touches the network or the server's file system, whatever
ends up in the HTML. Fonts are the machine's (DejaVu through fontconfig); no web fonts.

Continuous roll paper: a template whose page is a strip (e.g. `@page { size: 80mm 2000mm }`)
marks where the printout ends with an empty element `id="roll-end"`; the last page is cut
there, so the printer feeds only what was printed.
"""

from __future__ import annotations

import mimetypes
import posixpath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint.urls import URLFetcher, URLFetcherResponse

if TYPE_CHECKING:
    from django.http import HttpRequest

ROLL_END = "roll-end"
ROLL_BOTTOM_MARGIN_PX = 96 / 25.4 * 4  # 4 mm of paper after the last line, in CSS px
FALLBACK_BASE_URL = "http://localhost/"


class RefusedURL(ValueError):
    """A URL a PDF may not load. WeasyPrint logs it and leaves the resource out."""


class StaticFilesOnly(URLFetcher):
    """Serves the app's static files (read from disk, never over HTTP) and data: URIs only."""

    def __init__(self, base_url: str) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)  # decoded in memory by urllib's data handler
        if not url.startswith(self.static_prefix):
            raise RefusedURL(f"PDFs load only the app's own static files, not {url}")
        name = unquote(urlsplit(url[len(self.static_prefix) :]).path)
        return URLFetcherResponse(
            url,
            body=read_static_file(name),
            headers={"Content-Type": mimetypes.guess_type(name)[0] or "application/octet-stream"},
        )


def read_static_file(name: str) -> bytes:
    """The bytes of one static file, found as {% static %} would serve it."""
    clean = posixpath.normpath(name)
    if not name or clean != name or clean.startswith(("/", "..")) or "\\" in name:
        raise RefusedURL(f"Not a static file name: {name!r}")
    found = finders.find(clean)  # development: straight from the app's static folders
    if found:
        with open(found, "rb") as file:
            return file.read()
    if staticfiles_storage.exists(clean):  # production: collected (and hashed) files
        with staticfiles_storage.open(clean) as file:
            return file.read()
    raise RefusedURL(f"No such static file: {name}")


def base_url_for(request: HttpRequest | None) -> str:
    if request is not None:
        return request.build_absolute_uri("/")
    return getattr(settings, "PUBLIC_BASE_URL", "") or FALLBACK_BASE_URL


def render_pdf(template_name: str, context: dict, *, request: HttpRequest | None = None) -> bytes:
    """Render a Django template to PDF bytes, loading nothing but the app's static files."""
    html = render_to_string(template_name, context, request=request)
    base_url = base_url_for(request)
    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=StaticFilesOnly(base_url)
    ).render()
    _cut_roll(document)
    return document.write_pdf()


def _cut_roll(document: weasyprint.Document) -> None:
    last = document.pages[-1]
    if ROLL_END in last.anchors:
        end_y = last.anchors[ROLL_END][3]  # (x1, y1, x2, y2) in CSS px from the page's top
        last.height = min(last.height, end_y + ROLL_BOTTOM_MARGIN_PX)


def pdf_response(pdf_bytes: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """The PDF for the browser to show (or save), never cached: printouts hold personal data."""
    response = HttpResponse(pdf_bytes, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["Cache-Control"] = "private, no-store"
    return response

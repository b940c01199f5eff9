"""The service fetching what the CDS client did not prefetch, from the client's FHIR server."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

ACCEPT = "application/fhir+json, application/json;q=0.9"


class FhirUnavailable(Exception):
    """The FHIR server could not give the data (unreachable, refused the token, error): HTTP 412 to the client."""


class FhirFetcher:
    def __init__(self, timeout_seconds: float = 5.0, max_pages: int = 10, transport: httpx.AsyncBaseTransport | None = None):
        self.timeout = timeout_seconds
        self.max_pages = max_pages
        self.transport = transport  # tests inject httpx.MockTransport

    async def fetch(self, server: str, token: str | None, queries: dict[str, str], required: Collection[str] = ()) -> dict[str, Any]:
        """{key: resource or searchset Bundle or None} for each relative query, fetched concurrently.
        A failed `required` query raises FhirUnavailable; a failed optional one is left out."""
        base = server.rstrip("/") + "/"
        headers = {"Accept": ACCEPT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with httpx.AsyncClient(timeout=self.timeout, headers=headers, transport=self.transport, follow_redirects=False) as client:
            results = await asyncio.gather(*(self._get(client, base, query) for query in queries.values()), return_exceptions=True)
        out = {}
        for key, result in zip(queries, results, strict=True):
            if isinstance(result, FhirUnavailable):
                if key in required:
                    raise result
                continue
            if isinstance(result, BaseException):
                raise result
            out[key] = result
        return out

    async def _get(self, client: httpx.AsyncClient, base: str, query: str) -> Any:
        url = urljoin(base, query)
        first = await self._json(client, url, read=not ("?" in query))
        if first is None or first.get("resourceType") != "Bundle":
            return first
        entries = list(first.get("entry") or [])
        page, pages = first, 1
        while pages < self.max_pages:
            following = next((link.get("url") for link in page.get("link") or [] if isinstance(link, dict) and link.get("relation") == "next"), None)
            if not following or not _same_origin(following, base):
                break  # never send the token to another host
            page = await self._json(client, following, read=False)
            if page is None:
                break
            entries.extend(page.get("entry") or [])
            pages += 1
        return {**first, "entry": entries, "link": []}

    async def _json(self, client: httpx.AsyncClient, url: str, *, read: bool) -> dict[str, Any] | None:
        try:
            response = await client.get(url)
        except httpx.HTTPError as exc:
            raise FhirUnavailable(f"FHIR server {_origin(url)} unreachable: {exc.__class__.__name__}") from None
        if read and response.status_code in (404, 410):
            return None  # no such patient: nothing to prefetch
        if response.status_code in (401, 403):
            raise FhirUnavailable(f"FHIR server {_origin(url)} refused the access token (HTTP {response.status_code})")
        if response.status_code != 200:
            raise FhirUnavailable(f"FHIR server {_origin(url)} answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise FhirUnavailable(f"FHIR server {_origin(url)} did not answer JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FhirUnavailable(f"FHIR server {_origin(url)} did not answer a FHIR resource")
        return data


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _same_origin(url: str, base: str) -> bool:
    return _origin(url) == _origin(base) and url.startswith(base)

"""Where web-download imports fetch their data: HTTP(S) through urllib, every redirect checked
by the import filter again (Glance's SafeRedirectHandler), no proxy from the environment (the
filter speaks of the hosts the cloud itself reaches)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from http.client import HTTPMessage
from typing import IO

from domain.backends import DownloadFailed
from domain.catalog.import_filter import ImportFilter

CHUNK = 1 << 20


class UrlWebSource:
    def __init__(self, import_filter: ImportFilter, timeout: float = 60.0) -> None:
        self.filter, self.timeout = import_filter, timeout
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  _FilteredRedirects(import_filter))

    def chunks(self, uri: str) -> Iterator[bytes]:
        if not self.filter.passes(uri):
            raise DownloadFailed(f"URI for web-download does not pass filtering: {uri}")
        try:
            with self.opener.open(uri, timeout=self.timeout) as answer:
                if answer.status != 200:
                    raise DownloadFailed(f"{uri} answered {answer.status}, not 200")
                while chunk := answer.read(CHUNK):
                    yield chunk
        except urllib.error.HTTPError as error:
            raise DownloadFailed(f"{uri} answered {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            raise DownloadFailed(f"{uri} could not be fetched: {error.reason}") from None
        except (OSError, ValueError) as error:  # a reset mid-body, a timeout, a bad URL
            raise DownloadFailed(f"{uri} could not be fetched: {error}") from None


class _FilteredRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, import_filter: ImportFilter) -> None:
        self.filter = import_filter

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                         msg: str, headers: HTTPMessage, newurl: str
                         ) -> urllib.request.Request | None:
        if not self.filter.passes(newurl):
            raise DownloadFailed(f"Redirect to a URI that does not pass filtering: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)

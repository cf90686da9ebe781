"""A shop's own system, receiving Benchdesk's webhooks over real HTTP on a local port.

It records every delivery (headers and raw body), answers 200, or the status codes it is told
to fail with next, or a redirect it is told to send next.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> str:
        return self.headers["Benchdesk-Event-Id"]

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class FakeReceiver:
    deliveries: list[Delivery] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    def redirect_next(self, url: str) -> None:
        self.redirects.append(url)

    def answer_for(self, delivery: Delivery) -> tuple[int, str]:
        """The status to answer with, and where to (for a redirect)."""
        with self.lock:
            self.deliveries.append(delivery)
            if self.redirects:
                return 302, self.redirects.pop(0)
            return (self.failures.pop(0) if self.failures else 200), ""


def _handler(fake: FakeReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, location = fake.answer_for(
                Delivery(self.path, dict(self.headers.items()), body)
            )
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


class Server:
    """`with Server() as receiver:` a FakeReceiver on a free local port, in a thread."""

    def __enter__(self) -> FakeReceiver:
        self.fake = FakeReceiver()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.httpd.daemon_threads = True
        self.fake.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/benchdesk"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

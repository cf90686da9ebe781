"""A local stand-in for Twilio's Messages API that the real `twilio` client talks to.

It answers create (POST …/Messages.json) and list (GET …/Messages.json) with Twilio's JSON,
records every request, and can fail (500, 429, 400) or be slow on demand. Point the client at
it with settings.TWILIO_API_BASE_URL = server.url.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from django.utils import timezone

ERRORS = {
    400: (21211, "The 'To' number is not a valid phone number."),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
}


@dataclass
class Request:
    method: str
    path: str
    form: dict[str, str]


@dataclass
class FakeTwilio:
    """The server's state: what it was asked, what it took, what it should do next."""

    requests: list[Request] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    # Status codes to answer the next creates with, one each, before taking messages again.
    failures: list[int] = field(default_factory=list)
    # Seconds to wait before answering a create (after taking the message).
    delay: float = 0.0
    # Set when a create has been taken (and its answer is being held back by `delay`).
    taken: threading.Event = field(default_factory=threading.Event)
    # Set to let held answers go at once (the server does so when it stops).
    released: threading.Event = field(default_factory=threading.Event)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    @property
    def creates(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    def _create(self, account: str, form: dict[str, str]) -> tuple[int, dict]:
        with self.lock:
            if self.failures:
                status = self.failures.pop(0)
                code, text = ERRORS.get(status, (20500, "Error"))
                return status, {"code": code, "message": text, "status": status, "more_info": ""}
            now = timezone.now()
            sid = f"SM{len(self.messages) + 1:032x}"
            message = {
                "sid": sid,
                "account_sid": account,
                "to": form.get("To", ""),
                "from": form.get("From", ""),
                "body": form.get("Body", ""),
                "status": "queued",
                "status_callback": form.get("StatusCallback"),
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "date_created": format_datetime(now, usegmt=True),
                "date_updated": format_datetime(now, usegmt=True),
                "date_sent": format_datetime(now, usegmt=True),
                "_sent": now,
                "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            }
            self.messages.append(message)
        self.taken.set()
        return 201, message

    def _list(self, query: dict[str, list[str]]) -> dict:
        to = query.get("To", [None])[0]
        after = query.get("DateSent>", [None])[0]
        found = [m for m in self.messages if to is None or m["to"] == to]
        if after:
            since = datetime_from_iso(after)
            found = [m for m in found if m["_sent"] >= since]
        return {
            "messages": found,
            "end": max(len(found) - 1, 0),
            "first_page_uri": "",
            "next_page_uri": None,
            "page": 0,
            "page_size": 50,
            "previous_page_uri": None,
            "start": 0,
            "uri": "",
        }


def datetime_from_iso(text: str):
    import datetime

    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet in test output
            pass

        def _answer(self, status: int, payload: dict) -> None:
            body = json.dumps(
                {k: v for k, v in payload.items() if not k.startswith("_")}, default=str
            ).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _account(self, path: str) -> str | None:
            parts = path.strip("/").split("/")
            if len(parts) == 4 and parts[:2] == ["2010-04-01", "Accounts"]:
                return parts[2] if parts[3] == "Messages.json" else None
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            path = urlparse(self.path).path
            fake.requests.append(Request("POST", path, form))
            account = self._account(path)
            if account is None:
                return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
            status, payload = fake._create(account, form)
            if status == 201 and fake.delay:
                fake.released.wait(fake.delay)
            self._answer(status, payload)

        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            query = parse_qs(parsed.query)
            fake.requests.append(Request("GET", parsed.path, {k: v[-1] for k, v in query.items()}))
            if self._account(parsed.path) is None:
                return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
            self._answer(200, fake._list(query))

    return Handler


class Server:
    """Run a FakeTwilio on a free local port in a thread: `with Server() as fake: …`."""

    def __enter__(self) -> FakeTwilio:
        self.fake = FakeTwilio()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.httpd.daemon_threads = True
        self.fake.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.fake.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

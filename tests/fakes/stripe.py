"""A local stand-in for Stripe that the real `stripe` client talks to, and Stripe's webhook
signatures made with the SDK's own algorithm.

The API side answers `POST /v1/checkout/sessions` as Stripe does (replaying the first answer for
an idempotency key seen before), records every request, and can fail on demand. The hosted side
serves a tiny payment page at each session's `url`: paying there marks the session paid, posts
Stripe's events for it (signed with the webhook secret) to `webhook_url`, then sends the browser
to the session's success URL, as Stripe's page does. Point the client at it with
settings.STRIPE_API_BASE_URL = server.url.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import stripe

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):010d}"


def event(kind: str, obj: dict, *, event_id: str | None = None) -> dict:
    """A Stripe event (a snapshot of `obj`), as the webhook body carries it."""
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": int(time.time()),
        "type": kind,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


def signed(body: dict | str, secret: str, *, timestamp: int | None = None) -> tuple[str, str]:
    """(body, Stripe-Signature header): the v1 scheme, HMAC-SHA256 of "timestamp.body"."""
    text = body if isinstance(body, str) else json.dumps(body)
    header = stripe.WebhookSignature.generate_signature_header(text, secret, timestamp=timestamp)
    return text, header


@dataclass
class Request:
    method: str
    path: str
    form: dict[str, str]
    idempotency_key: str | None


@dataclass
class FakeStripe:
    url: str = ""
    webhook_url: str = ""  # where the hosted page posts the events of a payment
    webhook_secret: str = ""
    requests: list[Request] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)
    answers: dict[str, tuple[int, dict]] = field(default_factory=dict)  # by idempotency key
    failures: list[int] = field(default_factory=list)
    delivered: list[tuple[int, dict]] = field(default_factory=list)  # (our answer, event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, *statuses: int) -> None:
        self.failures.extend(statuses)

    @property
    def creates(self) -> list[Request]:
        return [
            r for r in self.requests if r.method == "POST" and r.path == "/v1/checkout/sessions"
        ]

    def _create(self, form: dict[str, str], key: str | None) -> tuple[int, dict]:
        with self.lock:
            if key and key in self.answers:
                return self.answers[key]
            if self.failures:
                status = self.failures.pop(0)
                return status, {
                    "error": {"type": "invalid_request_error", "message": "The fake refused."}
                }
            session_id = new_id("cs")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": form.get("mode"),
                "status": "open",
                "payment_status": "unpaid",
                "payment_intent": None,
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                "currency": form["line_items[0][price_data][currency]"],
                "client_reference_id": form.get("client_reference_id"),
                "metadata": _nested(form, "metadata"),
                "payment_intent_data": {"metadata": _nested(form, "payment_intent_data[metadata]")},
                "success_url": form["success_url"],
                "cancel_url": form["cancel_url"],
                "expires_at": int(time.time()) + 24 * 3600,
                "url": f"{self.url}/pay/{session_id}",
                "livemode": False,
            }
            self.sessions[session_id] = session
            answer = (200, {k: v for k, v in session.items() if k != "payment_intent_data"})
            if key:
                self.answers[key] = answer
            return answer

    def _expire(self, session_id: str) -> tuple[int, dict]:
        """As Stripe: an open session expires; a completed (or unknown) one cannot."""
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None or session["status"] == "complete":
                message = "Only Checkout Sessions with a status of open can be expired."
                return 400, {"error": {"type": "invalid_request_error", "message": message}}
            session["status"] = "expired"
            return 200, {k: v for k, v in session.items() if k != "payment_intent_data"}

    @property
    def refunds(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/refunds"]

    def _refund(self, form: dict[str, str], key: str | None) -> tuple[int, dict]:
        """A refund of part of a PaymentIntent, replayed per idempotency key as Stripe does."""
        with self.lock:
            if key and key in self.answers:
                return self.answers[key]
            answer = (
                200,
                {
                    "id": new_id("re"),
                    "object": "refund",
                    "payment_intent": form["payment_intent"],
                    "amount": int(form["amount"]),
                    "status": "succeeded",
                },
            )
            if key:
                self.answers[key] = answer
            return answer

    # What Stripe sends when the customer pays, and when a refund is made in its dashboard.

    def paid_events(self, session_id: str) -> list[dict]:
        """The session paid: checkout.session.completed and payment_intent.succeeded, with new
        event ids, for the same PaymentIntent (made on the first call)."""
        session = self.sessions[session_id]
        with self.lock:
            session.update(status="complete", payment_status="paid")
            session["payment_intent"] = session["payment_intent"] or new_id("pi")
        intent = {
            "id": session["payment_intent"],
            "object": "payment_intent",
            "status": "succeeded",
            "amount": session["amount_total"],
            "amount_received": session["amount_total"],
            "currency": session["currency"],
            "metadata": session["payment_intent_data"]["metadata"],
        }
        public = {k: v for k, v in session.items() if k != "payment_intent_data"}
        return [
            event("checkout.session.completed", public),
            event("payment_intent.succeeded", intent),
        ]

    def refund_event(self, session_id: str, *, refunded: int) -> dict:
        """charge.refunded with `refunded` (pence) as the running total refunded."""
        session = self.sessions[session_id]
        charge = {
            "id": "ch_" + session["payment_intent"].removeprefix("pi_"),
            "object": "charge",
            "payment_intent": session["payment_intent"],
            "amount": session["amount_total"],
            "amount_captured": session["amount_total"],
            "amount_refunded": refunded,
            "refunded": refunded == session["amount_total"],
            "currency": session["currency"],
            "metadata": session["payment_intent_data"]["metadata"],
        }
        return event("charge.refunded", charge)

    def deliver(self, body: dict) -> int:
        """Post one event to the webhook, signed, as Stripe does; our answer's status."""
        text, header = signed(body, self.webhook_secret)
        request = urllib.request.Request(
            self.webhook_url,
            data=text.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as refused:
            status = refused.code
        self.delivered.append((status, body))
        return status


def _nested(form: dict[str, str], prefix: str) -> dict[str, str]:
    """{"shop": "1"} from metadata[shop]=1: how the SDK encodes a dict in a form."""
    start = prefix + "["
    return {
        k[len(start) : -1]: v
        for k, v in form.items()
        if k.startswith(start) and "][" not in k[len(start) :]
    }


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay · fake Stripe</title></head>
<body><main><h1>Pay {amount} {currency}</h1><p>{name}</p>
<form method="post"><button>Pay {amount} {currency}</button></form>
<p><a href="{cancel}">Back without paying</a></p></main></body></html>"""


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet in test output
            pass

        def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: dict) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _session(self, path: str) -> dict | None:
            parts = path.strip("/").split("/")
            if len(parts) == 2 and parts[0] == "pay":
                return fake.sessions.get(parts[1])
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            path = urlparse(self.path).path
            key = self.headers.get("Idempotency-Key")
            fake.requests.append(Request("POST", path, form, key))
            if path == "/v1/checkout/sessions":
                return self._json(*fake._create(form, key))
            if path.startswith("/v1/checkout/sessions/") and path.endswith("/expire"):
                return self._json(*fake._expire(path.split("/")[4]))
            if path == "/v1/refunds":
                return self._json(*fake._refund(form, key))
            session = self._session(path)
            if session is None:
                return self._json(404, {"error": {"type": "invalid_request_error"}})
            for body in fake.paid_events(session["id"]):
                fake.deliver(body)
            success = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
            self._send(303, b"", "text/plain", Location=success)

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            fake.requests.append(Request("GET", path, {}, None))
            session = self._session(path)
            if session is None:
                return self._json(404, {"error": {"type": "invalid_request_error"}})
            page = PAGE.format(
                amount=f"{session['amount_total'] / 100:.2f}",
                currency=escape(session["currency"].upper()),
                name=escape(session["metadata"].get("invoice", "")),
                cancel=escape(session["cancel_url"]),
            )
            self._send(200, page.encode(), "text/html; charset=utf-8")

    return Handler


class Server:
    """Run a FakeStripe on a free local port in a thread: `with Server() as fake: …`."""

    def __enter__(self) -> FakeStripe:
        self.fake = FakeStripe()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.httpd.daemon_threads = True
        self.fake.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

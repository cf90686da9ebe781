"""Locust users for the production load test; scripts/loadtest.py runs this (see scripts/load/mix.py
for the mix). Each virtual user is a shop: its owner's signed-in session (cookies from one
sign-in, reused), its board, its customers. Nothing here touches the database.

Environment (set by scripts/loadtest.py):
    LOAD_PLAN       JSON from scripts/load/plan.py (+ "static" and "signature")
    LOAD_SESSIONS   JSON {email: {"sessionid": …, "csrftoken": …}}
    LOAD_MIX        weights, "board poll=45,detail=14,…" (mix.DEFAULT_MIX)
    LOAD_USER_RPS   task starts per second per virtual user

Requests come as through production's TLS proxy: X-Forwarded-Proto https (so no redirect, and
the Secure cookies are sent by hand), and X-Forwarded-For with the client's own address (staff
one per shop; each customer their own), which RATELIMIT_PROXY_COUNT=1 trusts.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
from pathlib import Path

from locust import FastHttpUser, constant_throughput, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mix import DEFAULT_MIX, multipart, parse_mix

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
SESSIONS = json.loads(Path(os.environ["LOAD_SESSIONS"]).read_text())
WEIGHTS = parse_mix(os.environ.get("LOAD_MIX", DEFAULT_MIX))
USER_RPS = float(os.environ.get("LOAD_USER_RPS", "5"))
NEXT_SHOP = itertools.count()
VERSION = re.compile(r"since=([^\"&]+)")


class Failed(Exception):
    pass


class Shop(FastHttpUser):
    wait_time = constant_throughput(USER_RPS)
    # Keep-alive connections, as the proxy in front keeps to the app.
    concurrency = 4

    def on_start(self) -> None:
        index = next(NEXT_SHOP)
        self.plan = PLAN["shops"][index % len(PLAN["shops"])]
        self.rng = random.Random(index)
        session = SESSIONS[self.plan["email"]]
        origin = f"https://{self.host.split('://', 1)[1]}"
        self.staff = {
            "Cookie": f"sessionid={session['sessionid']}; csrftoken={session['csrftoken']}",
            "X-CSRFToken": session["csrftoken"],
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"10.20.{index // 250}.{index % 250 + 1}",
            "Origin": origin,
            "Referer": f"{origin}/board/",
            "Accept-Encoding": "gzip, br",
        }
        self.htmx = {**self.staff, "HX-Request": "true"}
        self.cards = [dict(card) for card in self.plan["cards"]]
        self.moves = itertools.count()
        self.intakes = iter(self.plan["intakes"])
        self.version = ""
        self.board_page()

    # --- helpers ------------------------------------------------------------------------

    def _get(self, url: str, name: str, headers: dict, expected=(200,)):
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            if response.status_code not in expected:
                response.failure(f"HTTP {response.status_code}")
            return response

    def _remember_version(self, response) -> None:
        found = VERSION.search(response.text or "")
        if found:
            self.version = found.group(1)

    def _redraw(self) -> None:
        board = self.plan["board"]
        response = self._get(f"/board/?branch={board}", "board redraw", self.htmx)
        if response.status_code == 200:
            self._remember_version(response)

    def _moved(self, response) -> None:
        trigger = response.headers.get("HX-Trigger", "")
        if response.status_code != 204:
            response.failure(f"HTTP {response.status_code}")
        elif '"danger"' in trigger or "boardChanged" not in trigger:
            response.failure(f"refused: {trigger[:200]}")

    # --- the mix ------------------------------------------------------------------------

    def board_poll(self) -> None:
        board = self.plan["board"]
        response = self._get(
            f"/board/changed/?branch={board}&since={self.version}",
            "board poll",
            self.htmx,
            expected=(200, 204),
        )
        if response.status_code == 200:  # changed: the board redraws itself
            self._redraw()

    def board_page(self) -> None:
        response = self._get(f"/board/?branch={self.plan['board']}", "board page", self.staff)
        if response.status_code == 200:
            self._remember_version(response)

    def detail(self) -> None:
        number = self.rng.choice(self.plan["numbers"])
        self._get(f"/works-orders/{number}/", "works order detail", self.staff)

    def search(self) -> None:
        term = self.rng.choice(self.plan["searches"])
        with self.client.get(
            "/search/", params={"q": term}, name="search", headers=self.htmx, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def status_page(self) -> None:
        token = self.rng.choice(self.plan["tokens"])
        customer = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"172.16.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}",
            "Accept-Encoding": "gzip, br",
        }
        self._get(f"/s/{token}/", "status page", customer)

    def card_move(self) -> None:
        card = self.cards[next(self.moves) % len(self.cards)]
        board = self.plan["board"]
        if card["status"] == "in_progress":
            body, kind = multipart([("reason", "Screen assembly on order"), ("branch", board)])
            url = f"/board/{card['number']}/move/wait_for_parts/"
            after = "awaiting_parts"
        else:
            body, kind = multipart(
                [
                    ("number", card["number"]),
                    ("column", "in_progress"),
                    ("seen", "awaiting_parts"),
                    ("branch", board),
                ]
            )
            url = "/board/move/"
            after = "in_progress"
        headers = {**self.htmx, "Content-Type": kind}
        with self.client.post(
            url, data=body, name="card move", headers=headers, catch_response=True
        ) as response:
            self._moved(response)
            if response.status_code == 204:
                card["status"] = after
        self._redraw()  # "boardChanged": the board redraws itself from the database

    def intake(self) -> None:
        fresh = next(self.intakes, None)
        if fresh is None:
            return
        body, kind = multipart(intake_fields(self.plan, fresh, PLAN["signature"]))
        headers = {**self.staff, "Content-Type": kind, "Referer": self.staff["Origin"]}
        with self.client.post(
            "/works-orders/new/",
            data=body,
            name="intake",
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}: not booked in")

    def static_file(self) -> None:
        path = self.rng.choice(PLAN["static"])
        headers = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip, br"}
        self._get(path, "static file", headers)

    @task
    def one(self) -> None:
        name = self.rng.choices(CHOICES, WEIGHT_LIST)[0]
        getattr(self, name.replace(" ", "_"))()


CHOICES = [name for name, weight in WEIGHTS.items() if weight]
WEIGHT_LIST = [WEIGHTS[name] for name in CHOICES]


def intake_fields(plan: dict, fresh: dict, signature: str) -> list[tuple[str, str]]:
    """The counter's booking form as a browser posts it (scripts/bench.py books the same)."""
    return [
        ("customer-full_name", fresh["name"]),
        ("customer-phone", fresh["phone"]),
        ("customer-email", ""),
        ("customer-preferred_contact", "sms"),
        ("customer-customer_type", "walk_in"),
        ("device-imei", fresh["imei"]),
        ("device-category", "phone"),
        ("device-make", "Apple"),
        ("device-model_name", fresh["model"]),
        ("device-colour", "Midnight"),
        ("device-storage", "128 GB"),
        ("job-branch", str(plan["intake_branch"])),
        ("job-priority", "standard"),
        ("job-fault_reported", fresh["fault"]),
        ("job-condition", "screen_cracked"),
        ("job-condition", "dents"),
        ("job-accessories", "case"),
        ("job-accessories", "sim"),
        ("job-passcode_kind", "pin"),
        ("job-passcode", "2580"),
        ("lines-TOTAL_FORMS", "2"),
        ("lines-INITIAL_FORMS", "0"),
        ("lines-0-kind", "part"),
        ("lines-0-description", "Screen assembly (OEM)"),
        ("lines-0-quantity", "1"),
        ("lines-0-unit_price", "149.99"),
        ("lines-0-vat_rate", "20"),
        ("lines-1-kind", "labour"),
        ("lines-1-description", "Fitting and test"),
        ("lines-1-quantity", "1"),
        ("lines-1-unit_price", "20.00"),
        ("lines-1-vat_rate", "20"),
        ("consent-method", "signature"),
        ("consent-signed_name", fresh["name"]),
        ("consent-signature", signature),
        ("consent-agreed", "on"),
    ]

"""make load: the production load test (issue 15): gunicorn with the production settings against
the full bench data set, driven by locust (scripts/load/locustfile.py, mix in scripts/load/mix.py).

    .venv/bin/python scripts/loadtest.py                 three 60 s runs after a warm-up
    .venv/bin/python scripts/loadtest.py --soak 600      then a 10-minute soak
    .venv/bin/python scripts/loadtest.py --sweep gthread:3:2:600,sync:4:1:600 --duration 30
                                                         compare worker settings

Data: the bench database (benchdesk_bench, made by `make bench`) on the local PostgreSQL, or
LOAD_DATABASE_URL. Runs write to it (intakes, moves and their timeline): a works-order database
grows like that anyway. Redis: REDIS_URL (`make load` starts the local one).

What it does: collectstatic (production serves static files with WhiteNoise), starts gunicorn
(config.settings.production with its required environment; RATELIMIT_PROXY_COUNT=1, as behind
the TLS proxy production sits behind), signs the owners of many shops in once (the cookies are
kept in .devdata/load/ and reused while the sessions last), then runs locust headless and
prints per endpoint and overall: requests, req/s, p50/p95/p99 and errors, with the load average,
locust's own CPU and the gunicorn workers' memory. The soak samples the workers' RSS and counts
PostgreSQL backends of the app before, during and after.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "load"))

import mix  # noqa: E402

WORK = ROOT / ".devdata" / "load"
APP_NAME = "benchdesk-load"  # application_name of the app's connections, to count them
# The status links in the data set are HMACs made with the key the generator ran under (the
# development default of config/settings/base.py, as `make bench` runs it).
TOKEN_KEY = os.environ.get("LOAD_TOKEN_KEY", "dev-only-insecure-key-never-used-in-production")
SECRET_KEY = "load-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSCODE_KEY = "ZGV2LW9ubHktcGFzc2NvZGUta2V5LW5vdC1zZWNyZXQ="  # the data set's (development)
PASSWORD = "benchdesk-demo"  # tickets.scale.DEMO_PASSWORD: every generated member's
SEEDS = itertools.count(int(time.time()))  # each plan's fresh phones and IMEIs differ
RPS_GOAL = 300
P95_GOAL = 100


def say(message: str = "") -> None:
    print(message, flush=True)


@dataclass(frozen=True)
class Workers:
    kind: str  # sync | gthread
    workers: int
    threads: int
    conn_max_age: int

    @classmethod
    def parse(cls, text: str) -> Workers:
        kind, workers, threads, age = text.split(":")
        if kind not in ("sync", "gthread"):
            raise ValueError(f"worker class {kind!r}: sync or gthread")
        return cls(kind, int(workers), int(threads), int(age))

    @property
    def connections(self) -> int:
        return self.workers * (self.threads if self.kind == "gthread" else 1)

    def __str__(self) -> str:
        threads = f" × {self.threads} threads" if self.kind == "gthread" else ""
        return f"{self.kind}, {self.workers} workers{threads}, CONN_MAX_AGE {self.conn_max_age}"


# --- Environment --------------------------------------------------------------------------


def database_url(*, app: bool = True) -> str:
    """The bench database (LOAD_DATABASE_URL, else DATABASE_URL's server); the app's connections
    carry APP_NAME, so the soak can count them."""
    url = os.environ.get("LOAD_DATABASE_URL")
    if not url:
        base = os.environ.get("DATABASE_URL")
        if not base:
            sys.exit("Set LOAD_DATABASE_URL, or DATABASE_URL (run `make load`).")
        url = urlunsplit(urlsplit(base)._replace(path="/benchdesk_bench", query=""))
    if not app:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in [parts.query, urlencode({"application_name": APP_NAME})] if q)
    return urlunsplit(parts._replace(query=query))


def app_env(workers: Workers | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url(),
        PASSCODE_KEY=PASSCODE_KEY,
        RATELIMIT_PROXY_COUNT="1",
        MEDIA_ROOT=str(WORK / "media"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if workers is not None:
        env["DATABASE_CONN_MAX_AGE"] = str(workers.conn_max_age)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collectstatic() -> list[str]:
    """Collected with the production settings, as the image does; some hashed URLs to fetch."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=app_env(),
        check=True,
    )
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())["paths"]
    wanted = [
        "css/benchdesk.css",
        "js/board.js",
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap/bootstrap.bundle.min.js",
        "vendor/sortablejs/Sortable.min.js",
    ]
    return [f"/static/{manifest[name]}" for name in wanted if name in manifest]


# --- gunicorn -----------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, workers: Workers) -> None:
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers.workers),
            "--worker-class",
            self.workers.kind,
            "--access-logfile",
            str(WORK / "access.log"),  # production logs every request (to stdout there)
            "--error-logfile",
            str(WORK / "gunicorn.log"),
        ]
        if self.workers.kind == "gthread":
            command += ["--threads", str(self.workers.threads)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=app_env(self.workers))
        deadline = time.monotonic() + 240  # workers import Django at once: slow on a busy machine
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited; see {WORK / 'gunicorn.log'}")
            time.sleep(0.3)
            try:
                if request(self.host, "GET", "/healthz/", headers=PROXIED)[0] == 200:
                    return
            except OSError:
                pass
        self.stop()
        sys.exit("gunicorn did not answer /healthz/ within 240 s")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(host: str, method: str, path: str, body: str = "", headers: dict | None = None):
    parts = urlsplit(host)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


# --- Sessions -----------------------------------------------------------------------------


def cookies_of(headers: list[tuple[str, str]]) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


PROXIED = {"X-Forwarded-Proto": "https"}


def sign_in(host: str, email: str, address: str) -> dict[str, str]:
    """One sign-in through the form, as a browser behind the proxy: the page, then the post."""
    origin = f"https://{urlsplit(host).netloc}"
    forwarded = {**PROXIED, "X-Forwarded-For": address}
    status, headers, page = request(host, "GET", "/sign-in/", headers=forwarded)
    csrf = cookies_of(headers).get("csrftoken", "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or not csrf or not token:
        raise RuntimeError(f"sign-in page: HTTP {status}")
    body = urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": email, "password": PASSWORD}
    )
    status, headers, _ = request(
        host,
        "POST",
        "/sign-in/",
        body,
        {
            **forwarded,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Origin": origin,
            "Referer": f"{origin}/sign-in/",
        },
    )
    cookies = cookies_of(headers)
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"sign-in of {email}: HTTP {status}")
    return {"sessionid": cookies["sessionid"], "csrftoken": cookies.get("csrftoken", csrf)}


def still_signed_in(host: str, session: dict) -> bool:
    cookie = f"sessionid={session['sessionid']}; csrftoken={session['csrftoken']}"
    status, _, _ = request(host, "GET", "/search/?q=x", headers={**PROXIED, "Cookie": cookie})
    return status == 200


def sessions_for(host: str, plan: dict) -> Path:
    """Each shop's owner signed in once; kept and reused while the session lasts (12 h)."""
    path = WORK / "sessions.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    signed_in = 0
    started = time.monotonic()
    for i, shop in enumerate(plan["shops"]):
        email = shop["email"]
        if email in known and still_signed_in(host, known[email]):
            continue
        known[email] = sign_in(host, email, f"10.30.{i // 250}.{i % 250 + 1}")
        signed_in += 1
    path.write_text(json.dumps(known, indent=1))
    if signed_in:
        say(f"Signed in {signed_in} owners in {time.monotonic() - started:.0f} s (kept for reuse).")
    return path


# --- The plan -----------------------------------------------------------------------------


def make_plan(shops: int, intakes: int, seed: int, static: list[str]) -> Path:
    import django
    from django.db import connections

    os.environ.update({**app_env(), "DATABASE_URL": database_url(app=False)})
    django.setup()
    import base64

    import plan as planning

    from tickets.scale import signature_png

    built = planning.build(shops, intakes, TOKEN_KEY, seed=seed)
    built["static"] = static
    built["signature"] = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    connections.close_all()
    if not built["shops"]:
        sys.exit("No shop in the data set has cards to move: run `make bench` first.")
    path = WORK / "plan.json"  # read by each locust run as it starts
    path.write_text(json.dumps(built))
    return path


# --- Watching a run -----------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def backend_pids() -> list[int]:
    import psycopg

    with psycopg.connect(database_url(app=False), application_name="benchdesk-load-watch") as db:
        rows = db.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
        ).fetchall()
    return [pid for (pid,) in rows]


def backends() -> int:
    import psycopg

    with psycopg.connect(database_url(app=False), application_name="benchdesk-load-watch") as db:
        return db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
        ).fetchone()[0]


@dataclass
class Watch:
    """Samples, every `every` seconds while a run lasts: workers' RSS and the app's backends."""

    server: Gunicorn
    every: float = 5.0
    rss: list[list[float]] = field(default_factory=list)
    connections: list[int] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            self.rss.append([rss_mb(pid) for pid in self.server.worker_pids()])
            self.connections.append(backends())

    def __enter__(self) -> Watch:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopping.set()
        self.thread.join()


@dataclass
class Outcome:
    rows: list[mix.Row]
    load: tuple[tuple[float, ...], tuple[float, ...]]
    locust_cpu: float  # share of one core
    app_cpu: float  # gunicorn's workers, share of one core
    watch: Watch
    db_cpu: float  # the app's PostgreSQL backends, share of one core

    @property
    def overall(self) -> mix.Row:
        return next(r for r in self.rows if r.name == "overall")


def run_locust(server: Gunicorn, args, seconds: int, label: str, sessions: Path):
    """One locust run, on a plan read afresh (cards where the last run left them, phones and
    IMEIs not booked in yet)."""
    plan = make_plan(args.shops, args.intakes, next(SEEDS), args.static)
    prefix = WORK / f"locust-{label}"
    env = {
        **os.environ,
        "LOAD_PLAN": str(plan),
        "LOAD_SESSIONS": str(sessions),
        "LOAD_MIX": args.mix,
        "LOAD_USER_RPS": str(args.rps / args.users),
    }
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "scripts" / "load" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{seconds}s",
        "--host",
        server.host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
        "--exit-code-on-error",
        "0",
    ]
    load_before = os.getloadavg()
    workers = server.worker_pids()
    app_before = sum(cpu_seconds(pid) for pid in workers)
    db_before = {pid: cpu_seconds(pid) for pid in backend_pids()}
    started = time.monotonic()
    with Watch(server, every=args.sample) as watch:
        locust = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # Locust's own CPU: sampled just before it exits (its children are none).
        locust_cpu = 0.0
        while locust.poll() is None:
            locust_cpu = cpu_seconds(locust.pid) or locust_cpu
            time.sleep(0.5)
        _, errors = locust.communicate()
    wall = time.monotonic() - started
    app_cpu = sum(cpu_seconds(pid) for pid in workers) - app_before
    # Backends that lived through the run (all of them with persistent connections).
    db_cpu = sum(cpu_seconds(pid) - db_before.get(pid, 0.0) for pid in backend_pids())
    if locust.returncode not in (0, 1):
        sys.exit(f"locust failed:\n{errors.decode()[-3000:]}")
    failures = WORK / f"locust-{label}_failures.csv"
    rows = mix.read_stats(Path(f"{prefix}_stats.csv"))
    outcome = Outcome(
        rows,
        (load_before, os.getloadavg()),
        locust_cpu / wall,
        app_cpu / wall,
        watch,
        db_cpu / wall,
    )
    if outcome.overall.failures and failures.exists():
        say(f"Failures ({failures}):")
        say(failures.read_text()[:2000])
    return outcome


def load_text(load: tuple[float, ...]) -> str:
    return " / ".join(f"{value:.2f}" for value in load)


def describe(outcome: Outcome) -> str:
    total = outcome.overall

    def per_request(share: float) -> str:
        return f"{1000 * share / total.rps:.1f}" if total.rps else "–"

    rss = [sum(sample) for sample in outcome.watch.rss if sample]
    return (
        f"{total.rps:.1f} req/s, p50 {total.p50:.0f} ms, p95 {total.p95:.0f} ms, "
        f"p99 {total.p99:.0f} ms, {total.failures} errors; load average (1/5/15 min) before "
        f"{load_text(outcome.load[0])}, after {load_text(outcome.load[1])}; locust "
        f"{100 * outcome.locust_cpu:.0f} % of a core, gunicorn workers "
        f"{100 * outcome.app_cpu:.0f} %, their PostgreSQL backends {100 * outcome.db_cpu:.0f} % "
        f"(per request: {per_request(outcome.app_cpu)} + {per_request(outcome.db_cpu)} ms of "
        f"CPU); workers' RSS {rss[-1] if rss else 0:.0f} MB in all"
    )


# --- Main ---------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workers", default="gthread:2:4:600", help="class:workers:threads:CONN_MAX_AGE"
    )
    parser.add_argument("--sweep", default="", help="comma-separated worker settings to compare")
    parser.add_argument("--shops", type=int, default=60, help="shops (one virtual user each)")
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--rps", type=float, default=330, help="tasks started a second")
    parser.add_argument("--duration", type=int, default=60, help="seconds per measured run")
    parser.add_argument("--warm-up", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--soak", type=int, default=0, help="seconds of soak after the runs")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--mix", default=mix.DEFAULT_MIX)
    args = parser.parse_args(argv)
    args.users = min(args.users, args.shops)
    weights = mix.parse_mix(args.mix)
    WORK.mkdir(parents=True, exist_ok=True)

    say(f"Data: {urlsplit(database_url()).path.lstrip('/')}; mix (share of tasks started):")
    say(", ".join(f"{name} {share:.0f} %" for name, share in mix.shares(weights).items()))
    static = collectstatic()
    # Enough fresh customers for the longest run at twice the mix's share of intakes.
    longest = max(args.duration, args.warm_up, args.soak)
    args.intakes = max(
        30, int(args.rps * longest * 2 * mix.shares(weights).get("intake", 0) / 100 / args.shops)
    )
    args.static = static
    settings = [Workers.parse(s) for s in (args.sweep or args.workers).split(",") if s]
    plan = make_plan(args.shops, 0, next(SEEDS), static)
    say(f"{args.shops} shops, {args.users} virtual users, {args.rps:.0f} tasks/s offered.")

    if args.sweep:
        lines = [
            "| worker settings | req/s | p50 ms | p95 ms | p99 ms | errors | load before → after |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for n, workers in enumerate(settings):
            server = Gunicorn(workers)
            server.start()
            try:
                sessions = sessions_for(server.host, json.loads(plan.read_text()))
                run_locust(server, args, args.warm_up, f"sweep{n}-warm", sessions)
                outcome = run_locust(server, args, args.duration, f"sweep{n}", sessions)
            finally:
                server.stop()
            say(f"{workers}: {describe(outcome)}")
            t = outcome.overall
            lines.append(
                f"| {workers} | {t.rps:.1f} | {t.p50:.0f} | {t.p95:.0f} | {t.p99:.0f} "
                f"| {t.failures} | {load_text(outcome.load[0])} → {load_text(outcome.load[1])} |"
            )
        say("\n".join(lines))
        return 0

    workers = settings[0]
    server = Gunicorn(workers)
    server.start()
    say(f"gunicorn: {workers}")
    try:
        sessions = sessions_for(server.host, json.loads(plan.read_text()))
        say(f"Warm-up {args.warm_up} s…")
        run_locust(server, args, args.warm_up, "warm", sessions)
        for run in range(1, args.runs + 1):
            outcome = run_locust(server, args, args.duration, f"run{run}", sessions)
            say(f"\nRun {run} of {args.runs}, {args.duration} s: {describe(outcome)}\n")
            say(mix.table(outcome.rows, rps_goal=RPS_GOAL, p95_goal=P95_GOAL))
        if args.soak:
            soak(server, args, sessions)
    finally:
        server.stop()
    return 0


def soak(server: Gunicorn, args, sessions: Path):
    before = backends()
    say(f"\nSoak, {args.soak} s: the app's PostgreSQL backends before: {before}")
    outcome = run_locust(server, args, args.soak, "soak", sessions)
    time.sleep(2)
    after = backends()
    totals = [sum(sample) for sample in outcome.watch.rss if sample]
    warm = totals[max(1, len(totals) // 10) :]  # the first tenth is the workers filling caches
    flat, change = mix.flat_within(warm, 0.10)
    during = outcome.watch.connections
    say(f"Soak: {describe(outcome)}")
    say(mix.table(outcome.rows, rps_goal=RPS_GOAL, p95_goal=P95_GOAL))
    say("")
    say(
        f"Workers' RSS (MB, all workers, every {args.sample:.0f} s): first {totals[0]:.0f}, "
        f"min {min(totals):.0f}, max {max(totals):.0f}, last {totals[-1]:.0f}; last third vs "
        f"first third after the first tenth: {change:+.1f} % ({'flat' if flat else 'NOT flat'}"
        " within 10 %)"
    )
    per_worker = list(zip(*[s for s in outcome.watch.rss if s], strict=False))
    for i, series in enumerate(per_worker):
        say(f"  worker {i + 1}: {series[0]:.0f} → {series[-1]:.0f} MB (max {max(series):.0f})")
    say(
        f"PostgreSQL backends of the app: before {before}, during min {min(during)} max "
        f"{max(during)}, after {after} (workers × threads = {server.workers.connections})"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

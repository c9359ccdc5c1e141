"""Production settings pass Django's deployment checklist (`manage.py check --deploy`) without a remark."""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="example.com",
        **extra,
    )
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_env():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output and "ERRORS" not in output


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_insecure_cookies_switch_is_what_check_deploy_warns_about():
    # The loopback-only switch of `make serve` must not pass for a real deployment.
    result = run_manage("check", "--deploy", env=production_env(DJANGO_INSECURE_COOKIES="1"))
    output = result.stdout + result.stderr
    assert "security.W012" in output and "security.W016" in output


# Production entry points fail closed (issue 16, item 10)


def development_env(**extra: str) -> dict[str, str]:
    """What a shell with nothing set gives: the settings' laptop defaults (DEBUG on, the public key)."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **extra}


def load_wsgi(env: dict[str, str], then: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import interview.wsgi\n{then}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_wsgi_application_refuses_the_development_defaults():
    result = load_wsgi(development_env())
    assert result.returncode != 0
    assert "refuses to start" in result.stderr and "DJANGO_DEBUG=0" in result.stderr


def test_the_wsgi_application_refuses_a_weak_or_public_secret_key():
    from interview.production import DEV_SECRET_KEY

    for key in (DEV_SECRET_KEY, "short", "abcde" * 10, " " * 50 + "abcd"):
        result = load_wsgi({**production_env(), "DJANGO_SECRET_KEY": key})
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY is not a real secret" in result.stderr


def test_the_asgi_application_refuses_the_development_defaults_as_wsgi_does():
    result = subprocess.run(
        [sys.executable, "-c", "import interview.asgi"],
        cwd=settings.BASE_DIR,
        env=development_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "The ASGI application (interview/asgi.py) refuses to start" in result.stderr
    assert "DJANGO_DEBUG=0" in result.stderr
    loads = subprocess.run(
        [sys.executable, "-c", "import interview.asgi"],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loads.returncode == 0, loads.stderr


def test_the_wsgi_application_loads_with_production_settings():
    result = load_wsgi(production_env())
    assert result.returncode == 0, result.stderr


def test_the_wsgi_application_loads_the_matchers_model_before_any_request():
    # Under preload_app the master imports this module once: the workers it forks then share the model, and no
    # candidate's first Reveal waits for it.
    check = "from quiz import feedback; print(feedback.embeddings_loaded())"
    result = load_wsgi(production_env(), then=check)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_gunicorn_forks_its_workers_with_the_loaded_app_out_of_the_garbage_collectors_sight():
    # A worker's full collection would walk every object the master loaded, in some request's middle.
    check = (
        "import gc, runpy; hooks = runpy.run_path('interview/gunicorn.conf.py')\n"
        "loaded = len(gc.get_objects()); hooks['pre_fork'](None, None)\n"
        "print(loaded, gc.get_freeze_count(), len(gc.get_objects()))"
    )
    result = load_wsgi(production_env(), then=check)
    assert result.returncode == 0, result.stderr
    loaded, frozen, still_tracked = map(int, result.stdout.split()[-3:])
    assert frozen >= loaded > 50_000  # Django, the app and the matcher's model
    assert still_tracked < loaded / 100


def test_gunicorn_refuses_to_start_with_debug_on():
    # Were the check missing, gunicorn would serve and the timeout would fail the test.
    result = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "-c",
            "interview/gunicorn.conf.py",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
        ],
        cwd=settings.BASE_DIR,
        env=development_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "gunicorn (interview/gunicorn.conf.py) refuses to start: DEBUG is on" in result.stderr


def test_gunicorn_started_without_the_config_refuses_and_exits_non_zero():
    # Without -c, each worker loads wsgi.py, which refuses; had it exited 1, the master would fork another
    # for ever (a supervisor sees a live server that never serves). It exits on its own, and not with 0.
    result = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "interview.wsgi:application",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "1",
            "--no-control-socket",
        ],
        cwd=settings.BASE_DIR,
        env=development_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "The WSGI application (interview/wsgi.py) refuses to start: DEBUG is on" in result.stderr
    assert "App failed to load" in result.stderr
    assert result.stderr.count("Booting worker") == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_runserver_still_starts_with_the_development_defaults():
    # `make run` stays friendly: Django's development server loads wsgi.py with DEBUG on and the dev key.
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{free_port()}"],
        cwd=settings.BASE_DIR,
        env=development_env(PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        for line in server.stdout:
            lines.append(line)
            if "Quit the server with" in line or "refuses" in line or len(lines) > 50:
                break
        output = "".join(lines)
        assert "Quit the server with" in output, output
    finally:
        server.terminate()
        server.wait(timeout=30)


# A master killed outright leaves no workers holding the port (issue 16, item 11)


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "interview/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env={**env, "WEB_CONCURRENCY": "2", "GUNICORN_LOG_LEVEL": "warning"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def wait_until(condition, bound: float) -> bool:
    """Poll an outside process's state, up to a generous bound (waiting on it, not timing it)."""
    give_up = time.monotonic() + bound
    while time.monotonic() < give_up:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def workers_of(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def test_workers_exit_with_their_master_and_a_restart_binds_at_once(tmp_path):
    env = {
        **production_env(),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_INSECURE_COOKIES": "1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
    }
    port = free_port()
    first = start_gunicorn(env, port)
    second = None
    try:
        assert wait_until(lambda: answers(port), 60)
        workers = workers_of(first.pid)
        assert workers
        # A request half sent keeps a worker busy: orphaned, it would wait graceful_timeout (20 s) for it
        # with the listening socket open.
        slow_client = socket.create_connection(("127.0.0.1", port))
        slow_client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 10)
        second = start_gunicorn(env, port)
        assert wait_until(lambda: answers(port), 30)
        assert second.poll() is None  # it bound the port, not a leftover worker
        slow_client.close()
    finally:
        for server in (first, second):
            if server and server.poll() is None:
                server.terminate()
                server.wait(timeout=30)

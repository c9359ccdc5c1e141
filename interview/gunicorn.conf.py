"""gunicorn settings for `make serve` and the load tests: `gunicorn -c interview/gunicorn.conf.py`.

Each value can be overridden from the environment (or on the command line, e.g. ``--bind``).
Behind a TLS proxy, bind to loopback or a socket and let the proxy set X-Forwarded-Proto: Django trusts it
(SECURE_PROXY_SSL_HEADER), so nothing but the proxy may reach this port.
"""

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import sys

from interview.production import refuse_unsafe_settings

# Before loading the app, binding the port or forking: with DEBUG on or the public dev key, no server starts.
refuse_unsafe_settings("gunicorn (interview/gunicorn.conf.py)")

wsgi_app = "interview.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# WEB_CONCURRENCY is the name gunicorn and most hosts use; the usual 2 x cores + 1 by default, 4 threads each.
# The question loop is CPU-bound (its SQL is a small part of a request; SQLite writers queue on a lock file,
# see interview/sqlite), so processes matter and threads barely change throughput (bench_loop.py's figures
# per worker and thread count are in docs/bench-results.md). Threads stay at 4 for latency: a gthread worker
# queues every connection it accepted behind its threads, and with one thread a sign-in's password hash holds
# up the requests behind it (load_interviews.py --kill at 1 thread times requests out).
# Each thread keeps its own database connection (CONN_MAX_AGE). Measure a host with
# `bench_loop.py --workers N --threads M`.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Load the app once in the master and fork the workers from it: a restart answers sooner than with each worker
# importing Django on its own (docs/bench-results.md), and the workers share its memory. New code therefore
# needs a restart, not a HUP.
preload_app = True
# A request that takes longer than this is a bug: the worker is killed and restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5

# Access log and errors to stdout/stderr, for the process manager to collect. %(L)s: seconds taken.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss "%(a)s"'

# gunicorn 27's control socket lives at one path per user ($HOME/.gunicorn/gunicorn.ctl), so a second server
# on the machine (make serve beside the load test) would take it over; nothing here uses it.
control_socket_disable = True


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def pre_fork(server, worker) -> None:
    """Move everything the master loaded (Django, the app, the matcher's model: ~106,000 objects) out of
    the garbage collector's sight before each worker is forked. A worker's full collection walked them all,
    in the middle of whichever request triggered it; and the collector's writes to their headers
    made the workers copy pages they could have shared with the master. None of them is ever garbage."""
    gc.freeze()


def post_fork(server, worker) -> None:
    """Tie each worker's life to its master's. A master killed outright (SIGKILL, the OOM killer) cannot stop
    its workers; orphaned, a worker drains its open connections for up to graceful_timeout with the listening
    socket still open, so the restart failed with "Address already in use" (20 s under load). The kernel now
    kills the workers the moment the master dies: the port is free at once. A request cut mid-way rolls its
    transaction back and was never acknowledged; every interview step is safe to retry."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            server.log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    # The master may have died between the fork and the prctl: then no signal will come.
    if os.getppid() != server.pid:
        os._exit(1)

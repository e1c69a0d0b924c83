"""gunicorn settings for Taawon (README, "Deploying"): ``gunicorn -c deploy/gunicorn.conf.py``.

Every value can be changed from the environment of the unit that starts it
(deploy/systemd/taawon-web@.service), so one file serves every server.
"""

from __future__ import annotations

import multiprocessing
import os

wsgi_app = "shop:create_app()"

#: The loopback only: nginx is the one door (PORT comes from the unit's instance).
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")

#: Sync workers, two per core plus one (gunicorn's advice for I/O-bound apps);
#: WEB_CONCURRENCY overrides. Nothing slow runs in a request any more: mail,
#: renditions and bank files are jobs (shop/jobs.py), so sync workers suffice.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

#: A request that takes longer is a bug (or a stuck database): kill the worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
#: On reload or stop, requests in flight get this long to finish.
graceful_timeout = 30
#: nginx keeps connections to us open (its upstream keepalive).
keepalive = 5
#: Recycle workers now and then (a slow leak never grows for long).
max_requests = 2000
max_requests_jitter = 200
#: Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# ---- proxies: the same rule as the app's ProxyFix (PROXY_COUNT, shop/config.py)
#: PROXY_COUNT=0 means nobody in front: believe no forwarded header at all.
#: Otherwise the proxy is nginx on this machine, so only the loopback is
#: believed. The app's ProxyFix takes X-Forwarded-For and -Proto from the
#: PROXY_COUNT nearest proxies and never the forwarded host.
_production = os.environ.get("TAAWON_ENV", "production").strip().lower() == "production"
_proxies = int(os.environ.get("PROXY_COUNT") or (1 if _production else 0))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1" if _proxies > 0 else "")
#: Only X-Forwarded-Proto says https (nginx sets it and clears the others).
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# ---- logs to the journal
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
#: No query strings in the access log: reset and order links carry tokens.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss "%(a)s"'
proc_name = "taawon-web"
#: gunicorn 24+'s control socket: one path per user by default, which two
#: servers of the same user would fight over; Taawon does not use it.
control_socket_disable = True

"""gunicorn's settings that depend on what stands in front of it, read from the same variables as
Django's (config/settings.py): `TRUSTED_PROXY_COUNT` reverse proxies of ours, at the addresses in
`FORWARDED_ALLOW_IPS`. With no proxy, gunicorn trusts no peer's X-Forwarded-* headers either.

Used by the image (docker/Dockerfile) and by `make run` (config/devstack.py):
    gunicorn -c docker/gunicorn.conf.py config.wsgi:application
"""

import os

TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0") or 0)

# Who may set X-Forwarded-Proto and friends. Behind proxies: their addresses (in the compose
# stack the web port is published on 127.0.0.1 only, so "*" means "the host's own proxy");
# without one: nobody.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*") if TRUSTED_PROXY_COUNT > 0 else ""


def child_exit(server, worker):  # gunicorn's hook
    """A worker gone: its live gauges leave /metrics (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

"""The suite's settings: the project's own, with its files, cache keys and queue moved out of
the way of a `make run` on the same machine. Set before config.settings reads the environment;
worker processes the tests start inherit the same environment."""

import os
import tempfile
import uuid

_RUN_ID = uuid.uuid4().hex[:8]
os.environ.setdefault("KABINET_DATA_DIR", tempfile.mkdtemp(prefix=f"kabinet-test-{_RUN_ID}-"))
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{_RUN_ID}")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"kabinet-test-{_RUN_ID}")
# Under `pytest -n` (pytest-xdist) each worker process inherits the environment the controller
# set above; give each its own folder, cache keys and queue (pytest-django gives each its own
# test database, `<name>_gw0`), so no worker reads or clears another's.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER:
    _worker_dir = os.path.join(os.environ["KABINET_DATA_DIR"], _WORKER)
    os.makedirs(_worker_dir, exist_ok=True)
    os.environ["KABINET_DATA_DIR"] = _worker_dir
    os.environ["CACHE_KEY_PREFIX"] += f"-{_WORKER}"
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] += f"-{_WORKER}"
os.environ.setdefault("TENANT_POOL_SIZE", "0")  # pool tests fill it explicitly
# Two suites on one server (two developers, a helper) must not share a test database.
os.environ.setdefault("TEST_DATABASE_NAME", f"test_kabinet_{_RUN_ID}")
# No breached-password service unless a test serves the fake one (tests/support/fake_pwned.py).
os.environ.setdefault("PWNED_PASSWORDS_URL", "")
# The suite's cabinets behave as ones made before ASVS 6.3.3: a password signs in at once and
# the owner's "staff must use two-factor" starts off. Tests of those rules turn them on
# (tests/security/test_second_factor_required.py).
os.environ.setdefault("SIGN_IN_NEW_BROWSER_CODE", "false")
os.environ.setdefault("STAFF_TWO_FACTOR_DEFAULT", "false")

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405

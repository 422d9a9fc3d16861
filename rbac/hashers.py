from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id with OWASP's parameters (Password Storage Cheat Sheet: 19 MiB, 2 passes, one lane)
    instead of Django's (100 MiB, 2 passes, 8 lanes). Django's cost 0.65-0.7 s of CPU and 100 MiB
    per hash on this 2-core machine under load, eight times OWASP's 82 ms: most of a signup, and
    with twelve sign-ins at once 1.2 GB, so a burst of sign-ins (or a flood of wrong passwords)
    starved the web tier. Hashes carry their parameters: older ones still verify, and are
    re-hashed with these at the next sign-in (Django's must_update)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

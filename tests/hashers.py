from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 as in production, with the work factors turned down: the suite hashes hundreds of
    passwords. Hashes carry their parameters, so production-made hashes still verify."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1

"""The password hash of every login: Argon2id at OWASP's minimum cost.

At the synchronised start of a diagnostic, a region's teachers log in within minutes on a server of
a few cores. Django 5.2's default, PBKDF2-HMAC-SHA256 at 1,000,000 iterations, costs ~0.37 s of CPU
per login check here (0.4–1.1 s on the clock of two busy cores): 200 logins queued 8 s (issue 11.5).
The OWASP Password Storage Cheat Sheet's first choice is Argon2id with at least 19 MiB of memory, 2
passes and 1 lane (its minimum for PBKDF2-HMAC-SHA256, kept for FIPS-140, is 600,000 iterations);
that costs ~25 ms of CPU here, because its cost is memory an attacker's GPU lacks rather than time
the server pays.

The algorithm stays Django's "argon2" (argon2id, a standard PHC string): any Argon2 hasher verifies
these hashes, and Django's must_update() rehashes one whose parameters differ from the settings at
its owner's next successful login, as it does for every PBKDF2 hash made before this hasher came.
The costs are settings (PASSWORD_ARGON2_*); cnppm.settings refuses costs below OWASP's table."""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with its costs read from the settings (Django's own defaults,
    100 MiB and 8 lanes, would make a login burst memory-bound instead)."""

    @property
    def memory_cost(self) -> int:
        return settings.PASSWORD_ARGON2_MEMORY_KIB

    @property
    def time_cost(self) -> int:
        return settings.PASSWORD_ARGON2_TIME_COST

    @property
    def parallelism(self) -> int:
        return settings.PASSWORD_ARGON2_PARALLELISM

"""Addresses the server fetches on someone's say-so must be on the public internet: the check
and the guarded session live in tenants.egress (one rule for every caller); this name stays
for the callers that import it from here."""

from tenants.egress import refuse_private_host

__all__ = ["refuse_private_host"]

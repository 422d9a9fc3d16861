"""Bench-only tenant app: ~25 plain tables, so a tenant schema can be measured at twice its size."""

"""Plans, subscriptions, usage metering and plan limits (a SHARED app: tables in `public`).

The apps above call only the public interface, importing the modules themselves:

- `billing.usage.record(metric, quantity, idempotency_key=...)` and `period_usage(...)`
- `billing.limits.check(metric, ...)` and `plan_for(tenant)`

This package imports nothing at load time (it is a Django app package).
"""

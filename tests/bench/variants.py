"""What the routing benchmark compares; free of Django imports so the driver can use it."""

BENCH_HOST = "bench.localhost"
OURS_PREFIX = "/bench/ours/"
STOCK_PREFIX = "/bench/stock/"
BARE_PREFIX = "/bench/bare/"
VARIANTS = {"ours": OURS_PREFIX, "stock": STOCK_PREFIX, "bare": BARE_PREFIX}
RESPONSE_BODY = b"ok\n"

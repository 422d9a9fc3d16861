"""A DNS resolver for tests: answers TXT queries from RECORDS, never the network."""

RECORDS: dict[str, list[str]] = {}


class FakeResolver:
    def txt_records(self, name: str) -> list[str]:
        return list(RECORDS.get(name.rstrip("."), []))


def fake_resolver() -> FakeResolver:
    return FakeResolver()

"""The suite's fixtures for every test: those under tests/ and those kept beside their code,
such as a vertical's own tests in its folder (cabinet/<vertical>/tests/)."""

pytest_plugins = ["tests.fixtures"]

from tests.helpers.tiny_catalog import root  # noqa: F401  a fixture

"""End-to-end tests of the package runtime (a package, so that its conftest does not shadow tests/conftest.py)."""

"""The attack suite (issue 10): each test tries one attack on a real player or hub and fails if it works.

Fixtures: `app` (a player on a fresh data folder), `client` and `learner` come from tests/conftest.py;
the helpers for packages and signing in from tests/player/playerkit.py (on the path from there).
"""

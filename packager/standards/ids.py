"""Identifiers of the standards that more than one stage must spell the same way.

Pure rules, no I/O: the player's LRS indexes statements by agent key, its cmi5 moveOn keeps one
`satisfied` per learner by it, and its documents are scoped by it.
"""

from __future__ import annotations

from typing import Any


def agent_key(agent: dict[str, Any]) -> str | None:
    """One string per xAPI inverse functional identifier (xAPI 1.0.3 §2.4.2.1); None without one."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "sha1:" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid:" + agent["openid"]
    if "account" in agent:
        return f"account:{agent['account']['homePage']}|{agent['account']['name']}"
    return None

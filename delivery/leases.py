"""Telling a lease holder that died on this machine, so its lease need not be waited out (the
broadcast sender's lease, the card sweep's); holders' ids ("host:pid:random") are
`bot.outage.worker_holder`'s."""

from __future__ import annotations

import os
import socket

# This machine's name as it appears in lease holders' ids ("host:pid:random").
_HOST = socket.gethostname()[:40]


def holder_is_gone(holder: str) -> bool:
    """Whether a lease holder is a process of this machine that no longer runs: then its
    lease need not be waited out (a bot restarted after a crash sends again at once). A
    holder on another machine, or one that may be alive, is waited out as before."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != _HOST or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return True  # an earlier life of this process id (a restarted container's PID 1)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists, run by someone else
    return False

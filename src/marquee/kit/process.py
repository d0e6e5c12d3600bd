"""Child processes that die with the process that started them.

A worker killed with SIGKILL runs no handler and closes nothing, so an ffmpeg it started goes on
encoding for nobody (seconds to minutes of a CPU) while another worker runs the job again. On
Linux the kernel can signal a child when its parent goes: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``,
set in the child between fork and exec, survives the exec. Python has no option for it, so it
is set by a ``preexec_fn`` that only makes two system calls through a libc function bound
before the fork (nothing is imported or allocated by Python code in the forked child).

The kernel sends the signal when the *thread* that forked the child ends, not only the process:
callers wait for their child on the thread that started it, as ``subprocess.run`` does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable
from functools import cache

PR_SET_PDEATHSIG = 1


@cache
def _prctl() -> Callable[..., int] | None:
    """libc's prctl on Linux; None elsewhere (there the child outlives a killed parent)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl: Callable[..., int] = libc.prctl
    return prctl


def dies_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for :class:`subprocess.Popen` that makes the child get SIGKILL when the
    thread calling this (its parent) dies; None where the platform cannot."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent, kill = os.getpid(), int(signal.SIGKILL)

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, kill, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was asked for
            os.kill(os.getpid(), kill)

    return set_death_signal

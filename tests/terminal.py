"""Run a command with its stderr on a pseudo-terminal, as an operator's shell would give it,
and return what the terminal showed: progress lines are drawn only on a terminal."""
from __future__ import annotations

import os
import pty
import subprocess


def run_on_terminal(cmd: list[str], *, cwd, timeout: float,
                    env: dict | None = None) -> tuple[int, bytes]:
    """(exit status, bytes written to the terminal). The terminal is read while the command
    runs, so a chatty command cannot fill the pty's buffer and block."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave)
    finally:
        os.close(slave)
    shown = b""
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:   # EIO: the command closed its end of the terminal
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
    return proc.wait(timeout=timeout), shown

#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its passphrase prompts.

`age -p` and `age -d` of a passphrase file read the passphrase from a terminal
only; tests drive them through a pty. usage: pty_run.py PASSPHRASE CMD [ARGS...]
Exits with the command's status; what it printed on the terminal goes to stderr.
"""
import os
import pty
import select
import signal
import sys
import time


def main():
    passphrase = sys.argv[1].encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    seen = b""
    answered = 0
    deadline = time.time() + 30
    while True:
        left = deadline - time.time()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            os.kill(pid, signal.SIGKILL)
            sys.stderr.write("pty_run: timed out; the terminal showed: %r\n" % seen)
            break
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        seen += data
        # answer each prompt once ("Enter passphrase...:", "Confirm passphrase:")
        if seen.lower().count(b"passphrase") > answered and seen.rstrip().endswith(b":"):
            answered += 1
            os.write(fd, passphrase + b"\n")
    _, status = os.waitpid(pid, 0)
    sys.stderr.write(seen.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()

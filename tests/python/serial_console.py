# A QEMU's serial console, followed line by line until its guest is done or
# the deadline passes, and its steps reported as TAP (tests/guest/run-guest,
# tests/xen/run-xen: each says in a subclass what a line means).
# SPDX-License-Identifier: GPL-2.0-or-later

import collections
import os
import selectors
import subprocess
import sys
import time


def comment(text):
    print('# ' + text, flush=True)


class Console:
    """A run's console: each step's results, the lines that mean a kernel
    died (each brings the deadline forward), and the steps' TAP lines.  A
    subclass handles each line (line()) and may keep the log its own way
    (write_log())."""

    def __init__(self, expected, todo, timeout, log, verbose):
        self.expected = expected
        self.todo = todo
        self.results = collections.defaultdict(list)   # step -> [(passed, line)]
        self.fatal = []
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        self.log = log
        self.verbose = verbose
        self.partial = b''

    def feed(self, data):
        lines = (self.partial + data).split(b'\n')
        self.partial = lines.pop()
        texts = [raw.decode('utf-8', 'replace').rstrip('\r') for raw in lines]
        self.write_log(data, texts)
        self.log.flush()
        for text in texts:
            self.line(text)

    def write_log(self, data, texts):
        """Keeps @data, whose complete lines are @texts, in the log."""
        self.log.write(data)

    def line(self, text):
        raise NotImplementedError

    def died(self, text, grace, now):
        """@text means a kernel died: @grace seconds left from @now."""
        self.fatal.append(text)
        self.deadline = min(self.deadline, now + grace)

    def follow(self, cmd, env=None):
        """Runs QEMU's @cmd (@env: its environment, None: ours), its output
        fed here, until it ends or the deadline passes (then it is killed):
        (its exit status, whether it was killed).  A last line without its
        newline is left to finish()."""
        try:
            qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env)
        except OSError as e:    # e.g. a QEMU binary that is being relinked
            print('Bail out! cannot start %s: %s' % (cmd[0], e.strerror), flush=True)
            sys.exit(1)
        os.set_blocking(qemu.stdout.fileno(), False)
        sel = selectors.DefaultSelector()
        sel.register(qemu.stdout, selectors.EVENT_READ)
        eof = False
        while not eof and time.monotonic() < self.deadline:
            for _ in sel.select(timeout=max(0.0, self.deadline - time.monotonic())):
                data = qemu.stdout.read()
                if data:
                    self.feed(data)
                elif data == b'':
                    eof = True
        killed = qemu.poll() is None and not eof
        if not eof:
            qemu.kill()
        return qemu.wait(), killed

    def finish(self):
        """The last line, if QEMU ended it without a newline."""
        if self.partial:
            self.feed(b'\n')

    def result_note(self, passed, record):
        """What a step's TAP line adds after its name, from its result."""
        return ''

    def step_points(self, missing_reason):
        """[(TAP line, passed)] of the expected steps, numbered from 1: each
        step's first result not yet counted, or none (@missing_reason); a
        step with a TODO marker passes when it fails (a known failure) and
        fails when it passes (a fixed one must lose its marker)."""
        pending = {name: list(records) for name, records in self.results.items()}
        points = []
        for n, name in enumerate(self.expected, 1):
            if pending.get(name):
                passed, record = pending[name].pop(0)
                line = '%s %d - %s%s' % ('ok' if passed else 'not ok', n, name,
                                         self.result_note(passed, record))
            else:
                passed = False
                line = 'not ok %d - %s (no result: %s)' % (n, name, missing_reason)
            if name in self.todo:
                line += ' # TODO ' + self.todo[name]
                if passed:
                    comment('step %s passes now: remove its TODO marker' % name)
                passed = not passed
            points.append((line, passed))
        return points

    def show_log_tail(self, log_path, count):
        """When a step has no result: the log's last @count lines, as comments."""
        if all(self.results.get(name) for name in self.expected):
            return
        with open(log_path, 'rb') as log:
            tail = log.read().decode('utf-8', 'replace').splitlines()[-count:]
        comment('last %d console lines:' % len(tail))
        for text in tail:
            comment('| ' + text)

# TAP output for the Python tests: one line per check, what went wrong as
# comment lines under a failed one, the plan at the end.
# SPDX-License-Identifier: GPL-2.0-or-later


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def check(self, ok, name, detail=''):
        """Prints the result of one check; returns @ok."""
        self.count += 1
        self.failed += not ok
        # a '#' would make the line a TAP directive
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.count, name.replace('#', '(hash)')),
              flush=True)
        if not ok and detail:
            for line in str(detail).splitlines():
                print('# ' + line)
        return ok

    def skip(self, name, reason):
        """A check that could not run: counted as skipped, never as passed."""
        self.count += 1
        print('ok %d - %s # SKIP %s' % (self.count, name, reason), flush=True)

    def finish(self):
        """Prints the plan; the exit status."""
        print('1..%d' % self.count, flush=True)
        return 1 if self.failed else 0

# The IGT results of one guest run (the agent's igt step, step-igt.c) as
# TAP points: one per subtest or dynamic subtest the guest reported, and one
# per subtest it started or listed but never reported (the guest died or the
# run was killed).  A skip is `ok # SKIP` only when the table of bare-metal
# skips (run-guest --igt-skip, docs/testing.md) names it; any other skip
# fails, since a skip is never a pass.  A subtest left out on purpose
# (--igt-not-run, with its reason) is `ok # SKIP not run: <reason>`.
# SPDX-License-Identifier: GPL-2.0-or-later

import fnmatch
import re

FIELD = re.compile(r'(\w+)=("[^"]*"|\S*)')


def fields(record):
    """The key=value fields of a GUEST-* record (quotes removed)."""
    return {k: v[1:-1] if v.startswith('"') else v for k, v in FIELD.findall(record)}


class IgtResults:
    def __init__(self, tests):
        self.tests = tests          # in the order the guest runs them
        self.listed = {}            # test -> number of subtests
        self.started = []           # test@subtest, in order
        self.reports = []           # the GUEST-IGT fields, in order

    def record(self, tag, record):
        f = fields(record)
        if tag == 'GUEST-IGT-LIST':
            self.listed[f.get('test', '?')] = int(f.get('subtests', '0') or 0)
        elif tag == 'GUEST-IGT-START':
            self.started.append(f.get('test', '?'))
        else:
            self.reports.append(f)

    @staticmethod
    def _owner(name, started):
        """The started subtest a reported name belongs to (itself or its parent)."""
        return name if name in started else name.rsplit('@', 1)[0]

    def points(self, missing_reason, todo, skips, not_run):
        """[(TAP line without its number, passed)], TODO and SKIP applied."""
        out = []
        reported = {self._owner(r.get('test', '?'), set(self.started)) for r in self.reports}
        for test in self.tests:
            mine = [r for r in self.reports if r.get('test', '?').split('@')[0] == test]
            for r in mine:
                out.append(self._point(r, todo, skips, not_run))
            for name in self.started:
                if name.split('@')[0] == test and name not in reported:
                    out.append(self._marked('%s (no result: %s)' % (name, missing_reason),
                                            False, name, todo))
            started = sum(1 for n in self.started if n.split('@')[0] == test) + \
                sum(1 for r in mine if r.get('status') == 'not-run')
            if test not in self.listed and not mine:
                out.append(self._marked('%s (never started: %s)' % (test, missing_reason),
                                        False, test, todo))
            elif self.listed.get(test, 0) > started:
                out.append((('not ok - %s: %d of %d subtests never started (%s)')
                            % (test, self.listed[test] - started, self.listed[test],
                               missing_reason), False))
        return out

    def _point(self, r, todo, skips, not_run):
        name, status = r.get('test', '?'), r.get('status', '?')
        why = [reason for pattern, reason in not_run.items() if fnmatch.fnmatchcase(name, pattern)]
        if status == 'not-run' and why:
            return 'ok - %s # SKIP not run: %s' % (name, why[0]), True
        reason = r.get('reason', '')
        hangs = int(r.get('hangs', '0') or 0)
        note = ' (i915 logged %d GPU hang%s)' % (hangs, 's' if hangs > 1 else '') if hangs else ''
        if status == 'skip' and name in skips and name not in todo:
            return 'ok - %s # SKIP %s (IGT: %s)' % (name, skips[name], reason), True
        if status == 'pass':
            return self._marked(name + note, True, name, todo)
        if status == 'skip':
            text = '%s: IGT skipped it, which bare-metal Skylake would not: %s' % (name, reason)
        else:
            text = '%s: %s%s%s' % (name, status, ': ' + reason if reason else '', note)
        return self._marked(text, False, name, todo)

    @staticmethod
    def _marked(text, passed, name, todo):
        line = '%s - %s' % ('ok' if passed else 'not ok', text.replace('#', '%'))
        if name in todo:
            # A known failure is expected; a fixed one must lose its marker.
            return line + ' # TODO ' + todo[name], not passed
        return line, passed

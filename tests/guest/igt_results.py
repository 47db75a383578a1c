# The IGT results of one guest run (the agent's igt step, step-igt.c) as
# TAP points: one per subtest or dynamic subtest the guest reported, and one
# per subtest it started or listed but never reported (the guest died or the
# run was killed).  A skip is `ok # SKIP` only when the table of bare-metal
# skips (run-guest --igt-skip, docs/testing.md) names it; any other skip
# fails, since a skip is never a pass.  A subtest left out on purpose
# (--igt-not-run, with its reason) is `ok # SKIP not run: <reason>`.  A
# subtest that fails on bare-metal Skylake under Debian's kernel too
# (--igt-bare-metal-fail: its name, IGT's assertion there, why) is `ok #
# SKIP` only when it fails with that assertion and nothing else counts
# against it; any other failure of it fails.  A TODO that IGT decides by a
# speed it measures on the guest's CPU (--igt-timing) may pass when the
# host is idle: that pass is `ok`, its failure still a TODO.
#
# Hangs and guest errors (docs/testing.md, "IGT in the guest"): a subtest
# that IGT makes hang on purpose is an injector (run-guest --igt-hang, the
# table igt_hang of tests/guest/meson.build, read from IGT's code).  Any
# other subtest fails when i915 logged a GPU hang during it, or when the
# vGPU logged a guest error (the mediator's or QEMU's) during it; an
# injector may have guest errors of the kinds a hang it injects leaves
# (HANG_ERRORS), no other.
# SPDX-License-Identifier: GPL-2.0-or-later

import dataclasses
import fnmatch
import re

FIELD = re.compile(r'(\w+)=("[^"]*"|\S*)')
# The guest errors of the vGPU that a hang IGT injects leaves, and nothing
# else: the GPU's hang detection or the scheduler stopped the element
# (mediator/submission/queue.c); IGT's invalid command (IGT_SPIN_INVALID_CS)
# or a batch running into uninitialised memory (i915_hangman's
# hangcheck-unterminated), which the scanner lets run up to there and stop
# as the hardware would (docs/scanner.md); QEMU's word that the guest's
# context was so stopped (vgpu/execlist.c).
HANG_ERRORS = re.compile(
    r'stopped by the GPU .*: engine reset, reported as a hang$'
    r'|held the engine past its parts\' limit .*: engine reset, reported as a hang$'
    r'|rejected: scan: (unknown command|batch has no MI_BATCH_BUFFER_END)\b.*'
    r'; it runs up to there and stops \(a hang\)$'
    r'|context 0x[0-9a-f]+ was rejected or stopped by the mediator: ')
# The vGPU's guest error lines: the mediator's ("vgpu N (NAME): guest
# error: "), QEMU's ("vgpu NAME: guest error: "); and the line each prints
# when it stops logging them (a burst, then only counted).
GUEST_ERROR = re.compile(r'gpumed: (warning: )?vgpu [^:]*: guest error: ')
ERRORS_UNLOGGED = re.compile(r' ?\(further guest errors are only counted\)|'
                             r"further lines of 'guest error' are only counted")


def fields(record):
    """The key=value fields of a GUEST-* record (quotes removed)."""
    return {k: v[1:-1] if v.startswith('"') else v for k, v in FIELD.findall(record)}


@dataclasses.dataclass
class Rules:
    """What run-guest's tables (its options, from tests/guest/meson.build;
    docs/testing.md) make of the run's results."""
    # step or test@subtest -> the issue of its known failure (--todo)
    todo: dict = dataclasses.field(default_factory=dict)
    # test@subtest -> why it skips on bare-metal Skylake too (--igt-skip)
    skips: dict = dataclasses.field(default_factory=dict)
    # fnmatch pattern -> why the guest leaves it out (--igt-not-run)
    not_run: dict = dataclasses.field(default_factory=dict)
    # fnmatch pattern -> why IGT hangs the GPU there (--igt-hang)
    hangers: dict = dataclasses.field(default_factory=dict)
    # test@subtest -> (IGT's assertion on bare metal, why) (--igt-bare-metal-fail)
    bare_metal: dict = dataclasses.field(default_factory=dict)
    # the TODOs whose outcome is a speed IGT measures on the guest's CPU,
    # which TCG meets on an idle host only: a pass of one is a pass, not a
    # TODO to remove (--igt-timing)
    timing: frozenset = frozenset()


class IgtResults:
    def __init__(self, tests):
        self.tests = tests          # in the order the guest runs them
        self.listed = {}            # test -> number of subtests
        self.started = []           # test@subtest, in order
        self.reports = []           # the GUEST-IGT fields, in order
        self.errors = []            # guest errors not yet attributed
        self.errors_before = []     # ... logged before the first result
        self.unlogged = False       # the vGPU stopped logging guest errors
        self.unchecked = set()      # ids of the results reported since

    def guest_error(self, line):
        """A line of the vGPU's log (the mediator's, or QEMU's), read before
        the next GUEST-IGT record: a guest error belongs to the result the
        guest reports next, since the vGPU logs it before it completes the
        work a subtest waits for (a guest error seen after the last result of
        a subtest and before the next START is that subtest's aftermath)."""
        if ERRORS_UNLOGGED.search(line):
            self.unlogged = True
        if GUEST_ERROR.search(line):
            # The mediator's last logged error carries the burst's note.
            self.errors.append(ERRORS_UNLOGGED.sub('', line).strip())

    def _attribute(self, report):
        if report is None:
            self.errors_before += self.errors
        else:
            report['errors'] = report.get('errors', []) + self.errors
        self.errors = []

    def record(self, tag, record):
        f = fields(record)
        if tag == 'GUEST-IGT-LIST':
            self.listed[f.get('test', '?')] = int(f.get('subtests', '0') or 0)
        elif tag == 'GUEST-IGT-START':
            self._attribute(self.reports[-1] if self.reports else None)
            self.started.append(f.get('test', '?'))
        else:
            self.reports.append(f)
            self._attribute(f)
            if self.unlogged:
                self.unchecked.add(id(f))

    def finish(self):
        """The guest is gone: errors logged since the last result are its."""
        self._attribute(self.reports[-1] if self.reports else None)

    @staticmethod
    def _owner(name, started):
        """The started subtest a reported name belongs to (itself or its parent)."""
        return name if name in started else name.rsplit('@', 1)[0]

    def points(self, missing_reason, rules):
        """[(TAP line without its number, passed)], @rules (Rules) applied."""
        self.finish()
        out = []
        if self.errors_before:
            out.append(('not ok - the vGPU logged %d guest error%s before the first IGT '
                        'result: %s' % (len(self.errors_before),
                                        's' if len(self.errors_before) > 1 else '',
                                        self.errors_before[0]), False))
        reported = {self._owner(r.get('test', '?'), set(self.started)) for r in self.reports}
        for test in self.tests:
            mine = [r for r in self.reports if r.get('test', '?').split('@')[0] == test]
            for r in mine:
                out.append(self._point(r, rules))
            for name in self.started:
                if name.split('@')[0] == test and name not in reported:
                    out.append(self._marked('%s (no result: %s)' % (name, missing_reason),
                                            False, name, rules.todo))
            started = sum(1 for n in self.started if n.split('@')[0] == test) + \
                sum(1 for r in mine if r.get('status') == 'not-run')
            if test not in self.listed and not mine:
                out.append(self._marked('%s (never started: %s)' % (test, missing_reason),
                                        False, test, rules.todo))
            elif self.listed.get(test, 0) > started:
                out.append((('not ok - %s: %d of %d subtests never started (%s)')
                            % (test, self.listed[test] - started, self.listed[test],
                               missing_reason), False))
        return out

    @staticmethod
    def _matching(name, table):
        return [why for pattern, why in table.items() if fnmatch.fnmatchcase(name, pattern)]

    def _point(self, r, rules):
        name, status, todo = r.get('test', '?'), r.get('status', '?'), rules.todo
        why = self._matching(name, rules.not_run)
        if status == 'not-run' and why:
            return 'ok - %s # SKIP not run: %s' % (name, why[0]), True
        reason = r.get('reason', '')
        hangs = int(r.get('hangs', '0') or 0)
        injects = self._matching(name, rules.hangers)
        note = ' (i915 logged %d GPU hang%s)' % (hangs, 's' if hangs > 1 else '') if hangs else ''
        errors = [e for e in r.get('errors', []) if not (injects and HANG_ERRORS.search(e))]
        vgpu = []       # what the vGPU's log says against it
        if errors:
            vgpu.append('the vGPU logged %d guest error%s%s: %s'
                        % (len(errors), 's' if len(errors) > 1 else '',
                           ' of no kind a hang leaves' if injects else '', errors[0]))
        if not injects and id(r) in self.unchecked:
            vgpu.append('unchecked: the vGPU had stopped logging guest errors (past its '
                        'burst) before it ran')
        if injects and note:
            note = note[:-1] + ': IGT injects them, %s)' % injects[0]
        if status in ('pass', 'skip') and (vgpu or (hangs and not injects)):
            hung = ['i915 logged %d GPU hang%s and IGT injects none here'
                    % (hangs, 's' if hangs > 1 else '')] if hangs and not injects else []
            return self._marked('%s: %s, but %s' % (name, 'passes' if status == 'pass'
                                                  else 'skips', '; '.join(hung + vgpu)),
                                False, name, todo)
        if status == 'skip' and name in rules.skips and name not in todo:
            return 'ok - %s # SKIP %s (IGT: %s)' % (name, rules.skips[name], reason), True
        assertion, why = rules.bare_metal.get(name, (None, None))
        if status == 'fail' and assertion and assertion in reason and not vgpu and \
                not (hangs and not injects) and name not in todo:
            return 'ok - %s # SKIP fails on bare metal too: %s (IGT: %s)' % (name, why,
                                                                              reason), True
        if status == 'pass' and name in rules.timing and name in todo:
            return 'ok - %s%s (a speed TCG meets only sometimes: %s)' % (
                name, note, todo[name].replace('#', '%')), True
        if status == 'pass':
            return self._marked(name + note, True, name, todo)
        if status == 'skip':
            text = '%s: IGT skipped it, which bare-metal Skylake would not: %s' % (name, reason)
        else:
            text = '%s: %s%s%s%s' % (name, status, ': ' + reason if reason else '', note,
                                     ''.join('; ' + p for p in vgpu))
        return self._marked(text, False, name, todo)

    @staticmethod
    def _marked(text, passed, name, todo):
        line = '%s - %s' % ('ok' if passed else 'not ok', text.replace('#', '%'))
        if name in todo:
            # A known failure is expected; a fixed one must lose its marker.
            return line + ' # TODO ' + todo[name], not passed
        return line, passed

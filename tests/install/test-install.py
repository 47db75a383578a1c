#!/usr/bin/env python3
# `meson install` into a DESTDIR (docs/install.md): the tree is exactly the
# files a user gets, the systemd unit names the installed binary and passes
# `systemd-analyze verify` (and the check fails on a unit naming another
# path), the sysusers.d file creates the socket group the unit runs with,
# the installed programs run (--version, -h, --help), the man pages render
# without warnings and document every option --help lists, the bash
# completion offers the commands --help lists, our QEMU is installed from
# the cache and has the device; and without a built QEMU the install fails
# naming scripts/build-qemu.  The expected paths come from meson's own view
# of the build's options (meson introspect), not from the generated files.
# TAP on stdout.
# Usage: test-install.py MESON BUILD_DIR
# SPDX-License-Identifier: GPL-2.0-or-later
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'python'))
from tap import Tap  # noqa: E402

MESON, BUILD = sys.argv[1], sys.argv[2]
tap = Tap()
check = tap.check


def run(args, env=None, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, timeout=120, **kw)


def qemu_in_cache():
    cache = os.environ.get('GPUMED_CACHE') or os.path.join(
        os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'), 'gpumed')
    return os.path.join(cache, 'qemu-build', 'qemu-system-x86_64')


def build_options():
    p = run([MESON, 'introspect', '--buildoptions', BUILD])
    if p.returncode:
        raise SystemExit('meson introspect failed: ' + p.stderr)
    options = {o['name']: o['value'] for o in json.loads(p.stdout)}
    prefix = options['prefix']
    version = json.loads(run([MESON, 'introspect', '--projectinfo', BUILD]).stdout)['version']

    def under(name):
        return os.path.join(prefix, options[name])   # an absolute option stays itself
    return {
        'version': version, 'install_qemu': options['install_qemu'],
        'gpumed': os.path.join(under('sbindir'), 'gpumed'),
        'gpumedctl': os.path.join(under('sbindir'), 'gpumedctl'),
        'qemu': os.path.join(under('libexecdir'), 'gpumed', 'qemu-system-x86_64'),
        'unit': os.path.join(prefix, 'lib/systemd/system/gpumed.service'),
        'sysusers': os.path.join(prefix, 'lib/sysusers.d/gpumed.conf'),
        'man_gpumed': os.path.join(under('mandir'), 'man8', 'gpumed.8'),
        'man_gpumedctl': os.path.join(under('mandir'), 'man8', 'gpumedctl.8'),
        'completion': os.path.join(under('datadir'), 'bash-completion/completions/gpumedctl'),
        'mandir': under('mandir'),
    }


def install(destdir, env=None):
    return run([MESON, 'install', '-C', BUILD, '--destdir', destdir, '--no-rebuild'], env=env)


def installed_files(destdir):
    files = set()
    for root, _, names in os.walk(destdir):
        for n in names:
            files.add('/' + os.path.relpath(os.path.join(root, n), destdir))
    return files


def unit_values(text, key):
    return [line.split('=', 1)[1] for line in text.splitlines()
            if line.startswith(key + '=')]


def verify_unit(destdir, paths, unit_text):
    """systemd-analyze verify on @unit_text installed in a root made of the
    host's units plus @destdir; (exit status, output)."""
    with tempfile.TemporaryDirectory(prefix='gpumed-verify-') as root:
        os.makedirs(os.path.join(root, 'usr/lib/systemd'))
        shutil.copytree('/usr/lib/systemd/system', os.path.join(root, 'usr/lib/systemd/system'),
                        symlinks=True)
        shutil.copytree(destdir, root, symlinks=True, dirs_exist_ok=True)
        unit = root + paths['unit']
        with open(unit, 'w') as f:
            f.write(unit_text)
        env = dict(os.environ, MANPATH=root + paths['mandir'])
        p = run(['systemd-analyze', '--root=' + root, 'verify', unit], env=env, cwd=root)
        return p.returncode, p.stdout + p.stderr


def long_options(help_text):
    return sorted(set(re.findall(r'(?<![\w-])--([a-z][a-z-]*)', help_text)))


def man_text(path):
    p = run(['groff', '-man', '-Tascii', '-P-cbou', '-ww', path])
    return p.returncode, p.stdout, p.stderr


def completions(script, words, cword):
    """COMPREPLY of the completion @script for the command line @words."""
    line = ' '.join(words)
    shell = ('source %s; COMP_WORDS=(%s); COMP_CWORD=%d; COMP_LINE=%s; _gpumedctl; '
             'printf "%%s\\n" "${COMPREPLY[@]}"' %
             (script, ' '.join("'%s'" % w for w in words), cword, "'%s'" % line))
    p = run(['bash', '-c', shell])
    return sorted(p.stdout.split())


def main():
    paths = build_options()
    qemu_built = os.access(qemu_in_cache(), os.X_OK)
    expect_qemu = paths['install_qemu']
    with tempfile.TemporaryDirectory(prefix='gpumed-install-') as tmp:
        destdir = os.path.join(tmp, 'root')
        p = install(destdir)
        if expect_qemu and not qemu_built:
            check(p.returncode != 0 and 'scripts/build-qemu' in p.stdout + p.stderr,
                  'meson install without a built QEMU fails naming scripts/build-qemu',
                  p.stdout + p.stderr)
            check(False, 'our QEMU installed: it is not built (%s): run scripts/build-qemu'
                  % qemu_in_cache())
        else:
            check(p.returncode == 0, 'meson install --destdir succeeds', p.stdout + p.stderr)
        expected = {paths[k] for k in ('gpumed', 'gpumedctl', 'unit', 'sysusers', 'man_gpumed',
                                       'man_gpumedctl', 'completion')}
        if expect_qemu:
            expected.add(paths['qemu'])
        got = installed_files(destdir)
        check(got == expected, 'the installed tree is exactly the expected files',
              'missing: %s\nunexpected: %s' % (sorted(expected - got), sorted(got - expected)))
        for prog in ('gpumed', 'gpumedctl'):
            path = destdir + paths[prog]
            check(os.access(path, os.X_OK), '%s installed executable as %s' % (prog, paths[prog]))

        # The unit names the installed binary, the socket group, the man pages.
        with open(destdir + paths['unit']) as f:
            unit = f.read()
        exec_start = unit_values(unit, 'ExecStart')
        check(len(exec_start) == 1 and exec_start[0].split()[0] == paths['gpumed'],
              "the unit's ExecStart runs the installed %s" % paths['gpumed'], exec_start)
        check(unit_values(unit, 'Group') == ['gpumed'], "the unit's Group= is gpumed",
              unit_values(unit, 'Group'))
        with open(destdir + paths['sysusers']) as f:
            sysusers = [line.split() for line in f if line.strip() and not line.startswith('#')]
        check(sysusers == [['g', 'gpumed', '-']], 'the sysusers.d file creates group gpumed',
              sysusers)
        sysroot = os.path.join(tmp, 'sysroot')
        os.makedirs(os.path.join(sysroot, 'etc'))
        p = run(['systemd-sysusers', '--root=' + sysroot, destdir + paths['sysusers']])
        group_lines = []
        if os.path.exists(os.path.join(sysroot, 'etc/group')):
            with open(os.path.join(sysroot, 'etc/group')) as f:
                group_lines = [line for line in f if line.startswith('gpumed:')]
        check(p.returncode == 0 and len(group_lines) == 1,
              'systemd-sysusers creates the group from the installed file',
              p.stderr + ''.join(group_lines))
        docs = ' '.join(unit_values(unit, 'Documentation')).split()
        check(sorted(docs) == ['man:gpumed(8)', 'man:gpumedctl(8)'],
              "the unit's Documentation= names the installed man pages", docs)

        if shutil.which('systemd-analyze'):
            status, out = verify_unit(destdir, paths, unit)
            check(status == 0 and not out.strip(), 'systemd-analyze verify passes on the installed unit',
                  out)
            wrong = unit.replace('ExecStart=' + paths['gpumed'],
                                 'ExecStart=' + paths['gpumed'] + '-not-installed')
            status, out = verify_unit(destdir, paths, wrong)
            check(status != 0 and 'not-installed' in out,
                  'systemd-analyze verify fails on a unit naming a path not installed', out)
        else:
            tap.skip('systemd-analyze verify', 'no systemd-analyze on this machine')

        # The installed programs run.
        for prog in ('gpumed', 'gpumedctl'):
            binary = destdir + paths[prog]
            p = run([binary, '--version'])
            check(p.returncode == 0 and p.stdout == '%s %s\n' % (prog, paths['version']),
                  '%s --version prints "%s %s"' % (prog, prog, paths['version']),
                  p.stdout + p.stderr)
            p_help = run([binary, '--help'])
            p_h = run([binary, '-h'])
            check(p_help.returncode == 0 and p_h.returncode == 0 and p_help.stdout == p_h.stdout
                  and p_help.stdout.startswith('usage: %s' % prog),
                  '%s -h and --help print its usage' % prog, p_help.stdout + p_h.stderr)
            status, text, warnings = man_text(destdir + paths['man_' + prog])
            check(status == 0 and not warnings.strip() and text.strip(),
                  '%s(8) renders without warnings' % prog, warnings)
            missing = [o for o in long_options(p_help.stdout)
                       if '--' + o not in re.sub(r'\s+', ' ', text)]
            check(not missing, '%s(8) documents every option of %s --help' % (prog, prog),
                  'missing: %s' % missing)

        help_text = run([destdir + paths['gpumedctl'], '--help']).stdout
        commands = sorted(set(re.findall(r'^  ([a-z]+)\b', help_text, re.MULTILINE)))
        status, text, _ = man_text(destdir + paths['man_gpumedctl'])
        missing = [c for c in commands if not re.search(r'^       %s\b' % c, text, re.MULTILINE)]
        check(commands and not missing, 'gpumedctl(8) has an entry for every command of --help',
              'commands: %s, missing: %s' % (commands, missing))
        completion = destdir + paths['completion']
        offered = completions(completion, ['gpumedctl', ''], 1)
        offered_commands = sorted(w for w in offered if not w.startswith('-'))
        check(offered_commands == commands,
              'the bash completion offers the commands of gpumedctl --help',
              'offered %s, --help %s' % (offered_commands, commands))
        check(completions(completion, ['gpumedctl', '--js'], 1) == ['--json'],
              'the bash completion completes --js to --json')

        if expect_qemu and qemu_built:
            qemu = destdir + paths['qemu']
            check(os.path.exists(qemu) and filecmp.cmp(qemu, qemu_in_cache(), shallow=False),
                  'our QEMU installed as %s is the built one' % paths['qemu'])
            p = run([qemu, '-device', 'vgpu-pci,help'])
            check(p.returncode == 0 and re.search(r'^\s*socket=', p.stdout, re.MULTILINE),
                  'the installed QEMU has vgpu-pci (-device vgpu-pci,help lists socket=)',
                  p.stdout + p.stderr)

        # Without a built QEMU: the rest installed, the failure names the script.
        empty_cache = os.path.join(tmp, 'empty-cache')
        os.makedirs(empty_cache)
        destdir2 = os.path.join(tmp, 'root-no-qemu')
        p = install(destdir2, env=dict(os.environ, GPUMED_CACHE=empty_cache))
        if expect_qemu:
            out = p.stdout + p.stderr
            check(p.returncode != 0 and 'Run scripts/build-qemu' in out and paths['qemu'] in out,
                  'without a built QEMU meson install fails, naming scripts/build-qemu and %s'
                  % paths['qemu'], out)
            check(installed_files(destdir2) == expected - {paths['qemu']},
                  'without a built QEMU everything else is installed',
                  sorted(installed_files(destdir2) ^ (expected - {paths['qemu']})))
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())

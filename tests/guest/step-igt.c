/*
 * The igt step: IGT's tests (intel-gpu-tools, i915's own test suite) run on
 * the vGPU, one process per subtest as IGT's runner does, each with a time
 * limit.  scripts/build-igt puts the test binaries in /igt/ of a second
 * initramfs; run-guest --igt names the ones to run (gpumed.igt=a,b, or
 * <test>@<pattern> entries that select the subtests <test>@<subtest>
 * matching a pattern, fnmatch: a test named alone runs all of its subtests)
 * and the limit of each subtest and each dynamic subtest
 * (gpumed.igt_timeout=<s>);
 * gpumed.igt_not_run=<test>@<subtest>,... names subtests not to run, as
 * fnmatch patterns (each reported with status=not-run, run-guest says why).
 *
 * For each test the agent prints
 *
 *   GUEST-IGT-LIST test=<test> subtests=<n>
 *
 * (n: the subtests selected; a selection that matches none fails the test)
 *
 * then, before each subtest, GUEST-IGT-START test=<test>@<subtest>, and for
 * each result (a subtest, or each of its dynamic subtests, named
 * <test>@<subtest>@<dynamic> as IGT's runner names them)
 *
 *   GUEST-IGT test=<name> status=pass|fail|skip|timeout|crash time=<s>
 *             hangs=<n> reason="<IGT's failed assertion or skip reason>"
 *
 * hangs counts the "GPU HANG" lines i915 logged meanwhile.  The output of a
 * subtest that did not pass or skip follows as GUEST-LOG lines.  A test
 * without subtests is one result named <test>.
 *
 * The igt-bench step runs one of IGT's benchmarks (benchmarks/, where
 * Debian's intel-gpu-tools installs them) unchanged: each time the step
 * runs, the next entry of gpumed.igt_bench=<entry>,... (run-guest
 * --igt-bench), an entry being the benchmark's name and its arguments
 * separated by colons (gem_blt:-r:3).  It runs in the benchmarks' directory
 * (wsim/<file> names a gem_wsim workload file) under the same time limit
 * as a subtest, and every line it printed is a GUEST-LOG line
 * "<benchmark>| <line>": the figures are the benchmark's own, read by
 * tools/gpumed-bench-guest.  The step passes when the benchmark exited with
 * status 0 having printed something, and i915 logged no GPU hang meanwhile
 * (a hung batch makes any figure meaningless); IGT's skip status (77) is a
 * failure, with its output.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

#define IGT_DIR "/igt"
#define IGT_BENCH_DIR "/usr/libexec/igt-gpu-tools/benchmarks"
#define MAX_BENCH_ARGS 32
#define MAX_SUBTESTS 512
#define MAX_TESTS 32
#define MAX_NAME 128
#define TAIL_LINES 40
#define LINE_MAX_KEPT 300
#define REASON_MAX 480
/* After the limit: SIGTERM lets IGT's exit handlers end its spinners. */
#define TERM_GRACE_MS 5000
#define KILL_GRACE_MS 20000
/* IGT's exit status for a whole test that skipped (igt_core.h). */
#define IGT_EXIT_SKIP 77

const char *igt_tests;
const char *igt_not_run;
const char *igt_bench;
int igt_timeout_s = 60;

/* Whether test@subtest matches a pattern (fnmatch) of gpumed.igt_not_run. */
static bool not_run(const char *name)
{
    char patterns[1024];

    snprintf(patterns, sizeof(patterns), "%s", igt_not_run ? igt_not_run : "");
    for (char *save = NULL, *p = strtok_r(patterns, ",", &save); p;
         p = strtok_r(NULL, ",", &save)) {
        if (fnmatch(p, name, 0) == 0) {
            return true;
        }
    }
    return false;
}

/* What one subtest process said, parsed as it comes. */
struct igt_run {
    const char *test;
    char subtest[MAX_NAME];     /* "" for a test without subtests */
    char dynamic[MAX_NAME];     /* the dynamic subtest running, or "" */
    char reason[REASON_MAX];    /* of the innermost (dynamic) subtest running */
    char subtest_reason[REASON_MAX];
    unsigned in_requirement;    /* lines of IGT's "Test requirement not met" text to come */
    bool in_dump;               /* inside IGT's dump of its log buffer after a failure */
    bool restart_clock;         /* a dynamic subtest started: its own time limit */
    char last_said[LINE_MAX_KEPT]; /* its last plain line: igt_skip()'s own message */
    char status[16];            /* the subtest's result as IGT said it, or "" */
    unsigned dynamic_results, dynamic_failures;
    double started_ms, dynamic_started_ms;
    char tail[TAIL_LINES][LINE_MAX_KEPT];
    unsigned tail_n;
    int kmsg;
    unsigned hangs;             /* "GPU HANG" lines since the last result */
    char first_hang[LINE_MAX_KEPT];
};

static void append(char *buf, size_t size, const char *text)
{
    size_t len = strlen(buf);

    if (len + 3 >= size) {
        return;
    }
    snprintf(buf + len, size - len, "%s%s", len ? " / " : "", text);
}

/* New kernel log records since the last call: i915's hang reports counted. */
static void read_kmsg(struct igt_run *run)
{
    char record[2048];
    ssize_t n;

    if (run->kmsg < 0) {
        return;
    }
    while ((n = read(run->kmsg, record, sizeof(record) - 1)) > 0 ||
           (n < 0 && errno == EPIPE)) {
        char *text;

        if (n < 0) {
            continue;
        }
        record[n] = '\0';
        text = strchr(record, ';');
        if (!text) {
            continue;
        }
        text++;
        text[strcspn(text, "\n")] = '\0';
        if (strstr(text, "GPU HANG")) {
            if (run->hangs++ == 0) {
                snprintf(run->first_hang, sizeof(run->first_hang), "%s", text);
            }
        }
    }
}

static const char *igt_status(const char *word)
{
    if (strcmp(word, "SUCCESS") == 0) {
        return "pass";
    }
    if (strcmp(word, "SKIP") == 0) {
        return "skip";
    }
    if (strcmp(word, "CRASH") == 0) {
        return "crash";
    }
    return "fail";      /* FAIL, and anything IGT may add */
}

static void report(struct igt_run *run, const char *name, const char *status, double ms,
                   const char *reason, bool with_output)
{
    struct result r = { .step = "igt" };
    char line[sizeof(r.fields) + 32];

    read_kmsg(run);
    result_add(&r, "test", "%s", name);
    result_add(&r, "status", "%s", status);
    result_add(&r, "time", "%.1f", ms / 1e3);
    result_add(&r, "hangs", "%u", run->hangs);
    result_add(&r, "reason", "%s", reason);
    if (with_output) {
        unsigned first = run->tail_n > TAIL_LINES ? run->tail_n - TAIL_LINES : 0;

        for (unsigned i = first; i < run->tail_n; i++) {
            result_log(&r, "%s | %s", name, run->tail[i % TAIL_LINES]);
        }
        if (run->hangs) {
            result_log(&r, "%s | kernel: %s", name, run->first_hang);
        }
    }
    snprintf(line, sizeof(line), "GUEST-IGT%s", r.fields);
    print_record(line);
    run->hangs = 0;
}

static bool starts(const char *line, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);

    if (strncmp(line, prefix, n) != 0) {
        return false;
    }
    *rest = line + n;
    return true;
}

/* "NAME: RESULT (T s)" copied to text: the result word, or NULL; text keeps NAME. */
static const char *result_word(const char *line, char *text, size_t size)
{
    char *colon, *word;

    snprintf(text, size, "%s", line);
    colon = strrchr(text, ':');

    if (!colon || colon[1] != ' ') {
        return NULL;
    }
    *colon = '\0';
    word = colon + 2;
    word[strcspn(word, " ")] = '\0';
    return word;
}

static void parse_line(struct igt_run *run, char *line)
{
    const char *rest;
    char *critical;
    char name[4 * MAX_NAME];

    snprintf(run->tail[run->tail_n++ % TAIL_LINES], LINE_MAX_KEPT, "%s", line);
    /* The dump repeats what was said (the failure among it), with debug lines. */
    if (strcmp(line, "**** DEBUG ****") == 0 || strcmp(line, "****  END  ****") == 0) {
        run->in_dump = line[5] == 'D';
        return;
    }
    if (run->in_dump) {
        return;
    }
    if (starts(line, "Starting subtest: ", &rest)) {
        /* What a fixture of another group skipped is not this subtest's reason. */
        run->subtest_reason[0] = '\0';
        run->in_requirement = 0;
        run->last_said[0] = '\0';
        return;
    }
    if (starts(line, "Starting dynamic subtest: ", &rest)) {
        snprintf(run->dynamic, sizeof(run->dynamic), "%s", rest);
        run->reason[0] = '\0';
        run->dynamic_started_ms = boottime_ms();
        run->restart_clock = true;
        run->last_said[0] = '\0';
        return;
    }
    if (starts(line, "Dynamic subtest ", &rest)) {
        char text[MAX_NAME + 64];
        const char *word = result_word(rest, text, sizeof(text));

        if (word) {
            const char *status = igt_status(word);

            snprintf(name, sizeof(name), "%s@%s@%s", run->test, run->subtest, text);
            if (strcmp(status, "skip") == 0 && !run->reason[0]) {
                snprintf(run->reason, sizeof(run->reason), "%s", run->last_said);
            }
            report(run, name, status, boottime_ms() - run->dynamic_started_ms, run->reason,
                   strcmp(status, "pass") != 0 && strcmp(status, "skip") != 0);
            run->dynamic_results++;
            run->dynamic_failures += strcmp(status, "fail") == 0 || strcmp(status, "crash") == 0;
            run->dynamic[0] = '\0';
            run->reason[0] = '\0';
            run->in_requirement = 0;
        }
        return;
    }
    if (starts(line, "Subtest ", &rest)) {
        char text[MAX_NAME + 64];
        const char *word = result_word(rest, text, sizeof(text));

        if (word && strcmp(text, run->subtest) == 0) {
            snprintf(run->status, sizeof(run->status), "%s", word);
            run->in_requirement = 0;
        }
        return;
    }
    if (starts(line, "Test requirement not met", &rest)) {
        /* "Test requirement: <check>", IGT's message, perhaps "Last errno" */
        run->in_requirement = 2;
        return;
    }
    /* IGT's log lines: "(<test>:<pid>) [<domain>-]CRITICAL: <text>" */
    critical = strstr(line, "CRITICAL: ");
    if (critical && line[0] == '(') {
        const char *text = critical + strlen("CRITICAL: ");

        if (!starts(text, "Test assertion failure function ", &rest)) {
            append(run->dynamic[0] ? run->reason : run->subtest_reason, REASON_MAX, text);
        }
        return;
    }
    if (starts(line, "Received signal ", &rest)) {
        append(run->dynamic[0] ? run->reason : run->subtest_reason, REASON_MAX, line);
        return;
    }
    if (run->in_requirement && line[0] && line[0] != '(' &&
        !starts(line, "Last errno: ", &rest)) {
        run->in_requirement--;
        append(run->dynamic[0] ? run->reason : run->subtest_reason, REASON_MAX, line);
    }
    if (line[0] && line[0] != '(') {
        snprintf(run->last_said, sizeof(run->last_said), "%s", line);
    }
}

/* Feeds complete lines of buf (len bytes) to the parser; returns what is left. */
static size_t parse_lines(struct igt_run *run, char *buf, size_t len, bool flush)
{
    size_t start = 0;

    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n' || (flush && i == len - 1)) {
            size_t end = buf[i] == '\n' ? i : i + 1;

            buf[end] = '\0';
            if (end > start && buf[end - 1] == '\r') {
                buf[end - 1] = '\0';
            }
            parse_line(run, buf + start);
            start = i + 1;
        }
    }
    memmove(buf, buf + start, len - start);
    return len - start;
}

static pid_t spawn(const char *path, char *const argv[], int *out)
{
    static char *const envp[] = {
        "PATH=/bin:" IGT_DIR, "HOME=/tmp", "TMPDIR=/tmp", "IGT_PLAIN_OUTPUT=1", NULL,
    };
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        /* A group of its own: IGT's helper processes are ended with it. */
        setsid();
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
        }
        execve(path, argv, envp);
        fprintf(stderr, "Received signal none: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    *out = fds[0];
    return pid;
}

/*
 * Runs argv to its end or its time limit, feeding its output to the parser
 * (or, with list != NULL, collecting its lines: subtest names, or a
 * benchmark's output, each cut at MAX_NAME - 1 characters).  Returns
 * the wait status, or -1 when it had to be killed after timeout_ms.
 */
static int run_process(struct igt_run *run, char *const argv[], int timeout_ms,
                       char (*list)[MAX_NAME], unsigned *n_list)
{
    char buf[8192];
    size_t len = 0;
    int out, status = 0;
    bool timed_out = false, pipe_open = true;
    double deadline, now;
    pid_t pid = spawn(argv[0], argv, &out);

    if (pid < 0) {
        return 127 << 8;
    }
    deadline = boottime_ms() + timeout_ms;
    for (int signal_sent = 0;;) {
        now = boottime_ms();
        if (run->restart_clock && signal_sent == 0) {
            run->restart_clock = false;
            deadline = now + timeout_ms;
        }
        if (now >= deadline) {
            if (signal_sent == 0) {
                timed_out = true;
                kill(-pid, SIGTERM);
                deadline = now + TERM_GRACE_MS;
            } else if (signal_sent == 1) {
                kill(-pid, SIGKILL);
                deadline = now + KILL_GRACE_MS;
            } else {
                break;  /* unkillable, e.g. waiting in the kernel: leave it */
            }
            signal_sent++;
        }
        if (!pipe_open) {
            pid_t done = waitpid(pid, &status, WNOHANG);

            if (done == pid) {
                break;
            }
            usleep(20000);
            continue;
        }
        struct pollfd pfd = { .fd = out, .events = POLLIN };
        int ready = poll(&pfd, 1, (int)(deadline - now) + 1);

        if (ready <= 0) {
            continue;
        }
        ssize_t n = read(out, buf + len, sizeof(buf) - 1 - len);

        if (n <= 0) {
            pipe_open = false;
            continue;
        }
        len += (size_t)n;
        if (list) {
            buf[len] = '\0';
            char *line = buf, *nl;

            while ((nl = strchr(line, '\n'))) {
                *nl = '\0';
                if (line[0] && *n_list < MAX_SUBTESTS) {
                    snprintf(list[(*n_list)++], MAX_NAME, "%s", line);
                }
                line = nl + 1;
            }
            len = strlen(line);
            memmove(buf, line, len);
        } else {
            len = parse_lines(run, buf, len, len == sizeof(buf) - 1);
        }
    }
    if (!list && len) {
        parse_lines(run, buf, len, true);
    }
    close(out);
    kill(-pid, SIGKILL);        /* whatever it left behind */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
        /* PID 1 reaps the orphans too */
    }
    return timed_out ? -1 : status;
}

static void run_subtest(struct igt_run *run, const char *subtest)
{
    char path[256], name[2 * MAX_NAME], arg[MAX_NAME], why[REASON_MAX + 64];
    char *argv[] = { path, subtest ? "--run-subtest" : NULL, arg, NULL };
    const char *status;
    int wait_status;
    double ms;

    snprintf(path, sizeof(path), IGT_DIR "/%s", run->test);
    snprintf(arg, sizeof(arg), "%s", subtest ? subtest : "");
    snprintf(run->subtest, sizeof(run->subtest), "%s", subtest ? subtest : "");
    if (subtest) {
        snprintf(name, sizeof(name), "%s@%s", run->test, subtest);
    } else {
        snprintf(name, sizeof(name), "%s", run->test);
    }
    if (not_run(name)) {
        report(run, name, "not-run", 0, "", false);
        return;
    }
    run->dynamic[0] = run->reason[0] = run->subtest_reason[0] = run->status[0] = '\0';
    run->dynamic_results = run->dynamic_failures = 0;
    run->tail_n = 0;
    run->in_requirement = 0;
    run->in_dump = false;
    run->last_said[0] = '\0';
    {
        struct result r = { .step = "igt" };
        char line[sizeof(r.fields) + 32];

        result_add(&r, "test", "%s", name);
        snprintf(line, sizeof(line), "GUEST-IGT-START%s", r.fields);
        print_record(line);
    }
    run->started_ms = boottime_ms();
    wait_status = run_process(run, argv, igt_timeout_s * 1000, NULL, NULL);
    ms = boottime_ms() - run->started_ms;

    if (wait_status == -1) {
        status = "timeout";
        snprintf(why, sizeof(why), "no result after %d s%s%s", igt_timeout_s,
                 run->dynamic[0] ? " in dynamic subtest " : "", run->dynamic);
    } else if (WIFSIGNALED(wait_status)) {
        status = "crash";
        snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(wait_status));
    } else if (run->status[0]) {
        status = igt_status(run->status);
        why[0] = '\0';
        if (strcmp(status, "skip") == 0 && !run->subtest_reason[0]) {
            snprintf(run->subtest_reason, sizeof(run->subtest_reason), "%s", run->last_said);
        }
    } else if (!subtest && WEXITSTATUS(wait_status) == 0) {
        status = "pass";
        why[0] = '\0';
    } else if (!subtest && WEXITSTATUS(wait_status) == IGT_EXIT_SKIP) {
        status = "skip";
        why[0] = '\0';
    } else {
        status = "fail";
        snprintf(why, sizeof(why), "exit status %d without a result", WEXITSTATUS(wait_status));
    }
    /* A dynamic subtest cut off by the limit or a crash gets the verdict. */
    if (run->dynamic[0] && strcmp(status, "pass") != 0 && strcmp(status, "skip") != 0) {
        char dyn_name[3 * MAX_NAME], text[2 * REASON_MAX + 64];

        snprintf(dyn_name, sizeof(dyn_name), "%s@%s", name, run->dynamic);
        snprintf(text, sizeof(text), "%s%s%s", why, run->reason[0] ? ": " : "", run->reason);
        report(run, dyn_name, status, boottime_ms() - run->dynamic_started_ms, text, true);
        run->dynamic_results++;
        run->dynamic_failures++;
    }
    /* The subtest itself, unless its dynamic subtests said it all. */
    bool failed = strcmp(status, "pass") != 0 && strcmp(status, "skip") != 0;
    if (run->dynamic_results == 0 || (failed && run->dynamic_failures == 0)) {
        char text[2 * REASON_MAX + 64];

        snprintf(text, sizeof(text), "%s%s%s", why, why[0] && run->subtest_reason[0] ? ": " : "",
                 run->subtest_reason);
        report(run, name, status, ms, text, failed);
    }
}

/*
 * Whether gpumed.igt selects test@subtest: an entry naming the test alone
 * selects all of its subtests, a <test>@<pattern> entry those it matches.
 */
static bool selected(const char *test, const char *subtest)
{
    char entries[1024], name[2 * MAX_NAME];
    size_t len = strlen(test);

    snprintf(entries, sizeof(entries), "%s", igt_tests);
    snprintf(name, sizeof(name), "%.*s@%.*s", MAX_NAME - 1, test, MAX_NAME - 1, subtest);
    for (char *save = NULL, *e = strtok_r(entries, ",", &save); e;
         e = strtok_r(NULL, ",", &save)) {
        if (strncmp(e, test, len) == 0 &&
            (e[len] == '\0' || (e[len] == '@' && fnmatch(e, name, 0) == 0))) {
            return true;
        }
    }
    return false;
}

static bool run_test(const char *test, int kmsg, unsigned *counts)
{
    static char subtests[MAX_SUBTESTS][MAX_NAME];
    static struct igt_run run;
    char path[256];
    char *argv[] = { path, "--list-subtests", NULL };
    unsigned n = 0, kept = 0, listed;
    int status;

    memset(&run, 0, sizeof(run));
    run.test = test;
    run.kmsg = kmsg;
    snprintf(path, sizeof(path), IGT_DIR "/%s", test);
    if (access(path, X_OK) != 0) {
        report(&run, test, "fail", 0, "not in the guest image: run scripts/build-igt", false);
        counts[1]++;
        return false;
    }
    status = run_process(&run, argv, igt_timeout_s * 1000, subtests, &n);
    listed = n;
    for (unsigned i = 0; i < n; i++) {
        if (selected(test, subtests[i]) && kept++ != i) {
            memcpy(subtests[kept - 1], subtests[i], MAX_NAME);
        }
    }
    n = kept;
    if (listed && !n) {
        report(&run, test, "fail", 0, "gpumed.igt selects none of its subtests", false);
        counts[1]++;
        return false;
    }
    {
        struct result r = { .step = "igt" };
        char line[sizeof(r.fields) + 32];

        result_add(&r, "test", "%s", test);
        result_add(&r, "subtests", "%u", n);
        snprintf(line, sizeof(line), "GUEST-IGT-LIST%s", r.fields);
        print_record(line);
    }
    if (status != 0 && n == 0) {
        /* IGT refuses --list-subtests for a test without subtests. */
        run_subtest(&run, NULL);
    }
    for (unsigned i = 0; i < n; i++) {
        run_subtest(&run, subtests[i]);
    }
    return true;
}

bool step_igt(struct result *r)
{
    static char done[MAX_TESTS][MAX_NAME];
    char list[1024];
    unsigned counts[2] = { 0, 0 };
    unsigned tests = 0, found = 0;
    int kmsg;

    if (!igt_tests || !igt_tests[0]) {
        result_add(r, "error", "no gpumed.igt= on the command line");
        return false;
    }
    kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (kmsg >= 0) {
        lseek(kmsg, 0, SEEK_END);
    }
    snprintf(list, sizeof(list), "%s", igt_tests);
    /* Each test once, at its first entry. */
    for (char *save = NULL, *entry = strtok_r(list, ",", &save); entry;
         entry = strtok_r(NULL, ",", &save)) {
        char test[MAX_NAME];
        bool seen = false;

        snprintf(test, sizeof(test), "%.*s", (int)strcspn(entry, "@"), entry);
        for (unsigned i = 0; i < tests && !seen; i++) {
            seen = strcmp(done[i], test) == 0;
        }
        if (!seen && tests < MAX_TESTS) {
            memcpy(done[tests++], test, MAX_NAME);
            found += run_test(test, kmsg, counts);
        }
    }
    if (kmsg >= 0) {
        close(kmsg);
    }
    result_add(r, "tests", "%u", found);
    /* The subtests' verdicts are run-guest's, one TAP line each. */
    return counts[1] == 0;
}

/* The @index-th entry of gpumed.igt_bench into @entry; false past the last. */
static bool bench_entry(unsigned index, char *entry, size_t size)
{
    const char *p = igt_bench;

    for (unsigned i = 0; p && i < index; i++) {
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    if (!p || !*p) {
        return false;
    }
    snprintf(entry, size, "%.*s", (int)strcspn(p, ","), p);
    return true;
}

bool step_igt_bench(struct result *r)
{
    static unsigned calls;
    static char lines[MAX_SUBTESTS][MAX_NAME];
    static struct igt_run run;
    char entry[512], path[256], args[512] = "";
    char *argv[MAX_BENCH_ARGS + 2];
    unsigned n_lines = 0, argc = 0;
    int status;
    double started;

    if (!bench_entry(calls, entry, sizeof(entry))) {
        result_add(r, "error", "no entry %u in gpumed.igt_bench= (run-guest --igt-bench)",
                   calls + 1);
        calls++;
        return false;
    }
    calls++;
    for (char *save = NULL, *word = strtok_r(entry, ":", &save); word && argc <= MAX_BENCH_ARGS;
         word = strtok_r(NULL, ":", &save)) {
        argv[argc++] = word;
    }
    argv[argc] = NULL;
    if (argc == 0) {
        result_add(r, "error", "entry %u of gpumed.igt_bench= names no benchmark", calls);
        return false;
    }
    snprintf(path, sizeof(path), IGT_BENCH_DIR "/%s", argv[0]);
    for (unsigned i = 1, len = 0; i < argc && len < sizeof(args); i++) {
        len += (unsigned)snprintf(args + len, sizeof(args) - len, "%s%s", i > 1 ? " " : "",
                                  argv[i]);
    }
    result_add(r, "benchmark", "%s", argv[0]);
    result_add(r, "args", "%s", args);
    if (strchr(argv[0], '/') || access(path, X_OK) != 0) {
        result_add(r, "error", "%s not in the guest image: run scripts/build-igt", path);
        return false;
    }
    argv[0] = path;
    memset(&run, 0, sizeof(run));
    run.test = path;
    run.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (run.kmsg >= 0) {
        lseek(run.kmsg, 0, SEEK_END);
    }
    /* Relative workload files (gem_wsim -w wsim/<file>) are the benchmarks'. */
    if (chdir(IGT_BENCH_DIR) != 0) {
        result_add(r, "error", "chdir %s: %s", IGT_BENCH_DIR, strerror(errno));
        return false;
    }
    started = boottime_ms();
    status = run_process(&run, argv, igt_timeout_s * 1000, lines, &n_lines);
    result_add(r, "time", "%.1f", (boottime_ms() - started) / 1e3);
    if (chdir("/") != 0) {
        /* PID 1 keeps whatever directory it has: nothing else is relative. */
    }
    read_kmsg(&run);
    if (run.kmsg >= 0) {
        close(run.kmsg);
    }
    for (unsigned i = 0; i < n_lines; i++) {
        result_log(r, "%s| %s", strrchr(path, '/') + 1, lines[i]);
    }
    result_add(r, "lines", "%u", n_lines);
    result_add(r, "hangs", "%u", run.hangs);
    if (run.hangs) {
        result_add(r, "first_hang", "%s", run.first_hang);
    }
    if (status == -1) {
        result_add(r, "error", "no end after %d s (gpumed.igt_timeout)", igt_timeout_s);
        return false;
    }
    if (WIFSIGNALED(status)) {
        result_add(r, "error", "killed by signal %d", WTERMSIG(status));
        return false;
    }
    result_add(r, "exit", "%d", WEXITSTATUS(status));
    if (WEXITSTATUS(status) == IGT_EXIT_SKIP) {
        result_add(r, "error", "the benchmark skipped (exit status 77): its output says why");
        return false;
    }
    return WEXITSTATUS(status) == 0 && n_lines > 0 && run.hangs == 0;
}

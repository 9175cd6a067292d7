#define _GNU_SOURCE
#include "intake_system.h"

#include <fcntl.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

int intake_disable_core_dumps(void) {
    int failed = 0;
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) failed = errno;
    struct rlimit none = { 0, 0 };
    if (setrlimit(RLIMIT_CORE, &none) != 0 && failed == 0) failed = errno;
    if (failed != 0) { errno = failed; return -1; }
    return 0;
}

int intake_is_dumpable(void) {
    return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
}

long long intake_core_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_CORE, &limit) != 0) return -2;
    return limit.rlim_cur == RLIM_INFINITY ? -1 : (long long)limit.rlim_cur;
}

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };

/* Async-signal-safe: write(2), signal(2) with SIG_DFL, raise(3). No allocation, no formatting
 * beyond a fixed table, nothing read from memory the crash may have damaged. */
static void crashed(int sig) {
    static const char head[] = "intake: fatal signal ";
    static const char tail[] = ", exiting (no core dump, no backtrace: they could hold decrypted content)\n";
    char number[4];
    int n = 0;
    if (sig >= 100) number[n++] = (char)('0' + (sig / 100) % 10);
    if (sig >= 10) number[n++] = (char)('0' + (sig / 10) % 10);
    number[n++] = (char)('0' + sig % 10);
    ssize_t ignored = write(STDERR_FILENO, head, sizeof head - 1);
    ignored = write(STDERR_FILENO, number, (size_t)n);
    ignored = write(STDERR_FILENO, tail, sizeof tail - 1);
    (void)ignored;
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(128 + sig); /* not reached: the default action ends the process */
}

int intake_install_crash_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = crashed;
    sigemptyset(&action.sa_mask);
    /* SA_RESETHAND: a second fault inside the handler takes the default action at once.
     * SA_NODEFER so that raise() in the handler is not held back; SA_ONSTACK to run on
     * the alternate stack where the runtime set one up (a stack overflow). */
    action.sa_flags = (int)(SA_RESETHAND | SA_NODEFER | SA_ONSTACK);
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++) {
        if (sigaction(crash_signals[i], &action, NULL) != 0) return -1;
    }
    return 0;
}

int intake_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

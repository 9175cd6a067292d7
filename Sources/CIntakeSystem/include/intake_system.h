/*
 * Linux process calls that Swift's Glibc module cannot import (prctl is variadic) or that
 * must be async-signal-safe (the crash handler), for IntakeDaemon only. IntakeCore never
 * imports this module.
 */
#ifndef INTAKE_SYSTEM_H
#define INTAKE_SYSTEM_H

/* Makes the process non-dumpable (prctl PR_SET_DUMPABLE 0: no core dump, no ptrace attach
 * by other users, /proc/PID files owned by root) and sets RLIMIT_CORE to 0, soft and hard.
 * Returns 0, or -1 with errno set by the first call that failed (both are tried). */
int intake_disable_core_dumps(void);

/* 1 when the process is dumpable (prctl PR_GET_DUMPABLE), 0 when not, -1 on error. */
int intake_is_dumpable(void);

/* The soft RLIMIT_CORE in bytes (RLIM_INFINITY as -1), or -2 on error. */
long long intake_core_limit(void);

/* Replaces the handlers of SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP and SIGSYS (the
 * Swift runtime's backtracer prints registers and the memory they point at, which can be a
 * decrypted return, and on SIGABRT left the process running) with one that writes a single
 * fixed line to stderr, restores the default action and raises the signal again: the process
 * ends by that signal (non-zero, so systemd's Restart=on-failure restarts it), without a core
 * dump when intake_disable_core_dumps has run. Returns 0, or -1 with errno set. */
int intake_install_crash_handlers(void);

/* pipe2(fds, O_CLOEXEC) (Glibc's module hides pipe2): both ends close-on-exec from the start,
 * so that no command started on another thread inherits them. Returns 0, or -1 with errno. */
int intake_pipe_cloexec(int fds[2]);

#endif

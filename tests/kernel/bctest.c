/*
 * bctest: a small static helper for the guest tests of the kernel series
 * (envID and the beancounter controller).  Every mode prints one line that
 * says what happened, e.g. "openmany: opened 16, then ENFILE", so that
 * tests/kernel/guest/series.sh can compare it with what the kernel rules
 * predict.
 *
 *   bctest [-c CGROUP_DIR] MODE ARGS...
 *
 * -c joins CGROUP_DIR (writes our pid to its cgroup.procs) before MODE runs.
 * The cgroup.procs file is opened and closed while we are still in the old
 * cgroup, so the only numfile charges made in CGROUP_DIR are MODE's own.
 *
 * The bench-* modes time a loop of one charged operation and print
 * "bench-OP: N iterations, X ns/iter" (CLOCK_MONOTONIC, after a short
 * untimed warm-up); tests/bench/run-kernel-bench runs them in cgroups with
 * and without the controller.
 *
 * Build: gcc -static -O2 -Wall -Werror bctest.c -o bctest -lpthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EAGAIN: return "EAGAIN";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOLCK: return "ENOLCK";
	case ERANGE: return "ERANGE";
	case ENOMEM: return "ENOMEM";
	default: return "E?";
	}
}

static void die(const char *what)
{
	printf("bctest: %s: %s (%s)\n", what, errname(errno), strerror(errno));
	exit(2);
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s) {
		fprintf(stderr, "bctest: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

static void join_cgroup(const char *dir)
{
	char path[4096], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write(fd, pid, n) != n)
		die(path);
	close(fd);
}

/* Raise the fd limit so that numfile, not RLIMIT_NOFILE, is what stops us. */
static void raise_nofile(long want)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < (rlim_t)want + 64) {
		r.rlim_cur = r.rlim_max = (rlim_t)want + 64;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* How a loop of N attempts ended: "<verb> K" or "<verb> K, then EXXX". */
static void report(const char *mode, const char *verb, long done, long want, int err)
{
	if (done == want)
		printf("%s: %s %ld\n", mode, verb, done);
	else
		printf("%s: %s %ld, then %s\n", mode, verb, done, errname(err));
	fflush(stdout);
}

static int openmany(long n, const char *path, const char *mode)
{
	long i;
	int err = 0;

	raise_nofile(n);
	for (i = 0; i < n; i++) {
		if (open(path, O_RDONLY) < 0) {
			err = errno;
			break;
		}
	}
	report(mode, "opened", i, n, err);
	return 0;
}

static int pipemany(long n)
{
	long i;
	int p[2], err = 0;

	raise_nofile(2 * n);
	for (i = 0; i < n; i++) {
		if (pipe(p) < 0) {
			err = errno;
			break;
		}
	}
	report("pipemany", "created", i, n, err);
	return 0;
}

static int setlk(int fd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len,
	};

	return fcntl(fd, F_SETLK, &fl) < 0 ? errno : 0;
}

/*
 * N one-byte write locks on one file, `stride` bytes apart: 2 keeps them
 * disjoint (never adjacent, so never merged), 1 makes them adjacent, and
 * the kernel merges them into one lock.
 */
static int locks_at_stride(const char *mode, long n, const char *file, long stride)
{
	long i;
	int fd, err = 0;

	fd = open(file, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		die(file);
	for (i = 0; i < n; i++) {
		err = setlk(fd, F_WRLCK, stride * i, 1);
		if (err)
			break;
	}
	report(mode, "locked", i, n, err);
	return 0;
}

/* Lock 0..99, then unlock 40..59, which splits the lock in two. */
static int posixsplit(const char *file)
{
	int fd, err;

	fd = open(file, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		die(file);
	err = setlk(fd, F_WRLCK, 0, 100);
	if (err) {
		printf("posixsplit: lock %s\n", errname(err));
		return 0;
	}
	err = setlk(fd, F_UNLCK, 40, 20);
	printf("posixsplit: lock ok, split %s\n", err ? errname(err) : "ok");
	return 0;
}

/* flock(LOCK_EX) on N files in DIR; then LOCK_SH on the first (a conversion). */
static int flocks(long n, const char *dir)
{
	char path[4096];
	long i;
	int fd, first = -1, err = 0;

	raise_nofile(n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/flock.%ld", dir, i);
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0)
			die(path);
		if (first < 0)
			first = fd;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			err = errno;
			break;
		}
	}
	report("flocks", "locked", i, n, err);
	if (first >= 0 && i > 0) {
		err = flock(first, LOCK_SH | LOCK_NB) < 0 ? errno : 0;
		printf("flocks: convert %s\n", err ? errname(err) : "ok");
	}
	return 0;
}

static void block_rt(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("sigprocmask");
}

static int sigqueue_many(pid_t pid, long n, const char *mode)
{
	union sigval v = { .sival_int = 0 };
	long i;
	int err = 0;

	for (i = 0; i < n; i++) {
		if (sigqueue(pid, SIGRTMIN, v) < 0) {
			err = errno;
			break;
		}
	}
	report(mode, "queued", i, n, err);
	return 0;
}

/* Block SIGRTMIN, say so, and keep the queued signals for SECONDS. */
static int rtblock(long seconds)
{
	block_rt();
	printf("rtblock: ready %d\n", (int)getpid());
	fflush(stdout);
	sleep(seconds);
	return 0;
}

static int hold_open(long n, const char *path, long seconds)
{
	openmany(n, path, "hold-open");
	sleep(seconds);
	return 0;
}

static int write_envid(const char *value, const char *path)
{
	int fd, err = 0;
	size_t len = strlen(value);

	fd = open(path, O_WRONLY);
	if (fd < 0) {
		printf("write-envid %s: open %s\n", value, errname(errno));
		return 0;
	}
	if (write(fd, value, len) != (ssize_t)len)
		err = errno;
	close(fd);
	printf("write-envid %s: %s\n", value, err ? errname(err) : "ok");
	return 0;
}

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

static int thread_then_write_envid(const char *value)
{
	pthread_t t;

	if (pthread_create(&t, NULL, idle_thread, NULL))
		die("pthread_create");
	return write_envid(value, "/proc/self/envid");
}

static long read_envid(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static void *envid_thread(void *arg)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/envid", (int)gettid());
	*(long *)arg = read_envid(path);
	return NULL;
}

/* Our envID, a new thread's, and a forked child's (after it execs). */
static int show_envid(void)
{
	long self = read_envid("/proc/self/envid"), thread = -1;
	pthread_t t;
	int status, p[2];
	char buf[32] = "";
	pid_t pid;

	if (pthread_create(&t, NULL, envid_thread, &thread) || pthread_join(t, NULL))
		die("pthread");
	if (pipe(p) < 0)
		die("pipe");
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execlp("cat", "cat", "/proc/self/envid", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], buf, sizeof(buf) - 1) < 0)
		die("read");
	waitpid(pid, &status, 0);
	printf("envid: self %ld thread %ld child %ld\n", self, thread, strtol(buf, NULL, 10));
	return 0;
}

/* ---------------------------------------------------------------- benchmarks */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One iteration: numfile charged in open(), given back when close() frees. */
static void step_open(void *arg)
{
	int fd = open(arg, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(arg);
	close(fd);
}

/* One iteration: numflock charged when the lock is inserted, given back on unlock. */
static void step_flock(void *arg)
{
	int fd = *(int *)arg;

	if (flock(fd, LOCK_EX) < 0 || flock(fd, LOCK_UN) < 0)
		die("flock");
}

/* One iteration: numsiginfo charged to us when queued, given back when dequeued. */
static void step_sigqueue(void *arg)
{
	union sigval v = { .sival_int = 0 };
	siginfo_t si;

	if (sigqueue(getpid(), SIGRTMIN, v) < 0)
		die("sigqueue");
	if (sigwaitinfo(arg, &si) != SIGRTMIN)
		die("sigwaitinfo");
}

static int bench(const char *mode, long n, void (*step)(void *), void *arg)
{
	long i, warm = n / 20 + 1;
	double t0;

	for (i = 0; i < warm; i++)
		step(arg);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		step(arg);
	printf("%s: %ld iterations, %.1f ns/iter\n", mode, n, (now_ns() - t0) / n);
	return 0;
}

static int bench_flock(long n, const char *file)
{
	int fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		die(file);
	return bench("bench-flock", n, step_flock, &fd);
}

static int bench_sigqueue(long n)
{
	sigset_t set;

	block_rt();
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	return bench("bench-sigqueue", n, step_sigqueue, &set);
}

static int run(char **argv)
{
	fflush(stdout);
	execvp(argv[0], argv);
	die(argv[0]);
	return 2;
}

static int setuid_run(long uid, char **argv)
{
	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
		die("setuid");
	return run(argv);
}

/* Drop CAP_SYS_ADMIN for good (bounding set too) but stay uid 0. */
static int nocap_run(char **argv)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) < 0)
		die("PR_CAPBSET_DROP");
	if (syscall(SYS_capget, &h, d) < 0)
		die("capget");
	d[i].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[i].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	d[i].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &h, d) < 0)
		die("capset");
	return run(argv);
}

static void usage(void)
{
	fputs("usage: bctest [-c CGROUP_DIR] MODE ARGS...\n"
	      "  openmany N PATH | pipemany N | hold-open N PATH SECONDS\n"
	      "  posixlocks N FILE | posixmerge N FILE | posixsplit FILE | flocks N DIR\n"
	      "  rtqueue N | rtblock SECONDS | rtsend PID N\n"
	      "  write-envid VALUE [PATH] | thread-then-write-envid VALUE | show-envid\n"
	      "  setuid UID -- CMD... | nocap -- CMD...\n"
	      "  bench-open N PATH | bench-flock N FILE | bench-sigqueue N\n", stderr);
	exit(2);
}

#define NEED(k) do { if (argc < (k)) usage(); } while (0)

int main(int argc, char **argv)
{
	const char *mode;

	setvbuf(stdout, NULL, _IOLBF, 0);
	argv++, argc--;
	if (argc >= 2 && !strcmp(argv[0], "-c")) {
		join_cgroup(argv[1]);
		argv += 2, argc -= 2;
	}
	NEED(1);
	mode = argv[0];
	argv++, argc--;

	if (!strcmp(mode, "openmany")) {
		NEED(2);
		return openmany(num(argv[0]), argv[1], "openmany");
	} else if (!strcmp(mode, "pipemany")) {
		NEED(1);
		return pipemany(num(argv[0]));
	} else if (!strcmp(mode, "hold-open")) {
		NEED(3);
		return hold_open(num(argv[0]), argv[1], num(argv[2]));
	} else if (!strcmp(mode, "posixlocks")) {
		NEED(2);
		return locks_at_stride("posixlocks", num(argv[0]), argv[1], 2);
	} else if (!strcmp(mode, "posixmerge")) {
		NEED(2);
		return locks_at_stride("posixmerge", num(argv[0]), argv[1], 1);
	} else if (!strcmp(mode, "posixsplit")) {
		NEED(1);
		return posixsplit(argv[0]);
	} else if (!strcmp(mode, "flocks")) {
		NEED(2);
		return flocks(num(argv[0]), argv[1]);
	} else if (!strcmp(mode, "rtqueue")) {
		NEED(1);
		block_rt();
		return sigqueue_many(getpid(), num(argv[0]), "rtqueue");
	} else if (!strcmp(mode, "rtblock")) {
		NEED(1);
		return rtblock(num(argv[0]));
	} else if (!strcmp(mode, "rtsend")) {
		NEED(2);
		return sigqueue_many(num(argv[0]), num(argv[1]), "rtsend");
	} else if (!strcmp(mode, "write-envid")) {
		NEED(1);
		return write_envid(argv[0], argc > 1 ? argv[1] : "/proc/self/envid");
	} else if (!strcmp(mode, "thread-then-write-envid")) {
		NEED(1);
		return thread_then_write_envid(argv[0]);
	} else if (!strcmp(mode, "show-envid")) {
		return show_envid();
	} else if (!strcmp(mode, "bench-open")) {
		NEED(2);
		return bench("bench-open", num(argv[0]), step_open, argv[1]);
	} else if (!strcmp(mode, "bench-flock")) {
		NEED(2);
		return bench_flock(num(argv[0]), argv[1]);
	} else if (!strcmp(mode, "bench-sigqueue")) {
		NEED(1);
		return bench_sigqueue(num(argv[0]));
	} else if (!strcmp(mode, "setuid")) {
		NEED(3);
		if (strcmp(argv[1], "--"))
			usage();
		return setuid_run(num(argv[0]), argv + 2);
	} else if (!strcmp(mode, "nocap")) {
		NEED(2);
		if (strcmp(argv[0], "--"))
			usage();
		return nocap_run(argv + 1);
	}
	usage();
	return 2;
}

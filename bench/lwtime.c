/* lwtime: runs one command and prints what bench/run needs of it: wall
 * seconds (monotonic clock around fork/exec/wait), user+system CPU seconds
 * and peak RSS, all from wait4()'s rusage of that child alone.
 *
 * A wrapper of its own because the peak RSS Linux reports for a child
 * includes the RSS of the process image it was exec'ed from: spawned from
 * Python, every program would show Python's 16 MiB. This one is small.
 *
 *   lwtime -o RESULT -- COMMAND [ARG...]
 * writes "WALL CPU MAXRSS_KIB EXIT" to RESULT; the command's output goes
 * where lwtime's goes. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv_sec(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	const char *result = NULL;
	struct timespec t0, t1;
	struct rusage ru;
	int i = 1, status;

	if (argc > 3 && !strcmp(argv[1], "-o")) {
		result = argv[2];
		i = 3;
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc || !result) {
		fputs("usage: lwtime -o RESULT -- COMMAND [ARG...]\n", stderr);
		return 64;
	}
	FILE *out = fopen(result, "w");
	if (!out) {
		perror(result);
		return 73;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		fclose(out);
		return 71;
	}
	if (pid == 0) {
		execvp(argv[i + 1], argv + i + 1);
		fprintf(stderr, "lwtime: %s: %s\n", argv[i + 1], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("wait4");
			fclose(out);
			return 71;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(out, "%.6f %.6f %ld %d\n", wall, tv_sec(ru.ru_utime) + tv_sec(ru.ru_stime),
		ru.ru_maxrss, code);
	return fclose(out) == 0 ? 0 : 73;
}

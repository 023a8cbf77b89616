/* bench: workloads for `nexus bench kvm` and the hyper benchmarks.
 *   bench syscalls N   N getpid calls; prints nanoseconds per call
 *   bench compute N    an N-iteration integer loop; prints nanoseconds taken
 *   bench wait         blocks reading stdin until EOF (to measure idle VMs)
 * Times come from clock_gettime(CLOCK_MONOTONIC) around the work. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int64_t now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	long n = argc > 2 ? atol(argv[2]) : 0;
	if (!strcmp(argv[1], "syscalls")) {
		int64_t t0 = now();
		for (long i = 0; i < n; i++)
			syscall(SYS_getpid);
		int64_t t1 = now();
		printf("%lld\n", (long long)((t1 - t0) / (n ? n : 1)));
	} else if (!strcmp(argv[1], "compute")) {
		int64_t t0 = now();
		volatile uint64_t sink;
		uint64_t x = 1;
		for (long i = 0; i < n; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		sink = x;
		(void)sink;
		int64_t t1 = now();
		printf("%lld\n", (long long)(t1 - t0));
	} else if (!strcmp(argv[1], "wait")) {
		char buf[64];
		while (read(0, buf, sizeof buf) > 0)
			;
	} else {
		return 2;
	}
	return 0;
}

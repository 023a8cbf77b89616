/* clock: checks the clocks a tier-2 program sees. It reads CLOCK_MONOTONIC
 * alternately through libc (the vDSO when there is one) and the raw system
 * call, and checks time never goes back; then prints CLOCK_REALTIME's
 * seconds for the caller to compare with its own clock. */
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

int main(void) {
	printf("vdso: %s\n", getauxval(AT_SYSINFO_EHDR) ? "yes" : "no");
	int64_t last = 0, back = 0;
	for (int i = 0; i < 2000; i++) {
		struct timespec t;
		if (i % 2)
			syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
		else
			clock_gettime(CLOCK_MONOTONIC, &t);
		if (ns(t) < last)
			back++;
		last = ns(t);
	}
	printf("monotonic went back %lld times\n", (long long)back);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct timespec d = {0, 20 * 1000 * 1000};
	nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("20ms sleep measured >= 20ms: %s\n", ns(b) - ns(a) >= 20000000 ? "yes" : "no");
	struct timespec r;
	clock_gettime(CLOCK_REALTIME, &r);
	printf("realtime %lld\n", (long long)r.tv_sec);
	return 0;
}

/* signals: synchronous signal delivery in a tier-2 microVM. Each fault is
 * caught by a SA_SIGINFO handler; the program prints what the handler saw.
 * "resume" fixes the fault in the handler (mprotect) and returns, so the
 * faulting store is retried; "overflow" runs the handler on an alternate
 * stack after the main stack overflows. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int seen_sig, seen_code;
static void *volatile seen_addr;
static char *page;

static void jump(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	seen_sig = sig;
	seen_code = si->si_code;
	seen_addr = si->si_addr;
	siglongjmp(env, 1);
}

static void fix(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	seen_sig = sig;
	seen_addr = si->si_addr;
	mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

static int depth(int n) {
	volatile char buf[1024];
	buf[0] = (char)n;
	if (n == -1) /* never: keeps the compiler from calling it infinite */
		return 0;
	return depth(n + 1) + buf[0];
}

static void on(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static volatile int zero;

int main(void) {
	on(SIGSEGV, jump, 0);
	on(SIGFPE, jump, 0);
	on(SIGILL, jump, 0);
	if (!sigsetjmp(env, 1))
		*(volatile int *)0x1234 = 1;
	printf("SIGSEGV %d code %d addr %p\n", seen_sig == SIGSEGV, seen_code, seen_addr);
	if (!sigsetjmp(env, 1))
		printf("%d\n", 7 / zero);
	printf("SIGFPE %d\n", seen_sig == SIGFPE);
	if (!sigsetjmp(env, 1))
		__asm__ volatile("ud2");
	printf("SIGILL %d\n", seen_sig == SIGILL);
	int caught = 0;
	for (int i = 0; i < 100; i++) /* handlers that never return */
		if (sigsetjmp(env, 1))
			caught++;
		else
			*(volatile int *)0x10 = i;
	printf("100 faults, %d caught\n", caught);

	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	on(SIGSEGV, fix, 0);
	page[100] = 42; /* faults, the handler makes it writable, retried */
	printf("resume: %d, fault address right: %d\n", page[100], seen_addr == page + 100);

	/* Natively, bound the overflow whatever ulimit -s says (the VM's stack
	 * mapping is 8 MiB and setrlimit is not supported there). */
	struct rlimit rl = {8 << 20, 8 << 20};
	setrlimit(RLIMIT_STACK, &rl);
	stack_t ss = {.ss_sp = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), .ss_size = 65536};
	sigaltstack(&ss, NULL);
	on(SIGSEGV, jump, SA_ONSTACK);
	if (!sigsetjmp(env, 1))
		depth(0);
	printf("overflow: caught on the alternate stack %d\n", seen_sig == SIGSEGV);
	return 0;
}

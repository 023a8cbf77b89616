/* hostile: a tier-2 program that tries to escape or disturb its microVM.
 * Each mode (argv[1]) is one attempt; the tests run every mode and check
 * that it fails safely: either the call is refused and the program says so
 * ("refused" lines), or the VM is stopped with a fault naming what
 * happened. Nothing here may ever reach the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void report(const char *what, long r) {
	if (r < 0)
		printf("%s: refused (%s)\n", what, strerror(errno));
	else
		printf("%s: ALLOWED (%ld)\n", what, r);
}

static void *idle(void *arg) {
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(mode, "wild-write")) {
		*(volatile uint64_t *)0x00000dead0000000ull = 1;
	} else if (!strcmp(mode, "monitor-write")) {
		/* The stub page of the monitor: mapped read+execute. */
		*(volatile uint64_t *)0xffffff8000000000ull = 0x90909090;
	} else if (!strcmp(mode, "monitor-tables")) {
		/* Descriptor tables of vCPU 0: supervisor-only. */
		*(volatile uint64_t *)0xffffff8000010000ull = 0;
	} else if (!strcmp(mode, "hlt")) {
		__asm__ volatile("hlt");
	} else if (!strcmp(mode, "cr3")) {
		__asm__ volatile("mov %%rax, %%cr3" ::"a"(0x1000));
	} else if (!strcmp(mode, "lgdt")) {
		char gdtr[10] = {0};
		__asm__ volatile("lgdt %0" ::"m"(gdtr));
	} else if (!strcmp(mode, "wrmsr")) {
		__asm__ volatile("wrmsr" ::"c"(0xc0000082), "a"(0), "d"(0));
	} else if (!strcmp(mode, "port-io")) {
		__asm__ volatile("outb %%al, $0x80" ::"a"(0));
	} else if (!strcmp(mode, "forged-exit")) {
		/* The port the stub uses, but from program code. */
		__asm__ volatile("outb %%al, $0x10" ::"a"(0));
	} else if (!strcmp(mode, "loop")) {
		for (;;)
			__asm__ volatile("" ::: "memory");
	} else if (!strcmp(mode, "exhaust")) {
		size_t total = 0;
		for (;;) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				printf("mmap failed after %zu MiB\n", total >> 20);
				return 0;
			}
			memset(p, 1, 1 << 20);
			total += 1 << 20;
		}
	} else if (!strcmp(mode, "threads")) {
		int n = 0;
		pthread_t t;
		while (n < 1000 && pthread_create(&t, NULL, idle, NULL) == 0)
			n++;
		printf("threads: refused after %d\n", n);
		return 0;
	} else if (!strcmp(mode, "bad-handler")) {
		/* A SIGSEGV handler that itself faults at once, on an alternate
		 * stack: delivery must not loop forever. */
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = (void (*)(int))0x700000000000ull;
		sa.sa_flags = SA_ONSTACK;
		static char alt[65536];
		stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
		sigaltstack(&ss, NULL);
		sigaction(SIGSEGV, &sa, NULL);
		*(volatile int *)0x20 = 1;
	} else if (!strcmp(mode, "calls")) {
		char buf[64];
		report("fork", fork());
		report("execve", execve("/bin/sh", (char *[]){"sh", NULL}, NULL));
		report("open /etc/passwd", open("/etc/passwd", O_RDONLY));
		report("open ../../../../etc/shadow", open("../../../../etc/shadow", O_RDONLY));
		report("open /proc/self/mem", open("/proc/self/mem", O_RDWR));
		report("create /tmp/x", open("/tmp/x", O_WRONLY | O_CREAT, 0644));
		report("write to a read-only file", write(open("data.txt", O_RDONLY), "x", 1));
		report("socket", syscall(SYS_socket, 2, 1, 0));
		report("ptrace", syscall(SYS_ptrace, 0, 0, 0, 0));
		report("syscall 999", syscall(999));
		report("syscall -1", syscall(-1));
		report("write from a bad pointer", write(1, (void *)0x10, 10));
		report("write from monitor memory", write(1, (void *)0xffffff8000000000ull, 16));
		report("read into monitor memory", read(open("data.txt", O_RDONLY), (void *)0xffffff8000000000ull, 16));
		report("huge write length", write(1, buf, (size_t)1 << 40));
		report("open a bad path pointer", open((char *)0x1234, O_RDONLY));
		report("clock_gettime to a bad pointer", syscall(SYS_clock_gettime, 0, (void *)0x8));
		report("futex on a bad address", syscall(SYS_futex, (void *)0x8, 0, 0, NULL, NULL, 0));
		report("mmap over the monitor", (long)mmap((void *)0xffffff8000000000ull, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
		report("mprotect the monitor", mprotect((void *)0xffffff8000000000ull, 4096, PROT_READ | PROT_WRITE));
		report("munmap the monitor", munmap((void *)0xffffff8000000000ull, 4096));
		report("mmap 2^50 bytes", (long)mmap(NULL, (size_t)1 << 50, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
		report("arch_prctl FS into the monitor", syscall(SYS_arch_prctl, 0x1002, 0xffffff8000000000ull));
		report("kill pid 1234", syscall(SYS_kill, 1234, 9));
		printf("calls: done\n");
		return 0;
	} else {
		fprintf(stderr, "usage: hostile MODE\n");
		return 2;
	}
	printf("%s: survived, which it should not have\n", mode);
	return 1;
}

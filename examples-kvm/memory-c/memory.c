/* memory: checks the library OS's memory calls from inside the guest.
 * Each check prints "ok NAME" or "FAIL NAME"; a mode argument then ends
 * with an access that must fault (the test expects the VM to stop). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fails;

static void check(const char *name, int ok) {
	printf("%s %s\n", ok ? "ok" : "FAIL", name);
	fails += !ok;
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "";
	size_t pg = 4096;

	/* musl's sbrk() refuses non-zero increments: use the system call. */
	uintptr_t b0 = syscall(SYS_brk, 0);
	uintptr_t b1 = syscall(SYS_brk, b0 + (1 << 20));
	check("brk grows", b1 == b0 + (1 << 20) && (((char *)b0)[(1 << 20) - 1] = 7) == 7);
	check("brk shrinks", (uintptr_t)syscall(SYS_brk, b0) == b0);

	char *a = mmap(NULL, 64 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap anonymous", a != MAP_FAILED && a[0] == 0 && a[64 * pg - 1] == 0);
	memset(a, 0x5a, 64 * pg);
	check("madvise DONTNEED zeroes", madvise(a, 8 * pg, MADV_DONTNEED) == 0 && a[0] == 0 && a[8 * pg] == 0x5a);
	char *f = mmap(a + 16 * pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED replaces", f == a + 16 * pg && f[0] == 0 && a[15 * pg] == 0x5a);
	check("munmap middle", munmap(a + 32 * pg, 8 * pg) == 0 && a[31 * pg] == 0x5a && a[40 * pg] == 0x5a);
	check("mprotect read-only keeps data", mprotect(a + 48 * pg, pg, PROT_READ) == 0 && a[48 * pg] == 0x5a);
	check("mprotect back to write", mprotect(a + 48 * pg, pg, PROT_READ | PROT_WRITE) == 0 && (a[48 * pg] = 1) == 1);
	check("PROT_NONE keeps data", mprotect(a + 50 * pg, pg, PROT_NONE) == 0 &&
	                                  mprotect(a + 50 * pg, pg, PROT_READ) == 0 && a[50 * pg] == 0x5a);
	void *hint = (void *)0x7e0000000000ull;
	char *h = mmap(hint, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap honours a free hint", h == hint);
	char *big = mmap(NULL, (size_t)64 << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	check("64 GiB reservation", big != MAP_FAILED);
	check("commit 1 MiB of it", mprotect(big + ((size_t)32 << 30), 1 << 20, PROT_READ | PROT_WRITE) == 0 &&
	                                (big[((size_t)32 << 30) + 12345] = 3) == 3);
	check("unmap the reservation", munmap(big, (size_t)64 << 30) == 0);
	int fd = open("blob.bin", O_RDONLY);
	char *m = fd >= 0 ? mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	check("mmap a file", m != MAP_FAILED && m[0] == 'B' && m[pg] == 'C' && m[pg + 10] == 0);
	printf("failures: %d\n", fails);
	fflush(stdout);

	if (!strcmp(mode, "after-munmap"))
		return a[33 * pg];
	if (!strcmp(mode, "write-readonly")) {
		mprotect(a, pg, PROT_READ);
		a[0] = 1;
	}
	if (!strcmp(mode, "prot-none")) {
		mprotect(a, pg, PROT_NONE);
		return a[0];
	}
	if (!strcmp(mode, "exec-data")) {
		a[0] = (char)0xc3; /* ret */
		((void (*)(void))a)();
	}
	return fails;
}

/* pipes: a pipe between two threads (blocking reads and writes, writes
 * larger than the pipe, EOF when the writer closes), pipe2 flags,
 * O_NONBLOCK, poll, select and epoll on pipes, and EPIPE/SIGPIPE. The
 * output is the same natively and in a tier-2 microVM.
 *
 *   pipes             the checks above
 *   pipes sigpipe     write to a pipe without readers, SIGPIPE default:
 *                     killed (status 141)
 *   pipes pingpong N  N round trips of one byte between two threads
 *                     (timing on stderr)
 *   pipes hammer      8 threads write PIPE_BUF-sized records into one
 *                     pipe at once: none may be torn */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fails;
#define CHECK(cond, ...) do { if (!(cond)) { fails++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static int p[2];
static long total = 200000;

static void *writer(void *arg) {
	(void)arg;
	static char buf[100000];
	long sent = 0, round = 0;
	while (sent < total) {
		/* sizes: small (atomic), PIPE_BUF, and more than the pipe holds */
		long n = (round % 3 == 0) ? 17 : (round % 3 == 1) ? 4096 : 70000;
		if (n > total - sent)
			n = total - sent;
		for (long i = 0; i < n; i++)
			buf[i] = (char)((sent + i) % 251);
		long off = 0;
		while (off < n) {
			ssize_t w = write(p[1], buf + off, n - off);
			if (w < 0) {
				printf("write: %s\n", strerror(errno));
				return NULL;
			}
			off += w;
		}
		sent += n;
		round++;
	}
	close(p[1]);
	return NULL;
}

static int sigpipes;
static void onpipe(int sig) { (void)sig; sigpipes++; }

static void threads(void) {
	CHECK(pipe(p) == 0, "pipe: %s", strerror(errno));
	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	char buf[8192];
	long got = 0, bad = 0;
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof buf);
		if (n < 0) {
			printf("read: %s\n", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (char)((got + i) % 251))
				bad++;
		got += n;
	}
	pthread_join(th, NULL);
	printf("threads: %ld bytes through the pipe, %ld wrong, then EOF\n", got, bad);
	close(p[0]);
}

static void flags(void) {
	int q[2];
	CHECK(pipe2(q, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2: %s", strerror(errno));
	printf("pipe2: cloexec %d %d, nonblock %d\n", fcntl(q[0], F_GETFD) & FD_CLOEXEC,
	       fcntl(q[1], F_GETFD) & FD_CLOEXEC, (fcntl(q[0], F_GETFL) & O_NONBLOCK) != 0);
	char c;
	ssize_t r = read(q[0], &c, 1);
	printf("empty nonblocking read: %zd %s\n", r, r < 0 ? strerror(errno) : "");
	static char big[1 << 17];
	long filled = 0;
	for (;;) {
		ssize_t w = write(q[1], big, 1000);
		if (w < 0) {
			printf("filled %ld bytes, then: %s\n", filled, strerror(errno));
			break;
		}
		filled += w;
	}
	struct stat st;
	CHECK(fstat(q[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat: not a FIFO");
	/* F_SETFL clears O_NONBLOCK again. */
	fcntl(q[0], F_SETFL, 0);
	printf("after F_SETFL 0: nonblock %d\n", (fcntl(q[0], F_GETFL) & O_NONBLOCK) != 0);
	close(q[0]);
	close(q[1]);
}

static void polling(void) {
	int q[2];
	pipe(q);
	struct pollfd fds[2] = {{.fd = q[0], .events = POLLIN}, {.fd = q[1], .events = POLLOUT}};
	int n = poll(fds, 2, 10);
	printf("poll empty: %d ready, read end %#x, write end %#x\n", n, fds[0].revents, fds[1].revents);
	write(q[1], "x", 1);
	n = poll(fds, 1, -1);
	printf("poll after a write: %d ready, read end %#x\n", n, fds[0].revents);

	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(q[0], &rd);
	struct timeval tv = {1, 0};
	n = select(q[0] + 1, &rd, NULL, NULL, &tv);
	printf("select: %d ready, read end set %d\n", n, FD_ISSET(q[0], &rd) != 0);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42};
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev) == 0, "epoll_ctl: %s", strerror(errno));
	struct epoll_event out[4];
	n = epoll_wait(ep, out, 4, 1000);
	printf("epoll: %d ready, data %llu events %#x\n", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL, n > 0 ? out[0].events : 0);
	char c;
	read(q[0], &c, 1);
	n = epoll_wait(ep, out, 4, 10);
	printf("epoll after the read: %d ready\n", n);
	close(q[1]);
	n = epoll_wait(ep, out, 4, 1000);
	printf("epoll after the writer closed: %d ready, events %#x\n", n, n > 0 ? out[0].events : 0);
	fds[0].revents = 0;
	n = poll(fds, 1, 0);
	printf("poll after the writer closed: %d, read end %#x\n", n, fds[0].revents);
	close(ep);
	close(q[0]);
}

static void epipe(void) {
	int q[2];
	pipe(q);
	close(q[0]);
	signal(SIGPIPE, SIG_IGN);
	ssize_t w = write(q[1], "x", 1);
	printf("write, no reader, SIGPIPE ignored: %zd %s\n", w, strerror(errno));
	signal(SIGPIPE, onpipe);
	w = write(q[1], "x", 1);
	printf("write, no reader, SIGPIPE handled: %zd %s, handler ran %d times\n", w, strerror(errno), sigpipes);
	close(q[1]);
	signal(SIGPIPE, SIG_DFL);
}

static int ping[2], pong[2];
static void *ponger(void *arg) {
	long n = (long)arg;
	char c;
	for (long i = 0; i < n; i++) {
		if (read(ping[0], &c, 1) != 1)
			break;
		write(pong[1], &c, 1);
	}
	return NULL;
}

static int hp[2];
static void *record_writer(void *arg) {
	long id = (long)arg;
	char rec[PIPE_BUF];
	memset(rec, 'a' + (int)id, sizeof rec);
	for (int i = 0; i < 200; i++)
		if (write(hp[1], rec, sizeof rec) != sizeof rec)
			printf("short write\n");
	return NULL;
}

static void hammer(void) {
	pipe(hp);
	pthread_t th[8];
	for (long i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, record_writer, (void *)i);
	long records = 0, torn = 0;
	char rec[PIPE_BUF];
	while (records < 8 * 200) {
		size_t got = 0;
		while (got < sizeof rec) {
			ssize_t n = read(hp[0], rec + got, sizeof rec - got);
			if (n <= 0)
				break;
			got += n;
		}
		for (size_t i = 1; i < sizeof rec; i++)
			if (rec[i] != rec[0]) {
				torn++;
				break;
			}
		records++;
	}
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	printf("hammer: %ld records of PIPE_BUF bytes from 8 threads, %ld torn\n", records, torn);
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "sigpipe") == 0) {
		int q[2];
		pipe(q);
		close(q[0]);
		printf("writing to a pipe without readers\n");
		write(q[1], "x", 1);
		printf("survived SIGPIPE\n");
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "pingpong") == 0) {
		long n = atol(argv[2]);
		pipe(ping);
		pipe(pong);
		pthread_t th;
		pthread_create(&th, NULL, ponger, (void *)n);
		double t0 = now();
		char c = 'x';
		long done = 0;
		for (; done < n; done++) {
			write(ping[1], &c, 1);
			if (read(pong[0], &c, 1) != 1)
				break;
		}
		double t1 = now();
		pthread_join(th, NULL);
		printf("pingpong: %ld round trips\n", done);
		fprintf(stderr, "pingpong: %.1f us per round trip\n", (t1 - t0) / n * 1e6);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "hammer") == 0) {
		hammer();
		return 0;
	}
	threads();
	flags();
	polling();
	epipe();
	printf("failures: %d\n", fails);
	return fails != 0;
}

/* sockets: an AF_UNIX stream socketpair between two threads: an echo
 * thread answers with send/recv, sendmsg/recvmsg and read/write; poll on
 * sockets; shutdown(SHUT_WR) gives the peer EOF; a send after the peer
 * closed fails with EPIPE (MSG_NOSIGNAL). The output is the same natively
 * and in a tier-2 microVM. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int sv[2];

static void *echo(void *arg) {
	(void)arg;
	char buf[256];
	long total = 0;
	for (;;) {
		ssize_t n = recv(sv[1], buf, sizeof buf, 0);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			buf[i] = toupper((unsigned char)buf[i]);
		send(sv[1], buf, n, 0);
		total += n;
	}
	printf("echo: EOF after %ld bytes\n", total);
	close(sv[1]);
	return NULL;
}

static void ask(const char *msg) {
	char buf[256];
	send(sv[0], msg, strlen(msg), 0);
	size_t got = 0;
	while (got < strlen(msg)) {
		ssize_t n = recv(sv[0], buf + got, sizeof buf - 1 - got, 0);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = 0;
	printf("asked %s, got %s\n", msg, buf);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		printf("socketpair: %s\n", strerror(errno));
		return 1;
	}
	struct stat st;
	fstat(sv[0], &st);
	printf("socketpair: a socket %d, cloexec %d\n", S_ISSOCK(st.st_mode), fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
	struct pollfd pfd = {.fd = sv[0], .events = POLLIN | POLLOUT};
	int pr = poll(&pfd, 1, 0);
	printf("poll before anything: %d, revents %#x\n", pr, pfd.revents);
	char c;
	ssize_t r = recv(sv[0], &c, 1, MSG_DONTWAIT);
	printf("recv MSG_DONTWAIT on nothing: %zd (%s)\n", r, strerror(errno));

	pthread_t th;
	pthread_create(&th, NULL, echo, NULL);
	ask("hello");
	ask("through a socketpair");

	char a[] = "sendmsg ", b[] = "with two iovecs";
	struct iovec iov[2] = {{a, strlen(a)}, {b, strlen(b)}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	r = sendmsg(sv[0], &mh, 0);
	printf("sendmsg: %zd\n", r);
	char r1[8], r2[64] = {0};
	struct iovec riov[2] = {{r1, sizeof r1}, {r2, sizeof r2 - 1}};
	struct msghdr rh = {.msg_iov = riov, .msg_iovlen = 2};
	size_t want = strlen(a) + strlen(b), got = 0;
	while (got < want) {
		ssize_t n = recvmsg(sv[0], &rh, 0);
		if (n <= 0)
			break;
		if (got == 0 && (size_t)n < want) {
			/* the echo may answer in two pieces: read the rest into r2 */
			riov[0].iov_len = 0;
			riov[1].iov_base = r2 + (n > 8 ? n - 8 : 0);
		}
		got += n;
	}
	printf("recvmsg: %zu bytes: %.8s%s\n", got, r1, r2);

	write(sv[0], "write", 5);
	char buf[16] = {0};
	size_t k = 0;
	while (k < 5) {
		ssize_t n = read(sv[0], buf + k, 5 - k);
		if (n <= 0)
			break;
		k += n;
	}
	printf("write/read: %s\n", buf);

	shutdown(sv[0], SHUT_WR);
	pthread_join(th, NULL);
	r = read(sv[0], buf, sizeof buf);
	printf("read after the peer closed: %zd\n", r);
	pfd.events = POLLIN | POLLOUT;
	poll(&pfd, 1, 0);
	printf("poll after the peer closed: in %d hup %d\n", (pfd.revents & POLLIN) != 0, (pfd.revents & POLLHUP) != 0);
	r = send(sv[0], "x", 1, MSG_NOSIGNAL);
	printf("send MSG_NOSIGNAL: %zd (%s)\n", r, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	r = write(sv[0], "x", 1);
	printf("write, SIGPIPE ignored: %zd (%s)\n", r, strerror(errno));
	close(sv[0]);
	return 0;
}

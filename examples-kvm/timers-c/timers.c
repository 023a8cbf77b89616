/* timers: signal masks and timers. Blocked signals stay pending and are
 * delivered when unblocked; a process-directed signal goes to a thread
 * that does not block it; alarm, setitimer and timer_create send their
 * signals; blocking calls are interrupted (EINTR) or restarted
 * (SA_RESTART), also a futex wait; sigsuspend and sigwaitinfo. The output is the same
 * natively and in a tier-2 microVM.
 *
 *   timers            the checks above
 *   timers default    SIGALRM at its default action: killed (142) */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, alrm, usr1_blocked_inside;
static volatile pthread_t usr1_by;

static void on_usr1(int sig) {
	(void)sig;
	usr1++;
	usr1_by = pthread_self();
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	usr1_blocked_inside = sigismember(&cur, SIGUSR1);
}

static void on_alrm(int sig) {
	(void)sig;
	alrm++;
}

static void handle(int sig, void (*fn)(int), int flags) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static int blocked(int sig) {
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig);
}

static void mask(int how, int sig) {
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(how, &s, NULL);
}

static void masks(void) {
	handle(SIGUSR1, on_usr1, 0);
	mask(SIG_BLOCK, SIGUSR1);
	raise(SIGUSR1);
	sigset_t pend;
	sigpending(&pend);
	printf("blocked: handler ran %d times, pending %d\n", usr1, sigismember(&pend, SIGUSR1));
	mask(SIG_UNBLOCK, SIGUSR1);
	printf("unblocked: handler ran %d times, SIGUSR1 blocked inside it %d, after %d\n", usr1, usr1_blocked_inside, blocked(SIGUSR1));
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	printf("SIGKILL blockable: %d, SIGSEGV blocked: %d\n", blocked(SIGKILL), blocked(SIGSEGV));
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/* The waiter takes SIGUSR1 in sigsuspend, which unblocks it atomically:
 * a signal that lands between the test of usr1 and the wait stays pending
 * instead of being lost (a loop around pause() could wait forever). */
static void *waiter(void *arg) {
	(void)arg;
	sigset_t m;
	pthread_sigmask(SIG_BLOCK, NULL, &m);
	sigdelset(&m, SIGUSR1);
	while (!usr1)
		sigsuspend(&m);
	return NULL;
}

static void threads(void) {
	usr1 = 0;
	mask(SIG_BLOCK, SIGUSR1);
	pthread_t th;
	pthread_create(&th, NULL, waiter, NULL);
	usleep(20000);
	kill(getpid(), SIGUSR1);
	pthread_join(th, NULL);
	printf("kill to the process: handled %d times, by the thread that does not block it: %d\n", usr1, pthread_equal(usr1_by, th));
	mask(SIG_UNBLOCK, SIGUSR1);
}

static void alarms(void) {
	handle(SIGALRM, on_alrm, 0);
	alarm(5);
	printf("alarm(0) after alarm(5): %u left\n", alarm(0));

	struct itimerval it = {{0, 10000}, {0, 10000}};
	setitimer(ITIMER_REAL, &it, NULL);
	while (alrm < 5)
		pause();
	struct itimerval got;
	getitimer(ITIMER_REAL, &got);
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	printf("setitimer every 10 ms: %d SIGALRMs seen (at least 5), interval %ld us\n", alrm >= 5 ? 5 : alrm, (long)got.it_interval.tv_usec);
	getitimer(ITIMER_REAL, &got);
	printf("disarmed: %ld %ld\n", (long)got.it_value.tv_sec, (long)got.it_value.tv_usec);
}

static int pfd[2];
static void *late_writer(void *arg) {
	(void)arg;
	usleep(100000);
	write(pfd[1], "!", 1);
	return NULL;
}

static void interrupts(void) {
	pipe(pfd);
	alrm = 0;
	handle(SIGALRM, on_alrm, 0);
	struct itimerval it = {{0, 0}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
	char c;
	ssize_t r = read(pfd[0], &c, 1);
	printf("read interrupted: %zd (%s), SIGALRMs %d\n", r, strerror(errno), alrm);

	alrm = 0;
	handle(SIGALRM, on_alrm, SA_RESTART);
	pthread_t th;
	pthread_create(&th, NULL, late_writer, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	r = read(pfd[0], &c, 1);
	pthread_join(th, NULL);
	printf("read with SA_RESTART: %zd '%c', SIGALRMs %d\n", r, c, alrm);

	alrm = 0;
	handle(SIGALRM, on_alrm, 0);
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec ts = {5, 0};
	int n = nanosleep(&ts, &ts);
	printf("nanosleep interrupted: %d (%s), SIGALRMs %d\n", n, strerror(errno), alrm);

	alrm = 0;
	mask(SIG_BLOCK, SIGALRM);
	setitimer(ITIMER_REAL, &it, NULL);
	sigset_t none;
	sigemptyset(&none);
	n = sigsuspend(&none);
	printf("sigsuspend: %d (%s), SIGALRMs %d, SIGALRM blocked again %d\n", n, strerror(errno), alrm, blocked(SIGALRM));
	mask(SIG_UNBLOCK, SIGALRM);
	close(pfd[0]);
	close(pfd[1]);
}

static sem_t sem;
static void post(int sig) {
	(void)sig;
	alrm++;
	sem_post(&sem);
}

/* A thread blocked in a futex wait (sem_wait) runs a handler, which posts
 * the semaphore it waits for. */
static void futex_wait(void) {
	sem_init(&sem, 0, 0);
	alrm = 0;
	handle(SIGALRM, post, 0);
	struct itimerval it = {{0, 0}, {0, 20000}};
	setitimer(ITIMER_REAL, &it, NULL);
	int r = sem_wait(&sem);
	printf("sem_wait woken by its own handler: %d, SIGALRMs %d\n", r, alrm);
}

static void posix_timers(void) {
	mask(SIG_BLOCK, SIGUSR2);
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR2;
	timer_t id;
	if (timer_create(CLOCK_MONOTONIC, &sev, &id) != 0) {
		printf("timer_create: %s\n", strerror(errno));
		return;
	}
	struct itimerspec its = {{0, 5000000}, {0, 5000000}};
	timer_settime(id, 0, &its, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	int got = 0;
	for (int i = 0; i < 3; i++) {
		siginfo_t si;
		if (sigwaitinfo(&set, &si) == SIGUSR2)
			got++;
	}
	struct itimerspec cur;
	timer_gettime(id, &cur);
	printf("timer_create: %d SIGUSR2s taken with sigwaitinfo, interval %ld ns\n", got, cur.it_interval.tv_nsec);
	timer_delete(id);
	struct timespec zero = {0, 0};
	sigtimedwait(&set, NULL, &zero); /* drop one left pending, if any */
	errno = 0;
	int r = sigtimedwait(&set, NULL, &zero);
	printf("sigtimedwait with nothing pending: %d (%s)\n", r, strerror(errno));
	printf("timer_delete twice: %d\n", timer_delete(id));
	mask(SIG_UNBLOCK, SIGUSR2);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && strcmp(argv[1], "default") == 0) {
		printf("waiting for SIGALRM\n");
		struct itimerval it = {{0, 0}, {0, 10000}};
		setitimer(ITIMER_REAL, &it, NULL);
		for (;;)
			pause();
	}
	masks();
	threads();
	alarms();
	interrupts();
	futex_wait();
	posix_timers();
	printf("done\n");
	return 0;
}

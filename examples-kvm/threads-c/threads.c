/* threads: a hammer for clone, futex and thread exit. T threads take a
 * mutex N times each and signal a condition variable; the main thread
 * waits for all of them, joins them and prints the total, which must be
 * T*N. A timed wait exercises futex timeouts. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter, done;
static long n;

static void *worker(void *arg) {
	(void)arg;
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	done++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void *bump(void *arg) {
	__atomic_fetch_add((long *)arg, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(int argc, char **argv) {
	if (argc > 2 && !strcmp(argv[1], "churn")) {
		/* Many short-lived threads, one after the other: more than any
		 * fixed number of vCPUs. */
		long k = atol(argv[2]), c = 0;
		for (long i = 0; i < k; i++) {
			pthread_t th;
			if (pthread_create(&th, NULL, bump, &c) != 0 || pthread_join(th, NULL) != 0) {
				printf("churn failed at %ld\n", i);
				return 1;
			}
		}
		printf("churn %ld: %ld\n", k, c);
		return 0;
	}
	int t = argc > 1 ? atoi(argv[1]) : 4;
	n = argc > 2 ? atol(argv[2]) : 10000;
	pthread_t th[64];
	if (t > 64)
		t = 64;
	/* A timed wait nobody signals: must time out. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&mu);
	int r = pthread_cond_timedwait(&cv, &mu, &ts);
	pthread_mutex_unlock(&mu);
	printf("timed wait: %s\n", r == ETIMEDOUT ? "timed out" : "woke early");
	for (int i = 0; i < t; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
	pthread_mutex_lock(&mu);
	while (done < t)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < t; i++)
		pthread_join(th[i], NULL);
	printf("threads %d x %ld: counter %ld\n", t, n, counter);
	return counter == t * n ? 0 : 1;
}

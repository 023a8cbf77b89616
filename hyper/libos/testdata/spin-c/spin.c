// spin starts a thread that runs without system calls forever, then
// writes: a snapshot taken at the write cannot freeze the spinning thread
// at a system-call boundary (TestSnapshotSpinningThreads).
#include <pthread.h>
#include <unistd.h>

static volatile int started;

static void *spin(void *arg) {
	(void)arg;
	started = 1;
	for (;;) {
	}
	return 0;
}

int main(void) {
	pthread_t t;
	pthread_create(&t, 0, spin, 0);
	while (!started) {
	}
	write(1, "spinning\n", 9);
	_exit(0);
}

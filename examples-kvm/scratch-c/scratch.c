/* scratch: writable scratch files. Works in DIR (default /tmp): creates,
 * writes, appends, pwrites, truncates, renames, lists and removes files
 * and directories, printing what it reads back; the output is the same
 * natively (in a temporary directory) and in a tier-2 microVM with a
 * scratch /tmp.
 *
 *   scratch [DIR]      the checks above
 *   scratch fill DIR   write 64 KiB blocks until the disk is full
 *   scratch many DIR   create empty files until that fails
 *   scratch rofs       writes outside the scratch tree: all EROFS */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char paths[2][4096], path[64];
static int turn;
static const char *dir = "/tmp";

/* at returns DIR/name; two calls in one expression get two buffers. */
static const char *at(const char *name) {
	char *p = paths[turn ^= 1];
	snprintf(p, sizeof paths[0], "%s/%s", dir, name);
	return p;
}

static const char *res(long r) {
	static char buf[128];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 (%s)", strerror(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

static long size(const char *name) {
	struct stat st;
	if (stat(at(name), &st) < 0)
		return -1;
	return st.st_size;
}

static void cat(const char *name) {
	FILE *f = fopen(at(name), "r");
	if (!f) {
		printf("cat %s: %s\n", name, strerror(errno));
		return;
	}
	char line[256];
	while (fgets(line, sizeof line, f))
		printf("  %s: %s", name, line);
	fclose(f);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list(const char *name) {
	DIR *d = opendir(at(name));
	if (!d) {
		printf("ls %s: %s\n", name, strerror(errno));
		return;
	}
	char *names[64];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	printf("ls %s:", name);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void fill(void) {
	static char block[65536];
	memset(block, 'z', sizeof block);
	int fd = open(at("big"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	long total = 0;
	for (;;) {
		ssize_t w = write(fd, block, sizeof block);
		if (w < 0) {
			printf("full after %ld bytes: %s\n", total, strerror(errno));
			break;
		}
		total += w;
	}
	printf("unlink: %s\n", res(unlink(at("big"))));
	printf("write after unlink (still open): %s\n", res(write(fd, block, 10)));
	close(fd);
	fd = open(at("again"), O_WRONLY | O_CREAT, 0600);
	printf("space back after close: %s\n", res(write(fd, block, sizeof block)));
	close(fd);
}

static void many(void) {
	char name[32];
	long n = 0;
	for (;; n++) {
		snprintf(name, sizeof name, "f%ld", n);
		int fd = open(at(name), O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			printf("created %ld empty files, then: %s\n", n, strerror(errno));
			break;
		}
		close(fd);
	}
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && strcmp(argv[1], "fill") == 0) {
		dir = argv[2];
		fill();
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "many") == 0) {
		dir = argv[2];
		many();
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "rofs") == 0) {
		printf("create /x: %s\n", res(open("/x", O_WRONLY | O_CREAT, 0644)));
		printf("mkdir /d: %s\n", res(mkdir("/d", 0755)));
		printf("unlink /data.txt: %s\n", res(unlink("/data.txt")));
		printf("rename /data.txt /tmp/d: %s\n", res(rename("/data.txt", "/tmp/d")));
		printf("rename /tmp/none /y: %s\n", res(rename("/tmp/none", "/y")));
		printf("open /data.txt for writing: %s\n", res(open("/data.txt", O_RDWR)));
		printf("truncate /data.txt: %s\n", res(truncate("/data.txt", 0)));
		printf("access /tmp W_OK: %s\n", res(access("/tmp", W_OK)));
		return 0;
	}
	if (argc > 1)
		dir = argv[1];

	printf("mkdir a: %s\n", res(mkdir(at("a"), 0755)));
	printf("mkdir a/b: %s\n", res(mkdir(at("a/b"), 0755)));
	printf("mkdir a again: %s\n", res(mkdir(at("a"), 0755)));
	printf("mkdir x/y: %s\n", res(mkdir(at("x/y"), 0755)));

	int fd = open(at("a/one.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	printf("create a/one.txt: %s\n", fd < 0 ? res(fd) : "ok");
	printf("write: %s\n", res(write(fd, "hello\n", 6)));
	printf("read from a write-only fd: %s\n", res(read(fd, path, 1)));
	close(fd);
	printf("O_EXCL again: %s\n", res(open(at("a/one.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644)));

	FILE *f = fopen(at("a/two.txt"), "w");
	for (int i = 0; i < 3; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
	cat("a/two.txt");

	fd = open(at("a/two.txt"), O_WRONLY | O_APPEND);
	write(fd, "appended\n", 9);
	close(fd);
	cat("a/two.txt");

	fd = open(at("a/one.txt"), O_RDWR);
	printf("pwrite at 10: %s\n", res(pwrite(fd, "XY\n", 3, 10)));
	printf("size after pwrite: %ld\n", size("a/one.txt"));
	char buf[32] = {0};
	printf("pread 13 at 0: %s", res(pread(fd, buf, 13, 0)));
	printf(" [%d %d %d %c%c]\n", buf[5], buf[6], buf[9], buf[10], buf[11]);
	printf("lseek end: %s\n", res(lseek(fd, 0, SEEK_END)));
	printf("ftruncate 3: %s", res(ftruncate(fd, 3)));
	printf(", size %ld\n", size("a/one.txt"));
	printf("ftruncate 5000: %s", res(ftruncate(fd, 5000)));
	printf(", size %ld\n", size("a/one.txt"));
	printf("fsync: %s\n", res(fsync(fd)));
	close(fd);
	fd = open(at("a/one.txt"), O_RDONLY);
	printf("ftruncate a read-only fd: %s\n", res(ftruncate(fd, 0)));
	printf("write a read-only fd: %s\n", res(write(fd, "x", 1)));
	close(fd);
	fd = open(at("a/one.txt"), O_WRONLY | O_TRUNC);
	close(fd);
	printf("size after O_TRUNC: %ld\n", size("a/one.txt"));

	printf("rename a/two.txt a/b/three.txt: %s\n", res(rename(at("a/two.txt"), at("a/b/three.txt"))));
	long sz = size("a/two.txt");
	printf("stat a/two.txt: %ld (%s)\n", sz, strerror(errno));
	cat("a/b/three.txt");
	printf("rename a a/b/c: %s\n", res(rename(at("a"), at("a/b/c"))));
	list("a");
	list("a/b");
	struct stat st;
	stat(at("a/b"), &st);
	printf("a/b is a directory: %d", S_ISDIR(st.st_mode));
	stat(at("a/one.txt"), &st);
	printf(", a/one.txt a regular file: %d, mode %o\n", S_ISREG(st.st_mode), st.st_mode & 0777);

	printf("rmdir a/b (not empty): %s\n", res(rmdir(at("a/b"))));
	printf("unlink a/b (a directory): %s\n", res(unlink(at("a/b"))));
	printf("unlink a/b/three.txt: %s\n", res(unlink(at("a/b/three.txt"))));
	printf("unlink it again: %s\n", res(unlink(at("a/b/three.txt"))));
	printf("rmdir a/b: %s\n", res(rmdir(at("a/b"))));
	printf("unlink a/one.txt: %s\n", res(unlink(at("a/one.txt"))));
	printf("rmdir a: %s\n", res(rmdir(at("a"))));
	list(".");
	return 0;
}

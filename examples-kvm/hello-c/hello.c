/* hello: the smallest tier-2 example. Prints its arguments, reads a file
 * from the image's file tree if one is named, and exits with status 3 so
 * callers can check that exit codes come through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
	printf("hello from a NexusOS microVM\n");
	for (int i = 1; i < argc; i++)
		printf("arg %d: %s\n", i, argv[i]);
	const char *who = getenv("WHO");
	if (who)
		printf("WHO=%s\n", who);
	char *heap = malloc(1 << 20);
	memset(heap, 'x', 1 << 20);
	printf("malloc ok: %c\n", heap[12345]);
	free(heap);
	if (argc > 2 && strcmp(argv[1], "cat") == 0) {
		FILE *f = fopen(argv[2], "r");
		if (!f) {
			perror("fopen");
			return 1;
		}
		char buf[256];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
	}
	return 3;
}

/* Runs a fuzz target's LLVMFuzzerTestOneInput once per file named on the
 * command line, without libFuzzer: the regression inputs and the seed
 * corpus replay under gcc, valgrind and the ordinary sanitizer build.
 * A file ending in ".hex" holds hex digits ('#' starts a comment line), so
 * crash inputs can live in the repository as reviewable text. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"

#define STANDALONE_INPUT_MAX (1u << 20) /* bytes: far above any fuzz -max_len used */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex text in place; returns the byte count or -1 on a stray
 * character or an odd digit count. */
static long unhex(uint8_t *buf, size_t len)
{
	size_t o = 0;
	int hi = -1;
	bool line_start = true;

	for (size_t i = 0; i < len; i++) {
		int c = buf[i];
		if (line_start && c == '#') {
			while (i < len && buf[i] != '\n')
				i++;
			continue;
		}
		line_start = c == '\n';
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		int v = hexval(c);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
		} else {
			buf[o++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return hi < 0 ? (long)o : -1;
}

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	size_t len;
	uint8_t *exact;

	if (!fp) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = malloc(STANDALONE_INPUT_MAX);
	if (!buf) {
		fclose(fp);
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	len = fread(buf, 1, STANDALONE_INPUT_MAX, fp);
	fclose(fp);
	size_t plen = strlen(path);
	if (plen > 4 && strcmp(path + plen - 4, ".hex") == 0) {
		long n = unhex(buf, len);
		if (n < 0) {
			fprintf(stderr, "%s: not hex\n", path);
			free(buf);
			return -1;
		}
		len = (size_t)n;
	}
	/* an exactly sized copy, so ASan and valgrind see a read past the end */
	exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 64;
	}
	for (int i = 1; i < argc; i++)
		if (run_file(argv[i]) < 0)
			failed = 1;
	return failed;
}

/* Fuzz target: the rules parser, with includes served from memory, and the
 * promises its output makes: what loads can be dumped, the dump is itself
 * a valid rules file with the same digest, and every prefix in force
 * classifies as inside (never outside).
 *
 * Input: rules text. A line "%%% NAME" starts another in-memory file called
 * NAME (the text before the first such line is "main.rules"); `include`
 * finds files by the path the parser joins, as it would on disk. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/diag.h"
#include "fuzz/fuzz.h"
#include "rules/rules.h"

#define FILES_MAX 16

struct file {
	const char *name;
	const char *text;
};

struct fileset {
	struct file f[FILES_MAX];
	size_t n;
};

static int resolve(const char *path, char **ret_text, void *userdata)
{
	const struct fileset *fs = userdata;

	for (size_t i = 0; i < fs->n; i++) {
		if (strcmp(fs->f[i].name, path) == 0) {
			*ret_text = strdup(fs->f[i].text);
			return *ret_text ? 0 : ENOMEM;
		}
	}
	return ENOENT;
}

/* Splits buf (NUL-terminated, modified) at "%%% NAME" lines. */
static void split(char *buf, struct fileset *fs)
{
	char *s = buf;

	fs->n = 0;
	fs->f[fs->n].name = "main.rules";
	fs->f[fs->n].text = buf;
	fs->n++;
	while ((s = strstr(s, "\n%%% ")) != NULL && fs->n < FILES_MAX) {
		*s = '\0';
		char *name = s + 5;
		char *nl = strchr(name, '\n');
		if (nl) {
			*nl = '\0';
			s = nl + 1;
		} else {
			s = name + strlen(name);
		}
		fs->f[fs->n].name = name;
		fs->f[fs->n].text = s;
		fs->n++;
	}
}

static char *dump(const struct rules *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	FUZZ_CHECK(mem != NULL);
	rules_dump(r, mem);
	FUZZ_CHECK(fclose(mem) == 0);
	return text;
}

static void print_diag(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msgs[i].text);
}

static void check_loaded(const struct rules *r)
{
	struct diag d;

	/* every prefix in force is inside: allowed, or an exception (a longer
	 * allowed prefix carved out of an exception is allowed) */
	for (size_t i = 0; i < rules_count(r); i++) {
		struct lw_addr net;
		unsigned plen;
		struct rule_ref ref;

		rules_entry(r, i, &net, &plen, &ref);
		FUZZ_CHECK(plen <= addr_bits(&net));
		FUZZ_CHECK(rules_classify(r, &net, NULL) != CLASS_OUTSIDE);
		FUZZ_CHECK(rules_match_defined(r, &net, &ref));
	}

	/* rules_dump promises a valid rules file with the same digest */
	char *text = dump(r);
	diag_init(&d);
	struct rules *again = rules_load_string("dump.rules", text, &d);
	if (!again) {
		fprintf(stderr, "the dump does not load:\n%s\n", text);
		print_diag(&d);
	}
	FUZZ_CHECK(again != NULL);
	if (strcmp(rules_digest(again), rules_digest(r)) != 0)
		fprintf(stderr, "digest %s, after a dump and reload %s:\n%s\n", rules_digest(r),
			rules_digest(again), text);
	FUZZ_CHECK(strcmp(rules_digest(again), rules_digest(r)) == 0);
	FUZZ_CHECK(rules_count(again) == rules_count(r));
	rules_free(again);
	diag_clear(&d);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fileset fs;
	struct diag d;
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	split(buf, &fs);

	diag_init(&d);
	struct rules *r = rules_load_string_with(fs.f[0].name, fs.f[0].text, resolve, &fs, &d);
	/* a failed load always says why */
	FUZZ_CHECK(r != NULL || d.errors > 0);
	for (size_t i = 0; i < d.n; i++)
		FUZZ_CHECK(d.msgs[i].text != NULL && d.msgs[i].text[0] != '\0' &&
			   strchr(d.msgs[i].text, '\n') == NULL); /* one line each */
	if (r)
		check_loaded(r);
	rules_free(r);
	diag_clear(&d);
	free(buf);
	return 0;
}

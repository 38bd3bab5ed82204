/* Fuzz target: the --redis URL parser (redis/redis_url.c). A URL comes
 * from a command line or lockwatchd.conf; whatever it says, the parser
 * either fills every field within its bounds or returns one line naming
 * the problem. */
#include "config.h"

#include <string.h>

#include "fuzz/fuzz.h"
#include "redis/redis_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redis_url u;
	char *msg = NULL;
	char where[REDIS_URL_HOST_MAX + REDIS_URL_PATH_MAX + 32];
	char *url = malloc(size + 1);

	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	memset(&u, 0xa5, sizeof(u)); /* a field left unset shows */
	if (redis_url_parse(url, &u, &msg) == 0) {
		FUZZ_CHECK(msg == NULL);
		FUZZ_CHECK(memchr(u.user, '\0', sizeof(u.user)) != NULL);
		if (u.is_unix) {
			FUZZ_CHECK(memchr(u.path, '\0', sizeof(u.path)) != NULL);
			FUZZ_CHECK(u.path[0] == '/');
		} else {
			FUZZ_CHECK(memchr(u.host, '\0', sizeof(u.host)) != NULL);
			FUZZ_CHECK(u.host[0] != '\0');
			FUZZ_CHECK(u.port >= 1 && u.port <= 65535);
		}
		FUZZ_CHECK(u.db >= 0 && u.db <= REDIS_DB_MAX);
		FUZZ_CHECK(redis_url_where(&u, where, sizeof(where)) == where);
		FUZZ_CHECK(memchr(where, '\0', sizeof(where)) != NULL);
		/* `where` opens every store message: it must stay one line */
		for (const char *p = where; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	} else {
		/* the message is printed as one line after "lockwatch: ", with
		 * the URL's control bytes escaped (issue 8) */
		FUZZ_CHECK(msg != NULL && msg[0] != '\0');
		for (const char *p = msg; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
	free(msg);
	free(url);
	return 0;
}

/* Looking at an age file's header without opening it. */
#include <errno.h>
#include <string.h>

#include "driftward/age.h"

int dw_age_stanza_count(const void *file, size_t len)
{
	static const char intro[] = "age-encryption.org/v1\n";
	const char *p = file, *end = p + len;
	int count = 0;

	if (len < sizeof(intro) - 1 || memcmp(p, intro, sizeof(intro) - 1) != 0)
		return -EINVAL; /* not a binary age file (armor is not looked into) */
	p += sizeof(intro) - 1;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			break;
		if (eol - p >= 3 && memcmp(p, "---", 3) == 0)
			return count;
		if (eol - p >= 3 && memcmp(p, "-> ", 3) == 0)
			count++;
		p = eol + 1;
	}
	return -EINVAL;
}

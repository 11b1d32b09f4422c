#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driftward/buf.h"
#include "driftward/redact.h"
#include "driftward/secret.h"

struct dw_secret {
	size_t len;
	unsigned char *data; /* len bytes and a NUL */
};

int dw_secret_adopt(struct dw_secret **out, char *data, size_t len)
{
	struct dw_secret *s = malloc(sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->len = len;
	s->data = (unsigned char *)data;
	/* from here on no log line or error message shows these bytes */
	if (dw_redact_register(s->data, len) < 0) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

int dw_secret_new(struct dw_secret **out, const void *data, size_t len)
{
	char *copy;
	int r;

	if (len == SIZE_MAX)
		return -E2BIG;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	copy[len] = '\0';
	r = dw_secret_adopt(out, copy, len);
	if (r < 0) {
		dw_wipe(copy, len);
		free(copy);
	}
	return r;
}

const unsigned char *dw_secret_data(const struct dw_secret *s)
{
	return s->data;
}

size_t dw_secret_len(const struct dw_secret *s)
{
	return s->len;
}

void dw_secret_free(struct dw_secret *s)
{
	if (!s)
		return;
	dw_redact_unregister(s->data);
	dw_wipe(s->data, s->len + 1);
	free(s->data);
	dw_wipe(s, sizeof(*s));
	free(s);
}

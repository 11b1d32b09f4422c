/*
 * libFuzzer entry point for the configuration reader: any file must load or
 * fail with problems that each name the file and a line inside it, without
 * leaks or undefined behaviour. The input goes through a memory file, as the
 * reader takes a path.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "driftward/config.h"
#include "driftward/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t i, n = 1;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dw_config *cfg = NULL;
	struct dw_diags diags;
	char path[64];
	size_t i, lines = count_lines(data, size);
	int fd = memfd_create("fuzz.ini", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dw_diags_init(&diags);
	if (dw_config_load(path, DW_CONFIG_KEY_MAY_BE_MISSING | DW_CONFIG_SECRETS_MAY_BE_MISSING,
	                   &cfg, &diags) == 0 &&
	    diags.errors)
		__builtin_trap(); /* success with errors reported */
	for (i = 0; i < diags.count; i++)
		if (diags.items[i].line > lines)
			__builtin_trap(); /* a problem on a line the file does not have */
	dw_config_free(cfg);
	dw_diags_release(&diags);
	close(fd);
	return 0;
}

/*
 * libFuzzer entry point for the allowed signers file: any bytes must load or
 * fail with an error naming the file and a line it has, without leaks or
 * undefined behaviour; what loads has a key and principals on every signer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "approval/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dw_approval__signers s;
	struct dw_error err = { 0 };
	size_t i, lines = 1;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (dw_approval__signers_parse((const char *)data, size, "fuzz", &s, &err) < 0) {
		if (s.n || s.items || !err.msg[0])
			__builtin_trap();
		if (err.line && (err.line > lines || strcmp(err.file, "fuzz")))
			__builtin_trap(); /* a line the file does not have */
		return 0;
	}
	for (i = 0; i < s.n; i++)
		if (!s.items[i].principals[0] || s.items[i].keylen < 4 || !s.items[i].line ||
		    s.items[i].line > lines)
			__builtin_trap();
	dw_approval__signers_release(&s);
	return 0;
}

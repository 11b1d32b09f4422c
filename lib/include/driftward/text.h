/*
 * Outside text (a Graph error code, a token service's message, a host name
 * from a lock file) made safe to show: on a terminal an ESC sequence can
 * recolour, retitle or rewrite what the operator sees, and in a log or a
 * commit body a line end can forge a line.
 */
#ifndef DRIFTWARD_TEXT_H
#define DRIFTWARD_TEXT_H

#include <stddef.h>

#include "driftward/buf.h"

/* Keep line ends and tabs (a commit body); without either flag they are escaped too. */
#define DW_TEXT_KEEP_LINES 1u
/* Line ends and tabs become spaces (one log line stays one readable line). */
#define DW_TEXT_LINES_AS_SPACES 2u

/*
 * Appends @len bytes of @s with every control character written as "\xHH":
 * C0 (0x00-0x1f), DEL and the C1 controls U+0080..U+009F (UTF-8 C2 80..9F),
 * which some terminals obey as well. Everything else is copied unchanged.
 */
int dw_buf_put_printable(struct dw_buf *b, const char *s, size_t len, unsigned flags);

#endif

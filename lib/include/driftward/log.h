/*
 * The logger: the one way the library and the agent write diagnostics. Lines
 * go to stderr as plain text, as text with "<N>" syslog priority prefixes when
 * stderr is the journal (JOURNAL_STREAM names it), or as JSON lines. Every
 * message and field value passes through dw_redact() first, whatever the
 * format: the logger is the last line of defence for secrets, not the first.
 */
#ifndef DRIFTWARD_LOG_H
#define DRIFTWARD_LOG_H

#include <stdio.h>

#include "driftward/common.h"

enum dw_log_level {
	DW_LOG_ERROR = 3, /* syslog priorities, so journald prefixes are the value */
	DW_LOG_WARNING = 4,
	DW_LOG_NOTICE = 5,
	DW_LOG_INFO = 6,
	DW_LOG_DEBUG = 7,
};

enum dw_log_format {
	DW_LOG_FORMAT_AUTO = 0, /* journal prefixes under journald, else text */
	DW_LOG_FORMAT_TEXT,
	DW_LOG_FORMAT_JOURNAL,
	DW_LOG_FORMAT_JSON,
};

struct dw_log_field {
	const char *key;
	const char *value;
};

/*
 * Sets the threshold and format. @stream is where lines go (NULL: stderr);
 * tests pass a memory stream. Not thread-safe against concurrent logging;
 * call it once at start-up.
 */
void dw_log_setup(enum dw_log_level threshold, enum dw_log_format format, FILE *stream);

/* Parses "text" or "json" (the --log-format values). Returns 0 or -EINVAL. */
int dw_log_format_parse(const char *s, enum dw_log_format *out);

int dw_log_enabled(enum dw_log_level level);

void dw_log(enum dw_log_level level, const char *fmt, ...) DW_PRINTF(2, 3);

/*
 * Logs with structured fields (tenant, collector, ...): in JSON as members,
 * in text as " key=value" after the message. A field whose key names a secret
 * (secret, token, password, key, assertion) has its value replaced.
 */
void dw_log_fields(enum dw_log_level level, const struct dw_log_field *fields, size_t nfields,
                   const char *fmt, ...) DW_PRINTF(4, 5);

/*
 * What a command tells its user on stderr ("driftward: could not ..."),
 * whatever the threshold: in text the message alone (no "error: " prefix),
 * under journald with its priority prefix, in JSON a line like every other.
 * Redacted and with control characters escaped, as every log line is.
 */
void dw_log_print(enum dw_log_level level, const char *fmt, ...) DW_PRINTF(2, 3);

#define dw_log_error(...)   dw_log(DW_LOG_ERROR, __VA_ARGS__)
#define dw_log_warning(...) dw_log(DW_LOG_WARNING, __VA_ARGS__)
#define dw_log_notice(...)  dw_log(DW_LOG_NOTICE, __VA_ARGS__)
#define dw_log_info(...)    dw_log(DW_LOG_INFO, __VA_ARGS__)
#define dw_log_debug(...)   dw_log(DW_LOG_DEBUG, __VA_ARGS__)

#endif

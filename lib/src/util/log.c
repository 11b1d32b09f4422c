#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driftward/buf.h"
#include "driftward/log.h"
#include "driftward/redact.h"
#include "driftward/text.h"

#define DW_LOG_LINE_MAX (64u * 1024u)

static struct {
	enum dw_log_level threshold;
	enum dw_log_format format;
	FILE *stream;
} logger = { DW_LOG_NOTICE, DW_LOG_FORMAT_AUTO, NULL };

/* JOURNAL_STREAM is "device:inode" of the journal's socket; it counts only
 * while stderr is that socket (a child whose stderr was redirected inherits
 * the variable but not the socket). */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void dw_log_setup(enum dw_log_level threshold, enum dw_log_format format, FILE *stream)
{
	logger.threshold = threshold;
	logger.stream = stream;
	if (format == DW_LOG_FORMAT_AUTO)
		format = stderr_is_journal() ? DW_LOG_FORMAT_JOURNAL : DW_LOG_FORMAT_TEXT;
	logger.format = format;
}

int dw_log_format_parse(const char *s, enum dw_log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = DW_LOG_FORMAT_AUTO; /* text, with journal prefixes under journald */
	else if (strcmp(s, "json") == 0)
		*out = DW_LOG_FORMAT_JSON;
	else
		return -EINVAL;
	return 0;
}

int dw_log_enabled(enum dw_log_level level)
{
	return level <= logger.threshold;
}

static const char *level_name(enum dw_log_level level)
{
	switch (level) {
	case DW_LOG_ERROR:
		return "error";
	case DW_LOG_WARNING:
		return "warning";
	case DW_LOG_NOTICE:
		return "notice";
	case DW_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* Text lines stay one line and can't drive the terminal: control characters are escaped. */
static int put_text(struct dw_buf *b, const char *s)
{
	return dw_buf_put_printable(b, s, strlen(s), DW_TEXT_LINES_AS_SPACES);
}

static int put_timestamp(struct dw_buf *b)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	return dw_buf_printf(b, "\"time\":\"%s.%03ldZ\"", when, ts.tv_nsec / 1000000);
}

/* The value to show for a field: hidden entirely when its key names a secret. */
static int redacted_field(struct dw_buf *out, const struct dw_log_field *f)
{
	const char *v = f->value ? f->value : "";

	if (dw_is_secret_key(f->key, strlen(f->key)))
		return dw_buf_puts(out, DW_REDACTED);
	return dw_redact(out, v, strlen(v));
}

static int format_json(struct dw_buf *line, enum dw_log_level level, const char *msg,
                       const struct dw_log_field *fields, size_t n, struct dw_buf *scratch)
{
	int r = dw_buf_putc(line, '{') ?: put_timestamp(line);
	size_t i;

	r = r ?: dw_buf_printf(line, ",\"level\":\"%s\",\"msg\":", level_name(level));
	r = r ?: dw_buf_put_json_string(line, msg);
	for (i = 0; r == 0 && i < n; i++) {
		dw_buf_reset(scratch);
		r = dw_buf_putc(line, ',') ?: dw_buf_put_json_string(line, fields[i].key);
		r = r ?: dw_buf_putc(line, ':') ?: redacted_field(scratch, &fields[i]);
		r = r ?: dw_buf_put_json_string(line, dw_buf_cstr(scratch));
	}
	return r ?: dw_buf_puts(line, "}\n");
}

static int format_text(struct dw_buf *line, enum dw_log_level level, const char *msg,
                       const struct dw_log_field *fields, size_t n, struct dw_buf *scratch,
                       int bare)
{
	int r = 0;
	size_t i;

	if (logger.format == DW_LOG_FORMAT_JOURNAL)
		r = dw_buf_printf(line, "<%d>", (int)level);
	else if (!bare)
		r = dw_buf_printf(line, "%s: ", level_name(level));
	r = r ?: put_text(line, msg);
	for (i = 0; r == 0 && i < n; i++) {
		dw_buf_reset(scratch);
		r = redacted_field(scratch, &fields[i]);
		r = r ?: dw_buf_printf(line, " %s=", fields[i].key);
		r = r ?: put_text(line, dw_buf_cstr(scratch));
	}
	return r ?: dw_buf_putc(line, '\n');
}

static void emit(enum dw_log_level level, const struct dw_log_field *fields, size_t n, int bare,
                 const char *fmt, va_list ap) DW_PRINTF(5, 0);

static void emit(enum dw_log_level level, const struct dw_log_field *fields, size_t n, int bare,
                 const char *fmt, va_list ap)
{
	struct dw_buf raw, msg, line, scratch;
	FILE *out = logger.stream ? logger.stream : stderr;
	int r;

	dw_buf_init_secret(&raw, DW_LOG_LINE_MAX); /* may hold a secret before redaction */
	dw_buf_init(&msg, DW_LOG_LINE_MAX);
	dw_buf_init(&line, 2 * DW_LOG_LINE_MAX);
	dw_buf_init(&scratch, DW_LOG_LINE_MAX);
	r = dw_buf_vprintf(&raw, fmt, ap);
	r = r ?: dw_redact(&msg, dw_buf_cstr(&raw), raw.len);
	if (r == 0 && logger.format == DW_LOG_FORMAT_JSON)
		r = format_json(&line, level, dw_buf_cstr(&msg), fields, n, &scratch);
	else if (r == 0)
		r = format_text(&line, level, dw_buf_cstr(&msg), fields, n, &scratch, bare);
	if (r == 0)
		fwrite(line.ptr, 1, line.len, out);
	else
		fprintf(out, "%s: (log line lost: %s)\n", level_name(level), strerror(-r));
	fflush(out);
	dw_buf_release(&raw);
	dw_buf_release(&msg);
	dw_buf_release(&line);
	dw_buf_release(&scratch);
}

void dw_log(enum dw_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!dw_log_enabled(level))
		return;
	va_start(ap, fmt);
	emit(level, NULL, 0, 0, fmt, ap);
	va_end(ap);
}

void dw_log_fields(enum dw_log_level level, const struct dw_log_field *fields, size_t nfields,
                   const char *fmt, ...)
{
	va_list ap;

	if (!dw_log_enabled(level))
		return;
	va_start(ap, fmt);
	emit(level, fields, nfields, 0, fmt, ap);
	va_end(ap);
}

void dw_log_print(enum dw_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, NULL, 0, 1, fmt, ap);
	va_end(ap);
}

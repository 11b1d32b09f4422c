/* Shared by the files of the status area. */
#ifndef DW_STATUS_INTERNAL_H
#define DW_STATUS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* The worst first, as drift.json's failBySeverity lists them. */
extern const char *const dw_status__severities[5];

/* "2026-01-12T06:00:00Z" to seconds since the epoch; -EINVAL for anything else. */
int dw_status__parse_time(const char *s, int64_t *out);

/* Seconds since the epoch to "2026-01-12T06:00:00Z" (21 bytes with the NUL). */
void dw_status__format_time(int64_t t, char out[21]);

#endif

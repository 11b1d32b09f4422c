/* Shared definitions for the public headers. */
#ifndef DRIFTWARD_COMMON_H
#define DRIFTWARD_COMMON_H

#if defined(__GNUC__) || defined(__clang__)
#define DW_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define DW_WARN_UNUSED       __attribute__((warn_unused_result))
#else
#define DW_PRINTF(fmt, args)
#define DW_WARN_UNUSED
#endif

#define DW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

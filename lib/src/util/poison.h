/*
 * Included first by every source file of the library and the agent (through
 * the compiler's -include, before the file's own first line): the string
 * functions that invite overflows stop compiling. The headers that declare
 * them come in before the poison, so that their own uses still compile. Use
 * dw_buf, snprintf, memcpy with a checked length, strtol.
 */
#ifndef DRIFTWARD_POISON_H
#define DRIFTWARD_POISON_H

#if defined(__GNUC__) && !defined(DW_NO_POISON)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#pragma GCC poison strcpy strcat sprintf vsprintf atoi atol atoll strtok gets
#endif

#endif

#include "driftward/version.h"

const char *dw_version(void)
{
	return DW_VERSION;
}

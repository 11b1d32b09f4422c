#ifndef DRIFTWARD_VERSION_H
#define DRIFTWARD_VERSION_H

/* "0.1.0" */
const char *dw_version(void);

#endif

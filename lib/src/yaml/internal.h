/* Shared by the YAML event loader (load.c) and the scalar resolver (scalar.c). */
#ifndef DW_YAML_INTERNAL_H
#define DW_YAML_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "driftward/yaml.h"

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/*
 * Types scalar @n (text and len set) by its tag (NULL: none) and style
 * (@plain: written without quotes). Returns 0, or -EINVAL with the reason in
 * @msg (a sentence without position).
 */
int dw_yaml__resolve_scalar(struct dw_yaml_node *n, const char *tag, bool plain, char *msg,
                            size_t msglen);

#endif

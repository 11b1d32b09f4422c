/*
 * The collector catalog (DESIGN.md section 3): what each collector reads from
 * Microsoft Graph, how its objects are named and normalised, which values are
 * secret, and how a restore writes it back. The built-in catalog is data,
 * config/collectors.yaml, compiled into driftward (driftward/builtin.h); users
 * add collectors in extra catalog files named by the `catalogs` key of the
 * configuration. A user-added collector is read-only.
 *
 * The catalog owns every string it points to; it lives until dw_catalog_free.
 */
#ifndef DRIFTWARD_CATALOG_H
#define DRIFTWARD_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "driftward/config.h"
#include "driftward/diag.h"

enum dw_restore_method {
	DW_RESTORE_NONE = 0,
	DW_RESTORE_PATCH,
	DW_RESTORE_PUT,
};

/* How a collector's objects get their Intune assignments. */
enum dw_assignments_read {
	DW_ASSIGNMENTS_NONE = 0,   /* the objects have none */
	DW_ASSIGNMENTS_EXPAND,     /* in the list, with $expand=assignments in the query */
	DW_ASSIGNMENTS_PER_OBJECT, /* Graph refuses that expand: GET {id}/assignments per object */
};

/* An array whose order means nothing: sorted when stored. */
struct dw_set_array {
	char *pointer;  /* JSON Pointer; "*" as a segment stands for every array element */
	char *sort_key; /* for arrays of objects: the member to sort by; NULL: by the element */
};

struct dw_collector {
	char *name;        /* "conditionalAccessPolicies": directory name in the snapshot */
	char *title;       /* "Conditional Access policies" */
	char *area;        /* "entra", "intune", "sharepoint", or a user's own */
	char *api_version; /* "v1.0" or "beta" */
	char *graph_path;  /* "/identity/conditionalAccess/policies" */
	char *query;       /* extra query, e.g. "$expand=settings"; NULL: none */
	bool singleton;    /* one object, not a collection */
	enum dw_assignments_read assignments; /* default: EXPAND when the query expands them */
	char *key;        /* member that identifies an object ("id", "tenantId") */
	char *name_field; /* member that names it for file names ("displayName"); NULL: none */
	struct dw_strlist volatile_keys; /* dropped before storing; '*' globs allowed */
	struct dw_set_array *sets;
	size_t nsets, sets_alloc;
	struct dw_strlist secrets;           /* JSON Pointers of secret values */
	struct dw_strlist read_permissions;  /* any one of these lets the agent read */
	struct dw_strlist write_permissions; /* any one of these lets a restore write */
	char *licence; /* the licence the Graph endpoint needs ("intune", "aadp1"); NULL: none */
	enum dw_restore_method restore;
	char *restore_path;          /* URL template for writes ("{path}/{id}"); NULL: default */
	struct dw_strlist read_only; /* properties never to send */
	struct dw_strlist restore_after; /* collectors to restore before this one */
	bool user_defined;               /* from an extra catalog file: never written */
	char *source_file;               /* where it was defined, for messages */
	unsigned source_line;
};

/* The name of the catalog compiled into driftward, in messages and in files[0]. */
#define DW_CATALOG_BUILTIN "built-in"

/* One catalog file that was read, and how many collectors it added. */
struct dw_catalog_file {
	char *name; /* its path, or DW_CATALOG_BUILTIN */
	size_t collectors;
};

struct dw_catalog {
	struct dw_collector *collectors;
	size_t count;
	struct dw_strlist volatile_keys; /* dropped from every collector's objects */
	struct dw_catalog_file *files;   /* in the order read: the built-in one first */
	size_t nfiles;
};

/*
 * Loads the built-in catalog, the one compiled into driftward when
 * @builtin_path is NULL or the file at @builtin_path otherwise, and then each
 * file of @extra (user collectors, marked user_defined). Every problem goes to
 * @diags as file:line:col (the compiled-in catalog's lines are those of
 * config/collectors.yaml, under the name DW_CATALOG_BUILTIN). Returns 0,
 * -EINVAL when there were errors (*out NULL), or another negative errno.
 */
int dw_catalog_load(const char *builtin_path, const struct dw_strlist *extra,
                    struct dw_catalog **out, struct dw_diags *diags);

void dw_catalog_free(struct dw_catalog *catalog);

const struct dw_collector *dw_catalog_find(const struct dw_catalog *catalog, const char *name);

/*
 * The collectors a tenant reads: all of them, or the ones its `collectors`
 * key names (an unknown name is reported to @diags). The array holds pointers
 * into @catalog, in catalog order; free it with free().
 */
int dw_catalog_select(const struct dw_catalog *catalog, const struct dw_tenant_config *tenant,
                      const struct dw_collector ***out, size_t *count, struct dw_diags *diags);

/*
 * Reports each name in @tenant's `collectors` key that @catalog lacks, at the
 * tenant's section in @config_path (may be NULL). Returns how many.
 */
size_t dw_catalog_check_tenant(const struct dw_catalog *catalog, const char *config_path,
                               const struct dw_tenant_config *tenant, struct dw_diags *diags);

#endif

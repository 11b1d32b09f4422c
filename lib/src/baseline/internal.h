/*
 * Shared by the files of the baseline area: compiled rules (load.c), the
 * operator table (ops.c), variables (vars.c), the evaluator (eval.c,
 * desired.c) and the reports (report*.c).
 */
#ifndef DW_BASELINE_INTERNAL_H
#define DW_BASELINE_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "driftward/array.h"
#include "driftward/baseline.h"
#include "driftward/json.h"
#include "driftward/strlist.h"
#include "driftward/yaml.h"

struct bl_file {
	char *path;
	char *data;
	size_t len;
};

struct dw_bl_files {
	struct bl_file *items; /* sorted by path once dw_bl_files__sort ran */
	size_t count, alloc;
};

/* The files below @dir ("baselines/") ending in @ext, in path order, through @cb. */
int dw_baseline__each_file(const struct dw_bl_files *files, const char *dir, const char *ext,
                           int (*cb)(const struct bl_file *f, void *payload), void *payload);
const struct bl_file *dw_baseline__find_file(const struct dw_bl_files *files, const char *path);

/* How an operator's argument must look (after variables are put in). */
enum bl_arg {
	BL_ARG_ANY,
	BL_ARG_ARRAY,
	BL_ARG_BOOL,
	BL_ARG_SCALAR,
	BL_ARG_NUMBER,
	BL_ARG_STRING,
	BL_ARG_REGEX,   /* a string that compiles as a POSIX extended regular expression */
	BL_ARG_COUNT,   /* a mapping of eq/gte/lte to integers */
	BL_ARG_CHOICES, /* a list of values, one of which the value must be (in) */
};

struct bl_assert;

/* One value an operator looks at: a JSON value, or one item of a split string. */
struct bl_item {
	const struct dw_json *json; /* NULL: the string s, len */
	const char *s;
	size_t len;
};

struct bl_op {
	const char *name;
	enum bl_arg arg;
	/* @actual is NULL when nothing is at the assertion's path */
	bool (*fn)(const struct bl_assert *a, const struct dw_json *actual);
};

/* The operator named @name, or NULL. */
const struct bl_op *dw_baseline__op(const char *name);

enum bl_kind {
	BL_LEAF,
	BL_ALLOF,
	BL_ANYOF,
	BL_NOT,
	BL_SOME,  /* some element of the array at path satisfies every kid */
	BL_EVERY, /* every element does */
};

/* A JSON Pointer's token, unescaped when the rule is loaded. */
struct bl_token {
	char *s;
	size_t len;
	bool is_index;
	size_t index;
};
int dw_baseline__pointer(const char *path, struct bl_token **out, size_t *n);
void dw_baseline__pointer_free(struct bl_token *t, size_t n);

struct bl_assert {
	enum bl_kind kind;
	const char *file; /* owned by the baseline */
	unsigned line, col;
	char *path; /* a JSON Pointer; "" is the value itself */
	struct bl_token *tokens;
	size_t ntokens;
	const struct bl_op *op;
	struct dw_json *arg; /* in the baseline's argument document */
	regex_t re;          /* matches */
	bool has_re;
	bool ignore_case;
	char *split; /* treat a string as the set of its parts */
	struct bl_assert *kids;
	size_t nkids;
};

/* The value at JSON Pointer @path under @root, or NULL. */
const struct dw_json *dw_baseline__at(const struct dw_json *root, const char *path);

/* Whether @a holds for @root (an object, or an array element for some/every). */
bool dw_baseline__holds(const struct bl_assert *a, const struct dw_json *root);

/* The items of a set: an array's elements, or a split string's trimmed parts. */
struct bl_iter {
	const struct dw_json *arr;
	size_t i, n;
	const char *s, *sep; /* sep set: a split string */
	size_t len, pos;
};
void dw_baseline__iter(const struct bl_assert *a, const struct dw_json *actual, struct bl_iter *it);
bool dw_baseline__next(struct bl_iter *it, struct bl_item *out);
bool dw_baseline__item_eq(const struct bl_item *it, const struct dw_json *v, bool icase);

enum bl_expect {
	BL_EXPECT_ANY,
	BL_EXPECT_ALL,
	BL_EXPECT_NONE,
	BL_EXPECT_COUNT,
};

enum bl_severity {
	BL_CRITICAL,
	BL_HIGH,
	BL_MEDIUM,
	BL_LOW,
	BL_INFO,
};
const char *dw_baseline__severity_name(enum bl_severity s);

/* requires: another collector, read and (with where) holding a matching object. */
struct bl_require {
	char *collector;
	struct bl_assert *where;
	size_t nwhere;
};

struct bl_count {
	bool has_eq, has_gte, has_lte;
	int64_t eq, gte, lte;
};
bool dw_baseline__count_ok(const struct bl_count *c, int64_t n);

struct bl_rule {
	char *id, *title, *source; /* source: the rule's file */
	enum bl_severity severity;
	enum bl_expect expect;
	struct bl_count count;
	char *collector;
	struct bl_assert *where, *asserts;
	size_t nwhere, nasserts;
	struct bl_require *requires;
	size_t nrequires;
	struct dw_strlist tenants;                /* empty: every tenant */
	struct dw_json *references, *remediation; /* in the argument document; may be NULL */
};

/* How close an object comes to meeting a rule (closest.c). */
struct bl_closeness {
	size_t missed; /* top-level conditions (where and assert) missed */
	size_t far;    /* per miss: 1 a value of the right type, 2 another type, 3 nothing */
	size_t near;   /* per miss with the right type: thousandths of the wanted value it has */
};
void dw_baseline__closeness(const struct bl_rule *r, const struct dw_json *root,
                            struct bl_closeness *out);
/* Is the object at @apath, with @a, closer than the one at @bpath? */
bool dw_baseline__closer(const struct bl_closeness *a, const char *apath,
                         const struct bl_closeness *b, const char *bpath);

struct bl_waiver {
	char *rule, *tenant, *object, *rationale, *owner, *expires, *source;
	int64_t expires_at; /* the end of the expiry day, UTC */
};

struct dw_baseline {
	struct bl_rule *rules;
	size_t nrules, arules;
	struct bl_waiver *waivers;
	size_t nwaivers, awaivers;
	struct dw_json_doc *args; /* operator arguments, references, variables */
	struct dw_json *vars;     /* the tenant's variables (defaults overridden) */
	struct dw_strlist names;  /* file names the assertions point at */
};

/* Loading context: one file of one compile. */
struct bl_ctx {
	struct dw_baseline *bl;
	struct dw_diags *diags;
	const char *file; /* owned by bl->names */
	bool failed;
};

void dw_baseline__report(struct bl_ctx *ctx, const struct dw_yaml_node *n, const char *fmt, ...)
        DW_PRINTF(3, 4);
void dw_baseline__report_error(struct bl_ctx *ctx, const struct dw_error *err);

/* The non-empty string @n into *@out (replacing what it held); -EINVAL after reporting. */
int dw_baseline__take_string(struct bl_ctx *ctx, const struct dw_yaml_node *n, char **out);

/*
 * The YAML value @n as JSON in the argument document, with each "${name}"
 * string replaced by that variable's value. NULL after reporting a problem.
 */
struct dw_json *dw_baseline__value(struct bl_ctx *ctx, const struct dw_yaml_node *n);

/* Reads vars/default.yaml and vars/@tenant.yaml into bl->vars. */
int dw_baseline__vars(struct bl_ctx *ctx, const struct dw_bl_files *files, const char *tenant);

/* Parses a list of assertions (assert:, where:, some:, every:). */
int dw_baseline__asserts(struct bl_ctx *ctx, const struct dw_yaml_node *seq, struct bl_assert **out,
                         size_t *n);
void dw_baseline__asserts_free(struct bl_assert *a, size_t n);

/* Reads one rule file / one waiver file into the baseline (problems reported). */
int dw_baseline__rule(struct bl_ctx *ctx, const struct dw_yaml_node *root);
int dw_baseline__waiver(struct bl_ctx *ctx, const struct dw_yaml_node *root);
void dw_baseline__rule_release(struct bl_rule *r);
void dw_baseline__waivers_free(struct bl_waiver *w, size_t n);

/* Loads @f with the strict loader; problems reported. */
int dw_baseline__load_yaml(struct bl_ctx *ctx, const struct bl_file *f, struct dw_yaml_doc **out);

/* The textual form of an assertion's operator and argument, for reports. */
const char *dw_baseline__op_name(const struct bl_assert *a);

/* --- evaluation --- */

struct bl_object {
	char *path;       /* "<collector>/<file>.json" */
	const char *id;   /* after the path, in its allocation */
	const char *name; /* in doc; may be NULL */
	struct dw_json_doc *doc;
};

struct bl_collector {
	char *name;
	char *status; /* from _status.json; NULL: not listed there */
	char *detail;
	struct bl_object *objects; /* in path order */
	size_t count, alloc;
	bool judged; /* streaming: its objects were judged, then freed */
};

struct dw_bl_snapshot {
	struct bl_collector *collectors;
	size_t count, alloc;
	size_t last; /* the collector found last */
	bool has_status;
};

const struct bl_collector *dw_baseline__collector(const struct dw_bl_snapshot *s, const char *name);

/*
 * dw_bl_snapshot_add, saying where the file went: *@added the index of the
 * collector that got an object, or SIZE_MAX (_status.json, a file ignored).
 */
int dw_baseline__snapshot_add(struct dw_bl_snapshot *snap, const char *path, const void *data,
                              size_t len, size_t *added, struct dw_error *err);
/* Frees a collector's objects; its name and status stay. */
void dw_baseline__collector_drop(struct bl_collector *c);

/* Findings put aside, to be placed in the report in rule order. */
struct bl_sink {
	struct dw_json **items;
	size_t count, alloc;
};

struct dw_drift {
	struct dw_json_doc *doc;
	struct dw_json *root, *findings;
	struct bl_sink *sink; /* set: new findings go there, not (yet) to findings */
	char *tenant;
	int64_t commit_time;
};

/* A new finding object in d->findings, with kind, rule, status, severity and fingerprint. */
struct bl_finding {
	const char *kind; /* "rule", "desired" */
	const char *rule, *title, *severity, *collector, *source;
	enum dw_drift_status status;
	const struct bl_object *object;
	bool fingerprint_object; /* the object is part of the finding's identity */
	const char *reason;
};
int dw_baseline__finding(struct dw_drift *d, const struct bl_finding *f, struct dw_json **out);

/* The failures array of @finding: one {path, operator, expected, actual} per missed assertion. */
int dw_baseline__failure(struct dw_drift *d, struct dw_json *finding, const struct bl_assert *a,
                         const struct dw_json *obj);

/* Desired state: a desired/<tenant>/<collector>/<file>.json file. */
struct bl_want {
	const struct bl_file *file;
	const char *rel; /* "<collector>/<file>.json", in file->path */
	char collector[128];
	bool judged;
	struct bl_sink found; /* its finding, once judged */
};
/* The desired files of @tenant, in path order (*out freed by the caller). */
int dw_baseline__desired_list(const struct dw_bl_files *files, const char *tenant,
                              struct bl_want **out, size_t *n);
/* A collector's objects sorted by id and by path, for desired files to find theirs. */
struct bl_lookup {
	const struct bl_object **by_id, **by_path;
	size_t n;
};
int dw_baseline__lookup_init(struct bl_lookup *L, const struct bl_collector *c);
void dw_baseline__lookup_release(struct bl_lookup *L);
/* One desired file against collector @c (NULL: not in the snapshot), its objects in @L. */
int dw_baseline__desired_judge(struct dw_drift *d, const struct bl_want *w,
                               const struct bl_collector *c, const struct bl_lookup *L);

/*
 * An evaluation in progress (eval.c), collector by collector: each rule's
 * findings are put aside when its collector's objects are judged, and placed
 * in rule order at the end, so the objects of one collector at a time are
 * all that must be in memory (stream.c).
 */
struct bl_eval;
int dw_baseline__eval_new(const struct dw_baseline *bl, const struct dw_bl_files *files,
                          const struct dw_bl_snapshot *snap, const struct dw_drift_context *ctx,
                          struct bl_eval **out);
/* Judges @c's objects (all of them, at once): its rules, requires naming it, desired files. */
int dw_baseline__eval_collector(struct bl_eval *E, const struct bl_collector *c);
/* The report: findings in rule order, desired files, the summary. */
int dw_baseline__eval_end(struct bl_eval *E, struct dw_drift **out);
void dw_baseline__eval_free(struct bl_eval *E);

struct dw_drift_stream {
	struct dw_bl_snapshot *snap; /* statuses, and the objects not judged yet */
	struct bl_eval *E;
	size_t current; /* the collector the last object went to; SIZE_MAX: none yet */
};

/* "2026-12-03T08:50:30Z" for @t. */
void dw_baseline__iso_time(int64_t t, char out[32]);

#endif

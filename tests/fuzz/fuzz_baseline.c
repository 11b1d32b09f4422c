/*
 * libFuzzer entry point for the baseline rule loader: any input must compile
 * or fail with problems that each name the file, without leaks or undefined
 * behaviour. A rule that compiles is evaluated against a small snapshot, so
 * the operators it uses run on real values.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "driftward/baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char vars[] = "caExclusions: {users: [u1], groups: []}\nlimit: 3\nname: x\n";
static const char status[] = "{\"schema\":\"driftward/status/v1\",\"tenant\":\"t\",\"collectors\":"
                             "{\"things\":{\"status\":\"ok\",\"objects\":2}}}";
static const char obj1[] = "{\"id\":\"a\",\"displayName\":\"A\",\"state\":\"enabled\",\"n\":3,"
                           "\"l\":[\"x\",\"y\"],\"s\":\"p,q\",\"o\":{\"v\":[{\"name\":\"k\"}]}}";
static const char obj2[] = "{\"id\":\"b\",\"state\":\"disabled\",\"l\":[],\"n\":null}";

static void evaluate(const struct dw_baseline *bl, const struct dw_bl_files *files)
{
	struct dw_drift_context ctx = { "t", 1800000000, "refs/heads/main", "c" };
	struct dw_bl_snapshot *snap = dw_bl_snapshot_new();
	struct dw_drift *d = NULL;
	struct dw_buf out;
	int f;

	if (!snap)
		return;
	if (dw_bl_snapshot_add(snap, "_status.json", status, strlen(status), NULL) == 0 &&
	    dw_bl_snapshot_add(snap, "things/a--a.json", obj1, strlen(obj1), NULL) == 0 &&
	    dw_bl_snapshot_add(snap, "things/b.json", obj2, strlen(obj2), NULL) == 0 &&
	    dw_drift_evaluate(bl, files, snap, &ctx, &d, NULL) == 0) {
		for (f = DW_DRIFT_JSON; f <= DW_DRIFT_SARIF; f++) {
			dw_buf_init(&out, 1u << 24);
			(void)dw_drift_write(d, (enum dw_drift_format)f, &out, NULL);
			dw_buf_release(&out);
		}
	}
	dw_drift_free(d);
	dw_bl_snapshot_free(snap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dw_bl_files *files = dw_bl_files_new();
	struct dw_baseline *bl = NULL;
	struct dw_diags diags;
	size_t i;
	int r;

	if (!files)
		return 0;
	dw_diags_init(&diags);
	if (dw_bl_files_add(files, "vars/default.yaml", vars, strlen(vars)) == 0 &&
	    dw_bl_files_add(files, "baselines/f.yaml", data, size) == 0) {
		r = dw_baseline_compile(files, "t", &bl, &diags);
		if (r == 0)
			evaluate(bl, files);
		else if (r != -12 && diags.count == 0)
			__builtin_trap(); /* a refusal without a reason */
		for (i = 0; i < diags.count; i++)
			if (!diags.items[i].file ||
			    strcmp(diags.items[i].file, "baselines/f.yaml") != 0)
				__builtin_trap(); /* every problem names the rule's file */
	}
	dw_baseline_free(bl);
	dw_diags_release(&diags);
	dw_bl_files_free(files);
	return 0;
}

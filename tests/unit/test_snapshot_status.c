/*
 * One answer to "can this collector be read?": a snapshot's _status.json and
 * check --online's table classify every Graph outcome the same way, name the
 * same permissions, and keep their own words for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/preflight.h"
#include "snapshot/internal.h"

static char perm1[] = "Domain.Read.All", perm2[] = "Directory.Read.All",
            perm3[] = "Policy.Read.All";
static char *perm_items[] = { perm1, perm2, perm3 };
static char name[] = "domains", licence[] = "aadp1";

static struct dw_collector collector(size_t npermissions)
{
	struct dw_collector c = { .name = name, .licence = licence };

	c.read_permissions.items = perm_items;
	c.read_permissions.count = npermissions;
	return c;
}

static struct dw_graph_op finished(enum dw_graph_outcome outcome, long status)
{
	struct dw_graph_op op;

	dw_graph_op_init(&op, DW_GRAPH_LIST, "v1.0", "/domains", NULL);
	op.outcome = outcome;
	op.http_status = status;
	snprintf(op.graph_code, sizeof(op.graph_code), "%s", "SomeCode");
	return op;
}

static void every_outcome_has_one_status_for_snapshots_and_the_preflight(void **state)
{
	struct dw_collector c = collector(2);
	enum dw_graph_outcome o;

	(void)state;
	for (o = DW_GRAPH_OK; o <= DW_GRAPH_LOCAL; o++) {
		struct dw_graph_op op = finished(o, 403);
		struct dw_snapshot_collector sc = { .collector = &c };
		struct dw_preflight_row row = { .collector = &c };
		enum dw_collector_status want = o == DW_GRAPH_OK           ? DW_COLLECTOR_OK
		                                : o == DW_GRAPH_PERMISSION ? DW_COLLECTOR_FORBIDDEN
		                                : o == DW_GRAPH_UNLICENSED ? DW_COLLECTOR_UNLICENSED
		                                                           : DW_COLLECTOR_FAILED;

		dw_snapshot__status_from_op(&sc, &op);
		dw_snapshot__preflight_row(&row, &op);
		assert_int_equal(dw_snapshot__status_of(o), want);
		assert_int_equal(sc.status, want);
		assert_int_equal(row.status, want);
	}
}

static void both_name_the_catalogs_permissions_joined_with_or(void **state)
{
	struct dw_collector c = collector(2);
	struct dw_graph_op op = finished(DW_GRAPH_PERMISSION, 403);
	struct dw_snapshot_collector sc = { .collector = &c };
	struct dw_preflight_row row = { .collector = &c };

	(void)state;
	dw_snapshot__status_from_op(&sc, &op);
	dw_snapshot__preflight_row(&row, &op);
	/* _status.json is committed: its words must not move */
	assert_string_equal(sc.detail,
	                    "the application needs Domain.Read.All or Directory.Read.All");
	assert_string_equal(row.detail, "needs Domain.Read.All or Directory.Read.All (SomeCode)");
}

static void permissions_join_is_bounded(void **state)
{
	struct dw_collector c = collector(3), none = collector(0);
	char out[64], tiny[8];

	(void)state;
	dw_snapshot__permissions(&c, out, sizeof(out));
	assert_string_equal(out, "Domain.Read.All or Directory.Read.All or Policy.Read.All");
	dw_snapshot__permissions(&none, out, sizeof(out));
	assert_string_equal(out, "");
	dw_snapshot__permissions(&c, tiny, sizeof(tiny));
	assert_string_equal(tiny, "Domain.");
}

static void without_permissions_each_says_what_it_needs_in_general(void **state)
{
	struct dw_collector c = collector(0);
	struct dw_graph_op op = finished(DW_GRAPH_PERMISSION, 403);
	struct dw_snapshot_collector sc = { .collector = &c };
	struct dw_preflight_row row = { .collector = &c };

	(void)state;
	dw_snapshot__status_from_op(&sc, &op);
	dw_snapshot__preflight_row(&row, &op);
	assert_string_equal(sc.detail, "the application needs a Graph permission");
	assert_string_equal(row.detail, "needs a read permission (SomeCode)");
}

static void a_cut_read_is_partial_in_a_snapshot_and_readable_in_the_preflight(void **state)
{
	struct dw_collector c = collector(1);
	struct dw_graph_op op = finished(DW_GRAPH_OK, 200);
	struct dw_snapshot_collector sc = { .collector = &c };
	struct dw_preflight_row row = { .collector = &c };

	(void)state;
	op.truncated = true;
	op.npages = 1;
	op.nobjects = 100;
	dw_snapshot__status_from_op(&sc, &op);
	dw_snapshot__preflight_row(&row, &op);
	assert_int_equal(sc.status, DW_COLLECTOR_PARTIAL);
	assert_string_equal(sc.detail, "stopped after 1 pages");
	assert_int_equal(row.status, DW_COLLECTOR_OK);
	assert_string_equal(row.detail, "100 objects on the first page");
}

static void each_status_has_a_stored_name_and_a_label(void **state)
{
	static const struct {
		enum dw_collector_status status;
		const char *name, *label;
		bool incomplete;
	} want[] = {
		{ DW_COLLECTOR_OK, "ok", "readable", false },
		{ DW_COLLECTOR_UNLICENSED, "unlicensed", "not licensed", false },
		{ DW_COLLECTOR_PARTIAL, "partial", "partial", true },
		{ DW_COLLECTOR_FORBIDDEN, "forbidden", "forbidden", true },
		{ DW_COLLECTOR_FAILED, "failed", "error", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(dw_collector_status_name(want[i].status), want[i].name);
		assert_string_equal(dw_collector_status_label(want[i].status), want[i].label);
		assert_int_equal(dw_collector_status_incomplete(want[i].status),
		                 want[i].incomplete);
	}
	assert_string_equal(dw_collector_status_name((enum dw_collector_status)99), "failed");
	assert_string_equal(dw_collector_status_label((enum dw_collector_status)99), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_outcome_has_one_status_for_snapshots_and_the_preflight),
		cmocka_unit_test(both_name_the_catalogs_permissions_joined_with_or),
		cmocka_unit_test(permissions_join_is_bounded),
		cmocka_unit_test(without_permissions_each_says_what_it_needs_in_general),
		cmocka_unit_test(a_cut_read_is_partial_in_a_snapshot_and_readable_in_the_preflight),
		cmocka_unit_test(each_status_has_a_stored_name_and_a_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

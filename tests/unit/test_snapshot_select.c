/* Which tenants a run takes: by name, then by shard, each tenant in exactly one shard. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driftward/snapshot.h"

#define NTENANTS 200

struct fixture {
	struct dw_config cfg;
	struct dw_tenant_config tenants[NTENANTS];
	char names[NTENANTS][16];
	char ids[NTENANTS][40];
	char path[16];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t i;

	for (i = 0; i < NTENANTS; i++) {
		snprintf(fx->names[i], sizeof(fx->names[i]), "t%03zu", i);
		snprintf(fx->ids[i], sizeof(fx->ids[i]), "%08zx-0000-4000-8000-%012zx", i * 7919,
		         i);
		fx->tenants[i].name = fx->names[i];
		fx->tenants[i].tenant_id = fx->ids[i];
	}
	snprintf(fx->path, sizeof(fx->path), "test.ini");
	fx->cfg.path = fx->path;
	fx->cfg.tenants = fx->tenants;
	fx->cfg.ntenants = NTENANTS;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void every_tenant_lands_in_exactly_one_shard(void **state)
{
	struct fixture *fx = *state;
	unsigned seen[NTENANTS] = { 0 };
	unsigned shards = 7, s;
	size_t i, n, smallest = NTENANTS, largest = 0;

	for (s = 0; s < shards; s++) {
		const struct dw_tenant_config **list = NULL;

		assert_int_equal(dw_snapshot_select(&fx->cfg, NULL, 0, s, shards, &list, &n, NULL),
		                 0);
		for (i = 0; i < n; i++)
			seen[list[i] - fx->tenants]++;
		smallest = n < smallest ? n : smallest;
		largest = n > largest ? n : largest;
		free(list);
	}
	for (i = 0; i < NTENANTS; i++)
		assert_int_equal(seen[i], 1);
	/* a hash spreads them: no shard is empty or holds most of them */
	assert_true(smallest > 0);
	assert_true(largest < NTENANTS / 3);
}

static void a_shard_does_not_depend_on_the_order_of_the_file(void **state)
{
	struct fixture *fx = *state;
	const struct dw_tenant_config **a = NULL, **b = NULL;
	struct dw_tenant_config reversed[NTENANTS];
	struct dw_config cfg = fx->cfg;
	size_t i, j, na, nb;

	for (i = 0; i < NTENANTS; i++)
		reversed[i] = fx->tenants[NTENANTS - 1 - i];
	cfg.tenants = reversed;
	assert_int_equal(dw_snapshot_select(&fx->cfg, NULL, 0, 3, 5, &a, &na, NULL), 0);
	assert_int_equal(dw_snapshot_select(&cfg, NULL, 0, 3, 5, &b, &nb, NULL), 0);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcmp(a[i]->name, b[j]->name) != 0; j++)
			;
		assert_true(j < nb);
	}
	free(a);
	free(b);
}

static void names_select_and_unknown_names_are_errors(void **state)
{
	struct fixture *fx = *state;
	const struct dw_tenant_config **list = NULL;
	const char *names[] = { "t010", "t003" };
	const char *unknown[] = { "t003", "nobody" };
	struct dw_error err;
	size_t n;

	assert_int_equal(dw_snapshot_select(&fx->cfg, names, 2, 0, 0, &list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->name, "t003"); /* in the configuration's order */
	assert_string_equal(list[1]->name, "t010");
	free(list);
	dw_error_clear(&err);
	assert_int_equal(dw_snapshot_select(&fx->cfg, unknown, 2, 0, 0, &list, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no tenant 'nobody'"));
	dw_error_clear(&err);
	assert_int_equal(dw_snapshot_select(&fx->cfg, NULL, 0, 4, 4, &list, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "shard 4/4"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_tenant_lands_in_exactly_one_shard, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(a_shard_does_not_depend_on_the_order_of_the_file,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(names_select_and_unknown_names_are_errors, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Tests of the pure choices behind worker setup: which environment a
 * worker or a new binary gets from the "env" directives, and which CPUs
 * worker_cpu_affinity gives worker n.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static hx_pool_t   *pool;
static hx_array_t   vars;
static hx_log_t     test_log;


static void
setup(void)
{
    pool = hx_create_pool(4096, &test_log);
    cr_assert(pool != NULL);
    cr_assert_eq(hx_array_init(&vars, pool, 4, sizeof(hx_str_t)), HX_OK);
}


static void
teardown(void)
{
    hx_destroy_pool(pool);
}


static void
add_var(char *s)
{
    hx_str_t  *v;

    v = hx_array_push(&vars);
    cr_assert(v != NULL);

    v->data = (uint8_t *) s;
    v->len = strlen(s);
}


TestSuite(env, .init = setup, .fini = teardown);


Test(env, only_named_variables_are_passed_on)
{
    char       *to[8];
    hx_uint_t   n;
    char       *from[] = { "HOME=/root", "PATH=/bin", "SECRET=x", NULL };

    add_var("PATH");

    n = hx_env_collect(&vars, from, to);

    cr_assert_eq(n, 1);
    cr_assert_str_eq(to[0], "PATH=/bin");
    cr_assert_null(to[1]);
}


Test(env, a_name_matches_whole_names_only)
{
    char       *to[8];
    hx_uint_t   n;
    char       *from[] = { "PATHX=/no", "PATH=/bin", NULL };

    add_var("PATH");

    n = hx_env_collect(&vars, from, to);

    cr_assert_eq(n, 1);
    cr_assert_str_eq(to[0], "PATH=/bin");
}


Test(env, name_equals_value_sets_the_variable)
{
    char       *to[8];
    hx_uint_t   n;
    char       *from[] = { "MALLOC_OPTIONS=old", NULL };

    add_var("MALLOC_OPTIONS=new");

    n = hx_env_collect(&vars, from, to);

    cr_assert_eq(n, 1);
    cr_assert_str_eq(to[0], "MALLOC_OPTIONS=new");
}


Test(env, a_missing_variable_is_left_out)
{
    char       *to[8];
    hx_uint_t   n;
    char       *from[] = { "HOME=/root", NULL };

    add_var("NOT_THERE");

    n = hx_env_collect(&vars, from, to);

    cr_assert_eq(n, 0);
    cr_assert_null(to[0]);
}


Test(env, tz_is_kept_without_being_named)
{
    char       *to[8];
    hx_uint_t   n;
    char       *from[] = { "HOME=/root", "TZ=Europe/Paris", NULL };

    n = hx_env_collect(&vars, from, to);

    cr_assert_eq(n, 1);
    cr_assert_str_eq(to[0], "TZ=Europe/Paris");
}


Test(env, tz_set_by_the_configuration_wins_and_appears_once)
{
    char       *to[8];
    hx_uint_t   n;
    char       *from[] = { "TZ=Europe/Paris", NULL };

    add_var("TZ=UTC");

    n = hx_env_collect(&vars, from, to);

    cr_assert_eq(n, 1);
    cr_assert_str_eq(to[0], "TZ=UTC");
}


Test(env, an_empty_environment_gives_an_empty_list)
{
    char       *to[8];
    char       *from[] = { NULL };

    add_var("PATH");

    cr_assert_eq(hx_env_collect(&vars, from, to), 0);
    cr_assert_null(to[0]);
}


static cpu_set_t  masks[3];


static void
mask_of(cpu_set_t *set, int a, int b)
{
    CPU_ZERO(set);
    CPU_SET(a, set);

    if (b >= 0) {
        CPU_SET(b, set);
    }
}


Test(affinity, none_configured_means_no_affinity)
{
    hx_core_conf_t  ccf;

    hx_memzero(&ccf, sizeof(hx_core_conf_t));

    cr_assert_null(hx_cpu_affinity_pick(&ccf, 0));
}


Test(affinity, each_worker_gets_its_mask_and_the_last_one_repeats)
{
    hx_core_conf_t  ccf;

    hx_memzero(&ccf, sizeof(hx_core_conf_t));

    mask_of(&masks[0], 0, -1);
    mask_of(&masks[1], 1, 2);

    ccf.cpu_affinity = masks;
    ccf.cpu_affinity_n = 2;

    cr_assert_eq(hx_cpu_affinity_pick(&ccf, 0), &masks[0]);
    cr_assert_eq(hx_cpu_affinity_pick(&ccf, 1), &masks[1]);
    cr_assert_eq(hx_cpu_affinity_pick(&ccf, 5), &masks[1]);
}


Test(affinity, auto_spreads_workers_over_the_mask_round_robin)
{
    cpu_set_t       *set;
    hx_core_conf_t   ccf;

    hx_memzero(&ccf, sizeof(hx_core_conf_t));

    /* auto 1010: CPUs 1 and 3 */
    mask_of(&masks[0], 1, 3);

    ccf.cpu_affinity = masks;
    ccf.cpu_affinity_n = 1;
    ccf.cpu_affinity_auto = 1;

    hx_ncpu = 8;

    set = hx_cpu_affinity_pick(&ccf, 0);
    cr_assert_eq(CPU_COUNT(set), 1);
    cr_assert(CPU_ISSET(1, set));

    set = hx_cpu_affinity_pick(&ccf, 1);
    cr_assert_eq(CPU_COUNT(set), 1);
    cr_assert(CPU_ISSET(3, set));

    set = hx_cpu_affinity_pick(&ccf, 2);
    cr_assert(CPU_ISSET(1, set));
}


Test(affinity, auto_without_a_mask_uses_only_cpus_that_exist)
{
    int              i;
    cpu_set_t       *set;
    hx_core_conf_t   ccf;

    hx_memzero(&ccf, sizeof(hx_core_conf_t));

    CPU_ZERO(&masks[0]);
    for (i = 0; i < CPU_SETSIZE; i++) {
        CPU_SET(i, &masks[0]);
    }

    ccf.cpu_affinity = masks;
    ccf.cpu_affinity_n = 1;
    ccf.cpu_affinity_auto = 1;

    hx_ncpu = 4;

    set = hx_cpu_affinity_pick(&ccf, 5);
    cr_assert_eq(CPU_COUNT(set), 1);
    cr_assert(CPU_ISSET(1, set));
}

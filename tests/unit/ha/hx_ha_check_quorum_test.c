/*
 * Tests for a virtual server's quorum (ha/hx_ha_check_quorum.c): the sum
 * of the weights of the live real servers against quorum, gained at
 * quorum + hysteresis and lost below quorum - hysteresis, logged in
 * keepalived's words; and for the copies of commands that omega runs
 * after the configuration is gone (hx_ha_check_copy_cmd()).
 *
 * The virtual and real servers are built by hand: no zone, no
 * sorry_server and no scripts, so nothing but the state and the log
 * changes.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include <hx_ha_check.h>

#include <criterion/criterion.h>


#define TEST_RS  3


static hx_log_t           test_log;
static hx_pool_t         *pool;
static char               last[HX_MAX_ERROR_STR];
static hx_uint_t          nlogged;

static hx_ha_vs_conf_t    vs;
static hx_ha_rs_conf_t    rs[TEST_RS];
static hx_ha_check_rs_t   crs[TEST_RS];
static hx_ha_check_vs_t   cvs;


static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    uint8_t  *msg;

    (void) log;
    (void) level;

    msg = hx_strnstr(buf, "#0: ", len);
    cr_assert_not_null(msg);
    msg += 4;

    len = buf + len - 1 - msg;
    memcpy(last, msg, len);
    last[len] = '\0';

    nlogged++;
}


static void
setup(void)
{
    hx_uint_t          i;
    hx_ha_check_rs_t  *p;

    hx_time_init();
    hx_use_stderr = 0;

    test_log.log_level = HX_LOG_INFO;
    test_log.writer = capture;

    pool = hx_create_pool(HX_DEFAULT_POOL_SIZE, &test_log);
    cr_assert_not_null(pool);

    hx_memzero(&vs, sizeof(vs));
    hx_str_set(&vs.text, "[10.0.0.1]:tcp:80");
    vs.quorum = 1;

    hx_memzero(&cvs, sizeof(cvs));
    cvs.vs = &vs;
    cvs.log = &test_log;
    cvs.quorum_up = 1;

    cr_assert_eq(hx_array_init(&cvs.rss, pool, TEST_RS, sizeof(void *)),
                 HX_OK);

    for (i = 0; i < TEST_RS; i++) {
        hx_memzero(&rs[i], sizeof(hx_ha_rs_conf_t));
        rs[i].weight = 1;

        hx_memzero(&crs[i], sizeof(hx_ha_check_rs_t));
        crs[i].cvs = &cvs;
        crs[i].rs = &rs[i];
        crs[i].weight = 1;
        crs[i].alive = 1;

        p = &crs[i];
        *(hx_ha_check_rs_t **) hx_array_push(&cvs.rss) = p;
    }

    last[0] = '\0';
    nlogged = 0;
}


static void
teardown(void)
{
    hx_destroy_pool(pool);
}


TestSuite(hx_ha_check_quorum, .init = setup, .fini = teardown);


static void
alive(hx_uint_t i, hx_uint_t on)
{
    crs[i].alive = on;
    hx_ha_check_quorum(&cvs);
}


Test(hx_ha_check_quorum, the_default_quorum_is_lost_with_the_last_server)
{
    alive(0, 0);
    alive(1, 0);
    cr_assert_eq(cvs.quorum_up, 1);
    cr_assert_eq(nlogged, 0);

    alive(2, 0);
    cr_assert_eq(cvs.quorum_up, 0);
    cr_assert_str_eq(last, "Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:tcp:80");

    alive(1, 1);
    cr_assert_eq(cvs.quorum_up, 1);
    cr_assert_str_eq(last,
                     "Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:tcp:80");
}


Test(hx_ha_check_quorum, hysteresis_keeps_the_state_between_the_thresholds)
{
    vs.quorum = 2;
    vs.hysteresis = 1;

    /* down threshold 1: a sum of 1 keeps quorum */
    alive(0, 0);
    alive(1, 0);
    cr_assert_eq(cvs.quorum_up, 1);

    alive(2, 0);
    cr_assert_eq(cvs.quorum_up, 0);
    cr_assert_str_eq(last, "Lost quorum 2-1=1 > 0 for VS [10.0.0.1]:tcp:80");

    /* up threshold 3: 2 is not enough to gain it back */
    alive(0, 1);
    alive(1, 1);
    cr_assert_eq(cvs.quorum_up, 0);
    cr_assert_eq(nlogged, 1);

    alive(2, 1);
    cr_assert_eq(cvs.quorum_up, 1);
    cr_assert_str_eq(last,
                     "Gained quorum 2+1=3 <= 3 for VS [10.0.0.1]:tcp:80");
}


Test(hx_ha_check_quorum, the_sum_is_of_weights_in_force)
{
    vs.quorum = 5;

    /* misc_dynamic gave the first server weight 5 */
    crs[0].weight = 5;
    alive(1, 0);
    alive(2, 0);
    cr_assert_eq(cvs.quorum_up, 1);

    crs[0].weight = 4;
    hx_ha_check_quorum(&cvs);
    cr_assert_eq(cvs.quorum_up, 0);
    cr_assert_str_eq(last, "Lost quorum 5-0=5 > 4 for VS [10.0.0.1]:tcp:80");
}


Test(hx_ha_check_quorum, a_copied_command_outlives_its_original)
{
    char          a0[] = "/bin/notify", a1[] = "down";
    char         *argv[] = { a0, a1, NULL };
    hx_ha_cmd_t   cmd, *c;

    hx_memzero(&cmd, sizeof(cmd));
    hx_str_set(&cmd.text, "/bin/notify down");
    hx_str_set(&cmd.user, "nobody");
    cmd.argv = argv;

    c = hx_ha_check_copy_cmd(pool, &cmd);
    cr_assert_not_null(c);

    a0[1] = 'X';
    a1[0] = 'X';

    cr_assert_str_eq(c->argv[0], "/bin/notify");
    cr_assert_str_eq(c->argv[1], "down");
    cr_assert_null(c->argv[2]);
    cr_assert_eq(c->text.len, sizeof("/bin/notify down") - 1);
    cr_assert_str_eq((char *) c->user.data, "nobody");
    cr_assert_eq(c->group.len, 0);
    cr_assert_eq(c->group.data[0], '\0');

    cr_assert_null(hx_ha_check_copy_cmd(pool, NULL));
}

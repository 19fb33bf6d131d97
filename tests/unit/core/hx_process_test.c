/*
 * Tests of the respawn back-off: how long the master waits before
 * restarting a worker that keeps dying soon after it starts, and when
 * the count of such deaths starts over.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_process.h>

#include <criterion/criterion.h>


Test(backoff, first_quick_death_respawns_at_once)
{
    hx_uint_t  fails = 0;

    cr_assert_eq(hx_process_backoff(&fails, 10), 0);
    cr_assert_eq(fails, 1);
}


Test(backoff, repeated_quick_deaths_double_the_delay_up_to_the_cap)
{
    hx_uint_t  i, fails = 0;
    hx_msec_t  expected[] = { 0, 100, 200, 400, 800, 1600, 3200, 5000,
                              5000, 5000 };

    for (i = 0; i < hx_nelems(expected); i++) {
        cr_assert_eq(hx_process_backoff(&fails, 50), expected[i],
                     "death %lu", (unsigned long) i);
    }
}


Test(backoff, delay_never_exceeds_the_maximum_even_after_many_deaths)
{
    hx_uint_t  i, fails = 0;

    for (i = 0; i < 200; i++) {
        cr_assert_leq(hx_process_backoff(&fails, 0), HX_RESPAWN_MAX_DELAY);
    }
}


Test(backoff, a_worker_that_lived_past_a_second_is_respawned_at_once)
{
    hx_uint_t  fails = 5;

    cr_assert_eq(hx_process_backoff(&fails, HX_RESPAWN_QUICK), 0);

    /* not quick, but not long enough to forgive the earlier deaths */
    cr_assert_eq(fails, 5);
}


Test(backoff, a_worker_that_lived_ten_seconds_clears_the_history)
{
    hx_uint_t  fails = 6;

    cr_assert_eq(hx_process_backoff(&fails, HX_RESPAWN_RESET), 0);
    cr_assert_eq(fails, 0);

    /* the next quick death is again the first */
    cr_assert_eq(hx_process_backoff(&fails, 1), 0);
    cr_assert_eq(hx_process_backoff(&fails, 1), 100);
}


Test(backoff, a_quick_death_after_a_medium_life_continues_the_series)
{
    hx_uint_t  fails = 0;

    cr_assert_eq(hx_process_backoff(&fails, 1), 0);
    cr_assert_eq(hx_process_backoff(&fails, 1), 100);
    cr_assert_eq(hx_process_backoff(&fails, 5000), 0);
    cr_assert_eq(hx_process_backoff(&fails, 1), 200);
}

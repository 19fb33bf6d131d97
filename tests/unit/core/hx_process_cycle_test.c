/*
 * Tests of reading the listening descriptors a new binary inherits from
 * the old master through the HANX environment variable.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


Test(inherited, reads_every_descriptor_before_a_separator)
{
    hx_fd_t    fds[8];
    uint8_t   *bad;

    cr_assert_eq(hx_inherited_parse((uint8_t *) "5;6;12;", fds, 8, &bad),
                 3);
    cr_assert_null(bad);
    cr_assert_eq(fds[0], 5);
    cr_assert_eq(fds[1], 6);
    cr_assert_eq(fds[2], 12);
}


Test(inherited, accepts_the_colon_separator_too)
{
    hx_fd_t    fds[8];
    uint8_t   *bad;

    cr_assert_eq(hx_inherited_parse((uint8_t *) "7:8:", fds, 8, &bad), 2);
    cr_assert_eq(fds[1], 8);
}


Test(inherited, an_empty_value_gives_nothing)
{
    hx_fd_t    fds[8];
    uint8_t   *bad;

    cr_assert_eq(hx_inherited_parse((uint8_t *) "", fds, 8, &bad), 0);
    cr_assert_null(bad);
}


Test(inherited, an_unterminated_last_number_is_ignored)
{
    hx_fd_t    fds[8];
    uint8_t   *bad;

    cr_assert_eq(hx_inherited_parse((uint8_t *) "5;6", fds, 8, &bad), 1);
    cr_assert_null(bad);
}


Test(inherited, stops_at_a_bad_number_and_points_at_it)
{
    hx_fd_t    fds[8];
    uint8_t   *bad;
    uint8_t    value[] = "5;x7;9;";

    cr_assert_eq(hx_inherited_parse(value, fds, 8, &bad), 1);
    cr_assert_eq(fds[0], 5);
    cr_assert_eq(bad, value + 2);
}


Test(inherited, an_empty_number_is_bad)
{
    hx_fd_t    fds[8];
    uint8_t   *bad;
    uint8_t    value[] = "5;;6;";

    cr_assert_eq(hx_inherited_parse(value, fds, 8, &bad), 1);
    cr_assert_eq(bad, value + 2);
}


Test(inherited, never_writes_past_the_room_given)
{
    hx_fd_t    fds[3] = { -1, -1, -1 };
    uint8_t   *bad;

    cr_assert_eq(hx_inherited_parse((uint8_t *) "1;2;3;4;", fds, 2, &bad),
                 2);
    cr_assert_eq(fds[2], -1);
}

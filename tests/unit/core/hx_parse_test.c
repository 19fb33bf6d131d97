/*
 * Unit tests for core/hx_parse.c: sizes, offsets and times as they are
 * written in configuration files.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static ssize_t
size(const char *s)
{
    hx_str_t  line;

    line.data = (uint8_t *) s;
    line.len = strlen(s);

    return hx_parse_size(&line);
}


static off_t
offset(const char *s)
{
    hx_str_t  line;

    line.data = (uint8_t *) s;
    line.len = strlen(s);

    return hx_parse_offset(&line);
}


static hx_int_t
ptime(const char *s, hx_uint_t is_sec)
{
    hx_str_t  line;

    line.data = (uint8_t *) s;
    line.len = strlen(s);

    return hx_parse_time(&line, is_sec);
}


Test(hx_parse_size, bare_and_suffixed_either_case)
{
    cr_assert_eq(size("0"), 0);
    cr_assert_eq(size("512"), 512);
    cr_assert_eq(size("64k"), 64 * 1024);
    cr_assert_eq(size("64K"), 64 * 1024);
    cr_assert_eq(size("10m"), 10 * 1024 * 1024);
    cr_assert_eq(size("10M"), 10 * 1024 * 1024);
}


Test(hx_parse_size, refuses_invalid)
{
    cr_assert_eq(size(""), HX_ERROR);
    cr_assert_eq(size("k"), HX_ERROR);
    cr_assert_eq(size("1g"), HX_ERROR);
    cr_assert_eq(size("1kb"), HX_ERROR);
    cr_assert_eq(size("-1"), HX_ERROR);
    cr_assert_eq(size("1 k"), HX_ERROR);
    cr_assert_eq(size("1.5k"), HX_ERROR);
}


Test(hx_parse_size, refuses_overflow)
{
    cr_assert_eq(size("9223372036854775807"), INT64_MAX);
    cr_assert_eq(size("9223372036854775808"), HX_ERROR);
    cr_assert_eq(size("9007199254740992k"), HX_ERROR);
    cr_assert_eq(size("9007199254740991k"), 9007199254740991LL * 1024);
    cr_assert_eq(size("8796093022208m"), HX_ERROR);
}


Test(hx_parse_offset, gigabytes_and_overflow)
{
    cr_assert_eq(offset("1g"), 1024LL * 1024 * 1024);
    cr_assert_eq(offset("3G"), 3LL * 1024 * 1024 * 1024);
    cr_assert_eq(offset("2m"), 2 * 1024 * 1024);
    cr_assert_eq(offset("7k"), 7 * 1024);
    cr_assert_eq(offset("100"), 100);
    cr_assert_eq(offset("8589934592g"), HX_ERROR);
    cr_assert_eq(offset("8589934591g"), 8589934591LL * 1024 * 1024 * 1024);
    cr_assert_eq(offset("1t"), HX_ERROR);
    cr_assert_eq(offset(""), HX_ERROR);
}


Test(hx_parse_time, bare_number_is_seconds)
{
    cr_assert_eq(ptime("30", 1), 30);
    cr_assert_eq(ptime("30", 0), 30000);
    cr_assert_eq(ptime("0", 0), 0);
}


Test(hx_parse_time, each_unit)
{
    cr_assert_eq(ptime("1y", 1), 365 * 86400);
    cr_assert_eq(ptime("1M", 1), 30 * 86400);
    cr_assert_eq(ptime("1w", 1), 7 * 86400);
    cr_assert_eq(ptime("1d", 1), 86400);
    cr_assert_eq(ptime("1h", 1), 3600);
    cr_assert_eq(ptime("1m", 1), 60);
    cr_assert_eq(ptime("1s", 1), 1);
    cr_assert_eq(ptime("500ms", 0), 500);
    cr_assert_eq(ptime("1d", 0), 86400000);
    cr_assert_eq(ptime("5s", 0), 5000);
}


Test(hx_parse_time, combined_parts_with_or_without_spaces)
{
    cr_assert_eq(ptime("1h 30m", 1), 5400);
    cr_assert_eq(ptime("1h30m", 1), 5400);
    cr_assert_eq(ptime("1h   30m", 1), 5400);
    cr_assert_eq(ptime("1m 30", 1), 90);
    cr_assert_eq(ptime("1s 500ms", 0), 1500);
    cr_assert_eq(ptime("1y 2M 3w 4d 5h 6m 7s 8ms", 0),
                 (365LL + 60 + 21 + 4) * 86400000 + 5 * 3600000
                 + 6 * 60000 + 7000 + 8);
    cr_assert_eq(ptime("2h ", 1), 7200);
}


Test(hx_parse_time, ms_refused_for_seconds)
{
    cr_assert_eq(ptime("500ms", 1), HX_ERROR);
    cr_assert_eq(ptime("1s 500ms", 1), HX_ERROR);
}


Test(hx_parse_time, garbage_refused)
{
    cr_assert_eq(ptime("", 0), HX_ERROR);
    cr_assert_eq(ptime("abc", 0), HX_ERROR);
    cr_assert_eq(ptime("h", 0), HX_ERROR);
    cr_assert_eq(ptime("5x", 0), HX_ERROR);
    cr_assert_eq(ptime("-5s", 0), HX_ERROR);
    cr_assert_eq(ptime(" 5s", 0), HX_ERROR);
    cr_assert_eq(ptime("5 s", 0), HX_ERROR);
    cr_assert_eq(ptime("1.5s", 0), HX_ERROR);
    cr_assert_eq(ptime("30 5", 0), HX_ERROR);
    cr_assert_eq(ptime("1h m", 0), HX_ERROR);
    cr_assert_eq(ptime("1mss", 0), HX_ERROR);
}


Test(hx_parse_time, duplicate_and_misordered_units_refused)
{
    cr_assert_eq(ptime("1s 1s", 1), HX_ERROR);
    cr_assert_eq(ptime("1s 1m", 1), HX_ERROR);
    cr_assert_eq(ptime("1m 1h", 0), HX_ERROR);
    cr_assert_eq(ptime("1ms 1s", 0), HX_ERROR);
    cr_assert_eq(ptime("30s 5", 0), HX_ERROR);
}


Test(hx_parse_time, overflow_refused)
{
    cr_assert_eq(ptime("99999999999999999999", 1), HX_ERROR);
    cr_assert_eq(ptime("9223372036854775807", 1), INT64_MAX);
    cr_assert_eq(ptime("9223372036854775807", 0), HX_ERROR);
    cr_assert_eq(ptime("300000000y", 0), HX_ERROR);
    cr_assert_eq(ptime("292471208y", 1), 292471208LL * 365 * 86400);
    cr_assert_eq(ptime("9223372036854775s 808ms", 0), HX_ERROR);
    cr_assert_eq(ptime("9223372036854775s 807ms", 0), INT64_MAX);
}

/*
 * Tests of the cached clock and the HTTP date functions: formatting of
 * known moments, the calendar arithmetic against the C library over many
 * centuries, the three accepted date forms and the rejection of others.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static time_t
parse(const char *s)
{
    return hx_parse_http_time((uint8_t *) s, strlen(s));
}


static void
expect_http_time(time_t t, const char *want)
{
    uint8_t  buf[64], *end;

    end = hx_http_time(buf, t);
    cr_assert_eq((size_t) (end - buf), strlen(want));
    cr_assert(memcmp(buf, want, strlen(want)) == 0, "%ld gave \"%.*s\"",
              (long) t, (int) (end - buf), buf);
}


Test(hx_times, http_time_of_known_epochs)
{
    expect_http_time(0, "Thu, 01 Jan 1970 00:00:00 GMT");
    expect_http_time(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
    expect_http_time(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
    expect_http_time(2147483647, "Tue, 19 Jan 2038 03:14:07 GMT");
    expect_http_time(2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT");
    expect_http_time(4102444800LL, "Fri, 01 Jan 2100 00:00:00 GMT");
    expect_http_time(253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT");
}


Test(hx_times, cookie_time_uses_two_digit_years_until_2037)
{
    uint8_t  buf[64], *end;

    end = hx_http_cookie_time(buf, 784111777);
    *end = '\0';
    cr_assert_str_eq((char *) buf, "Sun, 06-Nov-94 08:49:37 GMT");

    end = hx_http_cookie_time(buf, 1262304000);
    *end = '\0';
    cr_assert_str_eq((char *) buf, "Fri, 01-Jan-10 00:00:00 GMT");

    end = hx_http_cookie_time(buf, 2147483648LL);
    *end = '\0';
    cr_assert_str_eq((char *) buf, "Tue, 19-Jan-2038 03:14:08 GMT");
}


Test(hx_times, gmtime_agrees_with_libc_across_leap_years_and_2038)
{
    time_t     t;
    struct tm  a, b;

    /* every 97 hours and a bit, from 1901 to 2400, negative times too */
    for (t = -2147483648LL; t < 13569465600LL; t += 349207) {
        hx_gmtime(t, &a);
        cr_assert(gmtime_r(&t, &b) != NULL);

        cr_assert(a.tm_year == b.tm_year && a.tm_mon == b.tm_mon
                  && a.tm_mday == b.tm_mday && a.tm_hour == b.tm_hour
                  && a.tm_min == b.tm_min && a.tm_sec == b.tm_sec
                  && a.tm_wday == b.tm_wday && a.tm_yday == b.tm_yday,
                  "mismatch at %ld", (long) t);
    }
}


Test(hx_times, gmtime_handles_leap_days)
{
    struct tm  tm;

    hx_gmtime(951782400, &tm);            /* 2000-02-29, a leap century */
    cr_assert_eq(tm.tm_mon, 1);
    cr_assert_eq(tm.tm_mday, 29);
    cr_assert_eq(tm.tm_yday, 59);

    hx_gmtime(4107542400LL, &tm);         /* 2100-03-01, not a leap year */
    cr_assert_eq(tm.tm_year, 200);
    cr_assert_eq(tm.tm_mon, 2);
    cr_assert_eq(tm.tm_mday, 1);
    cr_assert_eq(tm.tm_yday, 59);

    hx_gmtime(-1, &tm);                   /* 1969-12-31 23:59:59 */
    cr_assert_eq(tm.tm_year, 69);
    cr_assert_eq(tm.tm_mday, 31);
    cr_assert_eq(tm.tm_hour, 23);
    cr_assert_eq(tm.tm_wday, 3);
}


Test(hx_times, parses_all_three_forms)
{
    cr_assert_eq(parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    cr_assert_eq(parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    cr_assert_eq(parse("Sun Nov  6 08:49:37 1994"), 784111777);
    cr_assert_eq(parse("Sun Nov 16 08:49:37 1994"), 784111777 + 864000);
    cr_assert_eq(parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    cr_assert_eq(parse("Tue, 19 Jan 2038 03:14:08 GMT"), 2147483648LL);
    cr_assert_eq(parse("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
}


Test(hx_times, parse_round_trips_http_time)
{
    time_t    t;
    uint8_t   buf[64], *end;

    for (t = 0; t < 8000000000LL; t += 7654321) {
        end = hx_http_time(buf, t);
        cr_assert_eq(hx_parse_http_time(buf, end - buf), t);
    }
}


Test(hx_times, parse_is_lenient_where_clients_are_sloppy)
{
    /* case, trailing spaces, the old "; length=" suffix */
    cr_assert_eq(parse("sun, 06 nov 1994 08:49:37 gmt"), 784111777);
    cr_assert_eq(parse("Sun, 06 Nov 1994 08:49:37 GMT  "), 784111777);
    cr_assert_eq(parse("Sun, 06 Nov 1994 08:49:37 GMT; length=1234"),
                 784111777);
    /* the weekday is not checked against the date */
    cr_assert_eq(parse("Mon, 06 Nov 1994 08:49:37 GMT"), 784111777);
    /* RFC 850 two-digit years below 70 are in this century */
    cr_assert_eq(parse("Saturday, 01-Jan-00 00:00:00 GMT"), 946684800);
}


Test(hx_times, parse_rejects_garbage)
{
    static const char  *bad[] = {
        "",
        "garbage",
        "Sun",
        "Sun,",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 GMTX",
        "Sun, 06 Nov 1994 08:49:37 GMT junk",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 19945 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 29 Feb 1995 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08-49-37 GMT",
        "Sun, 01 Jan 1969 00:00:00 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37",
        "Sun Nov  6 08:49:37",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov 6  08:49:37 1994",
        "Sun Nov 36 08:49:37 1994",
        "1994-11-06T08:49:37Z",
        "784111777",
    };

    hx_uint_t  i;

    for (i = 0; i < hx_nelems(bad); i++) {
        cr_assert_eq(parse(bad[i]), HX_ERROR, "accepted \"%s\"", bad[i]);
    }

    cr_assert_eq(hx_parse_http_time((uint8_t *) "Sun, 06 Nov 1994", 5),
                 HX_ERROR);
}


Test(hx_times, parse_accepts_leap_day_only_in_leap_years)
{
    cr_assert_neq(parse("Thu, 29 Feb 1996 00:00:00 GMT"), HX_ERROR);
    cr_assert_neq(parse("Tue, 29 Feb 2000 00:00:00 GMT"), HX_ERROR);
    cr_assert_eq(parse("Mon, 29 Feb 2100 00:00:00 GMT"), HX_ERROR);
}


Test(hx_times, cached_strings_follow_the_clock_and_zone)
{
    uint8_t    buf[64], *end;
    hx_str_t   s;

    setenv("TZ", "XYZ-6", 1);
    hx_time_init();

    cr_assert_eq(hx_cached_time->gmtoff, 360);
    cr_assert(abs((int) (hx_time() - time(NULL))) <= 1);

    end = hx_http_time(buf, hx_time());
    s = *(hx_str_t *) &hx_cached_http_time;
    cr_assert_eq(s.len, (size_t) (end - buf));
    cr_assert(memcmp(s.data, buf, s.len) == 0);

    s = *(hx_str_t *) &hx_cached_http_log_time;
    cr_assert_eq(s.len, sizeof("28/Sep/1970:12:00:00 +0600") - 1);
    cr_assert(memcmp(s.data + s.len - 6, " +0600", 6) == 0);

    s = *(hx_str_t *) &hx_cached_http_log_iso8601;
    cr_assert_eq(s.len, sizeof("1970-09-28T12:00:00+06:00") - 1);
    cr_assert(s.data[10] == 'T');
    cr_assert(memcmp(s.data + s.len - 6, "+06:00", 6) == 0);

    s = *(hx_str_t *) &hx_cached_err_log_time;
    cr_assert_eq(s.len, sizeof("1970/09/28 12:00:00") - 1);
    cr_assert(s.data[4] == '/' && s.data[7] == '/' && s.data[10] == ' ');

    s = *(hx_str_t *) &hx_cached_syslog_time;
    cr_assert_eq(s.len, sizeof("Sep 28 12:00:00") - 1);
    cr_assert(s.data[3] == ' ' && s.data[6] == ' ' && s.data[9] == ':');
}


Test(hx_times, negative_offsets_are_signed)
{
    hx_str_t  s;

    setenv("TZ", "ABC+3:30", 1);
    hx_time_init();

    cr_assert_eq(hx_cached_time->gmtoff, -210);

    s = *(hx_str_t *) &hx_cached_http_log_time;
    cr_assert(memcmp(s.data + s.len - 6, " -0330", 6) == 0);
    s = *(hx_str_t *) &hx_cached_http_log_iso8601;
    cr_assert(memcmp(s.data + s.len - 6, "-03:30", 6) == 0);
}


Test(hx_times, update_keeps_old_strings_intact_and_msec_monotonic)
{
    uint8_t           *old, copy[64];
    hx_msec_t          m0, m1;
    hx_uint_t          i;
    struct timespec    ts = { 0, 2000000 };

    hx_time_init();

    old = hx_cached_http_time.data;
    memcpy(copy, old, hx_cached_http_time.len);
    m0 = hx_current_msec;

    cr_assert(m0 > 0);

    /* many seconds' worth of slot turns would be needed to reuse a slot */
    for (i = 0; i < 20; i++) {
        nanosleep(&ts, NULL);
        hx_time_update();
    }

    m1 = hx_current_msec;
    cr_assert(m1 >= m0 + 40, "%lu -> %lu", (unsigned long) m0,
              (unsigned long) m1);
    cr_assert(memcmp(copy, old, hx_cached_http_time.len) == 0);
    cr_assert(hx_cached_time->msec < 1000);
}


Test(hx_times, next_time_is_the_next_occurrence_of_a_time_of_day)
{
    time_t  now, next, when;

    setenv("TZ", "UTC0", 1);
    hx_time_init();
    now = hx_time();

    when = (now % 86400 + 3600) % 86400;       /* an hour from now */
    next = hx_next_time(when);
    cr_assert_eq(next % 86400, when);
    cr_assert(next > now && next <= now + 3600);

    when = (now % 86400 + 86400 - 3600) % 86400; /* an hour ago */
    next = hx_next_time(when);
    cr_assert_eq(next % 86400, when);
    cr_assert(next > now + 86400 - 3601 && next <= now + 86400);
}

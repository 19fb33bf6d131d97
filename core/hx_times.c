/*
 * The cached clock.
 *
 * hx_time_update() reads the wall clock (gettimeofday) and the monotonic
 * clock (CLOCK_MONOTONIC) once per event-loop iteration and formats the
 * five strings that logs and HTTP headers need.  Everything else reads the
 * cached values, so a request costs no system call and no formatting to
 * learn the time.
 *
 * The values live in a small ring of slots.  An update fills the next slot
 * completely and only then publishes it by swapping the pointers, so a
 * reader that picked up the previous pointers keeps reading a complete,
 * unchanging string even if an update runs meanwhile.  Within one second
 * only the milliseconds of the current slot change; the strings do not.
 *
 * Calendar arithmetic is done here (days from civil date and back) rather
 * than with gmtime_r(): it is exact for any 64-bit time, needs no locale
 * or time zone state, and hx_parse_http_time() needs the inverse anyway.
 */

#include <hx_config.h>
#include <hx_core.h>


#define HX_TIME_SLOTS  64

#define HX_ERR_LOG_TIME_LEN    (sizeof("1970/09/28 12:00:00") - 1)
#define HX_HTTP_TIME_LEN       (sizeof("Mon, 28 Sep 1970 06:00:00 GMT") - 1)
#define HX_HTTP_LOG_TIME_LEN   (sizeof("28/Sep/1970:12:00:00 +0600") - 1)
#define HX_ISO8601_TIME_LEN    (sizeof("1970-09-28T12:00:00+06:00") - 1)
#define HX_SYSLOG_TIME_LEN     (sizeof("Sep 28 12:00:00") - 1)

/* room for a year of more than four digits, which the formats allow */
#define HX_TIME_STR_SPARE      16


static uint8_t *hx_time_put_num(uint8_t *p, int64_t v, hx_uint_t width,
    uint8_t pad);
static int64_t hx_days_from_civil(int64_t y, hx_uint_t m, hx_uint_t d);
static void hx_civil_from_days(int64_t days, int64_t *yp, hx_uint_t *mp,
    hx_uint_t *dp);
static hx_uint_t hx_days_in_month(int64_t year, hx_uint_t month);
static hx_int_t hx_match_name(uint8_t **pp, uint8_t *end,
    const char *const *names, hx_uint_t n);
static hx_int_t hx_parse_digits(uint8_t **pp, uint8_t *end, hx_uint_t min,
    hx_uint_t max);
static hx_int_t hx_parse_clock(uint8_t **pp, uint8_t *end, hx_uint_t *hour,
    hx_uint_t *min, hx_uint_t *sec);


volatile hx_time_t  *hx_cached_time;
volatile hx_msec_t   hx_current_msec;

volatile hx_str_t    hx_cached_err_log_time;
volatile hx_str_t    hx_cached_http_time;
volatile hx_str_t    hx_cached_http_log_time;
volatile hx_str_t    hx_cached_http_log_iso8601;
volatile hx_str_t    hx_cached_syslog_time;


static hx_uint_t     hx_time_slot;
static int           hx_time_busy;

static hx_time_t     hx_cached_times[HX_TIME_SLOTS];

static uint8_t  hx_err_log_times[HX_TIME_SLOTS]
                    [HX_ERR_LOG_TIME_LEN + HX_TIME_STR_SPARE];
static uint8_t  hx_http_times[HX_TIME_SLOTS]
                    [HX_HTTP_TIME_LEN + HX_TIME_STR_SPARE];
static uint8_t  hx_http_log_times[HX_TIME_SLOTS]
                    [HX_HTTP_LOG_TIME_LEN + HX_TIME_STR_SPARE];
static uint8_t  hx_iso8601_times[HX_TIME_SLOTS]
                    [HX_ISO8601_TIME_LEN + HX_TIME_STR_SPARE];
static uint8_t  hx_syslog_times[HX_TIME_SLOTS]
                    [HX_SYSLOG_TIME_LEN + HX_TIME_STR_SPARE];


static const char *const  hx_week_abbr[] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const char *const  hx_week_full[] = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday"
};

static const char *const  hx_months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};


/*
 * Sets up the cache and fills it for the first time.  Must run before any
 * reader looks at the cached values (hx_time() etc.).
 */
void
hx_time_init(void)
{
    hx_cached_err_log_time.len = HX_ERR_LOG_TIME_LEN;
    hx_cached_http_time.len = HX_HTTP_TIME_LEN;
    hx_cached_http_log_time.len = HX_HTTP_LOG_TIME_LEN;
    hx_cached_http_log_iso8601.len = HX_ISO8601_TIME_LEN;
    hx_cached_syslog_time.len = HX_SYSLOG_TIME_LEN;

    hx_cached_time = &hx_cached_times[0];

    tzset();

    hx_time_update();
}


/*
 * Reads both clocks and refreshes the cache.  Reentry (say, from a signal
 * handler that logs) returns at once and leaves the cache as it is.
 */
void
hx_time_update(void)
{
    uint8_t          *p0, *p1, *p2, *p3, *p4, *p;
    time_t            sec;
    hx_int_t          off;
    hx_uint_t         msec, n;
    hx_time_t        *tp;
    struct tm         gmt, tm;
    struct timeval    tv;
    struct timespec   ts;

    if (__atomic_test_and_set(&hx_time_busy, __ATOMIC_ACQUIRE)) {
        return;
    }

    (void) gettimeofday(&tv, NULL);

    sec = tv.tv_sec;
    msec = tv.tv_usec / 1000;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) {
        hx_current_msec = (hx_msec_t) ts.tv_sec * 1000
                          + (hx_msec_t) ts.tv_nsec / 1000000;
    }

    tp = &hx_cached_times[hx_time_slot];

    if (hx_cached_time != NULL && tp->sec == sec) {
        tp->msec = msec;
        __atomic_clear(&hx_time_busy, __ATOMIC_RELEASE);
        return;
    }

    n = (hx_time_slot + 1) % HX_TIME_SLOTS;
    tp = &hx_cached_times[n];

    tp->sec = sec;
    tp->msec = msec;

    hx_gmtime(sec, &gmt);

    if (localtime_r(&sec, &tm) == NULL) {
        tm = gmt;
    }

    off = (hx_int_t) (tm.tm_gmtoff / 60);
    tp->gmtoff = off;

    p0 = hx_http_times[n];
    (void) hx_http_time(p0, sec);

    /* 1970/09/28 12:00:00 */
    p1 = hx_err_log_times[n];
    p = hx_time_put_num(p1, tm.tm_year + 1900, 4, '0');
    *p++ = '/';
    p = hx_time_put_num(p, tm.tm_mon + 1, 2, '0');
    *p++ = '/';
    p = hx_time_put_num(p, tm.tm_mday, 2, '0');
    *p++ = ' ';
    p = hx_time_put_num(p, tm.tm_hour, 2, '0');
    *p++ = ':';
    p = hx_time_put_num(p, tm.tm_min, 2, '0');
    *p++ = ':';
    p = hx_time_put_num(p, tm.tm_sec, 2, '0');

    /* 28/Sep/1970:12:00:00 +0600 */
    p2 = hx_http_log_times[n];
    p = hx_time_put_num(p2, tm.tm_mday, 2, '0');
    *p++ = '/';
    p = hx_cpymem(p, hx_months[tm.tm_mon], 3);
    *p++ = '/';
    p = hx_time_put_num(p, tm.tm_year + 1900, 4, '0');
    *p++ = ':';
    p = hx_time_put_num(p, tm.tm_hour, 2, '0');
    *p++ = ':';
    p = hx_time_put_num(p, tm.tm_min, 2, '0');
    *p++ = ':';
    p = hx_time_put_num(p, tm.tm_sec, 2, '0');
    *p++ = ' ';
    *p++ = (off < 0) ? '-' : '+';
    p = hx_time_put_num(p, hx_abs(off) / 60, 2, '0');
    p = hx_time_put_num(p, hx_abs(off) % 60, 2, '0');

    /* 1970-09-28T12:00:00+06:00 */
    p3 = hx_iso8601_times[n];
    p = hx_time_put_num(p3, tm.tm_year + 1900, 4, '0');
    *p++ = '-';
    p = hx_time_put_num(p, tm.tm_mon + 1, 2, '0');
    *p++ = '-';
    p = hx_time_put_num(p, tm.tm_mday, 2, '0');
    *p++ = 'T';
    p = hx_time_put_num(p, tm.tm_hour, 2, '0');
    *p++ = ':';
    p = hx_time_put_num(p, tm.tm_min, 2, '0');
    *p++ = ':';
    p = hx_time_put_num(p, tm.tm_sec, 2, '0');
    *p++ = (off < 0) ? '-' : '+';
    p = hx_time_put_num(p, hx_abs(off) / 60, 2, '0');
    *p++ = ':';
    p = hx_time_put_num(p, hx_abs(off) % 60, 2, '0');

    /* Sep 28 12:00:00, the day space-padded as RFC 3164 section 4.1.2 has */
    p4 = hx_syslog_times[n];
    p = hx_cpymem(p4, hx_months[tm.tm_mon], 3);
    *p++ = ' ';
    p = hx_time_put_num(p, tm.tm_mday, 2, ' ');
    *p++ = ' ';
    p = hx_time_put_num(p, tm.tm_hour, 2, '0');
    *p++ = ':';
    p = hx_time_put_num(p, tm.tm_min, 2, '0');
    *p++ = ':';
    (void) hx_time_put_num(p, tm.tm_sec, 2, '0');

    /* the slot must be complete before any pointer to it is published */
    __atomic_thread_fence(__ATOMIC_RELEASE);

    hx_time_slot = n;
    hx_cached_time = tp;

    hx_cached_http_time.data = p0;
    hx_cached_err_log_time.data = p1;
    hx_cached_http_log_time.data = p2;
    hx_cached_http_log_iso8601.data = p3;
    hx_cached_syslog_time.data = p4;

    __atomic_clear(&hx_time_busy, __ATOMIC_RELEASE);
}


/*
 * Writes t as an IMF-fixdate (RFC 7231 section 7.1.1.1),
 * "Mon, 28 Sep 1970 06:00:00 GMT", into buf, which must hold at least
 * sizeof("Mon, 28 Sep 1970 06:00:00 GMT") bytes plus room for longer
 * years.  Returns the end of what was written; no NUL.
 */
uint8_t *
hx_http_time(uint8_t *buf, time_t t)
{
    struct tm  tm;

    hx_gmtime(t, &tm);

    buf = hx_cpymem(buf, hx_week_abbr[tm.tm_wday], 3);
    *buf++ = ',';
    *buf++ = ' ';
    buf = hx_time_put_num(buf, tm.tm_mday, 2, '0');
    *buf++ = ' ';
    buf = hx_cpymem(buf, hx_months[tm.tm_mon], 3);
    *buf++ = ' ';
    buf = hx_time_put_num(buf, (int64_t) tm.tm_year + 1900, 4, '0');
    *buf++ = ' ';
    buf = hx_time_put_num(buf, tm.tm_hour, 2, '0');
    *buf++ = ':';
    buf = hx_time_put_num(buf, tm.tm_min, 2, '0');
    *buf++ = ':';
    buf = hx_time_put_num(buf, tm.tm_sec, 2, '0');

    return hx_cpymem(buf, " GMT", 4);
}


/*
 * Writes t in the Netscape cookie format, "Mon, 28-Sep-70 06:00:00 GMT".
 * Old clients read two-digit years only up to 37, so years after 2037 are
 * written with four digits.  Returns the end of what was written.
 */
uint8_t *
hx_http_cookie_time(uint8_t *buf, time_t t)
{
    int64_t    year;
    struct tm  tm;

    hx_gmtime(t, &tm);

    year = (int64_t) tm.tm_year + 1900;

    buf = hx_cpymem(buf, hx_week_abbr[tm.tm_wday], 3);
    *buf++ = ',';
    *buf++ = ' ';
    buf = hx_time_put_num(buf, tm.tm_mday, 2, '0');
    *buf++ = '-';
    buf = hx_cpymem(buf, hx_months[tm.tm_mon], 3);
    *buf++ = '-';

    if (year > 2037) {
        buf = hx_time_put_num(buf, year, 4, '0');

    } else {
        buf = hx_time_put_num(buf, year % 100, 2, '0');
    }

    *buf++ = ' ';
    buf = hx_time_put_num(buf, tm.tm_hour, 2, '0');
    *buf++ = ':';
    buf = hx_time_put_num(buf, tm.tm_min, 2, '0');
    *buf++ = ':';
    buf = hx_time_put_num(buf, tm.tm_sec, 2, '0');

    return hx_cpymem(buf, " GMT", 4);
}


/*
 * Breaks t down as UTC into *tp with struct tm's usual meaning (tm_year
 * since 1900, tm_mon 0-11, tm_wday 0 = Sunday, tm_yday 0-365).  Works for
 * negative times and for years past 2038.
 */
void
hx_gmtime(time_t t, struct tm *tp)
{
    int64_t    days, secs, year;
    hx_uint_t  month, day;

    days = (int64_t) t / 86400;
    secs = (int64_t) t % 86400;

    if (secs < 0) {
        secs += 86400;
        days--;
    }

    hx_civil_from_days(days, &year, &month, &day);

    hx_memzero(tp, sizeof(struct tm));

    tp->tm_sec = (int) (secs % 60);
    tp->tm_min = (int) (secs / 60 % 60);
    tp->tm_hour = (int) (secs / 3600);
    tp->tm_mday = (int) day;
    tp->tm_mon = (int) month - 1;
    tp->tm_year = (int) (year - 1900);

    /* 1970-01-01 was a Thursday */
    tp->tm_wday = (int) (((days + 4) % 7 + 7) % 7);
    tp->tm_yday = (int) (days - hx_days_from_civil(year, 1, 1));
    tp->tm_isdst = 0;
    tp->tm_gmtoff = 0;
    tp->tm_zone = "GMT";
}


/*
 * Returns the next moment, after the cached now, when the local clock
 * shows the time of day "when" (seconds since midnight): today if that is
 * still ahead, else tomorrow.  -1 when mktime() fails.
 */
time_t
hx_next_time(time_t when)
{
    time_t     now, next;
    struct tm  tm;

    now = (hx_cached_time != NULL) ? hx_time() : time(NULL);

    if (localtime_r(&now, &tm) == NULL) {
        return -1;
    }

    tm.tm_hour = (int) (when / 3600);
    when %= 3600;
    tm.tm_min = (int) (when / 60);
    tm.tm_sec = (int) (when % 60);
    tm.tm_isdst = -1;

    next = mktime(&tm);

    if (next == -1) {
        return -1;
    }

    if (next - now > 0) {
        return next;
    }

    /* mktime() normalises the 32nd of a month and the like */
    tm.tm_mday++;
    tm.tm_isdst = -1;

    return mktime(&tm);
}


/*
 * Parses an HTTP date in any of the three forms RFC 7231 section 7.1.1.1
 * obliges a recipient to accept:
 *
 *     Sun, 06 Nov 1994 08:49:37 GMT     IMF-fixdate (RFC 1123)
 *     Sunday, 06-Nov-94 08:49:37 GMT    obsolete RFC 850
 *     Sun Nov  6 08:49:37 1994          asctime()
 *
 * Names are matched without regard to case and the weekday is not checked
 * against the date.  After the date only spaces, or a ';' and anything
 * (old clients append "; length=N" to If-Modified-Since), may follow.
 * Dates before 1970 or after 9999 and impossible dates (Feb 30, 25:00)
 * are refused.  Returns the time or HX_ERROR.
 */
time_t
hx_parse_http_time(uint8_t *value, size_t len)
{
    uint8_t    *p, *end;
    int64_t     year, days;
    hx_int_t    n, month, day;
    hx_uint_t   hour, min, sec;

    p = value;
    end = value + len;

    while (p < end && *p == ' ') {
        p++;
    }

    if (hx_match_name(&p, end, hx_week_full, 7) == HX_ERROR
        && hx_match_name(&p, end, hx_week_abbr, 7) == HX_ERROR)
    {
        return HX_ERROR;
    }

    if (p == end) {
        return HX_ERROR;
    }

    if (*p == ',') {
        p++;

        if (p == end || *p++ != ' ') {
            return HX_ERROR;
        }

        day = hx_parse_digits(&p, end, 2, 2);
        if (day == HX_ERROR || p == end) {
            return HX_ERROR;
        }

        if (*p == ' ') {
            /* RFC 1123: "06 Nov 1994 08:49:37 GMT" */
            p++;

            month = hx_match_name(&p, end, hx_months, 12);
            if (month == HX_ERROR || p == end || *p++ != ' ') {
                return HX_ERROR;
            }

            n = hx_parse_digits(&p, end, 4, 4);
            if (n == HX_ERROR) {
                return HX_ERROR;
            }

            year = n;

        } else if (*p == '-') {
            /* RFC 850: "06-Nov-94 08:49:37 GMT" */
            p++;

            month = hx_match_name(&p, end, hx_months, 12);
            if (month == HX_ERROR || p == end || *p++ != '-') {
                return HX_ERROR;
            }

            n = hx_parse_digits(&p, end, 2, 2);
            if (n == HX_ERROR) {
                return HX_ERROR;
            }

            year = (n < 70) ? 2000 + n : 1900 + n;

        } else {
            return HX_ERROR;
        }

        if (p == end || *p++ != ' ') {
            return HX_ERROR;
        }

        if (hx_parse_clock(&p, end, &hour, &min, &sec) != HX_OK) {
            return HX_ERROR;
        }

        if (end - p < 4 || p[0] != ' '
            || hx_strncasecmp(p + 1, (uint8_t *) "GMT", 3) != 0)
        {
            return HX_ERROR;
        }

        p += 4;

    } else if (*p == ' ') {
        /* asctime: "Nov  6 08:49:37 1994", the day padded with a space */
        p++;

        month = hx_match_name(&p, end, hx_months, 12);
        if (month == HX_ERROR || p == end || *p++ != ' ') {
            return HX_ERROR;
        }

        if (p < end && *p == ' ') {
            p++;
            day = hx_parse_digits(&p, end, 1, 1);

        } else {
            day = hx_parse_digits(&p, end, 1, 2);
        }

        if (day == HX_ERROR || p == end || *p++ != ' ') {
            return HX_ERROR;
        }

        if (hx_parse_clock(&p, end, &hour, &min, &sec) != HX_OK) {
            return HX_ERROR;
        }

        if (p == end || *p++ != ' ') {
            return HX_ERROR;
        }

        n = hx_parse_digits(&p, end, 4, 4);
        if (n == HX_ERROR) {
            return HX_ERROR;
        }

        year = n;

    } else {
        return HX_ERROR;
    }

    if (p < end && *p == ';') {
        p = end;
    }

    while (p < end && *p == ' ') {
        p++;
    }

    if (p != end) {
        return HX_ERROR;
    }

    if (year < 1970 || day < 1
        || (hx_uint_t) day > hx_days_in_month(year, (hx_uint_t) month + 1)
        || hour > 23 || min > 59 || sec > 59)
    {
        return HX_ERROR;
    }

    days = hx_days_from_civil(year, (hx_uint_t) month + 1, (hx_uint_t) day);

    return (time_t) (days * 86400 + hour * 3600 + min * 60 + sec);
}


/* v in decimal, padded with pad to at least width characters */
static uint8_t *
hx_time_put_num(uint8_t *p, int64_t v, hx_uint_t width, uint8_t pad)
{
    uint8_t    tmp[24], *t;
    uint64_t   u;
    hx_uint_t  len;

    if (v < 0) {
        *p++ = '-';
        u = (uint64_t) 0 - (uint64_t) v;

    } else {
        u = (uint64_t) v;
    }

    t = tmp + sizeof(tmp);

    do {
        *--t = (uint8_t) ('0' + u % 10);
        u /= 10;
    } while (u);

    len = tmp + sizeof(tmp) - t;

    while (len < width) {
        *p++ = pad;
        width--;
    }

    return hx_cpymem(p, t, len);
}


/*
 * Days since 1970-01-01 of a proleptic Gregorian date.  The year is
 * counted from March so that the leap day falls at its end, and whole
 * 400-year eras (146097 days) are split off first, which keeps every
 * division non-negative.
 */
static int64_t
hx_days_from_civil(int64_t y, hx_uint_t m, hx_uint_t d)
{
    int64_t   era, yoe, doy, doe;

    if (m <= 2) {
        y--;
    }

    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (int64_t) (m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t) d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    /* 719468 is the day number of 1970-01-01 counted from 0000-03-01 */
    return era * 146097 + doe - 719468;
}


/* the inverse of hx_days_from_civil() */
static void
hx_civil_from_days(int64_t days, int64_t *yp, hx_uint_t *mp, hx_uint_t *dp)
{
    int64_t    z, era, doe, yoe, doy, mp0, y;
    hx_uint_t  m;

    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp0 = (5 * doy + 2) / 153;

    *dp = (hx_uint_t) (doy - (153 * mp0 + 2) / 5 + 1);
    m = (hx_uint_t) (mp0 < 10 ? mp0 + 3 : mp0 - 9);
    *mp = m;
    *yp = (m <= 2) ? y + 1 : y;
}


static hx_uint_t
hx_days_in_month(int64_t year, hx_uint_t month)
{
    static const uint8_t  days[] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    if (month == 2
        && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
    {
        return 29;
    }

    return days[month - 1];
}


/*
 * Matches the longest alphabetic word at *pp against names (case
 * insensitively); on success advances *pp and returns the index.
 */
static hx_int_t
hx_match_name(uint8_t **pp, uint8_t *end, const char *const *names,
    hx_uint_t n)
{
    uint8_t    *p, *word;
    size_t      len;
    hx_uint_t   i;

    word = *pp;

    for (p = word; p < end; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
            break;
        }
    }

    len = p - word;

    for (i = 0; i < n; i++) {
        if (hx_strlen(names[i]) == len
            && hx_strncasecmp(word, (uint8_t *) names[i], len) == 0)
        {
            *pp = p;
            return (hx_int_t) i;
        }
    }

    return HX_ERROR;
}


/* between min and max decimal digits, not followed by another digit */
static hx_int_t
hx_parse_digits(uint8_t **pp, uint8_t *end, hx_uint_t min, hx_uint_t max)
{
    uint8_t    *p;
    hx_int_t    v;
    hx_uint_t   n;

    p = *pp;
    v = 0;

    for (n = 0; p < end && *p >= '0' && *p <= '9'; n++, p++) {
        if (n == max) {
            return HX_ERROR;
        }

        v = v * 10 + (*p - '0');
    }

    if (n < min) {
        return HX_ERROR;
    }

    *pp = p;

    return v;
}


/* "08:49:37" */
static hx_int_t
hx_parse_clock(uint8_t **pp, uint8_t *end, hx_uint_t *hour, hx_uint_t *min,
    hx_uint_t *sec)
{
    hx_int_t  h, m, s;

    h = hx_parse_digits(pp, end, 2, 2);
    if (h == HX_ERROR || *pp == end || *(*pp)++ != ':') {
        return HX_ERROR;
    }

    m = hx_parse_digits(pp, end, 2, 2);
    if (m == HX_ERROR || *pp == end || *(*pp)++ != ':') {
        return HX_ERROR;
    }

    s = hx_parse_digits(pp, end, 2, 2);
    if (s == HX_ERROR) {
        return HX_ERROR;
    }

    *hour = (hx_uint_t) h;
    *min = (hx_uint_t) m;
    *sec = (hx_uint_t) s;

    return HX_OK;
}

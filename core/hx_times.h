/*
 * The cached clock.  Event loops call hx_time_update() once per iteration;
 * everything else reads the cached values, so a request handler never makes
 * a system call to learn the time.  The formatted strings are the ones
 * nginx keeps: error log, HTTP Date, access log $time_local, ISO 8601 and
 * syslog.
 */

#ifndef HX_CORE_HX_TIMES_H
#define HX_CORE_HX_TIMES_H


typedef struct {
    time_t      sec;
    hx_uint_t   msec;
    hx_int_t    gmtoff;     /* minutes east of UTC */
} hx_time_t;


void hx_time_init(void);
void hx_time_update(void);

extern volatile hx_time_t  *hx_cached_time;

#define hx_time()           hx_cached_time->sec
#define hx_timeofday()      (hx_time_t *) hx_cached_time

extern volatile hx_str_t    hx_cached_err_log_time;   /* 1970/09/28 12:00:00 */
extern volatile hx_str_t    hx_cached_http_time;      /* Mon, 28 Sep 1970 06:00:00 GMT */
extern volatile hx_str_t    hx_cached_http_log_time;  /* 28/Sep/1970:12:00:00 +0600 */
extern volatile hx_str_t    hx_cached_http_log_iso8601; /* 1970-09-28T12:00:00+06:00 */
extern volatile hx_str_t    hx_cached_syslog_time;    /* Sep 28 12:00:00 */

/* monotonic milliseconds, as of the last update: timers use this */
extern volatile hx_msec_t   hx_current_msec;

/* "Mon, 28 Sep 1970 06:00:00 GMT" into buf; returns the end */
uint8_t *hx_http_time(uint8_t *buf, time_t t);
/* "Mon, 28-Sep-70 06:00:00 GMT" (cookie expires) */
uint8_t *hx_http_cookie_time(uint8_t *buf, time_t t);
void hx_gmtime(time_t t, struct tm *tp);
/* next time of day (seconds since midnight, local) after now */
time_t hx_next_time(time_t when);

/* RFC 1123, RFC 850 and asctime dates; HX_ERROR when unparsable */
time_t hx_parse_http_time(uint8_t *value, size_t len);

#endif /* HX_CORE_HX_TIMES_H */

/*
 * Sizes and times as configuration files write them ("64k", "1h 30m").
 *
 * These are small hand-written scanners rather than sscanf() patterns:
 * every malformed value, including one that would overflow, has to be
 * refused so the directive can report it with its file and line, and
 * sscanf() neither detects overflow nor insists on consuming the whole
 * token.
 */

#include <hx_config.h>
#include <hx_core.h>


/*
 * "N", "Nk"/"NK" (KiB) or "Nm"/"NM" (MiB) as a byte count.  HX_ERROR for
 * an empty value, a missing number, another suffix or a value that does
 * not fit in ssize_t.
 */
ssize_t
hx_parse_size(hx_str_t *line)
{
    size_t    len;
    ssize_t   size, scale;
    uint8_t   unit;

    len = line->len;

    if (len == 0) {
        return HX_ERROR;
    }

    unit = line->data[len - 1];

    switch (unit) {
    case 'K':
    case 'k':
        len--;
        scale = 1024;
        break;

    case 'M':
    case 'm':
        len--;
        scale = 1024 * 1024;
        break;

    default:
        scale = 1;
    }

    size = hx_atosz(line->data, len);
    if (size == HX_ERROR) {
        return HX_ERROR;
    }

    if (size > SSIZE_MAX / scale) {
        return HX_ERROR;
    }

    return size * scale;
}


/*
 * As hx_parse_size(), with "Ng"/"NG" (GiB) as well, into off_t.
 */
off_t
hx_parse_offset(hx_str_t *line)
{
    size_t    len;
    off_t     offset, scale;
    uint8_t   unit;

    len = line->len;

    if (len == 0) {
        return HX_ERROR;
    }

    unit = line->data[len - 1];

    switch (unit) {
    case 'K':
    case 'k':
        len--;
        scale = 1024;
        break;

    case 'M':
    case 'm':
        len--;
        scale = 1024 * 1024;
        break;

    case 'G':
    case 'g':
        len--;
        scale = 1024 * 1024 * 1024;
        break;

    default:
        scale = 1;
    }

    offset = hx_atoof(line->data, len);
    if (offset == HX_ERROR) {
        return HX_ERROR;
    }

    if (offset > HX_MAX_OFF_T_VALUE / scale) {
        return HX_ERROR;
    }

    return offset * scale;
}


/*
 * The units of a time value, largest first; a part's unit must rank
 * after the previous part's, which both orders them and forbids repeats.
 */
typedef enum {
    hx_time_start = 0,
    hx_time_year,
    hx_time_month,
    hx_time_week,
    hx_time_day,
    hx_time_hour,
    hx_time_min,
    hx_time_sec,
    hx_time_msec
} hx_time_unit_e;


/* the length of each unit in milliseconds, indexed by hx_time_unit_e */
static const int64_t  hx_time_unit_ms[] = {
    0,
    365LL * 24 * 60 * 60 * 1000,    /* y */
    30LL * 24 * 60 * 60 * 1000,     /* M */
    7LL * 24 * 60 * 60 * 1000,      /* w */
    24LL * 60 * 60 * 1000,          /* d */
    60LL * 60 * 1000,               /* h */
    60LL * 1000,                    /* m */
    1000,                           /* s */
    1                               /* ms */
};


/*
 * Parses "1y 2M 3w 4d 5h 6m 7s 8ms": each part a number and a unit, units
 * largest first and each at most once, spaces between parts optional and
 * allowed at the end.  A number without a unit is seconds and must be the
 * last part.  The result is in milliseconds when is_sec == 0 and in
 * seconds when is_sec == 1, in which case "ms" is refused.  HX_ERROR on
 * anything else or when the total does not fit in hx_int_t.
 */
hx_int_t
hx_parse_time(hx_str_t *line, hx_uint_t is_sec)
{
    uint8_t         *p, *last;
    int64_t          value, scale, total;
    hx_uint_t        digits;
    hx_time_unit_e   unit, prev;

    p = line->data;
    last = p + line->len;
    total = 0;
    prev = hx_time_start;

    if (p == last) {
        return HX_ERROR;
    }

    while (p < last) {

        value = 0;
        digits = 0;

        while (p < last && *p >= '0' && *p <= '9') {
            if (value > (HX_MAX_INT_T_VALUE - (*p - '0')) / 10) {
                return HX_ERROR;
            }

            value = value * 10 + (*p - '0');
            digits++;
            p++;
        }

        if (digits == 0) {
            return HX_ERROR;
        }

        if (p == last || *p == ' ') {
            /* a bare number: seconds, and nothing may follow it */
            unit = hx_time_sec;

            while (p < last && *p == ' ') {
                p++;
            }

            if (p != last) {
                return HX_ERROR;
            }

        } else {
            switch (*p) {
            case 'y':
                unit = hx_time_year;
                break;
            case 'M':
                unit = hx_time_month;
                break;
            case 'w':
                unit = hx_time_week;
                break;
            case 'd':
                unit = hx_time_day;
                break;
            case 'h':
                unit = hx_time_hour;
                break;
            case 'm':
                if (p + 1 < last && p[1] == 's') {
                    unit = hx_time_msec;
                    p++;
                } else {
                    unit = hx_time_min;
                }
                break;
            case 's':
                unit = hx_time_sec;
                break;
            default:
                return HX_ERROR;
            }

            p++;

            while (p < last && *p == ' ') {
                p++;
            }
        }

        if (unit <= prev) {
            return HX_ERROR;
        }

        prev = unit;

        if (is_sec) {
            if (unit == hx_time_msec) {
                return HX_ERROR;
            }
            scale = hx_time_unit_ms[unit] / 1000;

        } else {
            scale = hx_time_unit_ms[unit];
        }

        if (value > HX_MAX_INT_T_VALUE / scale) {
            return HX_ERROR;
        }

        value *= scale;

        if (total > HX_MAX_INT_T_VALUE - value) {
            return HX_ERROR;
        }

        total += value;
    }

    return (hx_int_t) total;
}

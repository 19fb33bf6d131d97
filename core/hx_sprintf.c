/*
 * The formatter: a small printf for bounded buffers.  It knows hx_str_t
 * (%V), never allocates, never NUL-terminates behind the caller's back,
 * and stops exactly at the "last" pointer, which is what log lines and
 * response headers need.  The conversions are listed in hx_string.h.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <math.h>


#define HX_INT64_DIGITS  (sizeof("18446744073709551615") - 1)


static uint8_t *hx_sprintf_num(uint8_t *buf, uint8_t *last, uint64_t ui64,
    uint8_t zero, hx_uint_t hexadecimal, hx_uint_t width);
static uint8_t *hx_sprintf_double(uint8_t *buf, uint8_t *last, double f,
    uint8_t zero, hx_uint_t width, hx_uint_t frac_width);


/* the room left between buf and last, safe for last == (uint8_t *) -1 */
static inline size_t
hx_room(uint8_t *buf, uint8_t *last)
{
    return (size_t) ((uintptr_t) last - (uintptr_t) buf);
}


/*
 * Formats into buf with no upper bound; the caller guarantees the room.
 */
uint8_t *
hx_sprintf(uint8_t *buf, const char *fmt, ...)
{
    uint8_t  *p;
    va_list   args;

    va_start(args, fmt);
    p = hx_vslprintf(buf, (uint8_t *) UINTPTR_MAX, fmt, args);
    va_end(args);

    return p;
}


/*
 * Formats at most max bytes into buf.
 */
uint8_t *
hx_snprintf(uint8_t *buf, size_t max, const char *fmt, ...)
{
    uint8_t  *p;
    va_list   args;

    va_start(args, fmt);
    p = hx_vslprintf(buf, buf + max, fmt, args);
    va_end(args);

    return p;
}


/*
 * Formats into [buf, last).
 */
uint8_t *
hx_slprintf(uint8_t *buf, uint8_t *last, const char *fmt, ...)
{
    uint8_t  *p;
    va_list   args;

    va_start(args, fmt);
    p = hx_vslprintf(buf, last, fmt, args);
    va_end(args);

    return p;
}


/*
 * The formatter behind the hx_*printf family; see hx_string.h for the
 * conversions.  A conversion is "%", then optional "0" (pad with zeros
 * rather than spaces), a decimal width, the modifiers "u" (unsigned), "x"
 * or "X" (hexadecimal, lower or upper case, implies unsigned), "*" (the
 * length of %s comes from a size_t argument) and ".N" (digits after the
 * point for %f), then the type letter.  The width counts digits only: a
 * minus sign is written before the padding.  Output never passes last; a
 * conversion cut short is simply truncated.  Returns the end of output.
 */
uint8_t *
hx_vslprintf(uint8_t *buf, uint8_t *last, const char *fmt, va_list args)
{
    uint8_t     *p, zero;
    int64_t      i64;
    uint64_t     ui64;
    size_t       len, slen;
    hx_str_t    *v;
    hx_msec_t    ms;
    hx_uint_t    width, sign, hex, frac_width;

    while (*fmt && buf < last) {

        if (*fmt != '%') {
            *buf++ = (uint8_t) *fmt++;
            continue;
        }

        fmt++;

        zero = (uint8_t) ((*fmt == '0') ? '0' : ' ');
        width = 0;
        sign = 1;
        hex = 0;
        frac_width = 0;
        slen = (size_t) -1;
        i64 = 0;
        ui64 = 0;

        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (hx_uint_t) (*fmt++ - '0');
        }

        for ( ;; ) {
            switch (*fmt) {

            case 'u':
                sign = 0;
                fmt++;
                continue;

            case 'x':
                hex = 1;
                sign = 0;
                fmt++;
                continue;

            case 'X':
                hex = 2;
                sign = 0;
                fmt++;
                continue;

            case '*':
                slen = va_arg(args, size_t);
                fmt++;
                continue;

            case '.':
                fmt++;
                while (*fmt >= '0' && *fmt <= '9') {
                    frac_width = frac_width * 10 + (hx_uint_t) (*fmt++ - '0');
                }
                break;

            default:
                break;
            }

            break;
        }

        switch (*fmt) {

        case '\0':
            /* a lone '%' at the end of the format */
            return buf;

        case 'V':
            v = va_arg(args, hx_str_t *);
            len = hx_min(v->len, hx_room(buf, last));

            if (len) {
                /* an empty string may have no data at all */
                buf = hx_cpymem(buf, v->data, len);
            }

            fmt++;
            continue;

        case 's':
            p = va_arg(args, uint8_t *);

            if (slen == (size_t) -1) {
                if (p == NULL) {
                    p = (uint8_t *) "(null)";
                }

                while (*p && buf < last) {
                    *buf++ = *p++;
                }

            } else {
                len = hx_min(slen, hx_room(buf, last));
                buf = hx_cpymem(buf, p, len);
            }

            fmt++;
            continue;

        case 'O':
            i64 = (int64_t) va_arg(args, off_t);
            ui64 = (uint64_t) i64;
            break;

        case 'T':
            i64 = (int64_t) va_arg(args, time_t);
            ui64 = (uint64_t) i64;
            break;

        case 'P':
            i64 = (int64_t) va_arg(args, pid_t);
            ui64 = (uint64_t) i64;
            break;

        case 'M':
            /* the "infinite" timer value reads better as -1 */
            ms = va_arg(args, hx_msec_t);
            if (ms == (hx_msec_t) -1) {
                i64 = -1;
                sign = 1;
            } else {
                ui64 = (uint64_t) ms;
                sign = 0;
            }
            break;

        case 'z':
            if (sign) {
                i64 = (int64_t) va_arg(args, ssize_t);
            } else {
                ui64 = (uint64_t) va_arg(args, size_t);
            }
            break;

        case 'i':
            if (sign) {
                i64 = (int64_t) va_arg(args, hx_int_t);
            } else {
                ui64 = (uint64_t) va_arg(args, hx_uint_t);
            }
            break;

        case 'd':
            if (sign) {
                i64 = (int64_t) va_arg(args, int);
            } else {
                ui64 = (uint64_t) va_arg(args, unsigned int);
            }
            break;

        case 'l':
            if (sign) {
                i64 = (int64_t) va_arg(args, long);
            } else {
                ui64 = (uint64_t) va_arg(args, unsigned long);
            }
            break;

        case 'D':
            if (sign) {
                i64 = (int64_t) va_arg(args, int32_t);
            } else {
                ui64 = (uint64_t) va_arg(args, uint32_t);
            }
            break;

        case 'L':
            if (sign) {
                i64 = va_arg(args, int64_t);
            } else {
                ui64 = va_arg(args, uint64_t);
            }
            break;

        case 'f':
            buf = hx_sprintf_double(buf, last, va_arg(args, double), zero,
                                    width, frac_width);
            fmt++;
            continue;

        case 'p':
            ui64 = (uint64_t) (uintptr_t) va_arg(args, void *);
            hex = 1;
            sign = 0;
            zero = '0';
            width = 2 * sizeof(void *);
            break;

        case 'c':
            *buf++ = (uint8_t) (va_arg(args, int) & 0xff);
            fmt++;
            continue;

        case 'Z':
            *buf++ = '\0';
            fmt++;
            continue;

        case 'N':
            *buf++ = LF;
            fmt++;
            continue;

        case '%':
            *buf++ = '%';
            fmt++;
            continue;

        default:
            *buf++ = (uint8_t) *fmt++;
            continue;
        }

        if (sign) {
            if (i64 < 0) {
                *buf++ = '-';
                /* unsigned negation is defined even for INT64_MIN */
                ui64 = (uint64_t) 0 - (uint64_t) i64;

            } else {
                ui64 = (uint64_t) i64;
            }
        }

        buf = hx_sprintf_num(buf, last, ui64, zero, hex, width);

        fmt++;
    }

    return buf;
}


/*
 * Writes ui64 in decimal (hexadecimal 0), lower hex (1) or upper hex (2),
 * left-padded with "zero" to width digits, truncated at last.
 */
static uint8_t *
hx_sprintf_num(uint8_t *buf, uint8_t *last, uint64_t ui64, uint8_t zero,
    hx_uint_t hexadecimal, hx_uint_t width)
{
    uint8_t         *p, temp[HX_INT64_DIGITS];
    size_t           len;
    const uint8_t   *digits;

    static const uint8_t  lower[] = "0123456789abcdef";
    static const uint8_t  upper[] = "0123456789ABCDEF";

    p = temp + sizeof(temp);

    if (hexadecimal == 0) {
        do {
            *--p = (uint8_t) ('0' + ui64 % 10);
            ui64 /= 10;
        } while (ui64);

    } else {
        digits = (hexadecimal == 1) ? lower : upper;

        do {
            *--p = digits[ui64 & 0xf];
            ui64 >>= 4;
        } while (ui64);
    }

    len = (size_t) ((temp + sizeof(temp)) - p);

    while (len < width && buf < last) {
        *buf++ = zero;
        width--;
    }

    len = hx_min(len, hx_room(buf, last));

    return hx_cpymem(buf, p, len);
}


/*
 * "%.Nf": the integer part padded to width, then N rounded decimals.
 * Values beyond 2^64 saturate; NaN and infinities are spelled out.
 */
static uint8_t *
hx_sprintf_double(uint8_t *buf, uint8_t *last, double f, uint8_t zero,
    hx_uint_t width, hx_uint_t frac_width)
{
    uint64_t   ui64, frac, scale;
    hx_uint_t  n;

    if (isnan(f)) {
        return hx_slprintf(buf, last, "nan");
    }

    if (f < 0) {
        *buf++ = '-';
        f = -f;
    }

    if (isinf(f)) {
        return hx_slprintf(buf, last, "inf");
    }

    if (f >= 18446744073709551615.0) {
        ui64 = UINT64_MAX;
        f = 0;

    } else {
        ui64 = (uint64_t) f;
        f -= (double) ui64;
    }

    /* more decimals than 10^19 holds carry no information in a double */
    frac_width = hx_min(frac_width, 19);
    frac = 0;

    if (frac_width) {
        scale = 1;
        for (n = frac_width; n; n--) {
            scale *= 10;
        }

        frac = (uint64_t) (f * (double) scale + 0.5);

        if (frac >= scale) {
            /* 0.999 with two decimals rounds up into the integer part */
            ui64++;
            frac = 0;
        }
    }

    buf = hx_sprintf_num(buf, last, ui64, zero, 0, width);

    if (frac_width) {
        if (buf < last) {
            *buf++ = '.';
        }

        buf = hx_sprintf_num(buf, last, frac, '0', 0, frac_width);
    }

    return buf;
}

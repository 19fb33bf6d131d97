/*
 * Byte-string helpers: a printf for bounded buffers, comparisons, decimal
 * and hex parsers, base64, UTF-8, and the URI/HTML/JSON escapers.
 *
 * Everything works on explicit lengths rather than NUL-terminated strings,
 * because the bytes usually sit inside a network buffer or a config file
 * image that we must not write into.  The formatter is our own small
 * printf instead of libc's: it knows hx_str_t (%V), never allocates,
 * never NUL-terminates behind the caller's back, and stops exactly at the
 * "last" pointer, which is what log lines and response headers need.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <math.h>


#define HX_INT64_DIGITS  (sizeof("18446744073709551615") - 1)


static uint8_t *hx_sprintf_num(uint8_t *buf, uint8_t *last, uint64_t ui64,
    uint8_t zero, hx_uint_t hexadecimal, hx_uint_t width);
static uint8_t *hx_sprintf_double(uint8_t *buf, uint8_t *last, double f,
    uint8_t zero, hx_uint_t width, hx_uint_t frac_width);
static hx_int_t hx_decode_base64_internal(hx_str_t *dst, hx_str_t *src,
    hx_uint_t url);
static void hx_encode_base64_internal(hx_str_t *dst, hx_str_t *src,
    const uint8_t *alphabet, hx_uint_t padding);


/* the room left between buf and last, safe for last == (uint8_t *) -1 */
static inline size_t
hx_room(uint8_t *buf, uint8_t *last)
{
    return (size_t) ((uintptr_t) last - (uintptr_t) buf);
}


/*
 * Lowercases n bytes of src into dst (which may equal src).
 */
void
hx_strlow(uint8_t *dst, uint8_t *src, size_t n)
{
    while (n) {
        *dst = hx_tolower(*src);
        dst++;
        src++;
        n--;
    }
}


/*
 * The length of p up to its first NUL, but at most n.
 */
size_t
hx_strnlen(uint8_t *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (p[i] == '\0') {
            break;
        }
    }

    return i;
}


/*
 * Copies src into dst until a NUL or n - 1 bytes, then terminates dst.
 * Returns the position of the terminating NUL (dst itself when n == 0,
 * in which case nothing is written).
 */
uint8_t *
hx_cpystrn(uint8_t *dst, uint8_t *src, size_t n)
{
    if (n == 0) {
        return dst;
    }

    while (--n) {
        *dst = *src;

        if (*dst == '\0') {
            return dst;
        }

        dst++;
        src++;
    }

    *dst = '\0';

    return dst;
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
            buf = hx_cpymem(buf, v->data, len);
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


/*
 * ASCII case-insensitive comparison of two NUL-terminated strings; the
 * sign of the result orders them like strcmp() on lowercased input.
 */
hx_int_t
hx_strcasecmp(uint8_t *s1, uint8_t *s2)
{
    hx_uint_t  c1, c2;

    for ( ;; ) {
        c1 = hx_tolower(*s1);
        c2 = hx_tolower(*s2);
        s1++;
        s2++;

        if (c1 != c2) {
            return (hx_int_t) c1 - (hx_int_t) c2;
        }

        if (c1 == 0) {
            return 0;
        }
    }
}


/*
 * As hx_strcasecmp() for at most n bytes.
 */
hx_int_t
hx_strncasecmp(uint8_t *s1, uint8_t *s2, size_t n)
{
    hx_uint_t  c1, c2;

    while (n) {
        c1 = hx_tolower(*s1);
        c2 = hx_tolower(*s2);
        s1++;
        s2++;

        if (c1 != c2) {
            return (hx_int_t) c1 - (hx_int_t) c2;
        }

        if (c1 == 0) {
            return 0;
        }

        n--;
    }

    return 0;
}


/*
 * Finds the NUL-terminated s2 within the first n bytes of s1 (s1 may
 * also end earlier at a NUL).  Returns the match or NULL.
 */
uint8_t *
hx_strnstr(uint8_t *s1, char *s2, size_t n)
{
    size_t   len, i;

    len = hx_strlen(s2);

    if (len == 0) {
        return s1;
    }

    for (i = 0; i + len <= n; i++) {
        if (s1[i] == '\0') {
            return NULL;
        }

        if (s1[i] == (uint8_t) s2[0]
            && hx_strncmp(s1 + i, s2, len) == 0)
        {
            return s1 + i;
        }
    }

    return NULL;
}


/*
 * Finds s2 in the NUL-terminated s1, where n is the length of s2 minus
 * one (nginx's convention: callers pass sizeof("lit") - 2).
 */
uint8_t *
hx_strstrn(uint8_t *s1, char *s2, size_t n)
{
    uint8_t  c1, c2;

    c2 = (uint8_t) *s2++;

    do {
        do {
            c1 = *s1++;

            if (c1 == 0) {
                return NULL;
            }

        } while (c1 != c2);

    } while (hx_strncmp(s1, s2, n) != 0);

    return s1 - 1;
}


/*
 * As hx_strstrn(), ignoring ASCII case.
 */
uint8_t *
hx_strcasestrn(uint8_t *s1, char *s2, size_t n)
{
    hx_uint_t  c1, c2;

    c2 = hx_tolower((uint8_t) *s2);
    s2++;

    do {
        do {
            c1 = *s1++;

            if (c1 == 0) {
                return NULL;
            }

            c1 = hx_tolower(c1);

        } while (c1 != c2);

    } while (hx_strncasecmp(s1, (uint8_t *) s2, n) != 0);

    return s1 - 1;
}


/*
 * Finds s2 (already lowercase; n is its length minus one) in [s1, last),
 * ignoring case in s1.  Returns the match or NULL.
 */
uint8_t *
hx_strlcasestrn(uint8_t *s1, uint8_t *last, uint8_t *s2, size_t n)
{
    hx_uint_t  c2;

    c2 = *s2++;

    if ((size_t) (last - s1) <= n) {
        return NULL;
    }

    last -= n;

    for ( /* void */ ; s1 < last; s1++) {
        if (hx_tolower(*s1) == c2
            && hx_strncasecmp(s1 + 1, s2, n) == 0)
        {
            return s1;
        }
    }

    return NULL;
}


/*
 * Compares n bytes from the end backwards: the first difference from the
 * right decides, which is what suffix matching of names wants.
 */
hx_int_t
hx_rstrncmp(uint8_t *s1, uint8_t *s2, size_t n)
{
    while (n) {
        n--;

        if (s1[n] != s2[n]) {
            return (hx_int_t) s1[n] - (hx_int_t) s2[n];
        }
    }

    return 0;
}


/*
 * As hx_rstrncmp(), ignoring ASCII case.
 */
hx_int_t
hx_rstrncasecmp(uint8_t *s1, uint8_t *s2, size_t n)
{
    hx_uint_t  c1, c2;

    while (n) {
        n--;
        c1 = hx_tolower(s1[n]);
        c2 = hx_tolower(s2[n]);

        if (c1 != c2) {
            return (hx_int_t) c1 - (hx_int_t) c2;
        }
    }

    return 0;
}


/*
 * Compares two byte strings of different lengths: bytes first, then the
 * shorter one sorts first.
 */
hx_int_t
hx_memn2cmp(uint8_t *s1, uint8_t *s2, size_t n1, size_t n2)
{
    int  rc;

    rc = hx_memcmp(s1, s2, hx_min(n1, n2));

    if (rc != 0) {
        return rc;
    }

    if (n1 == n2) {
        return 0;
    }

    return (n1 < n2) ? -1 : 1;
}


/*
 * Compares two NUL-terminated host names ignoring case, with '.' ordered
 * before every other character, so that "a.b" sorts before "a-b" and
 * names group by label.
 */
hx_int_t
hx_dns_strcmp(uint8_t *s1, uint8_t *s2)
{
    hx_uint_t  c1, c2;

    for ( ;; ) {
        c1 = hx_tolower(*s1);
        c2 = hx_tolower(*s2);
        s1++;
        s2++;

        if (c1 == c2) {
            if (c1 == 0) {
                return 0;
            }
            continue;
        }

        /* NUL is never '.', so mapping '.' to 1 keeps NUL the lowest */
        c1 = (c1 == '.') ? 1 : c1;
        c2 = (c2 == '.') ? 1 : c2;

        return (hx_int_t) c1 - (hx_int_t) c2;
    }
}


/*
 * Compares at most n bytes of two file names (case-sensitive, as Linux
 * is), with '/' ordered before every other character so that a directory
 * sorts right before its contents.
 */
hx_int_t
hx_filename_cmp(uint8_t *s1, uint8_t *s2, size_t n)
{
    hx_uint_t  c1, c2;

    while (n) {
        c1 = *s1++;
        c2 = *s2++;

        if (c1 == c2) {
            if (c1 == 0) {
                return 0;
            }
            n--;
            continue;
        }

        c1 = (c1 == '/') ? 1 : c1;
        c2 = (c2 == '/') ? 1 : c2;

        return (hx_int_t) c1 - (hx_int_t) c2;
    }

    return 0;
}


/*
 * The shared body of the decimal parsers: digits only, at least one,
 * and no value above max.  Returns the value or -1.
 */
static int64_t
hx_atoi_max(uint8_t *line, size_t n, int64_t max)
{
    int64_t  value, cutoff, cutlim, d;

    if (n == 0) {
        return -1;
    }

    cutoff = max / 10;
    cutlim = max % 10;

    for (value = 0; n--; line++) {
        if (*line < '0' || *line > '9') {
            return -1;
        }

        d = *line - '0';

        if (value > cutoff || (value == cutoff && d > cutlim)) {
            return -1;
        }

        value = value * 10 + d;
    }

    return value;
}


/*
 * A non-negative decimal hx_int_t; HX_ERROR on an empty string, a
 * non-digit or a value above HX_MAX_INT_T_VALUE.
 */
hx_int_t
hx_atoi(uint8_t *line, size_t n)
{
    return (hx_int_t) hx_atoi_max(line, n, HX_MAX_INT_T_VALUE);
}


/*
 * A decimal with at most "point" digits after an optional '.', returned
 * scaled by 10^point: hx_atofp("10.5", 4, 2) == 1050.  HX_ERROR on a
 * second point, too many decimals, a non-digit or overflow.
 */
hx_int_t
hx_atofp(uint8_t *line, size_t n, size_t point)
{
    hx_int_t   value, cutoff, cutlim, d;
    hx_uint_t  dot, digits;

    if (n == 0) {
        return HX_ERROR;
    }

    cutoff = HX_MAX_INT_T_VALUE / 10;
    cutlim = HX_MAX_INT_T_VALUE % 10;
    dot = 0;
    digits = 0;

    for (value = 0; n--; line++) {

        if (*line == '.') {
            if (dot) {
                return HX_ERROR;
            }
            dot = 1;
            continue;
        }

        if (*line < '0' || *line > '9') {
            return HX_ERROR;
        }

        if (dot) {
            if (point == 0) {
                return HX_ERROR;
            }
            point--;
        }

        d = *line - '0';

        if (value > cutoff || (value == cutoff && d > cutlim)) {
            return HX_ERROR;
        }

        value = value * 10 + d;
        digits++;
    }

    if (digits == 0) {
        return HX_ERROR;
    }

    while (point--) {
        if (value > cutoff) {
            return HX_ERROR;
        }
        value *= 10;
    }

    return value;
}


/*
 * As hx_atoi() for ssize_t.
 */
ssize_t
hx_atosz(uint8_t *line, size_t n)
{
    return (ssize_t) hx_atoi_max(line, n, SSIZE_MAX);
}


/*
 * As hx_atoi() for off_t.
 */
off_t
hx_atoof(uint8_t *line, size_t n)
{
    return (off_t) hx_atoi_max(line, n, HX_MAX_OFF_T_VALUE);
}


/*
 * As hx_atoi() for time_t.
 */
time_t
hx_atotm(uint8_t *line, size_t n)
{
    return (time_t) hx_atoi_max(line, n, HX_MAX_TIME_T_VALUE);
}


/*
 * A non-negative hexadecimal hx_int_t, digits in either case, no "0x";
 * HX_ERROR on an empty string, a non-hex-digit or overflow.
 */
hx_int_t
hx_hextoi(uint8_t *line, size_t n)
{
    uint8_t    c;
    hx_int_t   value, d;

    if (n == 0) {
        return HX_ERROR;
    }

    for (value = 0; n--; line++) {
        c = *line;

        if (c >= '0' && c <= '9') {
            d = c - '0';

        } else {
            c = (uint8_t) (c | 0x20);

            if (c >= 'a' && c <= 'f') {
                d = c - 'a' + 10;
            } else {
                return HX_ERROR;
            }
        }

        if (value > (HX_MAX_INT_T_VALUE >> 4)) {
            return HX_ERROR;
        }

        value = (value << 4) | d;
    }

    return value;
}


/*
 * Writes 2 * len lowercase hex digits of src into dst; returns the end.
 */
uint8_t *
hx_hex_dump(uint8_t *dst, uint8_t *src, size_t len)
{
    static const uint8_t  hex[] = "0123456789abcdef";

    while (len--) {
        *dst++ = hex[*src >> 4];
        *dst++ = hex[*src & 0xf];
        src++;
    }

    return dst;
}


/*
 * Standard base64 (RFC 4648 section 4) with '=' padding.  dst->data must
 * hold hx_base64_encoded_length(src->len) bytes; dst->len is set.
 */
void
hx_encode_base64(hx_str_t *dst, hx_str_t *src)
{
    static const uint8_t  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    hx_encode_base64_internal(dst, src, alphabet, 1);
}


/*
 * The URL and file name safe alphabet (RFC 4648 section 5), unpadded
 * as JWTs and most URL users expect.
 */
void
hx_encode_base64url(hx_str_t *dst, hx_str_t *src)
{
    static const uint8_t  alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    hx_encode_base64_internal(dst, src, alphabet, 0);
}


static void
hx_encode_base64_internal(hx_str_t *dst, hx_str_t *src,
    const uint8_t *alphabet, hx_uint_t padding)
{
    uint8_t  *d, *s;
    size_t    len;

    len = src->len;
    s = src->data;
    d = dst->data;

    while (len > 2) {
        *d++ = alphabet[s[0] >> 2];
        *d++ = alphabet[((s[0] & 0x03) << 4) | (s[1] >> 4)];
        *d++ = alphabet[((s[1] & 0x0f) << 2) | (s[2] >> 6)];
        *d++ = alphabet[s[2] & 0x3f];

        s += 3;
        len -= 3;
    }

    if (len) {
        *d++ = alphabet[s[0] >> 2];

        if (len == 1) {
            *d++ = alphabet[(s[0] & 0x03) << 4];
            if (padding) {
                *d++ = '=';
            }

        } else {
            *d++ = alphabet[((s[0] & 0x03) << 4) | (s[1] >> 4)];
            *d++ = alphabet[(s[1] & 0x0f) << 2];
        }

        if (padding) {
            *d++ = '=';
        }
    }

    dst->len = (size_t) (d - dst->data);
}


/*
 * Decodes standard base64.  Padding is optional but, when present, only
 * '=' may follow it.  dst->data must hold
 * hx_base64_decoded_length(src->len) bytes.  HX_ERROR on a character
 * outside the alphabet or an impossible length (4k + 1 symbols).
 */
hx_int_t
hx_decode_base64(hx_str_t *dst, hx_str_t *src)
{
    return hx_decode_base64_internal(dst, src, 0);
}


/*
 * As hx_decode_base64() with the URL-safe alphabet.
 */
hx_int_t
hx_decode_base64url(hx_str_t *dst, hx_str_t *src)
{
    return hx_decode_base64_internal(dst, src, 1);
}


/* the 6-bit value of a base64 symbol, or 0xff */
static inline uint8_t
hx_base64_value(uint8_t c, hx_uint_t url)
{
    if (c >= 'A' && c <= 'Z') {
        return (uint8_t) (c - 'A');
    }

    if (c >= 'a' && c <= 'z') {
        return (uint8_t) (c - 'a' + 26);
    }

    if (c >= '0' && c <= '9') {
        return (uint8_t) (c - '0' + 52);
    }

    if (c == (url ? '-' : '+')) {
        return 62;
    }

    if (c == (url ? '_' : '/')) {
        return 63;
    }

    return 0xff;
}


static hx_int_t
hx_decode_base64_internal(hx_str_t *dst, hx_str_t *src, hx_uint_t url)
{
    uint8_t   *d, *s, v[4];
    size_t     len, i, n;
    uint32_t   bits;

    for (len = 0; len < src->len; len++) {
        if (src->data[len] == '=') {
            break;
        }

        if (hx_base64_value(src->data[len], url) == 0xff) {
            return HX_ERROR;
        }
    }

    for (i = len; i < src->len; i++) {
        if (src->data[i] != '=') {
            return HX_ERROR;
        }
    }

    if (len % 4 == 1 || src->len - len > 2) {
        return HX_ERROR;
    }

    s = src->data;
    d = dst->data;

    while (len) {
        n = hx_min(len, 4);

        bits = 0;
        for (i = 0; i < 4; i++) {
            v[i] = (i < n) ? hx_base64_value(s[i], url) : 0;
            bits = (bits << 6) | v[i];
        }

        *d++ = (uint8_t) (bits >> 16);

        if (n > 2) {
            *d++ = (uint8_t) (bits >> 8);
        }

        if (n > 3) {
            *d++ = (uint8_t) bits;
        }

        s += n;
        len -= n;
    }

    dst->len = (size_t) (d - dst->data);

    return HX_OK;
}


/*
 * Decodes one UTF-8 character of at most n bytes at *p and advances *p
 * past it.  Returns the code point; 0xffffffff for an invalid sequence
 * (stray continuation byte, overlong form, surrogate, beyond U+10FFFF,
 * bad continuation; *p then moves one byte) and 0xfffffffe when the
 * character is cut short by n (*p does not move).
 */
uint32_t
hx_utf8_decode(uint8_t **p, size_t n)
{
    uint8_t   c, b;
    size_t    len, i;
    uint32_t  u, min;

    if (n == 0) {
        return 0xfffffffe;
    }

    c = **p;

    if (c < 0x80) {
        (*p)++;
        return c;
    }

    if (c >= 0xc2 && c <= 0xdf) {
        u = c & 0x1f;
        len = 1;
        min = 0x80;

    } else if (c >= 0xe0 && c <= 0xef) {
        u = c & 0x0f;
        len = 2;
        min = 0x800;

    } else if (c >= 0xf0 && c <= 0xf4) {
        u = c & 0x07;
        len = 3;
        min = 0x10000;

    } else {
        (*p)++;
        return 0xffffffff;
    }

    if (n - 1 < len) {
        return 0xfffffffe;
    }

    for (i = 1; i <= len; i++) {
        b = (*p)[i];

        if ((b & 0xc0) != 0x80) {
            (*p)++;
            return 0xffffffff;
        }

        u = (u << 6) | (b & 0x3f);
    }

    if (u < min || u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) {
        (*p)++;
        return 0xffffffff;
    }

    *p += len + 1;

    return u;
}


/*
 * The number of characters in n bytes of UTF-8, or n itself when the
 * bytes are not valid UTF-8 (so callers can fall back to byte counts).
 */
size_t
hx_utf8_length(uint8_t *p, size_t n)
{
    uint8_t  *last;
    size_t    len;

    last = p + n;

    for (len = 0; p < last; len++) {
        if (hx_utf8_decode(&p, (size_t) (last - p)) > 0x10ffff) {
            return n;
        }
    }

    return len;
}


/*
 * Copies at most n - 1 whole UTF-8 characters from the len bytes at src
 * into dst and NUL-terminates it; stops early at a NUL, at an invalid or
 * truncated character, or when src runs out.  Returns the NUL's position.
 */
uint8_t *
hx_utf8_cpystrn(uint8_t *dst, uint8_t *src, size_t n, size_t len)
{
    uint8_t  *next;

    if (n == 0) {
        return dst;
    }

    while (--n && len) {

        if (*src == '\0') {
            break;
        }

        next = src;

        if (hx_utf8_decode(&next, len) > 0x10ffff) {
            break;
        }

        len -= (size_t) (next - src);

        while (src < next) {
            *dst++ = *src++;
        }
    }

    *dst = '\0';

    return dst;
}


/*
 * Escape sets, one bit per byte value (word = byte >> 5, bit = byte & 31).
 * RFC 3986 section 2 splits printable ASCII into unreserved characters,
 * reserved delimiters that keep their meaning, and characters that may
 * never appear in a URI: space " < > \ ^ ` { | } ("not allowed" below).
 * Controls, DEL and non-ASCII bytes are never allowed either.  Each set
 * adds what would change the meaning of the text in its context.
 */

#define HX_ESC_CTL    0xffffffff   /* 0x00-0x1f */
#define HX_ESC_HIGH   0xffffffff   /* 0x80-0xff, per word */

/* a path: "not allowed" plus "#", "%", "?" */
static const uint32_t  hx_escape_uri_set[] = {
    HX_ESC_CTL,
    0xd000002d,     /* 0x20-0x3f: space " # % < > ? */
    0x50000000,     /* 0x40-0x5f: \ ^ */
    0xb8000001,     /* 0x60-0x7f: ` { | } DEL */
    HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH
};

/* a query string: the path set plus the separators "&", "+", ";" */
static const uint32_t  hx_escape_args_set[] = {
    HX_ESC_CTL,
    0xd800086d,     /* 0x20-0x3f: space " # % & + ; < > ? */
    0x50000000,     /* 0x40-0x5f: \ ^ */
    0xb8000001,     /* 0x60-0x7f: ` { | } DEL */
    HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH
};

/* one component: everything but ALPHA, DIGIT, "-", ".", "_", "~" */
static const uint32_t  hx_escape_component_set[] = {
    HX_ESC_CTL,
    0xfc009fff,     /* 0x20-0x3f: all but - . 0-9 */
    0x78000001,     /* 0x40-0x5f: @ [ \ ] ^ */
    0xb8000001,     /* 0x60-0x7f: ` { | } DEL */
    HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH
};

/* a URI inside an HTML attribute: "not allowed" plus "#", "%", "'" */
static const uint32_t  hx_escape_html_set[] = {
    HX_ESC_CTL,
    0x500000ad,     /* 0x20-0x3f: space " # % ' < > */
    0x50000000,     /* 0x40-0x5f: \ ^ */
    0xb8000001,     /* 0x60-0x7f: ` { | } DEL */
    HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH
};

/* a URI in a Refresh header or meta tag: "not allowed" plus "'" */
static const uint32_t  hx_escape_refresh_set[] = {
    HX_ESC_CTL,
    0x50000085,     /* 0x20-0x3f: space " ' < > */
    0x50000000,     /* 0x40-0x5f: \ ^ */
    0xb8000001,     /* 0x60-0x7f: ` { | } DEL */
    HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH, HX_ESC_HIGH
};

/*
 * A memcached key or a mail auth header value: the text protocol splits on
 * spaces and lines, so controls, space and the escape character itself go;
 * other bytes, 8-bit ones included, are passed as they are.
 */
static const uint32_t  hx_escape_memcached_set[] = {
    HX_ESC_CTL,
    0x00000021,     /* 0x20-0x3f: space % */
    0, 0, 0, 0, 0, 0
};

static const uint32_t  *hx_escape_sets[] = {
    hx_escape_uri_set,          /* HX_ESCAPE_URI */
    hx_escape_args_set,         /* HX_ESCAPE_ARGS */
    hx_escape_component_set,    /* HX_ESCAPE_URI_COMPONENT */
    hx_escape_html_set,         /* HX_ESCAPE_HTML */
    hx_escape_refresh_set,      /* HX_ESCAPE_REFRESH */
    hx_escape_memcached_set,    /* HX_ESCAPE_MEMCACHED */
    hx_escape_memcached_set     /* HX_ESCAPE_MAIL_AUTH */
};


/*
 * Percent-encodes (upper-case hex) the bytes of src that the set chosen
 * by type marks.  With dst == NULL it only counts them, so the caller
 * sizes dst as size + 2 * count; otherwise it returns the end of dst.
 */
uintptr_t
hx_escape_uri(uint8_t *dst, uint8_t *src, size_t size, hx_uint_t type)
{
    uint8_t          c;
    hx_uint_t        n;
    const uint32_t  *set;

    static const uint8_t  hex[] = "0123456789ABCDEF";

    if (type >= hx_nelems(hx_escape_sets)) {
        type = HX_ESCAPE_URI_COMPONENT;
    }

    set = hx_escape_sets[type];

    if (dst == NULL) {
        n = 0;

        while (size--) {
            c = *src++;
            if (set[c >> 5] & (1U << (c & 0x1f))) {
                n++;
            }
        }

        return (uintptr_t) n;
    }

    while (size--) {
        c = *src++;

        if (set[c >> 5] & (1U << (c & 0x1f))) {
            *dst++ = '%';
            *dst++ = hex[c >> 4];
            *dst++ = hex[c & 0xf];

        } else {
            *dst++ = c;
        }
    }

    return (uintptr_t) dst;
}


/* the value of a hex digit, or -1 */
static inline int
hx_hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c = (uint8_t) (c | 0x20);

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/*
 * Decodes %XX sequences of size bytes at *src into *dst (which may be
 * *src: the output never outgrows the input) and advances both.  A '%'
 * not followed by two hex digits is copied as it is.
 *
 * HX_UNESCAPE_URI and HX_UNESCAPE_REDIRECT end at the query: a '?' (literal
 * or decoded from %3F) is copied, *src is left just after it, and the rest
 * stays undecoded for the caller.  HX_UNESCAPE_REDIRECT also keeps encoded
 * whatever must stay encoded in a Location header: bytes up to '%' and
 * from DEL up.
 */
void
hx_unescape_uri(uint8_t **dst, uint8_t **src, size_t size, hx_uint_t type)
{
    int       hi, lo;
    uint8_t  *d, *s, ch;

    d = *dst;
    s = *src;

    while (size) {
        ch = *s;

        if (ch == '?' && (type & (HX_UNESCAPE_URI|HX_UNESCAPE_REDIRECT))) {
            *d++ = ch;
            s++;
            break;
        }

        if (ch != '%' || size < 3
            || (hi = hx_hex_value(s[1])) < 0
            || (lo = hx_hex_value(s[2])) < 0)
        {
            *d++ = ch;
            s++;
            size--;
            continue;
        }

        ch = (uint8_t) ((hi << 4) | lo);

        if (ch == '?' && (type & (HX_UNESCAPE_URI|HX_UNESCAPE_REDIRECT))) {
            *d++ = ch;
            s += 3;
            break;
        }

        if ((type & HX_UNESCAPE_REDIRECT) && (ch <= '%' || ch >= 0x7f)) {
            /* s may alias d, which is behind it: copy in order */
            *d++ = s[0];
            *d++ = s[1];
            *d++ = s[2];

        } else {
            *d++ = ch;
        }

        s += 3;
        size -= 3;
    }

    *dst = d;
    *src = s;
}


/*
 * Replaces < > & " with their HTML entities.  With dst == NULL returns
 * how many bytes the escaping adds; otherwise the end of dst.
 */
uintptr_t
hx_escape_html(uint8_t *dst, uint8_t *src, size_t size)
{
    uint8_t  ch;
    size_t   len;

    if (dst == NULL) {
        len = 0;

        while (size--) {
            switch (*src++) {
            case '<':
            case '>':
                len += sizeof("&lt;") - 2;
                break;
            case '&':
                len += sizeof("&amp;") - 2;
                break;
            case '"':
                len += sizeof("&quot;") - 2;
                break;
            default:
                break;
            }
        }

        return (uintptr_t) len;
    }

    while (size--) {
        ch = *src++;

        switch (ch) {
        case '<':
            dst = hx_cpymem(dst, "&lt;", sizeof("&lt;") - 1);
            break;
        case '>':
            dst = hx_cpymem(dst, "&gt;", sizeof("&gt;") - 1);
            break;
        case '&':
            dst = hx_cpymem(dst, "&amp;", sizeof("&amp;") - 1);
            break;
        case '"':
            dst = hx_cpymem(dst, "&quot;", sizeof("&quot;") - 1);
            break;
        default:
            *dst++ = ch;
            break;
        }
    }

    return (uintptr_t) dst;
}


/*
 * Escapes for a JSON string body (RFC 8259 section 7): '"' and '\' get
 * a backslash, controls become \n \r \t \b \f or \u00XX; other bytes,
 * UTF-8 included, pass through.  With dst == NULL returns how many bytes
 * the escaping adds; otherwise the end of dst.
 */
uintptr_t
hx_escape_json(uint8_t *dst, uint8_t *src, size_t size)
{
    uint8_t  ch;
    size_t   len;

    static const uint8_t  hex[] = "0123456789abcdef";

    if (dst == NULL) {
        len = 0;

        while (size--) {
            ch = *src++;

            if (ch == '"' || ch == '\\') {
                len++;

            } else if (ch < 0x20) {
                if (ch == '\n' || ch == '\r' || ch == '\t'
                    || ch == '\b' || ch == '\f')
                {
                    len++;
                } else {
                    len += sizeof("\\u001f") - 2;
                }
            }
        }

        return (uintptr_t) len;
    }

    while (size--) {
        ch = *src++;

        if (ch > 0x1f && ch != '"' && ch != '\\') {
            *dst++ = ch;
            continue;
        }

        *dst++ = '\\';

        switch (ch) {
        case '"':
        case '\\':
            *dst++ = ch;
            break;
        case '\n':
            *dst++ = 'n';
            break;
        case '\r':
            *dst++ = 'r';
            break;
        case '\t':
            *dst++ = 't';
            break;
        case '\b':
            *dst++ = 'b';
            break;
        case '\f':
            *dst++ = 'f';
            break;
        default:
            *dst++ = 'u';
            *dst++ = '0';
            *dst++ = '0';
            *dst++ = hex[ch >> 4];
            *dst++ = hex[ch & 0xf];
            break;
        }
    }

    return (uintptr_t) dst;
}


/*
 * Stable insertion sort of n elements of size bytes.  Used on short
 * configuration-time arrays where equal keys must keep their order (which
 * qsort() does not promise).  If no temporary element can be allocated
 * the array is left as it was.
 */
void
hx_sort(void *base, size_t n, size_t size,
    hx_int_t (*cmp)(const void *, const void *))
{
    uint8_t  *p1, *p2, *tmp;
    uint8_t   stack[128];

    if (n < 2 || size == 0) {
        return;
    }

    if (size <= sizeof(stack)) {
        tmp = stack;

    } else {
        tmp = malloc(size);
        if (tmp == NULL) {
            return;
        }
    }

    for (p1 = (uint8_t *) base + size;
         p1 < (uint8_t *) base + n * size;
         p1 += size)
    {
        /* find where *p1 goes: after the last element not greater */
        p2 = p1;

        while (p2 > (uint8_t *) base && cmp(p2 - size, p1) > 0) {
            p2 -= size;
        }

        if (p2 == p1) {
            continue;
        }

        hx_memcpy(tmp, p1, size);
        hx_memmove(p2 + size, p2, (size_t) (p1 - p2));
        hx_memcpy(p2, tmp, size);
    }

    if (tmp != stack) {
        free(tmp);
    }
}

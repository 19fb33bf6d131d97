/*
 * Byte-string helpers: copying, comparisons, decimal and hex parsers,
 * and a stable sort.  Everything works on explicit lengths rather than
 * NUL-terminated strings, because the bytes usually sit inside a network
 * buffer or a config file image that we must not write into.  The
 * formatter lives in hx_sprintf.c, the encoders in hx_string_codec.c.
 */

#include <hx_config.h>
#include <hx_core.h>


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

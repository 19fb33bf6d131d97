/*
 * Encodings of byte strings: base64 (standard and URL-safe), UTF-8
 * decoding, and the URI, HTML and JSON escapers.  The escape sets are
 * bitmaps worked out from RFC 3986, one per context, so that escaping
 * is a table lookup per byte.
 */

#include <hx_config.h>
#include <hx_core.h>


static hx_int_t hx_decode_base64_internal(hx_str_t *dst, hx_str_t *src,
    hx_uint_t url);
static void hx_encode_base64_internal(hx_str_t *dst, hx_str_t *src,
    const uint8_t *alphabet, hx_uint_t padding);


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

    static const uint8_t  hex[] = "0123456789ABCDEF";

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

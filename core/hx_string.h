/*
 * Length-carrying strings and the byte helpers built on them.  Strings are
 * not NUL-terminated unless a function says so; hx_str_t is what the config
 * parser, the HTTP parser and the logger all pass around.
 */

#ifndef HX_CORE_HX_STRING_H
#define HX_CORE_HX_STRING_H


typedef struct {
    size_t      len;
    uint8_t    *data;
} hx_str_t;


typedef struct {
    hx_str_t    key;
    hx_str_t    value;
} hx_keyval_t;


#define hx_string(str)     { sizeof(str) - 1, (uint8_t *) str }
#define hx_null_string     { 0, NULL }
#define hx_str_set(str, text)                                                 \
    (str)->len = sizeof(text) - 1; (str)->data = (uint8_t *) text
#define hx_str_null(str)   (str)->len = 0; (str)->data = NULL

#define hx_tolower(c)      (uint8_t) ((c >= 'A' && c <= 'Z') ? (c | 0x20) : c)
#define hx_toupper(c)      (uint8_t) ((c >= 'a' && c <= 'z') ? (c & ~0x20) : c)

#define hx_strncmp(s1, s2, n)  strncmp((const char *) s1, (const char *) s2, n)
#define hx_strcmp(s1, s2)      strcmp((const char *) s1, (const char *) s2)
#define hx_strstr(s1, s2)      strstr((const char *) s1, (const char *) s2)
#define hx_strlen(s)           strlen((const char *) s)
#define hx_strchr(s1, c)       strchr((const char *) s1, (int) c)
#define hx_memzero(buf, n)     (void) memset(buf, 0, n)
#define hx_memset(buf, c, n)   (void) memset(buf, c, n)
#define hx_memcpy(dst, src, n) (void) memcpy(dst, src, n)
#define hx_cpymem(dst, src, n) (((uint8_t *) memcpy(dst, src, n)) + (n))
#define hx_memmove(dst, src, n) (void) memmove(dst, src, n)
#define hx_movemem(dst, src, n) (((uint8_t *) memmove(dst, src, n)) + (n))
#define hx_memcmp(s1, s2, n)   memcmp((const char *) s1, (const char *) s2, n)

/* equal length and equal bytes */
#define hx_str_eq(a, b)                                                       \
    ((a)->len == (b)->len && hx_memcmp((a)->data, (b)->data, (a)->len) == 0)

static inline uint8_t *
hx_strlchr(uint8_t *p, uint8_t *last, uint8_t c)
{
    while (p < last) {
        if (*p == c) {
            return p;
        }
        p++;
    }
    return NULL;
}


void hx_strlow(uint8_t *dst, uint8_t *src, size_t n);
size_t hx_strnlen(uint8_t *p, size_t n);

/* copies at most n - 1 bytes and always NUL-terminates; returns the NUL */
uint8_t *hx_cpystrn(uint8_t *dst, uint8_t *src, size_t n);

/*
 * printf-like formatting into a byte buffer, never NUL-terminating unless
 * the format ends in "%Z".  Conversions, as nginx's:
 *   %[0][width][x][X]O  off_t          %T  time_t         %z/%uz ssize_t/size_t
 *   %[0][width][x][X]d  int            %ui/%i hx_uint_t/hx_int_t
 *   %l / %ul long      %L/%uL int64_t/uint64_t   %D/%uD int32_t/uint32_t
 *   %M  hx_msec_t      %f  double (%.Nf)          %p  pointer
 *   %V  hx_str_t *     %v  unused     %s  NUL-terminated (%*s with length)
 *   %c  char           %Z  '\0'       %N  '\n'    %%  '%'
 * hx_slprintf() stops at "last"; hx_snprintf() at buf + max.
 * Each returns a pointer past the last byte written.
 */
uint8_t *hx_sprintf(uint8_t *buf, const char *fmt, ...);
uint8_t *hx_snprintf(uint8_t *buf, size_t max, const char *fmt, ...);
uint8_t *hx_slprintf(uint8_t *buf, uint8_t *last, const char *fmt, ...);
uint8_t *hx_vslprintf(uint8_t *buf, uint8_t *last, const char *fmt,
    va_list args);
#define hx_vsnprintf(buf, max, fmt, args)                                     \
    hx_vslprintf(buf, buf + (max), fmt, args)

hx_int_t hx_strcasecmp(uint8_t *s1, uint8_t *s2);
hx_int_t hx_strncasecmp(uint8_t *s1, uint8_t *s2, size_t n);
uint8_t *hx_strnstr(uint8_t *s1, char *s2, size_t n);
uint8_t *hx_strstrn(uint8_t *s1, char *s2, size_t n);
uint8_t *hx_strcasestrn(uint8_t *s1, char *s2, size_t n);
uint8_t *hx_strlcasestrn(uint8_t *s1, uint8_t *last, uint8_t *s2, size_t n);
hx_int_t hx_rstrncmp(uint8_t *s1, uint8_t *s2, size_t n);
hx_int_t hx_rstrncasecmp(uint8_t *s1, uint8_t *s2, size_t n);
hx_int_t hx_memn2cmp(uint8_t *s1, uint8_t *s2, size_t n1, size_t n2);
hx_int_t hx_dns_strcmp(uint8_t *s1, uint8_t *s2);
hx_int_t hx_filename_cmp(uint8_t *s1, uint8_t *s2, size_t n);

/* decimal parsers: HX_ERROR on an empty string, a non-digit or overflow */
hx_int_t hx_atoi(uint8_t *line, size_t n);
hx_int_t hx_atofp(uint8_t *line, size_t n, size_t point);
ssize_t hx_atosz(uint8_t *line, size_t n);
off_t hx_atoof(uint8_t *line, size_t n);
time_t hx_atotm(uint8_t *line, size_t n);
hx_int_t hx_hextoi(uint8_t *line, size_t n);

uint8_t *hx_hex_dump(uint8_t *dst, uint8_t *src, size_t len);

#define hx_base64_encoded_length(len)  (((len + 2) / 3) * 4)
#define hx_base64_decoded_length(len)  (((len + 3) / 4) * 3)
void hx_encode_base64(hx_str_t *dst, hx_str_t *src);
void hx_encode_base64url(hx_str_t *dst, hx_str_t *src);
hx_int_t hx_decode_base64(hx_str_t *dst, hx_str_t *src);
hx_int_t hx_decode_base64url(hx_str_t *dst, hx_str_t *src);

/* returns the code point, 0xffffffff on invalid and 0xfffffffe if short */
uint32_t hx_utf8_decode(uint8_t **p, size_t n);
size_t hx_utf8_length(uint8_t *p, size_t n);
uint8_t *hx_utf8_cpystrn(uint8_t *dst, uint8_t *src, size_t n, size_t len);

#define HX_ESCAPE_URI            0
#define HX_ESCAPE_ARGS           1
#define HX_ESCAPE_URI_COMPONENT  2
#define HX_ESCAPE_HTML           3
#define HX_ESCAPE_REFRESH        4
#define HX_ESCAPE_MEMCACHED      5
#define HX_ESCAPE_MAIL_AUTH      6

#define HX_UNESCAPE_URI       1
#define HX_UNESCAPE_REDIRECT  2

/*
 * With dst == NULL returns the number of bytes that need escaping; otherwise
 * writes and returns (uintptr_t) the end of dst.
 */
uintptr_t hx_escape_uri(uint8_t *dst, uint8_t *src, size_t size,
    hx_uint_t type);
void hx_unescape_uri(uint8_t **dst, uint8_t **src, size_t size,
    hx_uint_t type);
uintptr_t hx_escape_html(uint8_t *dst, uint8_t *src, size_t size);
uintptr_t hx_escape_json(uint8_t *dst, uint8_t *src, size_t size);

void hx_sort(void *base, size_t n, size_t size,
    hx_int_t (*cmp)(const void *, const void *));
#define hx_qsort             qsort

#endif /* HX_CORE_HX_STRING_H */

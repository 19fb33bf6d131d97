/*
 * The two escapes of log_format (see hx_http_log_escape.h): plain loops
 * over the bytes, measuring first so that a line is allocated once.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_http_log_escape.h>


/*
 * The default escaping: '"', '\\', control bytes and bytes from 0x7f up
 * become "\xHH".  With dst NULL, returns how many bytes need it.
 */
uintptr_t
hx_http_log_escape(uint8_t *dst, uint8_t *src, size_t size)
{
    static const uint8_t  hex[] = "0123456789ABCDEF";

    uint8_t    ch;
    hx_uint_t  n;

    if (dst == NULL) {
        n = 0;

        while (size--) {
            ch = *src++;

            if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
                n++;
            }
        }

        return (uintptr_t) n;
    }

    while (size--) {
        ch = *src++;

        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
            *dst++ = '\\';
            *dst++ = 'x';
            *dst++ = hex[ch >> 4];
            *dst++ = hex[ch & 0xf];

        } else {
            *dst++ = ch;
        }
    }

    return (uintptr_t) dst;
}


/*
 * JSON string escaping as nginx's escape=json writes it: the two-letter
 * escapes, and "\u00XX" with uppercase hex for the other control bytes
 * (log parsers compare the lines byte for byte).  With dst NULL, returns
 * the number of extra bytes.
 */
uintptr_t
hx_http_log_escape_json(uint8_t *dst, uint8_t *src, size_t size)
{
    static const uint8_t  hex[] = "0123456789ABCDEF";

    uint8_t  ch;
    size_t   len;

    if (dst == NULL) {
        len = 0;

        while (size--) {
            ch = *src++;

            if (ch == '"' || ch == '\\') {
                len++;

            } else if (ch < 0x20) {
                len += (ch == '\n' || ch == '\r' || ch == '\t'
                        || ch == '\b' || ch == '\f')
                       ? 1 : sizeof("\\u001F") - 2;
            }
        }

        return (uintptr_t) len;
    }

    while (size--) {
        ch = *src++;

        if (ch >= 0x20 && ch != '"' && ch != '\\') {
            *dst++ = ch;
            continue;
        }

        *dst++ = '\\';

        switch (ch) {
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
        case '"':
        case '\\':
            *dst++ = ch;
            break;
        default:
            *dst++ = 'u';
            *dst++ = '0';
            *dst++ = '0';
            *dst++ = hex[ch >> 4];
            *dst++ = hex[ch & 0xf];
        }
    }

    return (uintptr_t) dst;
}

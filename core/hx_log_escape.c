/*
 * The escape= modes of log_format (see hx_log_escape.h).  Each escape
 * can first measure (dst NULL) and then write, so that a log line is
 * allocated once at its final length; the JSON one is the core's JSON
 * string escape, which already writes what nginx's escape=json does.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_log_escape.h>


#define hx_log_escape_byte(ch)                                               \
    ((ch) < 0x20 || (ch) >= 0x7f || (ch) == '"' || (ch) == '\\')


hx_int_t
hx_log_escape_param(hx_conf_t *cf, hx_str_t *word, hx_uint_t *mode)
{
    uint8_t  *name;

    if (hx_strncmp(word->data, "escape=", 7) != 0) {
        return HX_DECLINED;
    }

    name = word->data + 7;

    if (hx_strcmp(name, "default") == 0) {
        *mode = HX_LOG_ESCAPE_DEFAULT;

    } else if (hx_strcmp(name, "json") == 0) {
        *mode = HX_LOG_ESCAPE_JSON;

    } else if (hx_strcmp(name, "none") == 0) {
        *mode = HX_LOG_ESCAPE_NONE;

    } else {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "unknown log format escaping \"%s\"", name);
        return HX_ERROR;
    }

    return HX_OK;
}


uintptr_t
hx_log_escape(uint8_t *dst, uint8_t *src, size_t size)
{
    static const uint8_t  hex[] = "0123456789ABCDEF";

    uint8_t    ch;
    hx_uint_t  n;

    if (dst == NULL) {
        n = 0;

        while (size--) {
            ch = *src++;
            n += hx_log_escape_byte(ch);
        }

        return (uintptr_t) n;
    }

    while (size--) {
        ch = *src++;

        if (hx_log_escape_byte(ch)) {
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


size_t
hx_log_escape_value(hx_uint_t mode, uint8_t *dst, uint8_t *src, size_t size)
{
    if (size == 0) {
        return 0;
    }

    switch (mode) {

    case HX_LOG_ESCAPE_NONE:
        if (dst) {
            hx_memcpy(dst, src, size);
        }

        return size;

    case HX_LOG_ESCAPE_JSON:
        if (dst == NULL) {
            return size + hx_escape_json(NULL, src, size);
        }

        return (uint8_t *) hx_escape_json(dst, src, size) - dst;

    default: /* HX_LOG_ESCAPE_DEFAULT */
        if (dst == NULL) {
            return size + hx_log_escape(NULL, src, size) * 3;
        }

        return (uint8_t *) hx_log_escape(dst, src, size) - dst;
    }
}

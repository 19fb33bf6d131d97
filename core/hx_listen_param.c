/*
 * Listen parameters shared by http's and stream's "listen" (see
 * hx_listen_param.h).  The result is a small struct rather than either
 * subsystem's listen options, so that their layouts stay their own and
 * each copies the few fields it keeps.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_listen_param.h>


hx_int_t
hx_listen_parse_keepalive(hx_conf_t *cf, hx_str_t *word,
    hx_listen_keepalive_t *ka)
{
    int        *field[3];
    uint8_t    *p, *end;
    hx_int_t    v;
    hx_str_t    s;
    hx_uint_t   i;

    hx_memzero(ka, sizeof(hx_listen_keepalive_t));

    s.data = word->data + sizeof("so_keepalive=") - 1;
    end = word->data + word->len;

    if (hx_strcmp(s.data, "on") == 0) {
        ka->mode = 1;
        return HX_OK;
    }

    if (hx_strcmp(s.data, "off") == 0) {
        ka->mode = 2;
        return HX_OK;
    }

    field[0] = &ka->idle;
    field[1] = &ka->intvl;
    field[2] = &ka->cnt;

    /* the last field takes the rest, so a fourth one fails to parse */

    for (i = 0; i < 3; i++) {
        p = (i < 2) ? hx_strlchr(s.data, end, ':') : NULL;
        if (p == NULL) {
            p = end;
        }

        s.len = p - s.data;

        if (s.len) {
            v = (i < 2) ? (hx_int_t) hx_parse_time(&s, 1)
                        : hx_atoi(s.data, s.len);

            if (v == HX_ERROR || v > INT_MAX) {
                goto invalid;
            }

            *field[i] = (int) v;
        }

        s.data = (p < end) ? p + 1 : end;
    }

    if (ka->idle == 0 && ka->intvl == 0 && ka->cnt == 0) {
        goto invalid;
    }

    ka->mode = 1;

    return HX_OK;

invalid:

    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                      "invalid so_keepalive value: \"%s\"",
                      word->data + sizeof("so_keepalive=") - 1);

    return HX_ERROR;
}

/*
 * The split_clients table for the http and stream modules.
 *
 * Percentages are read in hundredths ("0.5%" is 50) and made cumulative
 * bounds in the hash space: part i takes the hashes below the sum of
 * the first i percentages, scaled to 0xffffffff one part at a time (as
 * nginx rounds, so hanx and nginx agree on every key).  "*", or the
 * part that brings the sum to exactly 100%, gets bound 0: everything
 * left.  A lookup walks the few parts in order.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_split_clients.h>


static char *hx_split_clients_line(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);
static char *hx_split_clients_bounds(hx_conf_t *cf, hx_split_clients_t *sc);


char *
hx_split_clients_block(hx_conf_t *cf, hx_split_clients_t *sc)
{
    char       *rv;
    hx_conf_t   save;

    if (hx_array_init(&sc->parts, cf->pool, 2,
                      sizeof(hx_split_clients_part_t))
        != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    save = *cf;
    cf->ctx = sc;
    cf->handler = hx_split_clients_line;
    cf->handler_conf = NULL;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    return hx_split_clients_bounds(cf, sc);
}


hx_str_t *
hx_split_clients_find(hx_split_clients_t *sc, hx_str_t *key, hx_log_t *log)
{
    uint32_t                  hash;
    hx_uint_t                 i;
    hx_split_clients_part_t  *part;

    (void) log;

    hash = hx_murmur_hash2(key->data, key->len);

    part = sc->parts.elts;

    for (i = 0; i < sc->parts.nelts; i++) {

        hx_log_debug(HX_LOG_DEBUG_CORE, log, 0,
                     "split: %uD %uD", hash, part[i].bound);

        if (hash < part[i].bound || part[i].bound == 0) {
            return &part[i].value;
        }
    }

    return NULL;
}


/* one "percent value;" line */
static char *
hx_split_clients_line(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_int_t                  n;
    hx_str_t                 *value;
    hx_split_clients_t       *sc;
    hx_split_clients_part_t  *part;

    (void) dummy;
    (void) conf;

    sc = cf->ctx;
    value = cf->args->elts;

    if (cf->args->nelts != 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number of the split_clients parameters");
        return HX_CONF_ERROR;
    }

    part = hx_array_push(&sc->parts);
    if (part == NULL) {
        return HX_CONF_ERROR;
    }

    part->value = value[1];

    if (value[0].len == 1 && value[0].data[0] == '*') {
        part->bound = 0;
        return HX_CONF_OK;
    }

    n = HX_ERROR;

    if (value[0].len > 0 && value[0].data[value[0].len - 1] == '%') {
        n = hx_atofp(value[0].data, value[0].len - 1, 2);
    }

    if (n == HX_ERROR || n == 0) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid percent value \"%V\"", &value[0]);
        return HX_CONF_ERROR;
    }

    part->bound = (uint32_t) n;

    return HX_CONF_OK;
}


/* percentages (in hundredths) become cumulative upper bounds */
static char *
hx_split_clients_bounds(hx_conf_t *cf, hx_split_clients_t *sc)
{
    uint32_t                  sum, last;
    hx_uint_t                 i;
    hx_split_clients_part_t  *part;

    sum = 0;
    last = 0;
    part = sc->parts.elts;

    for (i = 0; i < sc->parts.nelts; i++) {
        sum = part[i].bound ? sum + part[i].bound : 10000;

        if (sum == 10000) {
            part[i].bound = 0;
        }

        if (sum > 10000) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "percent total is greater than 100%%");
            return HX_CONF_ERROR;
        }

        if (part[i].bound) {
            last += (uint32_t) (part[i].bound * (uint64_t) 0xffffffff
                                / 10000);
            part[i].bound = last;
        }
    }

    return HX_CONF_OK;
}

/*
 * The body of a geo {} block for the http and stream geo modules.
 *
 * The block is read line by line by a handler of its own; the table is
 * made at the first entry, in the mode "ranges" chose (which must come
 * first, as in nginx), so the lines after it go straight into the
 * tries or the sorted ranges of core/hx_geo.c.  Adding a network or a
 * range that is there already replaces its value with a warning;
 * deleting one that is not there warns too; a range across another's
 * boundary is an error.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_geo_conf.h>


static char *hx_geo_conf_line(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);
static char *hx_geo_conf_cidr(hx_conf_t *cf, hx_geo_conf_t *gc,
    hx_str_t *args);
static char *hx_geo_conf_range(hx_conf_t *cf, hx_geo_conf_t *gc,
    hx_str_t *args);
static void hx_geo_conf_duplicate(hx_conf_t *cf, hx_geo_conf_t *gc,
    const char *what, hx_str_t *net, void *value, void *old);


char *
hx_geo_conf_block(hx_conf_t *cf, void *conf, hx_geo_conf_t *gc)
{
    char       *rv;
    hx_conf_t   save;

    gc->pool = cf->pool;
    gc->cf = &save;

    save = *cf;
    cf->ctx = gc;
    cf->handler = hx_geo_conf_line;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;
    gc->cf = cf;

    if (rv != HX_CONF_OK) {
        return rv;
    }

    if (gc->entries == 0 && gc->table.pool == NULL
        && hx_geo_init(&gc->table, cf->pool, 0) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/* one line of a geo block */
static char *
hx_geo_conf_line(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_int_t        rc;
    hx_str_t       *args;
    hx_geo_conf_t  *gc;

    gc = cf->ctx;
    args = cf->args->elts;

    if (cf->args->nelts == 1) {

        if (hx_strcmp(args[0].data, "ranges") == 0) {

            if (gc->entries) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "the \"ranges\" directive must be "
                                  "the first directive inside "
                                  "\"geo\" block");
                return HX_CONF_ERROR;
            }

            gc->table.is_ranges = 1;
            return HX_CONF_OK;
        }

        if (hx_strcmp(args[0].data, "volatile") == 0) {
            gc->no_cacheable = 1;
            return HX_CONF_OK;
        }
    }

    if (gc->line) {
        rc = gc->line(gc, cf);

        if (rc != HX_DECLINED) {
            return (rc == HX_OK) ? HX_CONF_OK : HX_CONF_ERROR;
        }
    }

    if (cf->args->nelts != 2) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid number of the geo parameters");
        return HX_CONF_ERROR;
    }

    if (hx_strcmp(args[0].data, "include") == 0) {
        return hx_conf_include(cf, dummy, conf);
    }

    if (gc->entries++ == 0
        && hx_geo_init(&gc->table, gc->pool, gc->table.is_ranges) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    if (gc->table.is_ranges) {
        return hx_geo_conf_range(cf, gc, args);
    }

    return hx_geo_conf_cidr(cf, gc, args);
}


/* "net value", "default value" or "delete net" */
static char *
hx_geo_conf_cidr(hx_conf_t *cf, hx_geo_conf_t *gc, hx_str_t *args)
{
    void       *value, *old;
    hx_int_t    rc;
    hx_str_t   *net;
    hx_uint_t   del;
    hx_cidr_t   cidr;

    del = (hx_strcmp(args[0].data, "delete") == 0);
    net = del ? &args[1] : &args[0];

    if (hx_strcmp(net->data, "default") == 0) {
        hx_memzero(&cidr, sizeof(hx_cidr_t));
        cidr.family = AF_UNSPEC;

    } else {
        rc = hx_ptocidr(net, &cidr);

        if (rc == HX_ERROR || cidr.family == AF_UNSPEC) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid network \"%V\"", net);
            return HX_CONF_ERROR;
        }

        if (rc == HX_DONE) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "low address bits of %V are meaningless", net);
        }
    }

    if (del) {
        if (hx_geo_delete_cidr(&gc->table, &cidr) != HX_OK) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "no network \"%V\" to delete", net);
        }

        return HX_CONF_OK;
    }

    value = gc->value(gc, &args[1]);
    if (value == NULL) {
        return HX_CONF_ERROR;
    }

    rc = hx_geo_add_cidr(&gc->table, &cidr, value, &old);

    if (rc == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    if (rc == HX_BUSY) {
        hx_geo_conf_duplicate(cf, gc, "network", net, value, old);
    }

    return HX_CONF_OK;
}


/* "start-end value", "default value" or "delete start-end" */
static char *
hx_geo_conf_range(hx_conf_t *cf, hx_geo_conf_t *gc, hx_str_t *args)
{
    void            *value, *old;
    uint32_t         start, end, a, b;
    hx_int_t         rc;
    hx_str_t        *net;
    hx_uint_t        del;
    hx_geo_range_t   conflict;

    del = (hx_strcmp(args[0].data, "delete") == 0);
    net = del ? &args[1] : &args[0];

    if (!del && hx_strcmp(net->data, "default") == 0) {
        gc->default_value = gc->value(gc, &args[1]);
        return gc->default_value ? HX_CONF_OK : HX_CONF_ERROR;
    }

    if (hx_geo_parse_range(net, &start, &end) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "invalid range \"%V\"", net);
        return HX_CONF_ERROR;
    }

    if (del) {
        if (hx_geo_delete_range(&gc->table, start, end) != HX_OK) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "no address range \"%V\" to delete", net);
        }

        return HX_CONF_OK;
    }

    value = gc->value(gc, &args[1]);
    if (value == NULL) {
        return HX_CONF_ERROR;
    }

    rc = hx_geo_add_range(&gc->table, start, end, value, &old, &conflict);

    if (rc == HX_ERROR) {
        return HX_CONF_ERROR;
    }

    if (rc == HX_DECLINED) {
        a = conflict.start;
        b = conflict.end;

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "range \"%V\" overlaps \"%ud.%ud.%ud.%ud-"
                          "%ud.%ud.%ud.%ud\"", net,
                          a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                          a & 0xff, b >> 24, (b >> 16) & 0xff,
                          (b >> 8) & 0xff, b & 0xff);
        return HX_CONF_ERROR;
    }

    if (rc == HX_BUSY) {
        hx_geo_conf_duplicate(cf, gc, "range", net, value, old);
    }

    return HX_CONF_OK;
}


/* the warning for a network or range given twice (the new value wins) */
static void
hx_geo_conf_duplicate(hx_conf_t *cf, hx_geo_conf_t *gc, const char *what,
    hx_str_t *net, void *value, void *old)
{
    hx_str_t  v, o;

    v = gc->text(value);
    o = gc->text(old);

    hx_conf_log_error(HX_LOG_WARN, cf, 0,
                      "duplicate %s \"%V\", value: \"%V\", "
                      "old value: \"%V\"", what, net, &v, &o);
}

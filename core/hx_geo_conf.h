/*
 * The body of a geo {} block, shared by the http and stream geo
 * modules: the keywords (ranges, volatile, include), "net value",
 * "default value" and "delete net" lines in networks mode, "start-end
 * value" lines in ranges mode, with nginx's messages, read into an
 * hx_geo_t table (core/hx_geo.h).
 *
 * What a value is (the subsystem's variable value) is left to a
 * callback, and so are lines only one subsystem has (http's proxy and
 * proxy_recursive).
 */

#ifndef HX_CORE_HX_GEO_CONF_H
#define HX_CORE_HX_GEO_CONF_H

#include <hx_geo.h>


typedef struct hx_geo_conf_s  hx_geo_conf_t;

/* a value from its text, allocated from gc->pool; NULL on error */
typedef void *(*hx_geo_value_pt)(hx_geo_conf_t *gc, hx_str_t *text);

/* the text of a value made by hx_geo_value_pt, for the warnings */
typedef hx_str_t (*hx_geo_text_pt)(void *value);

/*
 * A line of the block that is not the shared syntax's: HX_OK when it
 * was the subsystem's (and is done), HX_DECLINED when not, HX_ERROR
 * after an [emerg].
 */
typedef hx_int_t (*hx_geo_line_pt)(hx_geo_conf_t *gc, hx_conf_t *cf);


struct hx_geo_conf_s {
    hx_geo_t                table;
    void                   *default_value;  /* ranges mode's "default" */
    hx_pool_t              *pool;           /* the configuration's */
    hx_conf_t              *cf;             /* the enclosing block's */
    hx_uint_t               entries;
    hx_geo_value_pt         value;
    hx_geo_text_pt          text;
    hx_geo_line_pt          line;           /* NULL: none */
    void                   *data;           /* for the callbacks */
    unsigned                no_cacheable:1;
};


/*
 * Reads the block that follows the current directive into gc, whose
 * value and text (and optionally line and data) the caller set, the
 * rest zeroed.  Afterwards gc->table is ready for hx_geo_find (empty
 * networks when the block had no entries) and default_value holds the
 * ranges mode's default, if any; in networks mode the default is in
 * the table.  conf is the directive's (for include).  HX_CONF_OK or an
 * error string (logged).
 */
char *hx_geo_conf_block(hx_conf_t *cf, void *conf, hx_geo_conf_t *gc);


#endif /* HX_CORE_HX_GEO_CONF_H */

/*
 * How http modules plug into the configuration.  Each http {} block,
 * server {} and location {} owns an hx_http_conf_ctx_t: three arrays of
 * per-module conf pointers (main, srv, loc), indexed by the module's
 * ctx_index.  A server shares its http block's main_conf array and has
 * its own srv_conf and loc_conf; a location shares main and srv and has
 * its own loc_conf.  After parsing, each level is merged into the next
 * one down (main -> srv -> loc -> nested loc), so a request only ever
 * reads r->loc_conf and finds everything inherited there.
 *
 * The context bits sit in the high byte of a directive's type, above
 * HX_MAIN_CONF (0x01000000), as nginx lays them out.
 */

#ifndef HX_HTTP_HX_HTTP_CONFIG_H
#define HX_HTTP_HX_HTTP_CONFIG_H


typedef struct {
    void        **main_conf;
    void        **srv_conf;
    void        **loc_conf;
} hx_http_conf_ctx_t;


/*
 * The context of an HX_HTTP_MODULE.  preconfiguration runs before the
 * http block is parsed (variables are added there), postconfiguration
 * after every level is merged (phase handlers and filters attach there).
 * create_* return a conf with every field "unset"; merge_* fill unset
 * fields from the enclosing level or the default and return HX_CONF_OK
 * or a reason.
 */
typedef struct {
    hx_int_t    (*preconfiguration)(hx_conf_t *cf);
    hx_int_t    (*postconfiguration)(hx_conf_t *cf);

    void       *(*create_main_conf)(hx_conf_t *cf);
    char       *(*init_main_conf)(hx_conf_t *cf, void *conf);

    void       *(*create_srv_conf)(hx_conf_t *cf);
    char       *(*merge_srv_conf)(hx_conf_t *cf, void *prev, void *conf);

    void       *(*create_loc_conf)(hx_conf_t *cf);
    char       *(*merge_loc_conf)(hx_conf_t *cf, void *prev, void *conf);
} hx_http_module_t;


/* where a directive may appear */
#define HX_HTTP_MAIN_CONF        0x02000000   /* http { } */
#define HX_HTTP_SRV_CONF         0x04000000   /* server { } */
#define HX_HTTP_LOC_CONF         0x08000000   /* location { } */
#define HX_HTTP_UPS_CONF         0x10000000   /* upstream { } */
#define HX_HTTP_SIF_CONF         0x20000000   /* if { } in server */
#define HX_HTTP_LIF_CONF         0x40000000   /* if { } in location */
#define HX_HTTP_LMT_CONF         0x80000000   /* limit_except { } */


/* which conf array of the block ctx a directive writes into */
#define HX_HTTP_MAIN_CONF_OFFSET  offsetof(hx_http_conf_ctx_t, main_conf)
#define HX_HTTP_SRV_CONF_OFFSET   offsetof(hx_http_conf_ctx_t, srv_conf)
#define HX_HTTP_LOC_CONF_OFFSET   offsetof(hx_http_conf_ctx_t, loc_conf)


/* at request time */
#define hx_http_get_module_main_conf(r, module)                               \
    (r)->main_conf[module.ctx_index]
#define hx_http_get_module_srv_conf(r, module)                                \
    (r)->srv_conf[module.ctx_index]
#define hx_http_get_module_loc_conf(r, module)                                \
    (r)->loc_conf[module.ctx_index]

/* while parsing: the confs of the block being parsed */
#define hx_http_conf_get_module_main_conf(cf, module)                         \
    ((hx_http_conf_ctx_t *) cf->ctx)->main_conf[module.ctx_index]
#define hx_http_conf_get_module_srv_conf(cf, module)                          \
    ((hx_http_conf_ctx_t *) cf->ctx)->srv_conf[module.ctx_index]
#define hx_http_conf_get_module_loc_conf(cf, module)                          \
    ((hx_http_conf_ctx_t *) cf->ctx)->loc_conf[module.ctx_index]

/* from a cycle (init_module, init_process): NULL without an http block */
#define hx_http_cycle_get_module_main_conf(cycle, module)                     \
    (cycle->conf_ctx[hx_http_module.index] ?                                  \
        ((hx_http_conf_ctx_t *) cycle->conf_ctx[hx_http_module.index])        \
            ->main_conf[module.ctx_index]                                     \
        : NULL)


/* room for a regex compiler's message */
#ifndef HX_MAX_CONF_ERRSTR
#define HX_MAX_CONF_ERRSTR  1024
#endif


/* number of http modules, known once the http block starts */
extern hx_uint_t  hx_http_max_module;

#endif /* HX_HTTP_HX_HTTP_CONFIG_H */

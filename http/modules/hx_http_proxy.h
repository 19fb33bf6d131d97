/*
 * The proxy module's shared types: its location configuration, its
 * per-request context, and the functions its files give each other.
 *
 * The module is four files: hx_http_proxy_module.c (directives,
 * configuration, the content handler, $proxy_* variables),
 * hx_http_proxy_request.c (the request line, headers and body sent to the
 * backend), hx_http_proxy_response.c (the status line, headers and body
 * framing read back) and hx_http_proxy_rewrite.c (proxy_redirect and the
 * proxy_cookie_* rewrites of what the backend says).
 */

#ifndef HX_HTTP_MODULES_HX_HTTP_PROXY_H
#define HX_HTTP_MODULES_HX_HTTP_PROXY_H


/* what proxy_pass names, split for $proxy_host and the request line */
typedef struct {
    hx_str_t                       key_start;
    hx_str_t                       schema;       /* "http://" */
    hx_str_t                       host_header;  /* "host[:port]" */
    hx_str_t                       port;
    hx_str_t                       uri;          /* the URI part, or "" */
} hx_http_proxy_vars_t;


/* a header the configuration sets; an empty value removes it */
typedef struct {
    hx_str_t                       key;
    hx_http_complex_value_t        value;
} hx_http_proxy_header_t;


typedef struct {
    hx_array_t                    *list;     /* hx_http_proxy_header_t */
    hx_hash_t                      hash;     /* every configured name */
} hx_http_proxy_headers_t;


typedef struct hx_http_proxy_rewrite_s  hx_http_proxy_rewrite_t;

/*
 * Rewrites value (from prefix on, len bytes being the candidate) when the
 * pattern matches: HX_OK, HX_DECLINED (no match), HX_ERROR.
 */
typedef hx_int_t (*hx_http_proxy_rewrite_pt)(hx_http_request_t *r,
    hx_str_t *value, size_t prefix, size_t len, hx_http_proxy_rewrite_t *pr);

struct hx_http_proxy_rewrite_s {
    hx_http_proxy_rewrite_pt       handler;

    union {
        hx_http_complex_value_t    complex;
        hx_http_regex_t           *regex;
    } pattern;

    hx_http_complex_value_t        replacement;
};


typedef struct {
    union {
        hx_http_complex_value_t    complex;
        hx_http_regex_t           *regex;
    } cookie;

    hx_array_t                     flags_values;  /* complex values */
    hx_uint_t                      regex;
} hx_http_proxy_cookie_flags_t;


typedef struct {
    hx_http_upstream_conf_t        upstream;

    hx_http_complex_value_t       *body;         /* proxy_set_body */

    hx_http_proxy_headers_t        headers;
    hx_array_t                    *headers_source;  /* hx_keyval_t */

    hx_http_complex_value_t       *proxy;        /* proxy_pass with vars */

    hx_array_t                    *redirects;
    hx_array_t                    *cookie_domains;
    hx_array_t                    *cookie_paths;
    hx_array_t                    *cookie_flags;

    hx_http_complex_value_t       *method;

    hx_str_t                       location;
    hx_str_t                       url;

    hx_http_proxy_vars_t           vars;

    hx_flag_t                      redirect;

    hx_uint_t                      http_version;

    hx_uint_t                      headers_hash_max_size;
    hx_uint_t                      headers_hash_bucket_size;
} hx_http_proxy_loc_conf_t;


typedef struct {
    hx_http_status_t               status;
    hx_http_chunked_t              chunked;
    hx_http_parser_t               parser;      /* header, trailer lines */
    hx_buf_t                      *trailers;    /* the trailer section */
    hx_http_proxy_vars_t           vars;

    off_t                          internal_body_length;

    hx_chain_t                    *free;        /* chunk framing bufs */
    hx_chain_t                    *busy;

    unsigned                       head:1;
    unsigned                       internal_chunked:1;
    unsigned                       header_sent:1;
} hx_http_proxy_ctx_t;


/* hx_http_proxy_request.c */
hx_int_t hx_http_proxy_create_request(hx_http_request_t *r);
hx_int_t hx_http_proxy_reinit_request(hx_http_request_t *r);
hx_int_t hx_http_proxy_body_filter(hx_http_request_t *r, hx_chain_t *in,
    hx_chain_t **out);

/* hx_http_proxy_response.c */
hx_int_t hx_http_proxy_process_status_line(hx_http_request_t *r);
hx_int_t hx_http_proxy_input_filter_init(void *data);
hx_int_t hx_http_proxy_copy_filter(hx_http_upstream_pipe_t *p,
    hx_buf_t *raw);
hx_int_t hx_http_proxy_non_buffered_copy_filter(void *data, ssize_t bytes);
void hx_http_proxy_abort_request(hx_http_request_t *r);
void hx_http_proxy_finalize_request(hx_http_request_t *r, hx_int_t rc);

/* hx_http_proxy_rewrite.c */
hx_int_t hx_http_proxy_rewrite_redirect(hx_http_request_t *r,
    hx_table_elt_t *h, size_t prefix);
hx_int_t hx_http_proxy_rewrite_cookie(hx_http_request_t *r,
    hx_table_elt_t *h);
char *hx_http_proxy_redirect(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_http_proxy_cookie_domain(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
char *hx_http_proxy_cookie_path(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
char *hx_http_proxy_cookie_flags(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
/* "proxy_redirect default" for the location's proxy_pass */
hx_int_t hx_http_proxy_default_redirect(hx_conf_t *cf,
    hx_http_proxy_loc_conf_t *plcf, hx_http_proxy_rewrite_t *pr);


extern hx_module_t  hx_http_proxy_module;

#endif /* HX_HTTP_MODULES_HX_HTTP_PROXY_H */

/*
 * The http core module: the configuration of http {}, server {} and
 * location {} that every request reads, the phase engine, and the
 * structures that map a connection's local address to its virtual
 * servers.
 *
 * Phases.  A request runs through HX_HTTP_*_PHASE in order.  Modules push
 * handlers onto cmcf->phases[phase].handlers in postconfiguration; when
 * the http block ends, those lists are flattened into one array of
 * hx_http_phase_handler_t (cmcf->phase_engine), each entry carrying its
 * "checker" (how the phase interprets return codes) and the index of the
 * next phase.  r->phase_handler is the position in that array, so an
 * internal redirect or a location change just sets it and runs again.
 *
 * Addresses.  listen directives are gathered per port and address
 * (hx_http_conf_port_t / hx_http_conf_addr_t); at the end of the http
 * block each port becomes listening sockets, whose "servers" point to an
 * hx_http_port_t: the addresses sharing that socket, each with its
 * default server and a hash of server names (exact, wildcard, regex).
 *
 * Locations.  Each server's locations become a static tree of prefix
 * locations (with exact "=" ones in it) searched by longest match, and a
 * list of regex locations tried in file order; named locations (@x) sit
 * in their own array.
 */

#ifndef HX_HTTP_HX_HTTP_CORE_MODULE_H
#define HX_HTTP_HX_HTTP_CORE_MODULE_H


#define HX_HTTP_GZIP_PROXIED_OFF        0x0002
#define HX_HTTP_GZIP_PROXIED_EXPIRED    0x0004
#define HX_HTTP_GZIP_PROXIED_NO_CACHE   0x0008
#define HX_HTTP_GZIP_PROXIED_NO_STORE   0x0010
#define HX_HTTP_GZIP_PROXIED_PRIVATE    0x0020
#define HX_HTTP_GZIP_PROXIED_NO_LM      0x0040
#define HX_HTTP_GZIP_PROXIED_NO_ETAG    0x0080
#define HX_HTTP_GZIP_PROXIED_AUTH       0x0100
#define HX_HTTP_GZIP_PROXIED_ANY        0x0200

#define HX_HTTP_SATISFY_ALL             0
#define HX_HTTP_SATISFY_ANY             1

#define HX_HTTP_LINGERING_OFF_CONF      0
#define HX_HTTP_LINGERING_ON_CONF       1
#define HX_HTTP_LINGERING_ALWAYS_CONF   2

#define HX_HTTP_IMS_OFF                 0
#define HX_HTTP_IMS_EXACT               1
#define HX_HTTP_IMS_BEFORE              2

#define HX_HTTP_KEEPALIVE_DISABLE_NONE    0x0002
#define HX_HTTP_KEEPALIVE_DISABLE_MSIE6   0x0004
#define HX_HTTP_KEEPALIVE_DISABLE_SAFARI  0x0008

#define HX_HTTP_SERVER_TOKENS_OFF       0
#define HX_HTTP_SERVER_TOKENS_ON        1
#define HX_HTTP_SERVER_TOKENS_BUILD     2

#define HX_HTTP_DISABLE_SYMLINKS_OFF       0
#define HX_HTTP_DISABLE_SYMLINKS_NOTOWNER  1
#define HX_HTTP_DISABLE_SYMLINKS_ON        2


/* one "listen" directive's options */
typedef struct {
    hx_sockaddr_t              sockaddr;
    socklen_t                  socklen;
    hx_str_t                   addr_text;

    unsigned                   set:1;            /* options given */
    unsigned                   default_server:1;
    unsigned                   bind:1;
    unsigned                   wildcard:1;
    unsigned                   ssl:1;
    unsigned                   http2:1;
    unsigned                   ipv6only:1;
    unsigned                   deferred_accept:1;
    unsigned                   reuseport:1;
    unsigned                   so_keepalive:2;
    unsigned                   proxy_protocol:1;
    unsigned                   freebind:1;

    int                        backlog;
    int                        rcvbuf;
    int                        sndbuf;
    int                        type;            /* SOCK_STREAM */
    int                        fastopen;
    int                        tcp_keepidle;
    int                        tcp_keepintvl;
    int                        tcp_keepcnt;
} hx_http_listen_opt_t;


typedef enum {
    HX_HTTP_POST_READ_PHASE = 0,

    HX_HTTP_SERVER_REWRITE_PHASE,

    HX_HTTP_FIND_CONFIG_PHASE,
    HX_HTTP_REWRITE_PHASE,
    HX_HTTP_POST_REWRITE_PHASE,

    HX_HTTP_PREACCESS_PHASE,

    HX_HTTP_ACCESS_PHASE,
    HX_HTTP_POST_ACCESS_PHASE,

    HX_HTTP_PRECONTENT_PHASE,

    HX_HTTP_CONTENT_PHASE,

    HX_HTTP_LOG_PHASE
} hx_http_phases_e;


typedef struct hx_http_phase_handler_s  hx_http_phase_handler_t;

/* how a phase interprets its handlers' return codes */
typedef hx_int_t (*hx_http_phase_handler_pt)(hx_http_request_t *r,
    hx_http_phase_handler_t *ph);

struct hx_http_phase_handler_s {
    hx_http_phase_handler_pt   checker;
    hx_http_handler_pt         handler;
    hx_uint_t                  next;     /* first handler of the next phase */
};


typedef struct {
    hx_http_phase_handler_t   *handlers;
    hx_uint_t                  server_rewrite_index;
    hx_uint_t                  location_rewrite_index;
} hx_http_phase_engine_t;


typedef struct {
    hx_array_t                 handlers;   /* hx_http_handler_pt */
} hx_http_phase_t;


typedef struct {
    hx_array_t                 servers;    /* hx_http_core_srv_conf_t * */

    hx_http_phase_engine_t     phase_engine;

    hx_hash_t                  headers_in_hash;

    hx_hash_t                  variables_hash;

    hx_array_t                 variables;         /* hx_http_variable_t */
    hx_array_t                 prefix_variables;  /* hx_http_variable_t */
    hx_uint_t                  ncaptures;

    hx_uint_t                  server_names_hash_max_size;
    hx_uint_t                  server_names_hash_bucket_size;

    hx_uint_t                  variables_hash_max_size;
    hx_uint_t                  variables_hash_bucket_size;

    hx_hash_keys_arrays_t     *variables_keys;

    hx_array_t                *ports;      /* hx_http_conf_port_t */

    hx_http_phase_t            phases[HX_HTTP_LOG_PHASE + 1];
} hx_http_core_main_conf_t;


typedef struct {
    /* array of the hx_http_server_name_t, "server_name" directive */
    hx_array_t                 server_names;

    /* server ctx */
    hx_http_conf_ctx_t        *ctx;

    uint8_t                   *file_name;    /* where the server {} is */
    hx_uint_t                  line;

    hx_str_t                   server_name;  /* the first name */

    size_t                     connection_pool_size;
    size_t                     request_pool_size;
    size_t                     client_header_buffer_size;

    hx_bufs_t                  large_client_header_buffers;

    hx_msec_t                  client_header_timeout;

    hx_flag_t                  ignore_invalid_headers;
    hx_flag_t                  merge_slashes;
    hx_flag_t                  underscores_in_headers;

    hx_uint_t                  max_headers;

    unsigned                   listen:1;     /* has a listen directive */
    unsigned                   captures:1;   /* a regex name captures */

    hx_http_core_loc_conf_t  **named_locations;
} hx_http_core_srv_conf_t;


/* list of structures to find core_srv_conf quickly at run time */

typedef struct {
    hx_http_regex_t           *regex;
    hx_http_core_srv_conf_t   *server;   /* virtual name server conf */
    hx_str_t                   name;
} hx_http_server_name_t;


typedef struct {
    hx_hash_combined_t         names;

    hx_uint_t                  nregex;
    hx_http_server_name_t     *regex;
} hx_http_virtual_names_t;


/* one address of a listening socket and what it serves */
struct hx_http_addr_conf_s {
    /* the default server configuration for this address:port */
    hx_http_core_srv_conf_t   *default_server;

    hx_http_virtual_names_t   *virtual_names;

    unsigned                   ssl:1;
    unsigned                   http2:1;
    unsigned                   proxy_protocol:1;
};


typedef struct {
    in_addr_t                  addr;
    hx_http_addr_conf_t        conf;
} hx_http_in_addr_t;


typedef struct {
    struct in6_addr            addr6;
    hx_http_addr_conf_t        conf;
} hx_http_in6_addr_t;


/* ls->servers: the addresses on one listening socket */
typedef struct {
    /* hx_http_in_addr_t or hx_http_in6_addr_t */
    void                      *addrs;
    hx_uint_t                  naddrs;
} hx_http_port_t;


/* configuration-time gathering of listen directives */
typedef struct {
    hx_int_t                   family;
    in_port_t                  port;
    hx_array_t                 addrs;     /* hx_http_conf_addr_t */
} hx_http_conf_port_t;


typedef struct {
    hx_http_listen_opt_t       opt;

    hx_hash_t                  hash;
    hx_hash_wildcard_t        *wc_head;
    hx_hash_wildcard_t        *wc_tail;

    hx_uint_t                  nregex;
    hx_http_server_name_t     *regex;

    /* the default server configuration for this address:port */
    hx_http_core_srv_conf_t   *default_server;
    hx_array_t                 servers;   /* hx_http_core_srv_conf_t * */
} hx_http_conf_addr_t;


/* error_page */
typedef struct {
    hx_int_t                   status;
    hx_int_t                   overwrite;    /* =code, -1 for "=" alone */
    hx_http_complex_value_t    value;
    hx_str_t                   args;
} hx_http_err_page_t;


/* try_files */
typedef struct {
    hx_array_t                *lengths;
    hx_array_t                *values;
    hx_str_t                   name;

    unsigned                   code:10;      /* "=404" as the last */
    unsigned                   test_dir:1;   /* ends with "/" */
} hx_http_try_file_t;


struct hx_http_core_loc_conf_s {
    hx_str_t                   name;         /* location name */
    hx_str_t                   escaped_name;

    hx_http_regex_t           *regex;

    unsigned                   noname:1;     /* "if () {}" block or limit */
    unsigned                   lmt_excpt:1;
    unsigned                   named:1;

    unsigned                   exact_match:1;
    unsigned                   noregex:1;    /* "^~" */

    unsigned                   auto_redirect:1;  /* proxy_pass etc. */

    unsigned                   gzip_disable_msie6:2;
    unsigned                   gzip_disable_degradation:2;

    hx_http_location_tree_node_t   *static_locations;
    hx_http_core_loc_conf_t   **regex_locations;

    /* pointer to the modules' loc_conf */
    void                     **loc_conf;

    uint32_t                   limit_except;
    void                     **limit_except_loc_conf;

    hx_http_handler_pt         handler;      /* the content handler */

    /* location name length for inclusive location with inherited alias */
    size_t                     alias;
    hx_str_t                   root;         /* root, alias */
    hx_str_t                   post_action;

    hx_array_t                *root_lengths;
    hx_array_t                *root_values;

    hx_array_t                *types;
    hx_hash_t                  types_hash;
    hx_str_t                   default_type;

    off_t                      client_max_body_size;
    off_t                      directio;
    off_t                      directio_alignment;

    size_t                     client_body_buffer_size;
    size_t                     send_lowat;
    size_t                     postpone_output;
    size_t                     sendfile_max_chunk;
    size_t                     read_ahead;
    size_t                     subrequest_output_buffer_size;

    hx_http_complex_value_t   *limit_rate;
    hx_http_complex_value_t   *limit_rate_after;

    hx_msec_t                  client_body_timeout;
    hx_msec_t                  send_timeout;
    hx_msec_t                  keepalive_time;
    hx_msec_t                  keepalive_timeout;
    hx_msec_t                  keepalive_min_timeout;  /* not closed early */
    hx_msec_t                  lingering_time;
    hx_msec_t                  lingering_timeout;
    hx_msec_t                  resolver_timeout;
    hx_msec_t                  auth_delay;

    time_t                     keepalive_header;

    hx_uint_t                  keepalive_requests;
    hx_uint_t                  keepalive_disable;
    hx_uint_t                  satisfy;
    hx_uint_t                  lingering_close;
    hx_uint_t                  if_modified_since;
    hx_uint_t                  max_ranges;
    hx_uint_t                  client_body_in_file_only;

    hx_flag_t                  client_body_in_single_buffer;
    hx_flag_t                  internal;
    hx_flag_t                  sendfile;
    hx_flag_t                  aio;
    hx_flag_t                  aio_write;
    hx_flag_t                  tcp_nopush;
    hx_flag_t                  tcp_nodelay;
    hx_flag_t                  reset_timedout_connection;
    hx_flag_t                  absolute_redirect;
    hx_flag_t                  server_name_in_redirect;
    hx_flag_t                  port_in_redirect;
    hx_flag_t                  msie_padding;
    hx_flag_t                  msie_refresh;
    hx_flag_t                  log_not_found;
    hx_flag_t                  log_subrequest;
    hx_flag_t                  recursive_error_pages;
    hx_uint_t                  server_tokens;
    hx_flag_t                  chunked_transfer_encoding;
    hx_flag_t                  etag;

    hx_uint_t                  disable_symlinks;

    hx_flag_t                  gzip_vary;
    hx_uint_t                  gzip_http_version;
    hx_uint_t                  gzip_proxied;
    hx_array_t                *gzip_disable;   /* hx_regex_elt_t */

    hx_array_t                *error_pages;   /* hx_http_err_page_t */

    hx_path_t                 *client_body_temp_path;

    hx_uint_t                  types_hash_max_size;
    hx_uint_t                  types_hash_bucket_size;

    /* per location error log, replacing the connection's while running */
    hx_log_t                  *error_log;

    hx_http_try_file_t        *try_files;

    hx_queue_t                *locations;    /* while parsing */
};


/* how locations queue up while the server block is parsed */
typedef struct {
    hx_queue_t                 queue;
    hx_http_core_loc_conf_t   *exact;
    hx_http_core_loc_conf_t   *inclusive;
    hx_str_t                  *name;
    uint8_t                   *file_name;
    hx_uint_t                  line;
    hx_queue_t                 list;
} hx_http_location_queue_t;


/*
 * The static location tree: a binary tree of prefixes where each node
 * also has a subtree "tree" for the longer prefixes that start with it.
 * exact is the "=" location of that name, inclusive the prefix one.
 */
struct hx_http_location_tree_node_s {
    hx_http_location_tree_node_t  *left;
    hx_http_location_tree_node_t  *right;
    hx_http_location_tree_node_t  *tree;

    hx_http_core_loc_conf_t       *exact;
    hx_http_core_loc_conf_t       *inclusive;

    uint8_t                        auto_redirect;
    uint16_t                       len;
    uint8_t                        name[1];
};


/* building the configuration (hx_http.c, hx_http_locations.c,
 * hx_http_listen.c) */
hx_int_t hx_http_add_location(hx_conf_t *cf, hx_queue_t **locations,
    hx_http_core_loc_conf_t *clcf);
hx_int_t hx_http_init_locations(hx_conf_t *cf,
    hx_http_core_srv_conf_t *cscf, hx_http_core_loc_conf_t *pclcf);
hx_int_t hx_http_init_static_location_trees(hx_conf_t *cf,
    hx_http_core_loc_conf_t *pclcf);
hx_int_t hx_http_optimize_servers(hx_conf_t *cf,
    hx_http_core_main_conf_t *cmcf, hx_array_t *ports);

/* the "listen" directive and the address tables (hx_http_listen.c) */
char *hx_http_core_listen(hx_conf_t *cf, hx_command_t *cmd, void *conf);
hx_http_addr_conf_t *hx_http_connection_addr_conf(hx_connection_t *c);
void *hx_http_find_combined_name(hx_hash_combined_t *names, hx_str_t *host);

/* request-time location search (hx_http_locations.c) */
hx_int_t hx_http_find_location(hx_http_request_t *r);
hx_http_core_loc_conf_t *hx_http_find_named_location(hx_http_request_t *r,
    hx_str_t *name);


/* phase checkers, exported for modules that run phases themselves */
void hx_http_core_run_phases(hx_http_request_t *r);
hx_int_t hx_http_core_generic_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph);
hx_int_t hx_http_core_rewrite_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph);
hx_int_t hx_http_core_find_config_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph);
hx_int_t hx_http_core_post_rewrite_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph);
hx_int_t hx_http_core_access_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph);
hx_int_t hx_http_core_post_access_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph);
hx_int_t hx_http_core_content_phase(hx_http_request_t *r,
    hx_http_phase_handler_t *ph);


/* the request's location: sets r->loc_conf and its effects */
void hx_http_update_location_config(hx_http_request_t *r);

/*
 * Sets r->headers_out.content_type from the location's types by the URI
 * extension (or default_type).  HX_OK or HX_ERROR.
 */
hx_int_t hx_http_set_content_type(hx_http_request_t *r);
void hx_http_set_exten(hx_http_request_t *r);
/* an ETag from mtime and length, as nginx forms it */
hx_int_t hx_http_set_etag(hx_http_request_t *r);
void hx_http_weak_etag(hx_http_request_t *r);

/*
 * A response with a body given as a complex value (return 200 "text",
 * error pages), or a redirect (3xx with Location).  Returns what the
 * caller finalizes with.
 */
hx_int_t hx_http_send_response(hx_http_request_t *r, hx_uint_t status,
    hx_str_t *ct, hx_http_complex_value_t *cv);

/*
 * Maps r->uri onto a file name: root or alias of the location plus the
 * URI, with reserved bytes free at the end for an index name.  root_length
 * gets the length of the root part.  Returns the end of the name (before
 * the NUL it writes) or NULL.
 */
uint8_t *hx_http_map_uri_to_path(hx_http_request_t *r, hx_str_t *path,
    size_t *root_length, size_t reserved);

/* HTTP auth "Basic": fills headers_in.user/passwd; HX_OK, HX_DECLINED */
hx_int_t hx_http_auth_basic_user(hx_http_request_t *r);

/* the gzip test: whether the client takes gzip (Accept-Encoding etc.) */
hx_int_t hx_http_gzip_ok(hx_http_request_t *r);

/*
 * Starts a subrequest for uri?args; its output either goes to the
 * client in order (postponed) or, with HX_HTTP_SUBREQUEST_IN_MEMORY, into
 * a buffer.  HX_OK or HX_ERROR.
 */
hx_int_t hx_http_subrequest(hx_http_request_t *r, hx_str_t *uri,
    hx_str_t *args, hx_http_request_t **psr,
    hx_http_post_subrequest_t *ps, hx_uint_t flags);

/*
 * Restarts r at the find-config phase with a new URI (error_page,
 * rewrite ... last, try_files, index).  Returns HX_DONE: the caller must
 * just return it.
 */
hx_int_t hx_http_internal_redirect(hx_http_request_t *r, hx_str_t *uri,
    hx_str_t *args);
/* the same to a named location ("@fallback") */
hx_int_t hx_http_named_location(hx_http_request_t *r, hx_str_t *name);

/* a file operation error with log_not_found taken into account */
hx_int_t hx_http_map_file_error(hx_http_request_t *r, hx_err_t err,
    uint8_t *name);

/* the server name for redirects (server_name_in_redirect) */
hx_int_t hx_http_server_addr(hx_http_request_t *r, hx_str_t *s);

/* adds a listen directive's address to the server; HX_OK or HX_ERROR */
hx_int_t hx_http_add_listen(hx_conf_t *cf, hx_http_core_srv_conf_t *cscf,
    hx_http_listen_opt_t *lsopt);

/*
 * Finds the virtual server for host on the connection's address (exact,
 * wildcard head, wildcard tail, then regex in order).  Sets *cscfp.
 * HX_OK, HX_DECLINED (no match: the default server applies) or HX_ERROR.
 */
hx_int_t hx_http_find_virtual_server(hx_connection_t *c,
    hx_http_virtual_names_t *virtual_names, hx_str_t *host,
    hx_http_request_t *r, hx_http_core_srv_conf_t **cscfp);

/* the error_page, if any, for r->err_status; see special_response */
hx_int_t hx_http_send_error_page(hx_http_request_t *r,
    hx_http_err_page_t *err_page);


extern hx_module_t  hx_http_core_module;

extern hx_uint_t    hx_http_max_module;

extern hx_str_t     hx_http_core_get_method;


#define hx_http_clear_content_length(r)                                       \
                                                                              \
    r->headers_out.content_length_n = -1;                                     \
    if (r->headers_out.content_length) {                                      \
        r->headers_out.content_length->hash = 0;                              \
        r->headers_out.content_length = NULL;                                 \
    }

#define hx_http_clear_accept_ranges(r)                                        \
                                                                              \
    r->allow_ranges = 0;                                                      \
    if (r->headers_out.accept_ranges) {                                       \
        r->headers_out.accept_ranges->hash = 0;                               \
        r->headers_out.accept_ranges = NULL;                                  \
    }

#define hx_http_clear_last_modified(r)                                        \
                                                                              \
    r->headers_out.last_modified_time = -1;                                   \
    if (r->headers_out.last_modified) {                                       \
        r->headers_out.last_modified->hash = 0;                               \
        r->headers_out.last_modified = NULL;                                  \
    }

#define hx_http_clear_location(r)                                             \
                                                                              \
    if (r->headers_out.location) {                                            \
        r->headers_out.location->hash = 0;                                    \
        r->headers_out.location = NULL;                                       \
    }

#define hx_http_clear_etag(r)                                                 \
                                                                              \
    if (r->headers_out.etag) {                                                \
        r->headers_out.etag->hash = 0;                                        \
        r->headers_out.etag = NULL;                                           \
    }

#endif /* HX_HTTP_HX_HTTP_CORE_MODULE_H */

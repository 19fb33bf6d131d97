/*
 * The HTTP request: everything one request carries from its first byte to
 * the access log line.  Its memory comes from its own pool (r->pool),
 * created when the request line starts and destroyed when the request is
 * freed; the connection keeps a smaller pool and the header buffers across
 * keep-alive requests.
 *
 * Headers are kept as they arrived, in a list of hx_table_elt_t pointing
 * into the client's buffer (the parser never copies), plus pointers to the
 * well-known ones in headers_in.  The response side mirrors that:
 * headers_out holds the well-known fields and a list for the rest; the
 * header filter writes them out.
 *
 * A request may be a subrequest (r != r->main) or be redirected
 * internally (r->internal, uri_changes counting down); r->main->count
 * holds the references that keep the main request alive while bodies are
 * read, subrequests run or posted events are pending.
 */

#ifndef HX_HTTP_HX_HTTP_REQUEST_H
#define HX_HTTP_HX_HTTP_REQUEST_H


#define HX_HTTP_MAX_URI_CHANGES           10
#define HX_HTTP_MAX_SUBREQUESTS           50

/* must be 2^n */
#define HX_HTTP_LC_HEADER_LEN_DEFAULT     32

#define HX_HTTP_DISCARD_BUFFER_SIZE       4096
#define HX_HTTP_LINGERING_BUFFER_SIZE     4096

/* request states, for logging and $connection-level status */
typedef enum {
    HX_HTTP_INITING_REQUEST_STATE = 0,
    HX_HTTP_READING_REQUEST_STATE,
    HX_HTTP_PROCESS_REQUEST_STATE,
    HX_HTTP_CONNECT_UPSTREAM_STATE,
    HX_HTTP_WRITING_UPSTREAM_STATE,
    HX_HTTP_READING_UPSTREAM_STATE,
    HX_HTTP_WRITING_REQUEST_STATE,
    HX_HTTP_LINGERING_CLOSE_STATE,
    HX_HTTP_KEEPALIVE_STATE
} hx_http_state_e;


/* status codes */
#define HX_HTTP_CONTINUE                     100
#define HX_HTTP_SWITCHING_PROTOCOLS          101
#define HX_HTTP_PROCESSING                   102

#define HX_HTTP_OK                           200
#define HX_HTTP_CREATED                      201
#define HX_HTTP_ACCEPTED                     202
#define HX_HTTP_NO_CONTENT                   204
#define HX_HTTP_PARTIAL_CONTENT              206

#define HX_HTTP_SPECIAL_RESPONSE             300
#define HX_HTTP_MOVED_PERMANENTLY            301
#define HX_HTTP_MOVED_TEMPORARILY            302
#define HX_HTTP_SEE_OTHER                    303
#define HX_HTTP_NOT_MODIFIED                 304
#define HX_HTTP_TEMPORARY_REDIRECT           307
#define HX_HTTP_PERMANENT_REDIRECT           308

#define HX_HTTP_BAD_REQUEST                  400
#define HX_HTTP_UNAUTHORIZED                 401
#define HX_HTTP_FORBIDDEN                    403
#define HX_HTTP_NOT_FOUND                    404
#define HX_HTTP_NOT_ALLOWED                  405
#define HX_HTTP_REQUEST_TIME_OUT             408
#define HX_HTTP_CONFLICT                     409
#define HX_HTTP_LENGTH_REQUIRED              411
#define HX_HTTP_PRECONDITION_FAILED          412
#define HX_HTTP_REQUEST_ENTITY_TOO_LARGE     413
#define HX_HTTP_REQUEST_URI_TOO_LARGE        414
#define HX_HTTP_UNSUPPORTED_MEDIA_TYPE       415
#define HX_HTTP_RANGE_NOT_SATISFIABLE        416
#define HX_HTTP_EXPECTATION_FAILED           417
#define HX_HTTP_MISDIRECTED_REQUEST          421
#define HX_HTTP_TOO_MANY_REQUESTS            429
#define HX_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE  431

/* nginx's own codes, never sent as such (except 494 in logs) */
#define HX_HTTP_CLOSE                        444   /* close, no answer */
#define HX_HTTP_NGINX_CODES                  494
#define HX_HTTP_REQUEST_HEADER_TOO_LARGE     494   /* sent as 400 */
#define HX_HTTPS_CERT_ERROR                  495
#define HX_HTTPS_NO_CERT                     496
#define HX_HTTP_TO_HTTPS                     497
#define HX_HTTP_CLIENT_CLOSED_REQUEST        499

#define HX_HTTP_INTERNAL_SERVER_ERROR        500
#define HX_HTTP_NOT_IMPLEMENTED              501
#define HX_HTTP_BAD_GATEWAY                  502
#define HX_HTTP_SERVICE_UNAVAILABLE          503
#define HX_HTTP_GATEWAY_TIME_OUT             504
#define HX_HTTP_VERSION_NOT_SUPPORTED        505
#define HX_HTTP_INSUFFICIENT_STORAGE         507


/* r->buffered, c->buffered */
#define HX_HTTP_LOWLEVEL_BUFFERED            0xf0
#define HX_HTTP_WRITE_BUFFERED               0x10
#define HX_HTTP_GZIP_BUFFERED                0x20
#define HX_HTTP_SSI_BUFFERED                 0x01
#define HX_HTTP_SUB_BUFFERED                 0x02
#define HX_HTTP_COPY_BUFFERED                0x04

/* r->subrequest_in_memory etc. (hx_http_subrequest flags) */
#define HX_HTTP_SUBREQUEST_IN_MEMORY         2
#define HX_HTTP_SUBREQUEST_WAITED            4
#define HX_HTTP_SUBREQUEST_CLONE             8
#define HX_HTTP_SUBREQUEST_BACKGROUND        16

/* r->lingering_close decisions (lingering_close directive) */
#define HX_HTTP_LINGERING_OFF                0
#define HX_HTTP_LINGERING_ON                 1
#define HX_HTTP_LINGERING_ALWAYS             2

/* client_body_in_file_only */
#define HX_HTTP_REQUEST_BODY_FILE_OFF        0
#define HX_HTTP_REQUEST_BODY_FILE_ON         1
#define HX_HTTP_REQUEST_BODY_FILE_CLEAN      2

/* r->keepalive candidates for the Connection header */
#define HX_HTTP_CONNECTION_CLOSE             1
#define HX_HTTP_CONNECTION_KEEP_ALIVE        2


/*
 * One header line: key and value point into the buffer it arrived in (or
 * into memory a module allocated); lowcase_key is the lowercased name the
 * header hash was looked up with.  hash == 0 marks an entry as deleted.
 * "next" chains repeated headers of one name (Cookie, X-Forwarded-For),
 * so headers_in.cookie is the first and the rest follow.
 */
typedef struct hx_table_elt_s  hx_table_elt_t;

struct hx_table_elt_s {
    hx_uint_t            hash;
    hx_str_t             key;
    hx_str_t             value;
    uint8_t             *lowcase_key;
    hx_table_elt_t      *next;
};


/* the table of request headers with a handler (hx_http_headers_in[]) */
struct hx_http_header_s {
    hx_str_t                   name;
    hx_uint_t                  offset;      /* in hx_http_headers_in_t */
    hx_http_header_handler_pt  handler;
};


typedef struct {
    hx_list_t            headers;       /* hx_table_elt_t, in order */

    hx_table_elt_t      *host;
    hx_table_elt_t      *connection;
    hx_table_elt_t      *if_modified_since;
    hx_table_elt_t      *if_unmodified_since;
    hx_table_elt_t      *if_match;
    hx_table_elt_t      *if_none_match;
    hx_table_elt_t      *user_agent;
    hx_table_elt_t      *referer;
    hx_table_elt_t      *content_length;
    hx_table_elt_t      *content_range;
    hx_table_elt_t      *content_type;

    hx_table_elt_t      *range;
    hx_table_elt_t      *if_range;

    hx_table_elt_t      *transfer_encoding;
    hx_table_elt_t      *te;
    hx_table_elt_t      *expect;
    hx_table_elt_t      *upgrade;

    hx_table_elt_t      *accept_encoding;
    hx_table_elt_t      *via;

    hx_table_elt_t      *authorization;
    hx_table_elt_t      *proxy_authorization;

    hx_table_elt_t      *depth;
    hx_table_elt_t      *destination;
    hx_table_elt_t      *overwrite;
    hx_table_elt_t      *date;

    hx_table_elt_t      *keep_alive;

    hx_table_elt_t      *x_forwarded_for;
    hx_table_elt_t      *x_real_ip;

    hx_table_elt_t      *accept;
    hx_table_elt_t      *accept_language;

    hx_table_elt_t      *cookie;

    hx_str_t             user;           /* from Authorization: Basic */
    hx_str_t             passwd;

    hx_str_t             server;         /* the validated host name */
    off_t                content_length_n;
    time_t               keep_alive_n;

    hx_uint_t            count;          /* header lines, for max_headers */

    unsigned             connection_type:2;   /* HX_HTTP_CONNECTION_* */
    unsigned             chunked:1;
    unsigned             multi:1;             /* several header parts */
    unsigned             multi_linked:1;
    unsigned             msie:1;
    unsigned             msie6:1;
    unsigned             opera:1;
    unsigned             gecko:1;
    unsigned             chrome:1;
    unsigned             safari:1;
    unsigned             konqueror:1;
} hx_http_headers_in_t;


typedef struct {
    hx_list_t            headers;       /* hx_table_elt_t, written in order */
    hx_list_t            trailers;      /* add_trailer, chunked only */

    hx_uint_t            status;
    hx_str_t             status_line;   /* when not from the status table */

    hx_table_elt_t      *server;
    hx_table_elt_t      *date;
    hx_table_elt_t      *content_length;
    hx_table_elt_t      *content_encoding;
    hx_table_elt_t      *location;
    hx_table_elt_t      *refresh;
    hx_table_elt_t      *last_modified;
    hx_table_elt_t      *content_range;
    hx_table_elt_t      *accept_ranges;
    hx_table_elt_t      *www_authenticate;
    hx_table_elt_t      *expires;
    hx_table_elt_t      *etag;

    hx_table_elt_t      *cache_control;
    hx_table_elt_t      *link;

    hx_str_t            *override_charset;

    size_t               content_type_len;   /* without "; charset=" */
    hx_str_t             content_type;
    hx_str_t             charset;
    uint8_t             *content_type_lowcase;
    hx_uint_t            content_type_hash;

    off_t                content_length_n;   /* -1: unknown */
    off_t                content_offset;     /* of the range sent */
    time_t               date_time;
    time_t               last_modified_time; /* -1: none */
} hx_http_headers_out_t;


typedef void (*hx_http_client_body_handler_pt)(hx_http_request_t *r);

/*
 * The request body as read so far: bufs holds memory buffers and/or a
 * buffer describing the temp file's contents; rest is what is still to
 * be read (-1 before the length is known, for chunked bodies).
 */
typedef struct {
    hx_http_temp_file_t             *temp_file;
    hx_chain_t                      *bufs;
    hx_buf_t                        *buf;
    off_t                            rest;
    off_t                            received;
    hx_chain_t                      *free;
    hx_chain_t                      *busy;
    hx_http_chunked_t               *chunked;
    hx_http_client_body_handler_pt   post_handler;
    unsigned                         filter_need_buffering:1;
    unsigned                         last_sent:1;
    unsigned                         last_saved:1;
} hx_http_request_body_t;


/*
 * What a connection keeps between requests: the address configuration it
 * arrived on (to find the virtual server), the large header buffers in
 * use and free, and its state flags.
 */
typedef struct hx_http_addr_conf_s  hx_http_addr_conf_t;

struct hx_http_connection_s {
    hx_http_addr_conf_t     *addr_conf;
    void                    *conf_ctx;      /* the default server's ctx */

    hx_chain_t              *busy;          /* large header buffers */
    hx_int_t                 nbusy;
    hx_chain_t              *free;

    /* keep-alive time left after keepalive_min_timeout, when reusable */
    hx_msec_t                keepalive_timeout;

    unsigned                 ssl:1;
    unsigned                 proxy_protocol:1;
};


typedef void (*hx_http_cleanup_pt)(void *data);

typedef struct hx_http_cleanup_s  hx_http_cleanup_t;

/* run when the request (not its pool) ends: finalize or terminate */
struct hx_http_cleanup_s {
    hx_http_cleanup_pt   handler;
    void                *data;
    hx_http_cleanup_t   *next;
};


typedef hx_int_t (*hx_http_post_subrequest_pt)(hx_http_request_t *r,
    void *data, hx_int_t rc);

typedef struct {
    hx_http_post_subrequest_pt   handler;
    void                        *data;
} hx_http_post_subrequest_t;


typedef struct hx_http_postponed_request_s  hx_http_postponed_request_t;

struct hx_http_postponed_request_s {
    hx_http_request_t             *request;
    hx_chain_t                    *out;
    hx_http_postponed_request_t   *next;
};


typedef struct hx_http_posted_request_s  hx_http_posted_request_t;

struct hx_http_posted_request_s {
    hx_http_request_t             *request;
    hx_http_posted_request_t      *next;
};


typedef hx_int_t (*hx_http_handler_pt)(hx_http_request_t *r);
typedef void (*hx_http_event_handler_pt)(hx_http_request_t *r);


struct hx_http_request_s {
    uint32_t                          signature;   /* "HTTP" */

    hx_connection_t                  *connection;

    void                            **ctx;         /* per module */
    void                            **main_conf;
    void                            **srv_conf;
    void                            **loc_conf;

    /* called from the connection's events while the request owns them */
    hx_http_event_handler_pt          read_event_handler;
    hx_http_event_handler_pt          write_event_handler;

    hx_http_upstream_t               *upstream;
    hx_array_t                       *upstream_states;

    hx_pool_t                        *pool;
    hx_buf_t                         *header_in;   /* holds the header */

    hx_http_headers_in_t              headers_in;
    hx_http_headers_out_t             headers_out;

    hx_http_request_body_t           *request_body;

    time_t                            lingering_time;
    time_t                            start_sec;
    hx_msec_t                         start_msec;

    /* the request line, as parsed */
    hx_http_parser_t                  parser;

    hx_uint_t                         method;
    hx_uint_t                         http_version;

    hx_str_t                          request_line;
    hx_str_t                          uri;           /* decoded, normalised */
    hx_str_t                          args;
    hx_str_t                          exten;
    hx_str_t                          unparsed_uri;  /* as the client sent */

    hx_str_t                          method_name;
    hx_str_t                          http_protocol;
    hx_str_t                          schema;        /* absolute-form */
    hx_str_t                          host_in_uri;   /* absolute-form host */
    in_port_t                         port;          /* Host's or the URI's */

    hx_chain_t                       *out;           /* unsent output */
    hx_http_request_t                *main;
    hx_http_request_t                *parent;
    hx_http_postponed_request_t      *postponed;
    hx_http_post_subrequest_t        *post_subrequest;
    hx_http_posted_request_t         *posted_requests;

    /* the phase engine's position (cmcf->phase_engine.handlers) */
    hx_int_t                          phase_handler;
    hx_http_handler_pt                content_handler;
    hx_uint_t                         access_code;

    hx_http_variable_value_t         *variables;   /* indexed, per request */

    /* regex captures of the last match (location, server_name, if) */
    hx_uint_t                         ncaptures;
    int                              *captures;
    uint8_t                          *captures_data;

    size_t                            limit_rate;
    size_t                            limit_rate_after;

    /* used to learn the Apache compatible response length without header */
    size_t                            header_size;

    off_t                             request_length;

    hx_uint_t                         err_status;   /* error_page's status */

    hx_http_connection_t             *http_connection;

    hx_http_log_handler_pt            log_handler;

    hx_http_cleanup_t                *cleanup;

    /* references to the main request: bodies, subrequests, posts */
    unsigned                          count:16;
    unsigned                          subrequests:8;
    unsigned                          blocked:8;

    unsigned                          aio:1;

    unsigned                          http_state:4;   /* hx_http_state_e */

    /* URI with "/." and on Win32 with "//" */
    unsigned                          complex_uri:1;
    /* URI with "%" */
    unsigned                          quoted_uri:1;
    /* URI with "+" */
    unsigned                          plus_in_uri:1;
    /* URI with empty path */
    unsigned                          empty_path_in_uri:1;

    unsigned                          invalid_header:1;

    unsigned                          add_uri_to_alias:1;
    unsigned                          valid_location:1;
    unsigned                          valid_unparsed_uri:1;
    unsigned                          uri_changed:1;
    unsigned                          uri_changes:4;

    unsigned                          request_body_in_single_buf:1;
    unsigned                          request_body_in_file_only:1;
    unsigned                          request_body_in_persistent_file:1;
    unsigned                          request_body_in_clean_file:1;
    unsigned                          request_body_file_group_access:1;
    unsigned                          request_body_file_log_level:3;
    unsigned                          request_body_no_buffering:1;

    unsigned                          subrequest_in_memory:1;
    unsigned                          waited:1;

    unsigned                          gzip_tested:1;
    unsigned                          gzip_ok:1;
    unsigned                          gzip_vary:1;

    unsigned                          realloc_captures:1;

    unsigned                          proxy:1;
    unsigned                          bypass_cache:1;
    unsigned                          no_cache:1;

    /* a location is chosen by a name (@fallback) or an internal redirect */
    unsigned                          internal:1;
    unsigned                          error_page:1;
    unsigned                          filter_finalize:1;
    unsigned                          post_action:1;
    unsigned                          request_complete:1;
    unsigned                          request_output:1;
    unsigned                          header_sent:1;
    unsigned                          response_sent:1;
    unsigned                          expect_tested:1;
    unsigned                          root_tested:1;
    unsigned                          done:1;
    unsigned                          logged:1;
    unsigned                          terminated:1;

    unsigned                          buffered:4;

    unsigned                          main_filter_need_in_memory:1;
    unsigned                          filter_need_in_memory:1;
    unsigned                          filter_need_temporary:1;
    unsigned                          preserve_body:1;
    unsigned                          allow_ranges:1;
    unsigned                          subrequest_ranges:1;
    unsigned                          single_range:1;
    unsigned                          disable_not_modified:1;
    unsigned                          stat_reading:1;
    unsigned                          stat_writing:1;
    unsigned                          stat_processing:1;

    unsigned                          background:1;
    unsigned                          health_check:1;

    /* the header must not be sent with a body (HEAD, 204, 304) */
    unsigned                          header_only:1;
    unsigned                          expect_trailers:1;
    unsigned                          keepalive:1;
    unsigned                          lingering_close:1;
    unsigned                          discard_body:1;
    unsigned                          reading_body:1;
    unsigned                          headers_done:1;   /* header parsed */
    unsigned                          chunked:1;        /* response */
    unsigned                          zero_in_uri:1;
    unsigned                          limit_conn_status:2;
    unsigned                          limit_req_status:3;

    unsigned                          limit_rate_set:1;
    unsigned                          limit_rate_after_set:1;

    unsigned                          pipeline:1;
    unsigned                          plain_http:1;
    unsigned                          http_minor:16;
    unsigned                          http_major:16;
};


#define HX_HTTP_REQUEST_SIGNATURE  0x50545448   /* "HTTP" */


/* the table of known request headers, and their lookup hash */
extern hx_http_header_t  hx_http_headers_in[];

/*
 * Registers a cleanup that runs when the request ends (size bytes of data
 * for it, or 0).  NULL on no memory.
 */
hx_http_cleanup_t *hx_http_cleanup_add(hx_http_request_t *r, size_t size);

/*
 * Starts a new request on c (after the previous one on a keep-alive
 * connection, or the first): pool, header buffers, variables.  NULL on
 * no memory.
 */
hx_http_request_t *hx_http_create_request(hx_connection_t *c);

/*
 * Adds a header line to r->headers_out.headers (key and value copied by
 * reference).  Returns the entry or NULL on no memory.
 */
hx_table_elt_t *hx_http_add_response_header(hx_http_request_t *r,
    hx_str_t *key, hx_str_t *value);

/* the first request header of that (lowercase) name, or NULL */
hx_table_elt_t *hx_http_find_request_header(hx_http_request_t *r,
    uint8_t *lowcase_name, size_t len);

#endif /* HX_HTTP_HX_HTTP_REQUEST_H */

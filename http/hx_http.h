/*
 * The http subsystem's umbrella header: forward declarations of the types
 * every http file shares, the filter chain types, and the http headers in
 * dependency order.  A .c file in http/ includes hx_config.h, hx_core.h,
 * hx_event.h and then this.
 *
 * The shape is nginx's: a request flows through phases (hx_http_core_
 * module.h) and its response through two singly linked filter chains
 * (headers, then body) that modules prepend themselves to in
 * postconfiguration.  Upstream modules (proxy) add their own header
 * (hx_http_upstream.h) and hang their state on r->upstream.
 */

#ifndef HX_HTTP_HX_HTTP_H
#define HX_HTTP_HX_HTTP_H

#include <hx_event.h>
#include <hx_proxy_protocol.h>


typedef struct hx_http_request_s     hx_http_request_t;
typedef struct hx_http_upstream_s    hx_http_upstream_t;
typedef struct hx_http_log_ctx_s     hx_http_log_ctx_t;
typedef struct hx_http_connection_s  hx_http_connection_t;
typedef struct hx_http_variable_s    hx_http_variable_t;
typedef struct hx_http_header_s      hx_http_header_t;
typedef struct hx_http_core_loc_conf_s  hx_http_core_loc_conf_t;
typedef struct hx_http_location_tree_node_s  hx_http_location_tree_node_t;

/* a request header's processing handler (hx_http_headers_in[]) */
typedef hx_int_t (*hx_http_header_handler_pt)(hx_http_request_t *r,
    void *h, hx_uint_t offset);

/* appends request context to an error log line */
typedef uint8_t *(*hx_http_log_handler_pt)(hx_http_request_t *r,
    hx_http_request_t *sr, uint8_t *buf, size_t len);


#include "hx_http_parse.h"
#include "hx_http_temp_file.h"
#include "hx_http_variables.h"
#include "hx_http_config.h"
#include "hx_http_request.h"
#include "hx_http_script.h"
#include "hx_http_core_module.h"
#include "hx_http_file.h"

/*
 * Modules with headers of their own join here as they are written: the
 * upstream machinery (proxy) and TLS.  __has_include keeps the build
 * working before they exist.
 */
#if defined(__has_include)
#if __has_include("hx_http_upstream.h")
#include "hx_http_upstream.h"
#endif
#if __has_include("hx_http_ssl_module.h")
#include "hx_http_ssl_module.h"
#endif
#endif


struct hx_http_log_ctx_s {
    hx_connection_t     *connection;
    hx_http_request_t   *request;
    hx_http_request_t   *current_request;
};


/*
 * The status counters (stub_status) live in the event layer's shared
 * page when it has them (HX_EVENT_STAT): http moves requests between
 * reading and writing there.
 */
#define hx_http_stat_add(field, n)  hx_event_stat_add(field, n)


/* per-request module context, as nginx's ngx_http_get_module_ctx */
#define hx_http_get_module_ctx(r, module)  (r)->ctx[module.ctx_index]
#define hx_http_set_ctx(r, c, module)      (r)->ctx[module.ctx_index] = c;


/* the filter chains */
typedef hx_int_t (*hx_http_output_header_filter_pt)(hx_http_request_t *r);
typedef hx_int_t (*hx_http_output_body_filter_pt)(hx_http_request_t *r,
    hx_chain_t *chain);
typedef hx_int_t (*hx_http_request_body_filter_pt)(hx_http_request_t *r,
    hx_chain_t *chain);

extern hx_http_output_header_filter_pt  hx_http_top_header_filter;
extern hx_http_output_body_filter_pt    hx_http_top_body_filter;
extern hx_http_request_body_filter_pt   hx_http_top_request_body_filter;


/* connection and request lifecycle (hx_http_request.c) */

/* the listening socket's handler: sets up c->data and waits for a request */
void hx_http_init_connection(hx_connection_t *c);
/* closes a connection that has no request (or whose request is freed) */
void hx_http_close_connection(hx_connection_t *c);

/*
 * Runs the request through the phases once its header is read.
 */
void hx_http_process_request(hx_http_request_t *r);
/* starts (or, after an internal redirect, restarts) the phases */
void hx_http_handler(hx_http_request_t *r);
/* the read handler while the request line arrives */
void hx_http_process_request_line(hx_event_t *rev);
/* the connection's event handler while a request owns it */
void hx_http_request_handler(hx_event_t *ev);
/* fills r->uri, r->args, r->exten from the parser's request line */
hx_int_t hx_http_process_request_uri(hx_http_request_t *r);
/* checks the header set as a whole (Host, lengths); HX_OK or HX_ERROR */
hx_int_t hx_http_process_request_header(hx_http_request_t *r);

/*
 * Validates and normalises a Host value (lowercased, trailing dot and port
 * cut; the port goes to *portp when given, 0 when absent).  HX_OK,
 * HX_DECLINED for an invalid host, HX_ERROR on no memory.  With alloc
 * set, host is copied before lowercasing.
 */
hx_int_t hx_http_validate_host(hx_str_t *host, in_port_t *portp,
    hx_pool_t *pool, hx_uint_t alloc);

/*
 * The one place a request ends (STYLE.md section 11).  rc is HX_DONE
 * (handled elsewhere), HX_OK, HX_ERROR, HX_AGAIN (output pending), an
 * HTTP status >= 300 (an error page is sent), HX_HTTP_CLOSE or
 * HX_HTTP_REQUEST_TIME_OUT/CLIENT_CLOSED_REQUEST (closed without answer).
 */
void hx_http_finalize_request(hx_http_request_t *r, hx_int_t rc);
/* frees the request's pool; c stays open */
void hx_http_free_request(hx_http_request_t *r, hx_int_t rc);
/* drops a reference (r->main->count) and closes when none is left */
void hx_http_close_request(hx_http_request_t *r, hx_int_t rc);
/* re-enters the request after an event on the connection */
void hx_http_run_posted_requests(hx_connection_t *c);
hx_int_t hx_http_post_request(hx_http_request_t *r, hx_http_posted_request_t
    *pr);
/* marks the request as a keep-alive candidate ended: close it now */
void hx_http_terminate_request(hx_http_request_t *r, hx_int_t rc);

/* event handlers for requests that wait on nothing */
void hx_http_empty_handler(hx_event_t *wev);
void hx_http_request_empty_handler(hx_http_request_t *r);
/* stops (or tests for) client reads while a handler waits on others */
void hx_http_block_reading(hx_http_request_t *r);
void hx_http_test_reading(hx_http_request_t *r);

/* sends the last buffer (HX_HTTP_LAST) or a flush (HX_HTTP_FLUSH) */
#define HX_HTTP_LAST   1
#define HX_HTTP_FLUSH  2
hx_int_t hx_http_send_special(hx_http_request_t *r, hx_uint_t flags);

/* the error log context handler for request connections */
uint8_t *hx_http_log_error_handler(hx_log_t *log, uint8_t *buf, size_t len);
/*
 * The request part of it (r->log_handler's default): server, request,
 * subrequest, host, referrer.  An upstream module may set r->log_handler
 * to its own, which calls this and appends "upstream: ...".
 */
uint8_t *hx_http_log_request_context(hx_http_request_t *r,
    hx_http_request_t *sr, uint8_t *buf, size_t len);
/* finds the virtual server for host and switches r's confs to it */
hx_int_t hx_http_set_virtual_server(hx_http_request_t *r, hx_str_t *host);
/* runs the log phase handlers (access_log) for r */
void hx_http_log_request(hx_http_request_t *r);


/* request bodies (hx_http_request_body.c) */

/*
 * Reads the client body into r->request_body (memory buffers, or a temp
 * file past client_body_buffer_size) and calls post_handler when it is
 * complete.  Returns HX_OK or HX_AGAIN (post_handler will be called), or
 * an HTTP status (413, 400, 408, 500) for the caller to finalize with.
 * Takes a reference on r->main; the post handler's finalize drops it.
 */
hx_int_t hx_http_read_client_request_body(hx_http_request_t *r,
    hx_http_client_body_handler_pt post_handler);
/* with r->request_body_no_buffering: reads what is available, HX_AGAIN */
hx_int_t hx_http_read_unbuffered_request_body(hx_http_request_t *r);
/*
 * Reads and drops the body so the connection can be kept alive (lingering
 * on the connection's read event if needed).  HX_OK or an HTTP status.
 */
hx_int_t hx_http_discard_request_body(hx_http_request_t *r);
/* reads and drops body bytes while the response is written */
void hx_http_discarded_request_body_handler(hx_http_request_t *r);
/* the last body filter: stores buffers in memory or the temp file */
hx_int_t hx_http_request_body_save_filter(hx_http_request_t *r,
    hx_chain_t *in);


/* responses (hx_http_core_module.c, hx_http_special_response.c) */

/* sends the header through the header filter chain (once) */
hx_int_t hx_http_send_header(hx_http_request_t *r);
/* passes a body chain through the body filter chain */
hx_int_t hx_http_output_filter(hx_http_request_t *r, hx_chain_t *in);
/* the last body filter: buffers, limit_rate, and c->send_chain */
hx_int_t hx_http_write_filter(hx_http_request_t *r, hx_chain_t *in);

/*
 * Answers with an error status: the error_page the location configures,
 * or the built-in page in nginx's format.  Returns what the finalizer
 * continues with.
 */
hx_int_t hx_http_special_response_handler(hx_http_request_t *r,
    hx_int_t error);
/* an error produced by a filter after the header: resets and answers */
hx_int_t hx_http_filter_finalize_request(hx_http_request_t *r,
    hx_module_t *m, hx_int_t error);
/* forgets everything set in headers_out (before an error page) */
void hx_http_clean_header(hx_http_request_t *r);

/* the Server header's value per server_tokens ("hanx", "hanx/0.1.0") */
extern hx_str_t  hx_http_server_string;
extern hx_str_t  hx_http_server_full_string;


/* helpers */

/*
 * MIME type lists (hx_http_types.c): "*" is stored as HX_HTTP_TYPES_ANY.
 * hx_http_types_slot takes cmd->post as an hx_str_t * type always in the
 * list (or NULL); hx_http_merge_types builds the hash (default_types end
 * with an empty string); hx_http_test_content_type is non-NULL when the
 * response's type is in the hash.
 */
#define HX_HTTP_TYPES_ANY  ((void *) -1)

char *hx_http_types_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_http_merge_types(hx_conf_t *cf, hx_array_t **keys,
    hx_hash_t *types_hash, hx_array_t **prev_keys,
    hx_hash_t *prev_types_hash, hx_str_t *default_types);
hx_int_t hx_http_set_default_types(hx_conf_t *cf, hx_array_t **types,
    hx_str_t *default_type);
void *hx_http_test_content_type(hx_http_request_t *r, hx_hash_t *types_hash);

/* the status line text of a code ("404 Not Found"), or NULL */
hx_str_t *hx_http_status_line(hx_uint_t status);
/* an If-Match/If-None-Match-style list against an entity tag */
hx_uint_t hx_http_etag_match(hx_str_t *list, hx_str_t *etag, hx_uint_t weak);

extern hx_module_t  hx_http_module;

extern hx_str_t     hx_http_html_default_types[];

#endif /* HX_HTTP_HX_HTTP_H */

/*
 * The http core module's configuration: the directives of http {},
 * server {} and location {} that every request depends on, their defaults
 * (nginx's), and the merge from http to server to location.
 *
 * Most directives are one row with a generic setter; the handlers here
 * are for the ones with structure: server and location blocks (which
 * create a level of confs for every module), server_name, types, root and
 * alias, error_page, try_files, keepalive_timeout, limit_except and the
 * temp path.  Request-time code lives in hx_http_phases.c (the phase
 * engine), hx_http_core_response.c (helpers for content handlers),
 * hx_http_locations.c and hx_http_listen.c.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>
#include <hx_http_temp_file.h>


static hx_int_t hx_http_core_preconfiguration(hx_conf_t *cf);
static hx_int_t hx_http_core_postconfiguration(hx_conf_t *cf);
static void *hx_http_core_create_main_conf(hx_conf_t *cf);
static char *hx_http_core_init_main_conf(hx_conf_t *cf, void *conf);
static void *hx_http_core_create_srv_conf(hx_conf_t *cf);
static char *hx_http_core_merge_srv_conf(hx_conf_t *cf, void *parent,
    void *child);
static void *hx_http_core_create_loc_conf(hx_conf_t *cf);
static char *hx_http_core_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);
static hx_int_t hx_http_core_init_module(hx_cycle_t *cycle);

static char *hx_http_core_server(hx_conf_t *cf, hx_command_t *cmd,
    void *dummy);
static char *hx_http_core_location(hx_conf_t *cf, hx_command_t *cmd,
    void *dummy);
static hx_int_t hx_http_core_regex_location(hx_conf_t *cf,
    hx_http_core_loc_conf_t *clcf, hx_str_t *regex, hx_uint_t caseless);
static char *hx_http_core_types(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_type(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);
static char *hx_http_core_server_name(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_root(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_http_core_limit_except(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_error_page(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_keepalive(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_internal(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_error_log(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_accept_ignored(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_aio(hx_conf_t *cf, hx_command_t *cmd, void *conf);
static char *hx_http_core_directio(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_disable_symlinks(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_gzip_disable(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_http_core_lowat_check(hx_conf_t *cf, void *post, void *data);
static char *hx_http_core_pool_size(hx_conf_t *cf, void *post, void *data);


static hx_conf_post_t  hx_http_core_lowat_post =
    { hx_http_core_lowat_check };

static hx_conf_post_t  hx_http_core_pool_size_p =
    { hx_http_core_pool_size };


static hx_conf_enum_t  hx_http_core_request_body_in_file[] = {
    { hx_string("off"), HX_HTTP_REQUEST_BODY_FILE_OFF },
    { hx_string("on"), HX_HTTP_REQUEST_BODY_FILE_ON },
    { hx_string("clean"), HX_HTTP_REQUEST_BODY_FILE_CLEAN },
    { hx_null_string, 0 }
};


static hx_conf_enum_t  hx_http_core_satisfy[] = {
    { hx_string("all"), HX_HTTP_SATISFY_ALL },
    { hx_string("any"), HX_HTTP_SATISFY_ANY },
    { hx_null_string, 0 }
};


static hx_conf_enum_t  hx_http_core_lingering_close[] = {
    { hx_string("off"), HX_HTTP_LINGERING_OFF },
    { hx_string("on"), HX_HTTP_LINGERING_ON },
    { hx_string("always"), HX_HTTP_LINGERING_ALWAYS },
    { hx_null_string, 0 }
};


static hx_conf_enum_t  hx_http_core_server_tokens[] = {
    { hx_string("off"), HX_HTTP_SERVER_TOKENS_OFF },
    { hx_string("on"), HX_HTTP_SERVER_TOKENS_ON },
    { hx_string("build"), HX_HTTP_SERVER_TOKENS_BUILD },
    { hx_null_string, 0 }
};


static hx_conf_enum_t  hx_http_core_if_modified_since[] = {
    { hx_string("off"), HX_HTTP_IMS_OFF },
    { hx_string("exact"), HX_HTTP_IMS_EXACT },
    { hx_string("before"), HX_HTTP_IMS_BEFORE },
    { hx_null_string, 0 }
};


static hx_conf_bitmask_t  hx_http_core_keepalive_disable[] = {
    { hx_string("none"), HX_HTTP_KEEPALIVE_DISABLE_NONE },
    { hx_string("msie6"), HX_HTTP_KEEPALIVE_DISABLE_MSIE6 },
    { hx_string("safari"), HX_HTTP_KEEPALIVE_DISABLE_SAFARI },
    { hx_null_string, 0 }
};


static hx_conf_enum_t  hx_http_gzip_http_version[] = {
    { hx_string("1.0"), HX_HTTP_VERSION_10 },
    { hx_string("1.1"), HX_HTTP_VERSION_11 },
    { hx_null_string, 0 }
};


static hx_conf_bitmask_t  hx_http_gzip_proxied_mask[] = {
    { hx_string("off"), HX_HTTP_GZIP_PROXIED_OFF },
    { hx_string("expired"), HX_HTTP_GZIP_PROXIED_EXPIRED },
    { hx_string("no-cache"), HX_HTTP_GZIP_PROXIED_NO_CACHE },
    { hx_string("no-store"), HX_HTTP_GZIP_PROXIED_NO_STORE },
    { hx_string("private"), HX_HTTP_GZIP_PROXIED_PRIVATE },
    { hx_string("no_last_modified"), HX_HTTP_GZIP_PROXIED_NO_LM },
    { hx_string("no_etag"), HX_HTTP_GZIP_PROXIED_NO_ETAG },
    { hx_string("auth"), HX_HTTP_GZIP_PROXIED_AUTH },
    { hx_string("any"), HX_HTTP_GZIP_PROXIED_ANY },
    { hx_null_string, 0 }
};


static hx_path_init_t  hx_http_client_temp_path = {
    hx_string("client_body_temp"), { 0, 0, 0 }
};


static hx_command_t  hx_http_core_commands[] = {

    { hx_string("variables_hash_max_size"),
      HX_HTTP_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_MAIN_CONF_OFFSET,
      offsetof(hx_http_core_main_conf_t, variables_hash_max_size),
      NULL },

    { hx_string("variables_hash_bucket_size"),
      HX_HTTP_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_MAIN_CONF_OFFSET,
      offsetof(hx_http_core_main_conf_t, variables_hash_bucket_size),
      NULL },

    { hx_string("server_names_hash_max_size"),
      HX_HTTP_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_MAIN_CONF_OFFSET,
      offsetof(hx_http_core_main_conf_t, server_names_hash_max_size),
      NULL },

    { hx_string("server_names_hash_bucket_size"),
      HX_HTTP_MAIN_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_MAIN_CONF_OFFSET,
      offsetof(hx_http_core_main_conf_t, server_names_hash_bucket_size),
      NULL },

    { hx_string("server"),
      HX_HTTP_MAIN_CONF|HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_http_core_server,
      0,
      0,
      NULL },

    { hx_string("connection_pool_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, connection_pool_size),
      &hx_http_core_pool_size_p },

    { hx_string("request_pool_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, request_pool_size),
      &hx_http_core_pool_size_p },

    { hx_string("client_header_timeout"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, client_header_timeout),
      NULL },

    { hx_string("client_header_buffer_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, client_header_buffer_size),
      NULL },

    { hx_string("large_client_header_buffers"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_TAKE2,
      hx_conf_set_bufs_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, large_client_header_buffers),
      NULL },

    { hx_string("ignore_invalid_headers"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, ignore_invalid_headers),
      NULL },

    { hx_string("merge_slashes"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, merge_slashes),
      NULL },

    { hx_string("underscores_in_headers"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, underscores_in_headers),
      NULL },

    { hx_string("max_headers"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_SRV_CONF_OFFSET,
      offsetof(hx_http_core_srv_conf_t, max_headers),
      NULL },

    { hx_string("location"),
      HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_BLOCK|HX_CONF_TAKE12,
      hx_http_core_location,
      HX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("listen"),
      HX_HTTP_SRV_CONF|HX_CONF_1MORE,
      hx_http_core_listen,
      HX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("server_name"),
      HX_HTTP_SRV_CONF|HX_CONF_1MORE,
      hx_http_core_server_name,
      HX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { hx_string("types_hash_max_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, types_hash_max_size),
      NULL },

    { hx_string("types_hash_bucket_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, types_hash_bucket_size),
      NULL },

    { hx_string("types"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF
                                          |HX_CONF_BLOCK|HX_CONF_NOARGS,
      hx_http_core_types,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("default_type"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_str_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, default_type),
      NULL },

    { hx_string("root"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE1,
      hx_http_core_root,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("alias"),
      HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_http_core_root,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("limit_except"),
      HX_HTTP_LOC_CONF|HX_CONF_BLOCK|HX_CONF_1MORE,
      hx_http_core_limit_except,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("client_max_body_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_off_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, client_max_body_size),
      NULL },

    { hx_string("client_body_buffer_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, client_body_buffer_size),
      NULL },

    { hx_string("client_body_timeout"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, client_body_timeout),
      NULL },

    { hx_string("client_body_temp_path"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1234,
      hx_http_set_path_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, client_body_temp_path),
      NULL },

    { hx_string("client_body_in_file_only"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, client_body_in_file_only),
      &hx_http_core_request_body_in_file },

    { hx_string("client_body_in_single_buffer"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, client_body_in_single_buffer),
      NULL },

    { hx_string("sendfile"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, sendfile),
      NULL },

    { hx_string("sendfile_max_chunk"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, sendfile_max_chunk),
      NULL },

    { hx_string("subrequest_output_buffer_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, subrequest_output_buffer_size),
      NULL },

    { hx_string("aio"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_http_core_aio,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("aio_write"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, aio_write),
      NULL },

    { hx_string("read_ahead"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, read_ahead),
      NULL },

    { hx_string("directio"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_http_core_directio,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("directio_alignment"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_off_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, directio_alignment),
      NULL },

    { hx_string("tcp_nopush"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, tcp_nopush),
      NULL },

    { hx_string("tcp_nodelay"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, tcp_nodelay),
      NULL },

    { hx_string("send_timeout"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, send_timeout),
      NULL },

    { hx_string("send_lowat"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, send_lowat),
      &hx_http_core_lowat_post },

    { hx_string("postpone_output"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, postpone_output),
      NULL },

    { hx_string("limit_rate"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE1,
      hx_http_set_complex_value_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, limit_rate),
      NULL },

    { hx_string("limit_rate_after"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE1,
      hx_http_set_complex_value_size_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, limit_rate_after),
      NULL },

    { hx_string("keepalive_time"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, keepalive_time),
      NULL },

    { hx_string("keepalive_timeout"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE12,
      hx_http_core_keepalive,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("keepalive_min_timeout"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, keepalive_min_timeout),
      NULL },

    { hx_string("keepalive_requests"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, keepalive_requests),
      NULL },

    { hx_string("keepalive_disable"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE12,
      hx_conf_set_bitmask_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, keepalive_disable),
      &hx_http_core_keepalive_disable },

    { hx_string("satisfy"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, satisfy),
      &hx_http_core_satisfy },

    { hx_string("auth_delay"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, auth_delay),
      NULL },

    { hx_string("internal"),
      HX_HTTP_LOC_CONF|HX_CONF_NOARGS,
      hx_http_core_internal,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("lingering_close"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, lingering_close),
      &hx_http_core_lingering_close },

    { hx_string("lingering_time"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, lingering_time),
      NULL },

    { hx_string("lingering_timeout"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, lingering_timeout),
      NULL },

    { hx_string("reset_timedout_connection"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, reset_timedout_connection),
      NULL },

    { hx_string("absolute_redirect"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, absolute_redirect),
      NULL },

    { hx_string("server_name_in_redirect"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, server_name_in_redirect),
      NULL },

    { hx_string("port_in_redirect"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, port_in_redirect),
      NULL },

    { hx_string("msie_padding"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, msie_padding),
      NULL },

    { hx_string("msie_refresh"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, msie_refresh),
      NULL },

    { hx_string("log_not_found"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, log_not_found),
      NULL },

    { hx_string("log_subrequest"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, log_subrequest),
      NULL },

    { hx_string("recursive_error_pages"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, recursive_error_pages),
      NULL },

    { hx_string("server_tokens"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, server_tokens),
      &hx_http_core_server_tokens },

    { hx_string("if_modified_since"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, if_modified_since),
      &hx_http_core_if_modified_since },

    { hx_string("max_ranges"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_num_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, max_ranges),
      NULL },

    { hx_string("chunked_transfer_encoding"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, chunked_transfer_encoding),
      NULL },

    { hx_string("etag"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, etag),
      NULL },

    { hx_string("error_page"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_2MORE,
      hx_http_core_error_page,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("post_action"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_HTTP_LIF_CONF
                        |HX_CONF_TAKE1,
      hx_conf_set_str_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, post_action),
      NULL },

    { hx_string("error_log"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_1MORE,
      hx_http_core_error_log,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /*
     * open_file_cache and its tuning: accepted and checked, not used.
     * Every request opens and stats its file, which is what an expired
     * cache entry does in nginx; nothing observable depends on the cache
     * except staleness, which hanx never has.
     */

    { hx_string("open_file_cache"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE12,
      hx_http_core_accept_ignored,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("open_file_cache_valid"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_http_core_accept_ignored,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("open_file_cache_min_uses"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_http_core_accept_ignored,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("open_file_cache_errors"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_http_core_accept_ignored,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("open_file_cache_events"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_http_core_accept_ignored,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* "resolver" is the upstream module's (hx_http_upstream_resolver.c) */

    { hx_string("resolver_timeout"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_msec_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, resolver_timeout),
      NULL },

    { hx_string("gzip_vary"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, gzip_vary),
      NULL },

    { hx_string("gzip_http_version"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, gzip_http_version),
      &hx_http_gzip_http_version },

    { hx_string("gzip_proxied"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_1MORE,
      hx_conf_set_bitmask_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_core_loc_conf_t, gzip_proxied),
      &hx_http_gzip_proxied_mask },

    { hx_string("gzip_disable"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_1MORE,
      hx_http_core_gzip_disable,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { hx_string("disable_symlinks"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE12,
      hx_http_core_disable_symlinks,
      HX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_core_module_ctx = {
    hx_http_core_preconfiguration,         /* preconfiguration */
    hx_http_core_postconfiguration,        /* postconfiguration */

    hx_http_core_create_main_conf,         /* create main configuration */
    hx_http_core_init_main_conf,           /* init main configuration */

    hx_http_core_create_srv_conf,          /* create server configuration */
    hx_http_core_merge_srv_conf,           /* merge server configuration */

    hx_http_core_create_loc_conf,          /* create location configuration */
    hx_http_core_merge_loc_conf            /* merge location configuration */
};


hx_module_t  hx_http_core_module = {
    HX_MODULE_V1,
    "hx_http_core_module",
    &hx_http_core_module_ctx,
    hx_http_core_commands,
    HX_HTTP_MODULE,
    hx_http_core_init_module,              /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


hx_str_t  hx_http_core_get_method = { 3, (uint8_t *) "GET" };


static hx_int_t
hx_http_core_preconfiguration(hx_conf_t *cf)
{
    return hx_http_variables_add_core_vars(cf);
}


static hx_int_t
hx_http_core_postconfiguration(hx_conf_t *cf)
{
    (void) cf;

    hx_http_top_request_body_filter = hx_http_request_body_save_filter;

    return HX_OK;
}


static void *
hx_http_core_create_main_conf(hx_conf_t *cf)
{
    hx_http_core_main_conf_t  *cmcf;

    cmcf = hx_pcalloc(cf->pool, sizeof(hx_http_core_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    if (hx_array_init(&cmcf->servers, cf->pool, 4,
                      sizeof(hx_http_core_srv_conf_t *))
        != HX_OK)
    {
        return NULL;
    }

    cmcf->server_names_hash_max_size = HX_CONF_UNSET_UINT;
    cmcf->server_names_hash_bucket_size = HX_CONF_UNSET_UINT;

    cmcf->variables_hash_max_size = HX_CONF_UNSET_UINT;
    cmcf->variables_hash_bucket_size = HX_CONF_UNSET_UINT;

    return cmcf;
}


static char *
hx_http_core_init_main_conf(hx_conf_t *cf, void *conf)
{
    hx_http_core_main_conf_t *cmcf = conf;

    hx_conf_init_uint_value(cmcf->server_names_hash_max_size, 512);
    hx_conf_init_uint_value(cmcf->server_names_hash_bucket_size, 64);

    cmcf->server_names_hash_bucket_size =
            hx_align(cmcf->server_names_hash_bucket_size, 64);

    hx_conf_init_uint_value(cmcf->variables_hash_max_size, 1024);
    hx_conf_init_uint_value(cmcf->variables_hash_bucket_size, 64);

    cmcf->variables_hash_bucket_size =
            hx_align(cmcf->variables_hash_bucket_size, 64);

    if (cmcf->ncaptures) {
        cmcf->ncaptures = (cmcf->ncaptures + 1) * 3;
    }

    (void) cf;

    return HX_CONF_OK;
}


static void *
hx_http_core_create_srv_conf(hx_conf_t *cf)
{
    hx_http_core_srv_conf_t  *cscf;

    cscf = hx_pcalloc(cf->pool, sizeof(hx_http_core_srv_conf_t));
    if (cscf == NULL) {
        return NULL;
    }

    if (hx_array_init(&cscf->server_names, cf->temp_pool, 4,
                      sizeof(hx_http_server_name_t))
        != HX_OK)
    {
        return NULL;
    }

    cscf->connection_pool_size = HX_CONF_UNSET_SIZE;
    cscf->request_pool_size = HX_CONF_UNSET_SIZE;
    cscf->client_header_timeout = HX_CONF_UNSET_MSEC;
    cscf->client_header_buffer_size = HX_CONF_UNSET_SIZE;
    cscf->ignore_invalid_headers = HX_CONF_UNSET;
    cscf->merge_slashes = HX_CONF_UNSET;
    cscf->underscores_in_headers = HX_CONF_UNSET;
    cscf->max_headers = HX_CONF_UNSET_UINT;

    cscf->file_name = cf->conf_file->file.name.data;
    cscf->line = cf->conf_file->line;

    return cscf;
}


static char *
hx_http_core_merge_srv_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_core_srv_conf_t *prev = parent;
    hx_http_core_srv_conf_t *conf = child;

    hx_str_t                 name;
    hx_http_server_name_t   *sn;

    hx_conf_merge_size_value(conf->connection_pool_size,
                             prev->connection_pool_size, 64 * sizeof(void *));
    hx_conf_merge_size_value(conf->request_pool_size,
                             prev->request_pool_size, 4096);
    hx_conf_merge_msec_value(conf->client_header_timeout,
                             prev->client_header_timeout, 60000);
    hx_conf_merge_size_value(conf->client_header_buffer_size,
                             prev->client_header_buffer_size, 1024);
    hx_conf_merge_bufs_value(conf->large_client_header_buffers,
                             prev->large_client_header_buffers,
                             4, 8192);

    if (conf->large_client_header_buffers.size < conf->connection_pool_size) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "the \"large_client_header_buffers\" size must be "
                          "equal to or greater than \"connection_pool_size\"");
        return HX_CONF_ERROR;
    }

    hx_conf_merge_value(conf->ignore_invalid_headers,
                        prev->ignore_invalid_headers, 1);
    hx_conf_merge_value(conf->merge_slashes, prev->merge_slashes, 1);
    hx_conf_merge_value(conf->underscores_in_headers,
                        prev->underscores_in_headers, 0);
    hx_conf_merge_uint_value(conf->max_headers, prev->max_headers, 1000);

    if (conf->server_names.nelts == 0) {

        /* the default name is "", nginx's since 0.8.48 */

        sn = hx_array_push(&conf->server_names);
        if (sn == NULL) {
            return HX_CONF_ERROR;
        }

        sn->regex = NULL;
        sn->server = conf;
        hx_str_set(&sn->name, "");
    }

    sn = conf->server_names.elts;
    name = sn[0].name;

    if (sn->regex) {
        name.len++;
        name.data--;

    } else if (name.data[0] == '.') {
        name.len--;
        name.data++;
    }

    conf->server_name.len = name.len;
    conf->server_name.data = hx_pstrdup(cf->pool, &name);
    if (conf->server_name.data == NULL) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static void *
hx_http_core_create_loc_conf(hx_conf_t *cf)
{
    hx_http_core_loc_conf_t  *clcf;

    clcf = hx_pcalloc(cf->pool, sizeof(hx_http_core_loc_conf_t));
    if (clcf == NULL) {
        return NULL;
    }

    clcf->client_max_body_size = HX_CONF_UNSET;
    clcf->client_body_buffer_size = HX_CONF_UNSET_SIZE;
    clcf->client_body_timeout = HX_CONF_UNSET_MSEC;
    clcf->satisfy = HX_CONF_UNSET_UINT;
    clcf->auth_delay = HX_CONF_UNSET_MSEC;
    clcf->if_modified_since = HX_CONF_UNSET_UINT;
    clcf->max_ranges = HX_CONF_UNSET_UINT;
    clcf->client_body_in_file_only = HX_CONF_UNSET_UINT;
    clcf->client_body_in_single_buffer = HX_CONF_UNSET;
    clcf->internal = HX_CONF_UNSET;
    clcf->sendfile = HX_CONF_UNSET;
    clcf->sendfile_max_chunk = HX_CONF_UNSET_SIZE;
    clcf->subrequest_output_buffer_size = HX_CONF_UNSET_SIZE;
    clcf->aio = HX_CONF_UNSET;
    clcf->aio_write = HX_CONF_UNSET;
    clcf->read_ahead = HX_CONF_UNSET_SIZE;
    clcf->directio = HX_CONF_UNSET;
    clcf->directio_alignment = HX_CONF_UNSET;
    clcf->tcp_nopush = HX_CONF_UNSET;
    clcf->tcp_nodelay = HX_CONF_UNSET;
    clcf->send_timeout = HX_CONF_UNSET_MSEC;
    clcf->send_lowat = HX_CONF_UNSET_SIZE;
    clcf->postpone_output = HX_CONF_UNSET_SIZE;
    clcf->limit_rate = HX_CONF_UNSET_PTR;
    clcf->limit_rate_after = HX_CONF_UNSET_PTR;
    clcf->keepalive_time = HX_CONF_UNSET_MSEC;
    clcf->keepalive_timeout = HX_CONF_UNSET_MSEC;
    clcf->keepalive_min_timeout = HX_CONF_UNSET_MSEC;
    clcf->keepalive_header = HX_CONF_UNSET;
    clcf->keepalive_requests = HX_CONF_UNSET_UINT;
    clcf->lingering_close = HX_CONF_UNSET_UINT;
    clcf->lingering_time = HX_CONF_UNSET_MSEC;
    clcf->lingering_timeout = HX_CONF_UNSET_MSEC;
    clcf->resolver_timeout = HX_CONF_UNSET_MSEC;
    clcf->reset_timedout_connection = HX_CONF_UNSET;
    clcf->absolute_redirect = HX_CONF_UNSET;
    clcf->server_name_in_redirect = HX_CONF_UNSET;
    clcf->port_in_redirect = HX_CONF_UNSET;
    clcf->msie_padding = HX_CONF_UNSET;
    clcf->msie_refresh = HX_CONF_UNSET;
    clcf->log_not_found = HX_CONF_UNSET;
    clcf->log_subrequest = HX_CONF_UNSET;
    clcf->recursive_error_pages = HX_CONF_UNSET;
    clcf->chunked_transfer_encoding = HX_CONF_UNSET;
    clcf->etag = HX_CONF_UNSET;
    clcf->server_tokens = HX_CONF_UNSET_UINT;
    clcf->types_hash_max_size = HX_CONF_UNSET_UINT;
    clcf->types_hash_bucket_size = HX_CONF_UNSET_UINT;
    clcf->disable_symlinks = HX_CONF_UNSET_UINT;

    clcf->gzip_vary = HX_CONF_UNSET;
    clcf->gzip_http_version = HX_CONF_UNSET_UINT;
    clcf->gzip_disable = HX_CONF_UNSET_PTR;
    clcf->gzip_disable_msie6 = 3;
    clcf->gzip_disable_degradation = 3;

    return clcf;
}


static hx_str_t  hx_http_core_text_html_type = hx_string("text/html");
static hx_str_t  hx_http_core_image_gif_type = hx_string("image/gif");
static hx_str_t  hx_http_core_image_jpeg_type = hx_string("image/jpeg");

static hx_hash_key_t  hx_http_core_default_types[] = {
    { hx_string("html"), 0, &hx_http_core_text_html_type },
    { hx_string("gif"), 0, &hx_http_core_image_gif_type },
    { hx_string("jpg"), 0, &hx_http_core_image_jpeg_type },
    { hx_null_string, 0, NULL }
};


static hx_int_t
hx_http_core_types_hash(hx_conf_t *cf, hx_http_core_loc_conf_t *conf,
    hx_hash_t *hash, hx_array_t *types)
{
    hx_hash_init_t  types_hash;

    types_hash.hash = hash;
    types_hash.key = hx_hash_key_lc;
    types_hash.max_size = conf->types_hash_max_size;
    types_hash.bucket_size = conf->types_hash_bucket_size;
    types_hash.name = "types_hash";
    types_hash.pool = cf->pool;
    types_hash.temp_pool = NULL;

    return hx_hash_init(&types_hash, types->elts, types->nelts);
}


/* root, types and the like: what needs more than one merge macro */
static char *
hx_http_core_merge_loc_special(hx_conf_t *cf, hx_http_core_loc_conf_t *prev,
    hx_http_core_loc_conf_t *conf)
{
    hx_uint_t        i;
    hx_hash_key_t   *type;

    if (conf->root.data == NULL) {

        conf->alias = prev->alias;
        conf->root = prev->root;
        conf->root_lengths = prev->root_lengths;
        conf->root_values = prev->root_values;

        if (prev->root.data == NULL) {
            hx_str_set(&conf->root, "html");

            if (hx_conf_full_name(cf->cycle, &conf->root, 0) != HX_OK) {
                return HX_CONF_ERROR;
            }
        }
    }

    if (conf->post_action.data == NULL) {
        conf->post_action = prev->post_action;
    }

    hx_conf_merge_uint_value(conf->types_hash_max_size,
                             prev->types_hash_max_size, 1024);
    hx_conf_merge_uint_value(conf->types_hash_bucket_size,
                             prev->types_hash_bucket_size, 64);

    conf->types_hash_bucket_size = hx_align(conf->types_hash_bucket_size, 64);

    /* the http level's types are hashed once, for every server to share */

    if (prev->types && prev->types_hash.buckets == NULL) {
        if (hx_http_core_types_hash(cf, conf, &prev->types_hash, prev->types)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }
    }

    if (conf->types == NULL) {
        conf->types = prev->types;
        conf->types_hash = prev->types_hash;
    }

    if (conf->types == NULL) {
        conf->types = hx_array_create(cf->pool, 3, sizeof(hx_hash_key_t));
        if (conf->types == NULL) {
            return HX_CONF_ERROR;
        }

        for (i = 0; hx_http_core_default_types[i].key.len; i++) {
            type = hx_array_push(conf->types);
            if (type == NULL) {
                return HX_CONF_ERROR;
            }

            type->key = hx_http_core_default_types[i].key;
            type->key_hash =
                hx_hash_key_lc(hx_http_core_default_types[i].key.data,
                               hx_http_core_default_types[i].key.len);
            type->value = hx_http_core_default_types[i].value;
        }
    }

    if (conf->types_hash.buckets == NULL) {
        if (hx_http_core_types_hash(cf, conf, &conf->types_hash, conf->types)
            != HX_OK)
        {
            return HX_CONF_ERROR;
        }
    }

    if (conf->error_log == NULL) {
        conf->error_log = prev->error_log ? prev->error_log
                                          : &cf->cycle->new_log;
    }

    if (conf->error_pages == NULL && prev->error_pages) {
        conf->error_pages = prev->error_pages;
    }

    if (hx_http_merge_path_value(cf, &conf->client_body_temp_path,
                                 prev->client_body_temp_path,
                                 &hx_http_client_temp_path)
        != HX_CONF_OK)
    {
        return HX_CONF_ERROR;
    }

    if (conf->gzip_disable_msie6 == 3) {
        conf->gzip_disable_msie6 =
            (prev->gzip_disable_msie6 == 3) ? 0 : prev->gzip_disable_msie6;
    }

    if (conf->gzip_disable_degradation == 3) {
        conf->gzip_disable_degradation =
            (prev->gzip_disable_degradation == 3)
            ? 0 : prev->gzip_disable_degradation;
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_core_loc_conf_t *prev = parent;
    hx_http_core_loc_conf_t *conf = child;

    if (hx_http_core_merge_loc_special(cf, prev, conf) != HX_CONF_OK) {
        return HX_CONF_ERROR;
    }

    hx_conf_merge_str_value(conf->default_type,
                            prev->default_type, "text/plain");

    hx_conf_merge_off_value(conf->client_max_body_size,
                            prev->client_max_body_size, 1 * 1024 * 1024);
    hx_conf_merge_size_value(conf->client_body_buffer_size,
                             prev->client_body_buffer_size,
                             (size_t) 2 * 4096);
    hx_conf_merge_msec_value(conf->client_body_timeout,
                             prev->client_body_timeout, 60000);

    hx_conf_merge_bitmask_value(conf->keepalive_disable,
                                prev->keepalive_disable,
                                (HX_CONF_BITMASK_SET
                                 |HX_HTTP_KEEPALIVE_DISABLE_MSIE6));
    hx_conf_merge_uint_value(conf->satisfy, prev->satisfy,
                             HX_HTTP_SATISFY_ALL);
    hx_conf_merge_msec_value(conf->auth_delay, prev->auth_delay, 0);
    hx_conf_merge_uint_value(conf->if_modified_since,
                             prev->if_modified_since, HX_HTTP_IMS_EXACT);
    hx_conf_merge_uint_value(conf->max_ranges, prev->max_ranges,
                             INT32_MAX);
    hx_conf_merge_uint_value(conf->client_body_in_file_only,
                             prev->client_body_in_file_only,
                             HX_HTTP_REQUEST_BODY_FILE_OFF);
    hx_conf_merge_value(conf->client_body_in_single_buffer,
                        prev->client_body_in_single_buffer, 0);
    hx_conf_merge_value(conf->internal, prev->internal, 0);
    hx_conf_merge_value(conf->sendfile, prev->sendfile, 0);
    hx_conf_merge_size_value(conf->sendfile_max_chunk,
                             prev->sendfile_max_chunk, 2 * 1024 * 1024);
    hx_conf_merge_size_value(conf->subrequest_output_buffer_size,
                             prev->subrequest_output_buffer_size,
                             (size_t) 4096);
    hx_conf_merge_value(conf->aio, prev->aio, 0);
    hx_conf_merge_value(conf->aio_write, prev->aio_write, 0);
    hx_conf_merge_size_value(conf->read_ahead, prev->read_ahead, 0);
    hx_conf_merge_off_value(conf->directio, prev->directio,
                            HX_MAX_OFF_T_VALUE);
    hx_conf_merge_off_value(conf->directio_alignment,
                            prev->directio_alignment, 512);
    hx_conf_merge_value(conf->tcp_nopush, prev->tcp_nopush, 0);
    hx_conf_merge_value(conf->tcp_nodelay, prev->tcp_nodelay, 1);

    hx_conf_merge_msec_value(conf->send_timeout, prev->send_timeout, 60000);
    hx_conf_merge_size_value(conf->send_lowat, prev->send_lowat, 0);
    hx_conf_merge_size_value(conf->postpone_output, prev->postpone_output,
                             1460);

    hx_conf_merge_ptr_value(conf->limit_rate, prev->limit_rate, NULL);
    hx_conf_merge_ptr_value(conf->limit_rate_after,
                            prev->limit_rate_after, NULL);

    hx_conf_merge_msec_value(conf->keepalive_time,
                             prev->keepalive_time, 3600000);
    hx_conf_merge_msec_value(conf->keepalive_timeout,
                             prev->keepalive_timeout, 75000);
    hx_conf_merge_msec_value(conf->keepalive_min_timeout,
                             prev->keepalive_min_timeout, 0);
    hx_conf_merge_sec_value(conf->keepalive_header,
                            prev->keepalive_header, 0);
    hx_conf_merge_uint_value(conf->keepalive_requests,
                             prev->keepalive_requests, 1000);
    hx_conf_merge_uint_value(conf->lingering_close,
                             prev->lingering_close, HX_HTTP_LINGERING_ON);
    hx_conf_merge_msec_value(conf->lingering_time,
                             prev->lingering_time, 30000);
    hx_conf_merge_msec_value(conf->lingering_timeout,
                             prev->lingering_timeout, 5000);
    hx_conf_merge_msec_value(conf->resolver_timeout,
                             prev->resolver_timeout, 30000);

    hx_conf_merge_value(conf->reset_timedout_connection,
                        prev->reset_timedout_connection, 0);
    hx_conf_merge_value(conf->absolute_redirect,
                        prev->absolute_redirect, 1);
    hx_conf_merge_value(conf->server_name_in_redirect,
                        prev->server_name_in_redirect, 0);
    hx_conf_merge_value(conf->port_in_redirect, prev->port_in_redirect, 1);
    hx_conf_merge_value(conf->msie_padding, prev->msie_padding, 1);
    hx_conf_merge_value(conf->msie_refresh, prev->msie_refresh, 0);
    hx_conf_merge_value(conf->log_not_found, prev->log_not_found, 1);
    hx_conf_merge_value(conf->log_subrequest, prev->log_subrequest, 0);
    hx_conf_merge_value(conf->recursive_error_pages,
                        prev->recursive_error_pages, 0);
    hx_conf_merge_value(conf->chunked_transfer_encoding,
                        prev->chunked_transfer_encoding, 1);
    hx_conf_merge_value(conf->etag, prev->etag, 1);

    hx_conf_merge_uint_value(conf->server_tokens, prev->server_tokens,
                             HX_HTTP_SERVER_TOKENS_ON);

    hx_conf_merge_value(conf->gzip_vary, prev->gzip_vary, 0);
    hx_conf_merge_uint_value(conf->gzip_http_version,
                             prev->gzip_http_version, HX_HTTP_VERSION_11);
    hx_conf_merge_bitmask_value(conf->gzip_proxied, prev->gzip_proxied,
                                (HX_CONF_BITMASK_SET
                                 |HX_HTTP_GZIP_PROXIED_OFF));
    hx_conf_merge_ptr_value(conf->gzip_disable, prev->gzip_disable, NULL);

    hx_conf_merge_uint_value(conf->disable_symlinks, prev->disable_symlinks,
                             HX_HTTP_DISABLE_SYMLINKS_OFF);

    return HX_CONF_OK;
}


/*
 * The master creates the temp directories before the workers start, and
 * gives them to the worker user, as nginx's ngx_create_paths does.
 */
static hx_int_t
hx_http_core_init_module(hx_cycle_t *cycle)
{
    return hx_http_create_paths(cycle);
}


static char *
hx_http_core_server(hx_conf_t *cf, hx_command_t *cmd, void *dummy)
{
    char                        *rv;
    void                        *mconf;
    hx_uint_t                    i;
    hx_conf_t                    pcf;
    hx_module_t                 *mod;
    hx_http_module_t            *module;
    hx_http_conf_ctx_t          *ctx, *http_ctx;
    hx_http_listen_opt_t         lsopt;
    hx_http_core_srv_conf_t     *cscf, **cscfp;
    hx_http_core_main_conf_t    *cmcf;

    (void) cmd;
    (void) dummy;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_conf_ctx_t));
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    http_ctx = cf->ctx;
    ctx->main_conf = http_ctx->main_conf;

    ctx->srv_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);
    ctx->loc_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);

    if (ctx->srv_conf == NULL || ctx->loc_conf == NULL) {
        return HX_CONF_ERROR;
    }

    for (i = 0; cf->cycle->modules[i]; i++) {
        mod = cf->cycle->modules[i];

        if (mod->type != HX_HTTP_MODULE) {
            continue;
        }

        module = mod->ctx;

        if (module->create_srv_conf) {
            mconf = module->create_srv_conf(cf);
            if (mconf == NULL) {
                return HX_CONF_ERROR;
            }

            ctx->srv_conf[mod->ctx_index] = mconf;
        }

        if (module->create_loc_conf) {
            mconf = module->create_loc_conf(cf);
            if (mconf == NULL) {
                return HX_CONF_ERROR;
            }

            ctx->loc_conf[mod->ctx_index] = mconf;
        }
    }

    cscf = ctx->srv_conf[hx_http_core_module.ctx_index];
    cscf->ctx = ctx;

    cmcf = ctx->main_conf[hx_http_core_module.ctx_index];

    cscfp = hx_array_push(&cmcf->servers);
    if (cscfp == NULL) {
        return HX_CONF_ERROR;
    }

    *cscfp = cscf;

    pcf = *cf;
    cf->ctx = ctx;
    cf->cmd_type = HX_HTTP_SRV_CONF;

    rv = hx_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != HX_CONF_OK || cscf->listen) {
        return rv;
    }

    /* no listen: *:80 as root, *:8000 otherwise, as nginx */

    hx_memzero(&lsopt, sizeof(hx_http_listen_opt_t));

    lsopt.sockaddr.sockaddr_in.sin_family = AF_INET;
    lsopt.sockaddr.sockaddr_in.sin_port = htons((getuid() == 0) ? 80 : 8000);
    lsopt.sockaddr.sockaddr_in.sin_addr.s_addr = INADDR_ANY;
    lsopt.socklen = sizeof(struct sockaddr_in);

    lsopt.backlog = HX_LISTEN_BACKLOG;
    lsopt.type = SOCK_STREAM;
    lsopt.rcvbuf = -1;
    lsopt.sndbuf = -1;
    lsopt.fastopen = -1;
    lsopt.wildcard = 1;

    lsopt.addr_text.data = hx_pnalloc(cf->pool, HX_SOCKADDR_STRLEN);
    if (lsopt.addr_text.data == NULL) {
        return HX_CONF_ERROR;
    }

    lsopt.addr_text.len = hx_sock_ntop(&lsopt.sockaddr.sockaddr,
                                       lsopt.socklen, lsopt.addr_text.data,
                                       HX_SOCKADDR_STRLEN, 1);

    if (hx_http_add_listen(cf, cscf, &lsopt) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


/* creates a loc_conf for every module at a new location level */
static hx_http_conf_ctx_t *
hx_http_core_new_loc_ctx(hx_conf_t *cf)
{
    hx_uint_t              i;
    hx_module_t           *mod;
    hx_http_module_t      *module;
    hx_http_conf_ctx_t    *ctx, *pctx;

    ctx = hx_pcalloc(cf->pool, sizeof(hx_http_conf_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    pctx = cf->ctx;
    ctx->main_conf = pctx->main_conf;
    ctx->srv_conf = pctx->srv_conf;

    ctx->loc_conf = hx_pcalloc(cf->pool, sizeof(void *) * hx_http_max_module);
    if (ctx->loc_conf == NULL) {
        return NULL;
    }

    for (i = 0; cf->cycle->modules[i]; i++) {
        mod = cf->cycle->modules[i];

        if (mod->type != HX_HTTP_MODULE) {
            continue;
        }

        module = mod->ctx;

        if (module->create_loc_conf) {
            ctx->loc_conf[mod->ctx_index] = module->create_loc_conf(cf);
            if (ctx->loc_conf[mod->ctx_index] == NULL) {
                return NULL;
            }
        }
    }

    return ctx;
}


/* the location's name and kind from "[= | ^~ | ~ | ~*] name" */
static char *
hx_http_core_location_name(hx_conf_t *cf, hx_http_core_loc_conf_t *clcf)
{
    size_t     len;
    uint8_t   *mod;
    hx_str_t  *value, *name;

    value = cf->args->elts;

    if (cf->args->nelts == 3) {

        len = value[1].len;
        mod = value[1].data;
        name = &value[2];

        if (len == 1 && mod[0] == '=') {
            clcf->name = *name;
            clcf->exact_match = 1;

        } else if (len == 2 && mod[0] == '^' && mod[1] == '~') {
            clcf->name = *name;
            clcf->noregex = 1;

        } else if (len == 1 && mod[0] == '~') {
            if (hx_http_core_regex_location(cf, clcf, name, 0) != HX_OK) {
                return HX_CONF_ERROR;
            }

        } else if (len == 2 && mod[0] == '~' && mod[1] == '*') {
            if (hx_http_core_regex_location(cf, clcf, name, 1) != HX_OK) {
                return HX_CONF_ERROR;
            }

        } else {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid location modifier \"%V\"", &value[1]);
            return HX_CONF_ERROR;
        }

        return HX_CONF_OK;
    }

    name = &value[1];

    if (name->data[0] == '=') {
        clcf->name.len = name->len - 1;
        clcf->name.data = name->data + 1;
        clcf->exact_match = 1;

    } else if (name->data[0] == '^' && name->data[1] == '~') {
        clcf->name.len = name->len - 2;
        clcf->name.data = name->data + 2;
        clcf->noregex = 1;

    } else if (name->data[0] == '~') {
        name->len--;
        name->data++;

        if (name->data[0] == '*') {
            name->len--;
            name->data++;

            if (hx_http_core_regex_location(cf, clcf, name, 1) != HX_OK) {
                return HX_CONF_ERROR;
            }

        } else if (hx_http_core_regex_location(cf, clcf, name, 0) != HX_OK) {
            return HX_CONF_ERROR;
        }

    } else {
        clcf->name = *name;

        if (name->data[0] == '@') {
            clcf->named = 1;
        }
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_location(hx_conf_t *cf, hx_command_t *cmd, void *dummy)
{
    char                      *rv;
    hx_conf_t                  save;
    hx_http_conf_ctx_t        *ctx, *pctx;
    hx_http_core_loc_conf_t   *clcf, *pclcf;

    (void) cmd;
    (void) dummy;

    ctx = hx_http_core_new_loc_ctx(cf);
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    clcf = ctx->loc_conf[hx_http_core_module.ctx_index];
    clcf->loc_conf = ctx->loc_conf;

    if (hx_http_core_location_name(cf, clcf) != HX_CONF_OK) {
        return HX_CONF_ERROR;
    }

    pctx = cf->ctx;
    pclcf = pctx->loc_conf[hx_http_core_module.ctx_index];

    if (cf->cmd_type == HX_HTTP_LOC_CONF) {

        /* a nested location */

        if (pclcf->exact_match) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "location \"%V\" cannot be inside "
                              "the exact location \"%V\"",
                              &clcf->name, &pclcf->name);
            return HX_CONF_ERROR;
        }

        if (pclcf->named) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "location \"%V\" cannot be inside "
                              "the named location \"%V\"",
                              &clcf->name, &pclcf->name);
            return HX_CONF_ERROR;
        }

        if (clcf->named) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "named location \"%V\" can be "
                              "on the server level only",
                              &clcf->name);
            return HX_CONF_ERROR;
        }

        if (clcf->regex == NULL
            && hx_filename_cmp(clcf->name.data, pclcf->name.data,
                               pclcf->name.len) != 0)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "location \"%V\" is outside location \"%V\"",
                              &clcf->name, &pclcf->name);
            return HX_CONF_ERROR;
        }
    }

    if (hx_http_add_location(cf, &pclcf->locations, clcf) != HX_OK) {
        return HX_CONF_ERROR;
    }

    save = *cf;
    cf->ctx = ctx;
    cf->cmd_type = HX_HTTP_LOC_CONF;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


static hx_int_t
hx_http_core_regex_location(hx_conf_t *cf, hx_http_core_loc_conf_t *clcf,
    hx_str_t *regex, hx_uint_t caseless)
{
    hx_regex_compile_t  rc;
    uint8_t             errstr[HX_MAX_CONF_ERRSTR];

    hx_memzero(&rc, sizeof(hx_regex_compile_t));

    rc.pattern = *regex;
    rc.err.len = HX_MAX_CONF_ERRSTR;
    rc.err.data = errstr;
    rc.options = caseless ? HX_REGEX_CASELESS : 0;

    clcf->regex = hx_http_regex_compile(cf, &rc);
    if (clcf->regex == NULL) {
        return HX_ERROR;
    }

    clcf->name = *regex;

    return HX_OK;
}


static char *
hx_http_core_types(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    char       *rv;
    hx_conf_t   save;

    (void) cmd;

    if (clcf->types == NULL) {
        clcf->types = hx_array_create(cf->pool, 64, sizeof(hx_hash_key_t));
        if (clcf->types == NULL) {
            return HX_CONF_ERROR;
        }
    }

    save = *cf;
    cf->handler = hx_http_core_type;
    cf->handler_conf = conf;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


/* one line of types {}: "text/html  html htm;" */
static char *
hx_http_core_type(hx_conf_t *cf, hx_command_t *dummy, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    hx_str_t        *value, *content_type, *old, file;
    hx_uint_t        i, n, hash;
    hx_hash_key_t   *type;

    (void) dummy;

    value = cf->args->elts;

    if (hx_strcmp(value[0].data, "include") == 0) {
        if (cf->args->nelts != 2) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid number of arguments"
                              " in \"include\" directive");
            return HX_CONF_ERROR;
        }

        file = value[1];

        if (hx_conf_full_name(cf->cycle, &file, 1) != HX_OK) {
            return HX_CONF_ERROR;
        }

        return hx_conf_parse(cf, &file);
    }

    content_type = hx_palloc(cf->pool, sizeof(hx_str_t));
    if (content_type == NULL) {
        return HX_CONF_ERROR;
    }

    *content_type = value[0];

    for (i = 1; i < cf->args->nelts; i++) {

        hash = hx_hash_strlow(value[i].data, value[i].data, value[i].len);

        type = clcf->types->elts;
        for (n = 0; n < clcf->types->nelts; n++) {
            if (hx_str_eq(&value[i], &type[n].key)) {
                old = type[n].value;
                type[n].value = content_type;

                hx_conf_log_error(HX_LOG_WARN, cf, 0,
                                  "duplicate extension \"%V\", "
                                  "content type: \"%V\", "
                                  "previous content type: \"%V\"",
                                  &value[i], content_type, old);
                goto next;
            }
        }

        type = hx_array_push(clcf->types);
        if (type == NULL) {
            return HX_CONF_ERROR;
        }

        type->key = value[i];
        type->key_hash = hash;
        type->value = content_type;

    next:
        continue;
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_server_name(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_srv_conf_t *cscf = conf;

    uint8_t                  ch, *p;
    hx_str_t                *value;
    hx_uint_t                i;
    hx_regex_compile_t       rc;
    hx_http_server_name_t   *sn;
    uint8_t                  errstr[HX_MAX_CONF_ERRSTR];

    (void) cmd;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        ch = value[i].data[0];

        if ((ch == '*' && (value[i].len < 3 || value[i].data[1] != '.'))
            || (ch == '.' && value[i].len < 2))
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "server name \"%V\" is invalid", &value[i]);
            return HX_CONF_ERROR;
        }

        if (hx_strchr(value[i].data, '/')) {
            hx_conf_log_error(HX_LOG_WARN, cf, 0,
                              "server name \"%V\" has suspicious symbols",
                              &value[i]);
        }

        sn = hx_array_push(&cscf->server_names);
        if (sn == NULL) {
            return HX_CONF_ERROR;
        }

        sn->regex = NULL;
        sn->server = cscf;

        if (hx_strcasecmp(value[i].data, (uint8_t *) "$hostname") == 0) {
            sn->name = cf->cycle->hostname;

        } else {
            sn->name = value[i];
        }

        if (value[i].data[0] != '~') {
            hx_strlow(sn->name.data, sn->name.data, sn->name.len);
            continue;
        }

        if (value[i].len == 1) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "empty regex in server name \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }

        value[i].len--;
        value[i].data++;

        hx_memzero(&rc, sizeof(hx_regex_compile_t));

        rc.pattern = value[i];
        rc.err.len = HX_MAX_CONF_ERRSTR;
        rc.err.data = errstr;

        for (p = value[i].data; p < value[i].data + value[i].len; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                rc.options = HX_REGEX_CASELESS;
                break;
            }
        }

        sn->regex = hx_http_regex_compile(cf, &rc);
        if (sn->regex == NULL) {
            return HX_CONF_ERROR;
        }

        sn->name = value[i];
        cscf->captures = (rc.captures > 0);
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_root(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    hx_str_t                   *value;
    hx_int_t                    alias;
    hx_uint_t                   n;
    hx_http_script_compile_t    sc;

    alias = (cmd->name.len == sizeof("alias") - 1) ? 1 : 0;

    if (clcf->root.data) {

        if ((clcf->alias != 0) == alias) {
            return "is duplicate";
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%V\" directive is duplicate, "
                          "\"%s\" directive was specified earlier",
                          &cmd->name, clcf->alias ? "alias" : "root");
        return HX_CONF_ERROR;
    }

    if (clcf->named && alias) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "the \"alias\" directive cannot be used "
                          "inside the named location");
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    if (hx_strstr(value[1].data, "$document_root")
        || hx_strstr(value[1].data, "${document_root}")
        || hx_strstr(value[1].data, "$realpath_root")
        || hx_strstr(value[1].data, "${realpath_root}"))
    {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "the $%s variable cannot be used "
                          "in the \"%V\" directive",
                          hx_strstr(value[1].data, "document_root")
                          ? "document_root" : "realpath_root",
                          &cmd->name);
        return HX_CONF_ERROR;
    }

    clcf->alias = alias ? clcf->name.len : 0;
    clcf->root = value[1];

    if (!alias && clcf->root.len > 0
        && clcf->root.data[clcf->root.len - 1] == '/')
    {
        clcf->root.len--;
    }

    if (clcf->root.data[0] != '$') {
        if (hx_conf_full_name(cf->cycle, &clcf->root, 0) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    n = hx_http_script_variables_count(&clcf->root);

    hx_memzero(&sc, sizeof(hx_http_script_compile_t));
    sc.variables = n;

    if (alias && clcf->regex) {

        /* a regex location's alias is the whole path (with captures) */

        clcf->alias = (size_t) -1;
        n = 1;
    }

    if (n) {
        sc.cf = cf;
        sc.source = &clcf->root;
        sc.lengths = &clcf->root_lengths;
        sc.values = &clcf->root_values;
        sc.complete_lengths = 1;
        sc.complete_values = 1;

        if (hx_http_script_compile(&sc) != HX_OK) {
            return HX_CONF_ERROR;
        }
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_limit_except(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *pclcf = conf;

    char                      *rv;
    hx_str_t                  *value;
    hx_uint_t                  i, m;
    hx_conf_t                  save;
    hx_http_conf_ctx_t        *ctx;
    hx_http_core_loc_conf_t   *clcf;

    (void) cmd;

    if (pclcf->limit_except) {
        return "is duplicate";
    }

    pclcf->limit_except = 0xffffffff;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        for (m = 0; m < value[i].len; m++) {
            value[i].data[m] = hx_toupper(value[i].data[m]);
        }

        m = hx_http_method_bit(value[i].data, value[i].len);

        if (m == HX_HTTP_UNKNOWN || m == HX_HTTP_CONNECT) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid method \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }

        pclcf->limit_except &= (uint32_t) ~m;
    }

    if (!(pclcf->limit_except & HX_HTTP_GET)) {
        pclcf->limit_except &= (uint32_t) ~HX_HTTP_HEAD;
    }

    ctx = hx_http_core_new_loc_ctx(cf);
    if (ctx == NULL) {
        return HX_CONF_ERROR;
    }

    clcf = ctx->loc_conf[hx_http_core_module.ctx_index];
    pclcf->limit_except_loc_conf = ctx->loc_conf;
    clcf->loc_conf = ctx->loc_conf;
    clcf->name = pclcf->name;
    clcf->noname = 1;
    clcf->lmt_excpt = 1;

    if (hx_http_add_location(cf, &pclcf->locations, clcf) != HX_OK) {
        return HX_CONF_ERROR;
    }

    save = *cf;
    cf->ctx = ctx;
    cf->cmd_type = HX_HTTP_LMT_CONF;

    rv = hx_conf_parse(cf, NULL);

    *cf = save;

    return rv;
}


static char *
hx_http_core_error_page(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    uint8_t                           *p;
    hx_int_t                           overwrite;
    hx_str_t                          *value, uri, args;
    hx_uint_t                          i, n;
    hx_http_err_page_t                *err;
    hx_http_complex_value_t            cv;
    hx_http_compile_complex_value_t    ccv;

    (void) cmd;

    if (clcf->error_pages == NULL) {
        clcf->error_pages = hx_array_create(cf->pool, 4,
                                            sizeof(hx_http_err_page_t));
        if (clcf->error_pages == NULL) {
            return HX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    i = cf->args->nelts - 2;

    if (value[i].data[0] == '=') {
        if (i == 1) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid value \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }

        if (value[i].len > 1) {
            overwrite = hx_atoi(&value[i].data[1], value[i].len - 1);

            if (overwrite == HX_ERROR) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid value \"%V\"", &value[i]);
                return HX_CONF_ERROR;
            }

        } else {
            overwrite = 0;
        }

        n = 2;

    } else {
        overwrite = -1;
        n = 1;
    }

    uri = value[cf->args->nelts - 1];

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &uri;
    ccv.complex_value = &cv;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    hx_str_null(&args);

    if (cv.lengths == NULL && uri.len && uri.data[0] == '/') {
        p = (uint8_t *) hx_strchr(uri.data, '?');

        if (p) {
            cv.value.len = p - uri.data;
            cv.value.data = uri.data;
            p++;
            args.len = (uri.data + uri.len) - p;
            args.data = p;
        }
    }

    for (i = 1; i < cf->args->nelts - n; i++) {
        err = hx_array_push(clcf->error_pages);
        if (err == NULL) {
            return HX_CONF_ERROR;
        }

        err->status = hx_atoi(value[i].data, value[i].len);

        if (err->status == HX_ERROR || err->status == 499) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid value \"%V\"", &value[i]);
            return HX_CONF_ERROR;
        }

        if (err->status < 300 || err->status > 599) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "value \"%V\" must be between 300 and 599",
                              &value[i]);
            return HX_CONF_ERROR;
        }

        err->overwrite = overwrite;

        if (overwrite == -1) {
            switch (err->status) {
            case HX_HTTP_TO_HTTPS:
            case HX_HTTPS_CERT_ERROR:
            case HX_HTTPS_NO_CERT:
            case HX_HTTP_REQUEST_HEADER_TOO_LARGE:
                err->overwrite = HX_HTTP_BAD_REQUEST;
            }
        }

        err->value = cv;
        err->args = args;
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_keepalive(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    hx_str_t  *value;

    (void) cmd;

    if (clcf->keepalive_timeout != HX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    clcf->keepalive_timeout = hx_parse_time(&value[1], 0);

    if (clcf->keepalive_timeout == (hx_msec_t) HX_ERROR) {
        return "invalid value";
    }

    if (cf->args->nelts == 2) {
        return HX_CONF_OK;
    }

    clcf->keepalive_header = hx_parse_time(&value[2], 1);

    if (clcf->keepalive_header == (time_t) HX_ERROR) {
        return "invalid value";
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_internal(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    (void) cf;
    (void) cmd;

    if (clcf->internal != HX_CONF_UNSET) {
        return "is duplicate";
    }

    clcf->internal = 1;

    return HX_CONF_OK;
}


static char *
hx_http_core_error_log(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    (void) cmd;

    return hx_log_set_log(cf, &clcf->error_log);
}


static char *
hx_http_core_accept_ignored(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t  *value;

    (void) cmd;
    (void) conf;

    value = cf->args->elts;

    if (cf->args->nelts == 2 && hx_strcmp(value[0].data, "open_file_cache")
                                == 0
        && hx_strcmp(value[1].data, "off") != 0
        && hx_strncmp(value[1].data, "max=", 4) != 0)
    {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid \"open_file_cache\" parameter \"%V\"",
                          &value[1]);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_aio(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    hx_str_t  *value;

    (void) cmd;

    if (clcf->aio != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (hx_strcmp(value[1].data, "off") == 0) {
        clcf->aio = 0;
        return HX_CONF_OK;
    }

    if (hx_strcmp(value[1].data, "on") == 0
        || hx_strncmp(value[1].data, "threads", 7) == 0)
    {
        /* file reads are synchronous in hanx, as with "aio off" */
        clcf->aio = 0;
        return HX_CONF_OK;
    }

    return "invalid value";
}


static char *
hx_http_core_directio(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    hx_str_t  *value;

    (void) cmd;

    if (clcf->directio != HX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (hx_strcmp(value[1].data, "off") == 0) {
        clcf->directio = HX_MAX_OFF_T_VALUE;
        return HX_CONF_OK;
    }

    clcf->directio = hx_parse_offset(&value[1]);
    if (clcf->directio == (off_t) HX_ERROR) {
        return "invalid value";
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_disable_symlinks(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    hx_str_t   *value;
    hx_uint_t   i;

    (void) cmd;

    if (clcf->disable_symlinks != HX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (hx_strcmp(value[i].data, "off") == 0) {
            clcf->disable_symlinks = HX_HTTP_DISABLE_SYMLINKS_OFF;
            continue;
        }

        if (hx_strcmp(value[i].data, "if_not_owner") == 0) {
            clcf->disable_symlinks = HX_HTTP_DISABLE_SYMLINKS_NOTOWNER;
            continue;
        }

        if (hx_strcmp(value[i].data, "on") == 0) {
            clcf->disable_symlinks = HX_HTTP_DISABLE_SYMLINKS_ON;
            continue;
        }

        if (hx_strncmp(value[i].data, "from=", 5) == 0) {
            continue;
        }

        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "invalid parameter \"%V\"", &value[i]);
        return HX_CONF_ERROR;
    }

    if (clcf->disable_symlinks == HX_CONF_UNSET_UINT) {
        return "invalid value";
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_gzip_disable(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_http_core_loc_conf_t *clcf = conf;

    hx_str_t            *value;
    hx_uint_t            i;
    hx_regex_elt_t      *re;
    hx_regex_compile_t   rc;
    uint8_t              errstr[HX_MAX_CONF_ERRSTR];

    (void) cmd;

    if (clcf->gzip_disable == HX_CONF_UNSET_PTR) {
        clcf->gzip_disable = hx_array_create(cf->pool, 2,
                                             sizeof(hx_regex_elt_t));
        if (clcf->gzip_disable == NULL) {
            return HX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (hx_strcmp(value[i].data, "msie6") == 0) {
            clcf->gzip_disable_msie6 = 1;
            continue;
        }

        if (hx_strcmp(value[i].data, "degradation") == 0) {
            clcf->gzip_disable_degradation = 1;
            continue;
        }

        re = hx_array_push(clcf->gzip_disable);
        if (re == NULL) {
            return HX_CONF_ERROR;
        }

        hx_memzero(&rc, sizeof(hx_regex_compile_t));

        rc.pattern = value[i];
        rc.pool = cf->pool;
        rc.options = HX_REGEX_CASELESS;
        rc.err.len = HX_MAX_CONF_ERRSTR;
        rc.err.data = errstr;

        if (hx_regex_compile(&rc) != HX_OK) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0, "%V", &rc.err);
            return HX_CONF_ERROR;
        }

        re->regex = rc.regex;
        re->name = value[i].data;
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_lowat_check(hx_conf_t *cf, void *post, void *data)
{
    size_t *np = data;

    (void) post;

    if (*np >= 4 * 1024 * 1024) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"send_lowat\" must be less than %d "
                          "(sysctl net.ipv4.tcp_wmem)", 4 * 1024 * 1024);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}


static char *
hx_http_core_pool_size(hx_conf_t *cf, void *post, void *data)
{
    size_t *sp = data;

    (void) post;

    if (*sp < HX_MIN_POOL_SIZE) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "the pool size must be no less than %uz",
                          (size_t) HX_MIN_POOL_SIZE);
        return HX_CONF_ERROR;
    }

    if (*sp % HX_POOL_ALIGNMENT) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "the pool size must be a multiple of %uz",
                          (size_t) HX_POOL_ALIGNMENT);
        return HX_CONF_ERROR;
    }

    return HX_CONF_OK;
}

/*
 * The configuration language: one tokenizer and one directive dispatcher
 * for the whole file (STYLE.md section 4).  Modules declare directives in
 * hx_command_t tables; the dispatcher finds the directive among the modules
 * of the current block's type, checks context and arity, and calls the
 * setter with the conf struct at the right level.  Setters return NULL or a
 * short static reason; the dispatcher adds directive, file and line.
 */

#ifndef HX_CORE_HX_CONF_FILE_H
#define HX_CORE_HX_CONF_FILE_H


/* argument counts (low byte of the type) */
#define HX_CONF_NOARGS      0x00000001
#define HX_CONF_TAKE1       0x00000002
#define HX_CONF_TAKE2       0x00000004
#define HX_CONF_TAKE3       0x00000008
#define HX_CONF_TAKE4       0x00000010
#define HX_CONF_TAKE5       0x00000020
#define HX_CONF_TAKE6       0x00000040
#define HX_CONF_TAKE7       0x00000080

#define HX_CONF_MAX_ARGS    8

#define HX_CONF_TAKE12      (HX_CONF_TAKE1|HX_CONF_TAKE2)
#define HX_CONF_TAKE13      (HX_CONF_TAKE1|HX_CONF_TAKE3)
#define HX_CONF_TAKE23      (HX_CONF_TAKE2|HX_CONF_TAKE3)
#define HX_CONF_TAKE123     (HX_CONF_TAKE1|HX_CONF_TAKE2|HX_CONF_TAKE3)
#define HX_CONF_TAKE1234    (HX_CONF_TAKE1|HX_CONF_TAKE2|HX_CONF_TAKE3       \
                             |HX_CONF_TAKE4)

#define HX_CONF_ARGS_NUMBER 0x000000ff
#define HX_CONF_BLOCK       0x00000100
#define HX_CONF_FLAG        0x00000200
#define HX_CONF_ANY         0x00000400
#define HX_CONF_1MORE       0x00000800
#define HX_CONF_2MORE       0x00001000

/* the conf pointer is the module's own struct in cf->ctx (core modules) */
#define HX_DIRECT_CONF      0x00010000

/* contexts: the high byte; meaning depends on cf->module_type */
#define HX_MAIN_CONF        0x01000000
#define HX_ANY_CONF         0xFF000000

#define HX_CONF_UNSET       -1
#define HX_CONF_UNSET_UINT  (hx_uint_t) -1
#define HX_CONF_UNSET_PTR   (void *) -1
#define HX_CONF_UNSET_SIZE  (size_t) -1
#define HX_CONF_UNSET_MSEC  (hx_msec_t) -1

#define HX_CONF_OK          NULL
#define HX_CONF_ERROR       (void *) -1

#define HX_CONF_BLOCK_START 1
#define HX_CONF_BLOCK_DONE  2
#define HX_CONF_FILE_DONE   3

#define HX_CONF_BUFFER      4096


struct hx_command_s {
    hx_str_t             name;
    hx_uint_t            type;
    char               *(*set)(hx_conf_t *cf, hx_command_t *cmd, void *conf);
    hx_uint_t            conf;     /* offsetof the level in the block ctx */
    hx_uint_t            offset;   /* offsetof the field in the conf */
    void                *post;
};

#define hx_null_command  { hx_null_string, 0, NULL, 0, 0, NULL }


typedef struct {
    hx_file_t            file;
    hx_buf_t            *buffer;
    hx_buf_t            *dump;
    hx_uint_t            line;
} hx_conf_file_t;


/* a file read for -T: its name and contents */
typedef struct {
    hx_str_t             name;
    hx_buf_t            *buffer;
} hx_conf_dump_t;


typedef char *(*hx_conf_handler_pt)(hx_conf_t *cf, hx_command_t *dummy,
    void *conf);


struct hx_conf_s {
    char                *name;
    hx_array_t          *args;         /* hx_str_t words of the directive */

    hx_cycle_t          *cycle;
    hx_pool_t           *pool;
    hx_pool_t           *temp_pool;
    hx_conf_file_t      *conf_file;
    hx_log_t            *log;

    void                *ctx;
    hx_uint_t            module_type;
    hx_uint_t            cmd_type;

    /* a block that parses its own contents (types {}, map {}) */
    hx_conf_handler_pt   handler;
    void                *handler_conf;
};


/* post handlers for the generic setters */
typedef char *(*hx_conf_post_handler_pt) (hx_conf_t *cf, void *data,
    void *conf);

typedef struct {
    hx_conf_post_handler_pt  post_handler;
} hx_conf_post_t;

typedef struct {
    hx_conf_post_handler_pt  post_handler;
    hx_int_t                 low;
    hx_int_t                 high;
} hx_conf_num_bounds_t;

typedef struct {
    hx_str_t                 name;
    hx_uint_t                value;
} hx_conf_enum_t;

#define HX_CONF_BITMASK_SET  1

typedef struct {
    hx_str_t                 name;
    hx_uint_t                mask;
} hx_conf_bitmask_t;

typedef struct {
    hx_conf_post_handler_pt  post_handler;
    char                    *old_name;
    char                    *new_name;
} hx_conf_deprecated_t;

char *hx_conf_deprecated(hx_conf_t *cf, void *post, void *data);
char *hx_conf_check_num_bounds(hx_conf_t *cf, void *post, void *data);


/*
 * Parses filename (or, with filename NULL, the rest of the current block:
 * the dispatcher calls this for each "{").  Returns HX_CONF_OK or
 * HX_CONF_ERROR after logging "[emerg] ... in file:line".
 */
char *hx_conf_parse(hx_conf_t *cf, hx_str_t *filename);
/*
 * Parses text as if it were the file called name: blocks nest, errors say
 * "in name:line" with lines counted from 1 in text, and "include" works.
 * For configuration made in memory, such as a keepalived.conf translated
 * into nginx grammar.  text is read, not modified, and must stay valid
 * while cf is in use (words point into copies, not into text).  name is
 * neither opened nor added to the -T dump.  Returns HX_CONF_OK or
 * HX_CONF_ERROR after logging.
 */
char *hx_conf_parse_buffer(hx_conf_t *cf, hx_str_t *name, hx_buf_t *text);
/* parses cycle->conf_param, the -g directives */
char *hx_conf_param(hx_conf_t *cf);
char *hx_conf_include(hx_conf_t *cf, hx_command_t *cmd, void *conf);

/* name made absolute against the conf dir (conf_prefix) or the prefix */
hx_int_t hx_conf_full_name(hx_cycle_t *cycle, hx_str_t *name,
    hx_uint_t conf_prefix);
/* a log or other file shared by name among the cycle's users */
hx_open_file_t *hx_conf_open_file(hx_cycle_t *cycle, hx_str_t *name);

/* "[level] message in file:line" (file:line while parsing only) */
void hx_conf_log_error(hx_uint_t level, hx_conf_t *cf, hx_err_t err,
    const char *fmt, ...);

/* the setters (STYLE.md section 4) */
char *hx_conf_set_flag_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_str_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_str_array_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
char *hx_conf_set_keyval_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_num_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_size_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_off_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_msec_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_sec_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_bufs_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_enum_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
char *hx_conf_set_bitmask_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf);
/* for a directive hanx knows but refuses: "is not supported by hanx" */
char *hx_conf_unsupported(hx_conf_t *cf, hx_command_t *cmd, void *conf);

/* nginx directives hanx does not implement (hx_conf_unsupported.c) */
hx_uint_t hx_conf_is_unsupported(hx_str_t *name);


#define hx_conf_init_value(conf, default)                                     \
    if (conf == HX_CONF_UNSET) {                                              \
        conf = default;                                                       \
    }

#define hx_conf_init_ptr_value(conf, default)                                 \
    if (conf == HX_CONF_UNSET_PTR) {                                          \
        conf = default;                                                       \
    }

#define hx_conf_init_uint_value(conf, default)                                \
    if (conf == HX_CONF_UNSET_UINT) {                                         \
        conf = default;                                                       \
    }

#define hx_conf_init_size_value(conf, default)                                \
    if (conf == HX_CONF_UNSET_SIZE) {                                         \
        conf = default;                                                       \
    }

#define hx_conf_init_msec_value(conf, default)                                \
    if (conf == HX_CONF_UNSET_MSEC) {                                         \
        conf = default;                                                       \
    }

#define hx_conf_merge_value(conf, prev, default)                              \
    if (conf == HX_CONF_UNSET) {                                              \
        conf = (prev == HX_CONF_UNSET) ? default : prev;                      \
    }

#define hx_conf_merge_ptr_value(conf, prev, default)                          \
    if (conf == HX_CONF_UNSET_PTR) {                                          \
        conf = (prev == HX_CONF_UNSET_PTR) ? default : prev;                  \
    }

#define hx_conf_merge_uint_value(conf, prev, default)                         \
    if (conf == HX_CONF_UNSET_UINT) {                                         \
        conf = (prev == HX_CONF_UNSET_UINT) ? default : prev;                 \
    }

#define hx_conf_merge_msec_value(conf, prev, default)                         \
    if (conf == HX_CONF_UNSET_MSEC) {                                         \
        conf = (prev == HX_CONF_UNSET_MSEC) ? default : prev;                 \
    }

#define hx_conf_merge_sec_value(conf, prev, default)                          \
    if (conf == HX_CONF_UNSET) {                                              \
        conf = (prev == HX_CONF_UNSET) ? default : prev;                      \
    }

#define hx_conf_merge_size_value(conf, prev, default)                         \
    if (conf == HX_CONF_UNSET_SIZE) {                                         \
        conf = (prev == HX_CONF_UNSET_SIZE) ? default : prev;                 \
    }

#define hx_conf_merge_off_value(conf, prev, default)                          \
    if (conf == HX_CONF_UNSET) {                                              \
        conf = (prev == HX_CONF_UNSET) ? default : prev;                      \
    }

#define hx_conf_merge_str_value(conf, prev, default)                          \
    if (conf.data == NULL) {                                                  \
        if (prev.data) {                                                      \
            conf.len = prev.len;                                              \
            conf.data = prev.data;                                            \
        } else {                                                              \
            conf.len = sizeof(default) - 1;                                   \
            conf.data = (uint8_t *) default;                                  \
        }                                                                     \
    }

#define hx_conf_merge_bufs_value(conf, prev, default_num, default_size)      \
    if (conf.num == 0) {                                                      \
        if (prev.num) {                                                       \
            conf.num = prev.num;                                              \
            conf.size = prev.size;                                            \
        } else {                                                              \
            conf.num = default_num;                                           \
            conf.size = default_size;                                         \
        }                                                                     \
    }

#define hx_conf_merge_bitmask_value(conf, prev, default)                      \
    if (conf == 0) {                                                          \
        conf = (prev == 0) ? default : prev;                                  \
    }

#endif /* HX_CORE_HX_CONF_FILE_H */

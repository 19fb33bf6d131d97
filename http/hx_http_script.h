/*
 * The script engine: configuration strings with variables and regex
 * captures ("$scheme://$host$1", root /srv/$host, try_files $uri /x) are
 * compiled once into arrays of small "codes" and run per request.
 *
 * A compiled string is two code arrays: "lengths", which when run yields
 * the total length (so one allocation suffices), and "values", which then
 * writes the bytes.  Each code is a struct whose first member is the
 * function that runs it; the function advances e->ip past its struct.
 * The rewrite module builds longer programs from the same pieces (regex
 * match, if, set, return, break), run by hx_http_script_run over a value
 * stack e->sp.  Literal-only strings skip all this: a complex value with
 * lengths == NULL is its text.
 */

#ifndef HX_HTTP_HX_HTTP_SCRIPT_H
#define HX_HTTP_HX_HTTP_SCRIPT_H


typedef struct {
    uint8_t                    *ip;      /* the next code */
    uint8_t                    *pos;     /* where values write */
    uint8_t                    *end;     /* of the buffer pos writes to */
    hx_http_variable_value_t   *sp;      /* value stack */

    hx_str_t                    buf;
    hx_str_t                    line;    /* the string a regex matched */

    /* the start of the args */
    uint8_t                    *args;

    unsigned                    flushed:1;
    unsigned                    skip:1;
    unsigned                    quote:1;
    unsigned                    is_args:1;
    unsigned                    log:1;

    hx_int_t                    status;   /* set by return / errors */
    hx_http_request_t          *request;
} hx_http_script_engine_t;


typedef struct {
    hx_conf_t                  *cf;
    hx_str_t                   *source;

    hx_array_t                **flushes;
    hx_array_t                **lengths;
    hx_array_t                **values;

    hx_uint_t                   variables;    /* count found in source */
    hx_uint_t                   ncaptures;    /* highest $N + 1 */
    hx_uint_t                   captures_mask;
    hx_uint_t                   size;         /* of the literal parts */

    void                       *main;         /* the regex code, if any */

    unsigned                    compile_args:1;   /* "?" splits args */
    unsigned                    complete_lengths:1;
    unsigned                    complete_values:1;
    unsigned                    zero:1;           /* append a NUL */
    unsigned                    conf_prefix:1;    /* relative to conf dir */
    unsigned                    root_prefix:1;    /* relative to prefix */

    unsigned                    dup_capture:1;
    unsigned                    args:1;
} hx_http_script_compile_t;


/* a string with variables, compiled */
typedef struct {
    hx_str_t                    value;     /* the source text */
    hx_uint_t                  *flushes;   /* indexes to flush, ending -1 */
    void                       *lengths;
    void                       *values;

    union {
        size_t                  size;
    } u;
} hx_http_complex_value_t;


typedef struct {
    hx_conf_t                  *cf;
    hx_str_t                   *value;
    hx_http_complex_value_t    *complex_value;

    unsigned                    zero:1;
    unsigned                    conf_prefix:1;
    unsigned                    root_prefix:1;
} hx_http_compile_complex_value_t;


typedef void (*hx_http_script_code_pt)(hx_http_script_engine_t *e);
typedef size_t (*hx_http_script_len_code_pt)(hx_http_script_engine_t *e);


/* the codes compiled strings are made of */

typedef struct {
    hx_http_script_code_pt      code;
    uintptr_t                   len;       /* literal bytes follow */
} hx_http_script_copy_code_t;


typedef struct {
    hx_http_script_code_pt      code;
    uintptr_t                   index;     /* variable index */
} hx_http_script_var_code_t;


typedef struct {
    hx_http_script_code_pt      code;
    hx_http_set_variable_pt     handler;
    uintptr_t                   data;
} hx_http_script_var_handler_code_t;


typedef struct {
    hx_http_script_code_pt      code;
    uintptr_t                   n;         /* 2 * capture number */
} hx_http_script_copy_capture_code_t;


/* rewrite's regex step: match e->line, then build the replacement */
typedef struct {
    hx_http_script_code_pt      code;
    hx_http_regex_t            *regex;
    hx_array_t                 *lengths;   /* of the replacement */
    uintptr_t                   size;
    uintptr_t                   status;    /* redirect, permanent */
    uintptr_t                   next;      /* bytes to skip on no match */

    unsigned                    test:1;    /* "if" test: no replacement */
    unsigned                    negative_test:1;
    unsigned                    uri:1;     /* the replacement is r->uri */
    unsigned                    args:1;
    /* add the args to the new URI ("?" not in the replacement) */
    unsigned                    add_args:1;
    unsigned                    redirect:1;
    unsigned                    break_cycle:1;

    hx_str_t                    name;
} hx_http_script_regex_code_t;


typedef struct {
    hx_http_script_code_pt      code;

    unsigned                    uri:1;
    unsigned                    args:1;
    unsigned                    add_args:1;
    unsigned                    redirect:1;
} hx_http_script_regex_end_code_t;


typedef struct {
    hx_http_script_code_pt      code;
    uintptr_t                   conf_prefix;
} hx_http_script_full_name_code_t;


typedef struct {
    hx_http_script_code_pt      code;
    uintptr_t                   status;
    hx_http_complex_value_t     text;
} hx_http_script_return_code_t;


typedef enum {
    hx_http_script_file_plain = 0,
    hx_http_script_file_not_plain,
    hx_http_script_file_dir,
    hx_http_script_file_not_dir,
    hx_http_script_file_exists,
    hx_http_script_file_not_exists,
    hx_http_script_file_exec,
    hx_http_script_file_not_exec
} hx_http_script_file_op_e;


typedef struct {
    hx_http_script_code_pt      code;
    uintptr_t                   op;        /* hx_http_script_file_op_e */
} hx_http_script_file_code_t;


/* "if": when the value on the stack is false, skip next bytes */
typedef struct {
    hx_http_script_code_pt      code;
    uintptr_t                   next;
    void                      **loc_conf;  /* the if block's, when true */
} hx_http_script_if_code_t;


typedef struct {
    hx_http_script_code_pt      code;
    hx_array_t                 *lengths;
} hx_http_script_complex_value_code_t;


typedef struct {
    hx_http_script_code_pt      code;
    uintptr_t                   value;
    uintptr_t                   text_len;
    uintptr_t                   text_data;
} hx_http_script_value_code_t;


/*
 * Compiles ccv->value into ccv->complex_value.  A value without "$" stays
 * literal.  HX_OK, or HX_ERROR after an [emerg] (unknown variable
 * syntax, bad capture reference).
 */
hx_int_t hx_http_compile_complex_value(hx_http_compile_complex_value_t *ccv);

/*
 * Evaluates val for r into value (allocated from r->pool when it has
 * variables).  HX_OK or HX_ERROR.
 */
hx_int_t hx_http_complex_value(hx_http_request_t *r,
    hx_http_complex_value_t *val, hx_str_t *value);
/* a complex value that must be a size ("limit_rate $rate"); default on
 * an empty or invalid value */
size_t hx_http_complex_value_size(hx_http_request_t *r,
    hx_http_complex_value_t *val, size_t default_value);

/* directive setters storing an hx_http_complex_value_t * at offset */
char *hx_http_set_complex_value_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
char *hx_http_set_complex_value_zero_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
char *hx_http_set_complex_value_size_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);

/* whether a string contains variables or captures ($ not at the end) */
hx_uint_t hx_http_script_variables_count(hx_str_t *value);

/* compiles sc->source into sc->lengths / sc->values; HX_OK or HX_ERROR */
hx_int_t hx_http_script_compile(hx_http_script_compile_t *sc);

/*
 * Runs compiled lengths and values arrays for r into value, reserving
 * "len" extra bytes at the front.  Returns the end of what was written,
 * or NULL on no memory.
 */
uint8_t *hx_http_script_run(hx_http_request_t *r, hx_str_t *value,
    void *code_lengths, size_t reserved, void *code_values);

/* evaluates the flushes list: marks those variables as not cached */
void hx_http_script_flush_no_cacheable_variables(hx_http_request_t *r,
    hx_array_t *indices);

/* the "program ends here" code pointer a runner jumps to (ip = exit) */
extern uint8_t  *hx_http_script_exit;

/* reserves size bytes at the end of a code array; NULL on no memory */
void *hx_http_script_start_code(hx_pool_t *pool, hx_array_t **codes,
    size_t size);
/* appends size bytes to codes; *main (when given) follows a move */
void *hx_http_script_add_code(hx_array_t *codes, size_t size, void *main);

/* code runners exported for the rewrite module's programs */
size_t hx_http_script_copy_len_code(hx_http_script_engine_t *e);
void hx_http_script_copy_code(hx_http_script_engine_t *e);
size_t hx_http_script_copy_var_len_code(hx_http_script_engine_t *e);
void hx_http_script_copy_var_code(hx_http_script_engine_t *e);
size_t hx_http_script_copy_capture_len_code(hx_http_script_engine_t *e);
void hx_http_script_copy_capture_code(hx_http_script_engine_t *e);
size_t hx_http_script_mark_args_code(hx_http_script_engine_t *e);
void hx_http_script_start_args_code(hx_http_script_engine_t *e);
void hx_http_script_regex_start_code(hx_http_script_engine_t *e);
void hx_http_script_regex_end_code(hx_http_script_engine_t *e);
void hx_http_script_return_code(hx_http_script_engine_t *e);
void hx_http_script_break_code(hx_http_script_engine_t *e);
void hx_http_script_if_code(hx_http_script_engine_t *e);
void hx_http_script_equal_code(hx_http_script_engine_t *e);
void hx_http_script_not_equal_code(hx_http_script_engine_t *e);
void hx_http_script_file_code(hx_http_script_engine_t *e);
void hx_http_script_complex_value_code(hx_http_script_engine_t *e);
void hx_http_script_complex_value_end_code(hx_http_script_engine_t *e);
void hx_http_script_value_code(hx_http_script_engine_t *e);
void hx_http_script_set_var_code(hx_http_script_engine_t *e);
void hx_http_script_var_set_handler_code(hx_http_script_engine_t *e);
void hx_http_script_var_code(hx_http_script_engine_t *e);
void hx_http_script_nop_code(hx_http_script_engine_t *e);

#endif /* HX_HTTP_HX_HTTP_SCRIPT_H */

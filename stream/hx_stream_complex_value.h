/*
 * Complex values: a configuration string with variables in it
 * ("$remote_addr:$remote_port", "${name}suffix"), compiled once while
 * parsing into a list of parts (literal text, variable index, regex
 * capture) and evaluated per session into one string.
 *
 * nginx compiles such strings into byte code for a small stack machine,
 * because its "rewrite" needs conditions and jumps.  A complex value
 * only ever concatenates, so a flat array of parts evaluated in two
 * passes (measure, then copy) does the same job with less machinery.
 */

#ifndef HX_STREAM_HX_STREAM_COMPLEX_VALUE_H
#define HX_STREAM_HX_STREAM_COMPLEX_VALUE_H


typedef enum {
    HX_STREAM_CV_TEXT = 0,
    HX_STREAM_CV_VARIABLE,
    HX_STREAM_CV_CAPTURE
} hx_stream_cv_part_type_e;


typedef struct {
    hx_stream_cv_part_type_e        type;
    hx_str_t                        text;    /* TEXT */
    hx_uint_t                       index;   /* VARIABLE; capture number */
} hx_stream_cv_part_t;


typedef struct {
    /* the source; the value itself when there are no variables */
    hx_str_t                        value;

    hx_stream_cv_part_t            *parts;   /* NULL: a constant */
    hx_uint_t                       nparts;

    /* the conf or install prefix, prepended at run time to a relative
       result (only set when the value starts with a variable) */
    hx_str_t                        prefix;

    unsigned                        zero:1;  /* NUL after the value */

    union {
        size_t                      size;    /* ..._size_slot constants */
    } u;
} hx_stream_complex_value_t;


typedef struct {
    hx_conf_t                      *cf;
    hx_str_t                       *value;
    hx_stream_complex_value_t      *complex_value;

    unsigned                        zero:1;
    unsigned                        conf_prefix:1;
    unsigned                        root_prefix:1;
} hx_stream_compile_complex_value_t;


/*
 * Compiles ccv->value into ccv->complex_value, registering the variables
 * it names with hx_stream_get_variable_index().  A value that is a file
 * name (conf_prefix/root_prefix) is made absolute.  HX_OK, or HX_ERROR
 * after logging "invalid variable name" or "the closing bracket in
 * "name" variable is missing".
 */
hx_int_t hx_stream_compile_complex_value(
    hx_stream_compile_complex_value_t *ccv);

/*
 * Evaluates cv for session s into value (from the session's pool, or
 * cv->value itself for a constant).  A variable without a value counts
 * as empty.  HX_OK or HX_ERROR (no memory, a variable's handler failed).
 */
hx_int_t hx_stream_complex_value(hx_stream_session_t *s,
    hx_stream_complex_value_t *cv, hx_str_t *value);

/*
 * A size ("16k") that may hold variables: the constant parsed at
 * configuration time, or the value parsed now (default_value, logged,
 * when it is not a size).
 */
size_t hx_stream_complex_value_size(hx_stream_session_t *s,
    hx_stream_complex_value_t *cv, size_t default_value);

/* directive setters: a complex value pointer at cmd->offset */
char *hx_stream_set_complex_value_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
char *hx_stream_set_complex_value_zero_slot(hx_conf_t *cf,
    hx_command_t *cmd, void *conf);
char *hx_stream_set_complex_value_size_slot(hx_conf_t *cf,
    hx_command_t *cmd, void *conf);

/* the number of "$" in value: a quick "has it variables?" */
hx_uint_t hx_stream_script_variables_count(hx_str_t *value);

#endif /* HX_STREAM_HX_STREAM_COMPLEX_VALUE_H */

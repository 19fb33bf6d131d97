/*
 * pcre2 wrapper.  Patterns compile at configuration time (with JIT when
 * pcre_jit is on and the library has it); matching uses one match-data
 * block per process sized for the largest pattern, so a request never
 * allocates to run a regex.  Captures are (start, end) offset pairs as
 * nginx stores them.
 */

#ifndef HX_CORE_HX_REGEX_H
#define HX_CORE_HX_REGEX_H


#define HX_REGEX_NO_MATCHED   -1000

#define HX_REGEX_CASELESS     0x00000001
#define HX_REGEX_MULTILINE    0x00000002


typedef struct {
    void           *code;          /* pcre2_code * */
} hx_regex_t;


typedef struct {
    hx_str_t        pattern;
    hx_pool_t      *pool;
    hx_uint_t       options;

    hx_regex_t     *regex;
    int             captures;
    int             named_captures;
    int             name_size;
    uint8_t        *names;         /* name table: 2-byte index + name */
    hx_str_t        err;           /* caller provides err.data, err.len */
} hx_regex_compile_t;


typedef struct {
    hx_regex_t     *regex;
    uint8_t        *name;
} hx_regex_elt_t;


void hx_regex_init(void);
/*
 * Compiles rc->pattern; on failure writes a message such as
 * `pcre2_compile() failed: missing ) in "(foo"` into rc->err and returns
 * HX_ERROR.  The code is freed by a cleanup on rc->pool.
 */
hx_int_t hx_regex_compile(hx_regex_compile_t *rc);

/*
 * Matches s; fills captures (pairs of int offsets, size ints) and returns
 * the number of pairs set, HX_REGEX_NO_MATCHED, or another negative
 * pcre2 error.
 */
hx_int_t hx_regex_exec(hx_regex_t *re, hx_str_t *s, int *captures,
    hx_uint_t size);
/* the first regex of an array of hx_regex_elt_t that matches: HX_OK,
 * HX_DECLINED when none, HX_ERROR on a matching error */
hx_int_t hx_regex_exec_array(hx_array_t *a, hx_str_t *s, hx_log_t *log);

/* pcre_jit on|off from the core module */
extern hx_flag_t  hx_regex_use_jit;

#endif /* HX_CORE_HX_REGEX_H */

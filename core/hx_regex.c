/*
 * The pcre2 wrapper and the core module that owns "pcre_jit".
 *
 * Patterns are compiled while the configuration is read, into code freed
 * by a cleanup on the compiling pool (the cycle's, so a reload frees the
 * old patterns with the old cycle).  Matching needs a pcre2 match-data
 * block; one per process, grown when a caller asks for more captures than
 * it holds, serves every match, so a request never allocates to run a
 * regex.  The offsets are copied out as int pairs, which is how nginx
 * stores captures and what its variables ($1, named captures) expect.
 *
 * JIT.  "pcre_jit on" may come after the patterns in the file (it is a
 * main-level directive, and http {} may precede it), so patterns compiled
 * before the setting is known are remembered in a pending list, and
 * init_conf JIT-compiles them once the whole file has been read.  The
 * list is plain heap memory, not pool memory, and a pattern's cleanup
 * takes it out of the list: a reload that fails half-way leaves nothing
 * dangling.
 */

#include <hx_config.h>
#include <hx_core.h>

#define PCRE2_CODE_UNIT_WIDTH  8
#include <pcre2.h>


typedef struct {
    hx_flag_t   pcre_jit;
} hx_regex_conf_t;


static void hx_regex_cleanup(void *data);
static void hx_regex_jit(pcre2_code *code);
static void hx_regex_pending_add(pcre2_code *code);
static void hx_regex_pending_remove(pcre2_code *code);
static hx_uint_t hx_regex_jit_available(void);
static void *hx_regex_create_conf(hx_cycle_t *cycle);
static char *hx_regex_init_conf(hx_cycle_t *cycle, void *conf);


hx_flag_t                    hx_regex_use_jit;

static pcre2_match_data     *hx_regex_match_data;
static hx_uint_t             hx_regex_match_pairs;

static pcre2_code          **hx_regex_pending;
static hx_uint_t             hx_regex_npending;
static hx_uint_t             hx_regex_nalloc;

/* -1 not yet asked, else whether the library has a JIT for this CPU */
static hx_int_t              hx_regex_jit_ok = -1;


static hx_command_t  hx_regex_commands[] = {

    { hx_string("pcre_jit"),
      HX_MAIN_CONF|HX_DIRECT_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      0,
      offsetof(hx_regex_conf_t, pcre_jit),
      NULL },

    hx_null_command
};


static hx_core_module_t  hx_regex_module_ctx = {
    hx_string("regex"),
    hx_regex_create_conf,
    hx_regex_init_conf
};


hx_module_t  hx_regex_module = {
    HX_MODULE_V1,
    "hx_regex_module",
    &hx_regex_module_ctx,
    hx_regex_commands,
    HX_CORE_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


/* asks the library once whether it can JIT; safe to call again */
void
hx_regex_init(void)
{
    (void) hx_regex_jit_available();
}


/*
 * Compiles rc->pattern with rc->options (HX_REGEX_CASELESS,
 * HX_REGEX_MULTILINE) and fills rc->regex, captures, named_captures,
 * name_size and names (the pcre2 name table: entries of name_size bytes,
 * a two-byte big-endian group number, then the NUL-terminated name).  On
 * a syntax error writes the reason into the caller's rc->err buffer and
 * sets rc->err.len.  The compiled code lives until rc->pool is destroyed.
 * HX_OK or HX_ERROR.
 */
hx_int_t
hx_regex_compile(hx_regex_compile_t *rc)
{
    int                 errcode, n;
    uint8_t             msg[256], *p;
    uint32_t            options, count, size;
    PCRE2_SIZE          erroff;
    PCRE2_SPTR          table;
    hx_regex_t         *re;
    pcre2_code         *code;
    hx_pool_cleanup_t  *cln;

    options = 0;

    if (rc->options & HX_REGEX_CASELESS) {
        options |= PCRE2_CASELESS;
    }

    if (rc->options & HX_REGEX_MULTILINE) {
        options |= PCRE2_MULTILINE;
    }

    code = pcre2_compile(rc->pattern.data, rc->pattern.len, options,
                         &errcode, &erroff, NULL);

    if (code == NULL) {
        n = pcre2_get_error_message(errcode, msg, sizeof(msg));
        if (n < 0) {
            (void) hx_snprintf(msg, sizeof(msg), "error %d%Z", errcode);
        }

        if (erroff >= rc->pattern.len) {
            p = hx_snprintf(rc->err.data, rc->err.len,
                            "pcre2_compile() failed: %s in \"%V\"",
                            msg, &rc->pattern);

        } else {
            p = hx_snprintf(rc->err.data, rc->err.len,
                            "pcre2_compile() failed: %s in \"%V\" at \"%*s\"",
                            msg, &rc->pattern,
                            rc->pattern.len - erroff,
                            rc->pattern.data + erroff);
        }

        rc->err.len = p - rc->err.data;
        return HX_ERROR;
    }

    re = hx_pcalloc(rc->pool, sizeof(hx_regex_t));
    cln = hx_pool_cleanup_add(rc->pool, 0);

    if (re == NULL || cln == NULL) {
        pcre2_code_free(code);
        goto nomem;
    }

    re->code = code;
    cln->handler = hx_regex_cleanup;
    cln->data = re;

    if (hx_regex_use_jit) {
        hx_regex_jit(code);

    } else {
        hx_regex_pending_add(code);
    }

    if (pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count) < 0
        || pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &size) < 0)
    {
        goto info_failed;
    }

    rc->regex = re;
    rc->captures = (int) count;
    rc->named_captures = (int) size;
    rc->name_size = 0;
    rc->names = NULL;

    if (size > 0) {
        if (pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size) < 0
            || pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table) < 0)
        {
            goto info_failed;
        }

        rc->name_size = (int) size;
        rc->names = (uint8_t *) table;
    }

    return HX_OK;

info_failed:

    p = hx_snprintf(rc->err.data, rc->err.len,
                    "pcre2_pattern_info() failed for \"%V\"", &rc->pattern);
    rc->err.len = p - rc->err.data;
    return HX_ERROR;

nomem:

    p = hx_snprintf(rc->err.data, rc->err.len,
                    "regex \"%V\" compilation failed: no memory",
                    &rc->pattern);
    rc->err.len = p - rc->err.data;
    return HX_ERROR;
}


/*
 * Matches s against re.  captures receives up to size / 2 (start, end)
 * offset pairs, group 0 first, -1 for a group that did not take part;
 * captures may be NULL when size is 0.  Returns the number of pairs
 * written (0 is still a match), HX_REGEX_NO_MATCHED, or another negative
 * pcre2 error code (PCRE2_ERROR_NOMEMORY when no match data could be had).
 */
hx_int_t
hx_regex_exec(hx_regex_t *re, hx_str_t *s, int *captures, hx_uint_t size)
{
    int                n;
    hx_uint_t          i, pairs;
    PCRE2_SIZE        *ov;
    pcre2_match_data  *md;

    pairs = size / 2;

    if (hx_regex_match_data == NULL || pairs > hx_regex_match_pairs) {
        md = pcre2_match_data_create(pairs ? (uint32_t) pairs : 1, NULL);
        if (md == NULL) {
            return PCRE2_ERROR_NOMEMORY;
        }

        if (hx_regex_match_data) {
            pcre2_match_data_free(hx_regex_match_data);
        }

        hx_regex_match_data = md;
        hx_regex_match_pairs = pcre2_get_ovector_count(md);
    }

    md = hx_regex_match_data;

    n = pcre2_match(re->code, s->data, s->len, 0, 0, md, NULL);

    if (n == PCRE2_ERROR_NOMATCH) {
        return HX_REGEX_NO_MATCHED;
    }

    if (n < 0) {
        return n;
    }

    /* 0: the match data was too small for every group; use what fit */
    if (n == 0) {
        n = (int) pcre2_get_ovector_count(md);
    }

    if ((hx_uint_t) n > pairs) {
        n = (int) pairs;
    }

    ov = pcre2_get_ovector_pointer(md);

    for (i = 0; i < (hx_uint_t) n; i++) {
        captures[2 * i] = (ov[2 * i] == PCRE2_UNSET) ? -1 : (int) ov[2 * i];
        captures[2 * i + 1] = (ov[2 * i + 1] == PCRE2_UNSET)
                              ? -1 : (int) ov[2 * i + 1];
    }

    return n;
}


/*
 * Tries the hx_regex_elt_t of a in order.  HX_OK at the first match,
 * HX_DECLINED when none matches, HX_ERROR (logged at alert, naming the
 * pattern) when matching itself fails.
 */
hx_int_t
hx_regex_exec_array(hx_array_t *a, hx_str_t *s, hx_log_t *log)
{
    hx_int_t         n;
    hx_uint_t        i;
    hx_regex_elt_t  *re;

    re = a->elts;

    for (i = 0; i < a->nelts; i++) {

        n = hx_regex_exec(re[i].regex, s, NULL, 0);

        if (n == HX_REGEX_NO_MATCHED) {
            continue;
        }

        if (n < 0) {
            hx_log_error(HX_LOG_ALERT, log, 0,
                         "pcre2_match() failed: %i on \"%V\" using \"%s\"",
                         n, s, re[i].name);
            return HX_ERROR;
        }

        return HX_OK;
    }

    return HX_DECLINED;
}


static void
hx_regex_cleanup(void *data)
{
    hx_regex_t  *re = data;

    hx_regex_pending_remove(re->code);
    pcre2_code_free(re->code);
    re->code = NULL;
}


/* JIT is an optimisation: when it fails the interpreter still matches */
static void
hx_regex_jit(pcre2_code *code)
{
    if (hx_regex_jit_available()) {
        (void) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    }
}


static void
hx_regex_pending_add(pcre2_code *code)
{
    hx_uint_t     n;
    pcre2_code  **list;

    if (hx_regex_npending == hx_regex_nalloc) {
        n = hx_regex_nalloc ? 2 * hx_regex_nalloc : 32;

        list = realloc(hx_regex_pending, n * sizeof(pcre2_code *));
        if (list == NULL) {
            /* the pattern just runs without JIT */
            return;
        }

        hx_regex_pending = list;
        hx_regex_nalloc = n;
    }

    hx_regex_pending[hx_regex_npending++] = code;
}


static void
hx_regex_pending_remove(pcre2_code *code)
{
    hx_uint_t  i;

    for (i = 0; i < hx_regex_npending; i++) {
        if (hx_regex_pending[i] == code) {
            hx_regex_pending[i] = hx_regex_pending[--hx_regex_npending];
            return;
        }
    }
}


static hx_uint_t
hx_regex_jit_available(void)
{
    uint32_t  jit;

    if (hx_regex_jit_ok == -1) {
        jit = 0;

        if (pcre2_config(PCRE2_CONFIG_JIT, &jit) < 0) {
            jit = 0;
        }

        hx_regex_jit_ok = jit ? 1 : 0;
    }

    return (hx_uint_t) hx_regex_jit_ok;
}


static void *
hx_regex_create_conf(hx_cycle_t *cycle)
{
    hx_regex_conf_t  *rcf;

    rcf = hx_pcalloc(cycle->pool, sizeof(hx_regex_conf_t));
    if (rcf == NULL) {
        return NULL;
    }

    rcf->pcre_jit = HX_CONF_UNSET;

    /* this cycle's patterns wait for its own pcre_jit setting */
    hx_regex_use_jit = 0;

    return rcf;
}


static char *
hx_regex_init_conf(hx_cycle_t *cycle, void *conf)
{
    hx_regex_conf_t  *rcf = conf;

    hx_uint_t  i;

    hx_conf_init_value(rcf->pcre_jit, 0);

    hx_regex_use_jit = rcf->pcre_jit;

    if (rcf->pcre_jit) {
        if (!hx_regex_jit_available()) {
            hx_log_error(HX_LOG_WARN, cycle->log, 0,
                         "PCRE2 library does not support JIT");
            hx_regex_use_jit = 0;

        } else {
            for (i = 0; i < hx_regex_npending; i++) {
                hx_regex_jit(hx_regex_pending[i]);
            }
        }
    }

    hx_regex_npending = 0;

    return HX_CONF_OK;
}

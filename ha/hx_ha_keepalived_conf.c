/*
 * keepalived.conf read as it is (DESIGN.md "The ha {} block").
 *
 * keepalived's grammar is line based: a directive ends at the end of its
 * line, "{" and "}" may share a line with words, "!" and "#" start a
 * comment anywhere outside double quotes ("\#" and "\!" are the
 * characters themselves), a "\" at the very end joins the next line,
 * "@id" and "@^id" in front of a line keep it only when the config id
 * matches (does not match), "$NAME=value" defines a variable that "$NAME"
 * and "${NAME}" later expand to, and "include" takes a glob.
 *
 * Rather than a second parser feeding the ha structures, the file is
 * rewritten into nginx grammar, line n to line n, and handed to the one
 * configuration parser under the keepalived file's name
 * (hx_conf_parse_buffer()).  So "keepalived_config" and the ha {}
 * spelling meet the same directive tables and setters, and an error reads
 * "[emerg] ... in /etc/keepalived/keepalived.conf:12".  Each word is
 * written double-quoted and escaped, so a keepalived word holding ";",
 * "'" or "\" stays one word with its exact bytes.  When a line ends with
 * words, a space is left after them; it becomes the ";" unless the next
 * token is a "{" (keepalived accepts the brace on the following line).
 *
 * An include is not expanded here: it becomes "keepalived_include PATH;",
 * a directive of this module, so the included file is translated when
 * the parser reaches it, inside whatever block it appears in, and errors
 * name the included file.  Variables live in the module's main conf, so
 * definitions made before an include are seen inside it.
 *
 * keepalived's keywords that drive the kernel's IPVS itself rather than
 * a virtual server (the LVS connection sync daemon, IPVS timeouts and
 * flushes) are refused by the translator, naming the feature: the whole
 * file is translated before any of it is parsed, so such a file is
 * refused for the feature hanx cannot have, not for a lesser mistake on
 * an earlier line.  The same keywords written in ha { } are refused with
 * the same words by this module's directives.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_ha.h>
#include "hx_ha_keepalived_conf.h"
#include "hx_ha_print.h"


/* the growing output of a translation */
typedef struct {
    hx_pool_t           *pool;
    uint8_t             *start;
    uint8_t             *last;
    uint8_t             *end;
} hx_ha_kc_out_t;


/* the state of a translation between tokens */
typedef struct {
    hx_ha_kc_ctx_t      *ctx;
    hx_ha_kc_out_t       out;
    hx_uint_t            line;          /* of the current logical line */
    hx_uint_t            nwords;        /* words of the open directive */
    ssize_t              semi;          /* offset of the pending ";" */
    hx_uint_t            include;       /* 1: the directive is include */
    hx_uint_t            depth;
    hx_uint_t            open_line[HX_HA_KC_MAX_DEPTH * 8];
} hx_ha_kc_state_t;


/* a keyword of keepalived's that only means something to the kernel's IPVS */
typedef struct {
    hx_str_t             name;
    const char          *feature;
    const char          *missing;       /* what hanx has none of */
} hx_ha_kc_ipvs_t;


typedef struct {
    hx_str_t             config_id;     /* of the keepalived_config in force */
    hx_array_t          *vars;          /* hx_ha_kc_var_t */
    hx_array_t          *files;         /* hx_str_t: keepalived_config's */
    hx_uint_t            depth;         /* files being read, nested */
} hx_ha_keepalived_main_conf_t;


static hx_int_t hx_ha_kc_logical_line(hx_ha_kc_state_t *st,
    const uint8_t **pos, const uint8_t *end, uint8_t *line, size_t *len,
    hx_uint_t *nlines);
static hx_int_t hx_ha_kc_condition(hx_ha_kc_state_t *st, uint8_t **p,
    uint8_t *last);
static hx_int_t hx_ha_kc_define(hx_ha_kc_state_t *st, uint8_t *p,
    uint8_t *last, uint8_t *scratch);
static hx_int_t hx_ha_kc_expand(hx_ha_kc_state_t *st, uint8_t *p,
    uint8_t *last, uint8_t *dst, size_t *len);
static hx_str_t *hx_ha_kc_lookup(hx_ha_kc_ctx_t *ctx, uint8_t *name,
    size_t len);
static hx_int_t hx_ha_kc_tokens(hx_ha_kc_state_t *st, uint8_t *p,
    uint8_t *last);
static hx_int_t hx_ha_kc_word(hx_ha_kc_state_t *st, uint8_t *w, size_t len);
static hx_int_t hx_ha_kc_open(hx_ha_kc_state_t *st);
static hx_int_t hx_ha_kc_close(hx_ha_kc_state_t *st);
static void hx_ha_kc_end_line(hx_ha_kc_state_t *st);
static hx_int_t hx_ha_kc_put(hx_ha_kc_out_t *out, const void *data,
    size_t len);
static hx_int_t hx_ha_kc_fail(hx_ha_kc_state_t *st, const char *fmt, ...);
static hx_ha_kc_ipvs_t *hx_ha_kc_ipvs_only(uint8_t *name, size_t len);
static char *hx_ha_keepalived_ipvs_only(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);

static void *hx_ha_keepalived_create_main_conf(hx_conf_t *cf);
static char *hx_ha_keepalived_config(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_keepalived_include(hx_conf_t *cf, hx_command_t *cmd,
    void *conf);
static char *hx_ha_keepalived_load(hx_conf_t *cf,
    hx_ha_keepalived_main_conf_t *kmcf, hx_str_t *pattern);
static char *hx_ha_keepalived_file(hx_conf_t *cf,
    hx_ha_keepalived_main_conf_t *kmcf, hx_str_t *name);
static hx_buf_t *hx_ha_keepalived_read(hx_conf_t *cf, hx_str_t *name);
static hx_int_t hx_ha_keepalived_init_module(hx_cycle_t *cycle);


#define HX_HA_KC_IPVS_FMT                                                     \
    "keepalived's \"%V\" (%s) is not supported: hanx forwards in user "     \
    "space and has no %s; remove it"


static hx_ha_kc_ipvs_t  hx_ha_kc_ipvs[] = {
    { hx_string("lvs_sync_daemon_interface"),
      "the IPVS connection synchronisation daemon",
      "IPVS connection table to synchronise" },
    { hx_string("lvs_sync_daemon"),
      "the IPVS connection synchronisation daemon",
      "IPVS connection table to synchronise" },
    { hx_string("lvs_timeouts"),
      "the timeouts of IPVS connections",
      "IPVS connection table" },
    { hx_string("lvs_flush"),
      "flushing the IPVS table at start",
      "IPVS table to flush" },
    { hx_string("lvs_flush_on_stop"),
      "flushing the IPVS table at stop",
      "IPVS table to flush" },
    { hx_string("lvs_flush_onstop"),
      "flushing the IPVS table at stop",
      "IPVS table to flush" },
    { hx_null_string, NULL, NULL }
};


#define HX_HA_KC_IPVS_ONLY(name, ctx)                                         \
    { hx_string(name),                                                        \
      ctx|HX_CONF_ANY,                                                        \
      hx_ha_keepalived_ipvs_only,                                             \
      0,                                                                      \
      0,                                                                      \
      NULL }


static hx_command_t  hx_ha_keepalived_commands[] = {

    { hx_string("keepalived_config"),
      HX_HA_MAIN_CONF|HX_CONF_TAKE12,
      hx_ha_keepalived_config,
      HX_HA_MAIN_CONF_OFFSET,
      0,
      NULL },

    /* what "include" in a keepalived.conf becomes; valid in any ha block */
    { hx_string("keepalived_include"),
      0xFE000000|HX_CONF_TAKE1,
      hx_ha_keepalived_include,
      HX_HA_MAIN_CONF_OFFSET,
      0,
      NULL },

    /* the same refusals as the translator's, for the ha { } spelling */
    HX_HA_KC_IPVS_ONLY("lvs_sync_daemon_interface", HX_HA_VRRP_CONF),
    HX_HA_KC_IPVS_ONLY("lvs_sync_daemon", HX_HA_GLOBAL_CONF),
    HX_HA_KC_IPVS_ONLY("lvs_timeouts", HX_HA_GLOBAL_CONF),
    HX_HA_KC_IPVS_ONLY("lvs_flush", HX_HA_GLOBAL_CONF),
    HX_HA_KC_IPVS_ONLY("lvs_flush_on_stop", HX_HA_GLOBAL_CONF),
    HX_HA_KC_IPVS_ONLY("lvs_flush_onstop", HX_HA_GLOBAL_CONF),

    hx_null_command
};


static hx_ha_module_t  hx_ha_keepalived_module_ctx = {
    hx_ha_keepalived_create_main_conf,
    NULL
};


hx_module_t  hx_ha_keepalived_module = {
    HX_MODULE_V1,
    "hx_ha_keepalived_module",
    &hx_ha_keepalived_module_ctx,
    hx_ha_keepalived_commands,
    HX_HA_MODULE,
    hx_ha_keepalived_init_module,        /* init module */
    NULL,                                /* init master */
    NULL,                                /* init process */
    NULL,                                /* exit process */
    NULL                                 /* exit master */
};


hx_buf_t *
hx_ha_keepalived_translate(hx_pool_t *pool, hx_ha_kc_ctx_t *ctx,
    const uint8_t *text, size_t len)
{
    size_t             n, m;
    uint8_t           *line, *expanded, *p, *last;
    hx_int_t           rc;
    hx_buf_t          *b;
    hx_uint_t          nlines, i;
    const uint8_t     *pos, *end;
    hx_ha_kc_state_t   st;

    hx_memzero(&st, sizeof(hx_ha_kc_state_t));

    n = 0;
    nlines = 0;
    ctx->err[0] = '\0';
    ctx->err_line = 0;

    st.ctx = ctx;
    st.semi = -1;
    st.out.pool = pool;

    line = hx_pnalloc(pool, HX_HA_KC_MAX_LINE);
    expanded = hx_pnalloc(pool, HX_HA_KC_MAX_LINE);

    if (line == NULL || expanded == NULL
        || hx_ha_kc_put(&st.out, "", 0) != HX_OK)
    {
        return NULL;
    }

    pos = text;
    end = text + len;

    while (pos < end) {

        st.line++;

        rc = hx_ha_kc_logical_line(&st, &pos, end, line, &n, &nlines);
        if (rc != HX_OK) {
            return NULL;
        }

        p = line;
        last = line + n;

        rc = hx_ha_kc_condition(&st, &p, last);

        if (rc == HX_OK) {
            rc = hx_ha_kc_define(&st, p, last, expanded);

            if (rc == HX_DECLINED) {
                if (hx_ha_kc_expand(&st, p, last, expanded, &m) != HX_OK) {
                    return NULL;
                }

                rc = hx_ha_kc_tokens(&st, expanded, expanded + m);
            }
        }

        if (rc == HX_ERROR) {
            return NULL;
        }

        hx_ha_kc_end_line(&st);

        for (i = 0; i < nlines; i++) {
            if (hx_ha_kc_put(&st.out, "\n", 1) != HX_OK) {
                return NULL;
            }
        }

        st.line += nlines - 1;
    }

    if (st.semi >= 0) {
        st.out.start[st.semi] = ';';
    }

    if (st.depth) {
        hx_ha_kc_fail(&st, "unexpected end of file, expecting \"}\" "
                      "for the block opened on line %ui",
                      st.open_line[st.depth - 1]);
        return NULL;
    }

    b = hx_calloc_buf(pool);
    if (b == NULL) {
        return NULL;
    }

    b->start = st.out.start;
    b->pos = st.out.start;
    b->last = st.out.last;
    b->end = st.out.end;
    b->temporary = 1;

    return b;
}


/*
 * Copies the next physical line, and the lines a final "\" joins to it,
 * into line without comments, leading or trailing blanks.  *nlines is how
 * many physical lines were read.
 */
static hx_int_t
hx_ha_kc_logical_line(hx_ha_kc_state_t *st, const uint8_t **pos,
    const uint8_t *end, uint8_t *line, size_t *len, hx_uint_t *nlines)
{
    uint8_t         ch, *dst, *last, *keep;
    hx_uint_t       quote, comment, cont;
    const uint8_t  *p;

    p = *pos;
    dst = line;
    last = line + HX_HA_KC_MAX_LINE;
    *nlines = 0;

    for ( ;; ) {
        (*nlines)++;

        quote = 0;
        comment = 0;
        cont = 0;

        /* leading blanks of each joined piece go */
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }

        while (p < end && *p != LF) {
            ch = *p++;

            if (comment) {
                continue;
            }

            if (ch == '\\') {
                if (p == end || *p == LF
                    || (*p == CR && (p + 1 == end || p[1] == LF)))
                {
                    cont = 1;
                    continue;
                }

                if (!quote && (*p == '#' || *p == '!')) {
                    ch = *p++;

                } else if (dst + 1 < last) {
                    /* an escaped character is kept and means nothing */
                    *dst++ = ch;
                    ch = *p++;
                }

            } else if (ch == '"') {
                quote = !quote;

            } else if (!quote && (ch == '#' || ch == '!')) {
                comment = 1;
                continue;
            }

            if (dst == last) {
                return hx_ha_kc_fail(st, "line is longer than %uz bytes",
                                     (size_t) HX_HA_KC_MAX_LINE);
            }

            *dst++ = ch;
        }

        if (p < end) {
            p++;                                 /* LF */
        }

        /* trailing blanks and a CR of CRLF go too */
        keep = dst;
        while (keep > line
               && (keep[-1] == ' ' || keep[-1] == '\t' || keep[-1] == CR))
        {
            keep--;
        }
        dst = keep;

        if (!cont || p == end) {
            break;
        }

        if (dst < last) {
            *dst++ = ' ';
        }
    }

    *pos = p;
    *len = dst - line;

    return HX_OK;
}


/*
 * "@id rest" keeps rest when id is the config id, "@^id rest" when it is
 * not.  HX_OK with *p past the prefix, HX_DONE when the line is skipped.
 */
static hx_int_t
hx_ha_kc_condition(hx_ha_kc_state_t *st, uint8_t **p, uint8_t *last)
{
    size_t      len;
    uint8_t    *s, *id;
    hx_uint_t   neg, match;

    s = *p;

    if (s == last || *s != '@') {
        return HX_OK;
    }

    s++;
    neg = 0;

    if (s < last && *s == '^') {
        neg = 1;
        s++;
    }

    id = s;

    while (s < last && *s != ' ' && *s != '\t') {
        s++;
    }

    len = s - id;

    match = (len == st->ctx->config_id.len
             && hx_memcmp(id, st->ctx->config_id.data, len) == 0);

    if (match == neg) {
        return HX_DONE;
    }

    while (s < last && (*s == ' ' || *s == '\t')) {
        s++;
    }

    *p = s;

    return HX_OK;
}


static hx_uint_t
hx_ha_kc_is_name(uint8_t ch, hx_uint_t first)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_') {
        return 1;
    }

    return !first && ch >= '0' && ch <= '9';
}


/*
 * "$NAME=value": the value, expanded with the variables known so far,
 * becomes NAME's.  HX_DONE when the line was a definition, HX_DECLINED
 * when it is not one.
 */
static hx_int_t
hx_ha_kc_define(hx_ha_kc_state_t *st, uint8_t *p, uint8_t *last,
    uint8_t *scratch)
{
    size_t           len;
    uint8_t         *name, *s;
    hx_str_t        *old;
    hx_uint_t        i;
    hx_ha_kc_var_t  *var;

    if (last - p < 3 || *p != '$' || !hx_ha_kc_is_name(p[1], 1)) {
        return HX_DECLINED;
    }

    name = p + 1;

    for (s = name; s < last && hx_ha_kc_is_name(*s, 0); s++) {
        /* void */
    }

    if (s == last || *s != '=') {
        return HX_DECLINED;
    }

    if (st->ctx->vars == NULL) {
        return hx_ha_kc_fail(st, "variables are not available here");
    }

    if (hx_ha_kc_expand(st, s + 1, last, scratch, &len) != HX_OK) {
        return HX_ERROR;
    }

    var = st->ctx->vars->elts;
    old = NULL;

    for (i = 0; i < st->ctx->vars->nelts; i++) {
        if (var[i].name.len == (size_t) (s - name)
            && hx_memcmp(var[i].name.data, name, s - name) == 0)
        {
            old = &var[i].value;
            break;
        }
    }

    if (old == NULL) {
        var = hx_array_push(st->ctx->vars);
        if (var == NULL) {
            return HX_ERROR;
        }

        var->name.len = s - name;
        var->name.data = hx_pnalloc(st->ctx->vars->pool, var->name.len);
        if (var->name.data == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(var->name.data, name, var->name.len);
        old = &var->value;
    }

    old->len = len;
    old->data = hx_pnalloc(st->ctx->vars->pool, len + 1);
    if (old->data == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(old->data, scratch, len);

    return HX_DONE;
}


/*
 * Copies [p, last) to dst with "$NAME" and "${NAME}" replaced by their
 * values; an unknown name stays as written (it may be meant for a
 * script).  Values are not expanded again, so definitions cannot loop.
 */
static hx_int_t
hx_ha_kc_expand(hx_ha_kc_state_t *st, uint8_t *p, uint8_t *last,
    uint8_t *dst, size_t *len)
{
    size_t     n;
    uint8_t   *d, *dlast, *name, *s, *from;
    hx_str_t  *value;
    hx_uint_t  braces;

    d = dst;
    dlast = dst + HX_HA_KC_MAX_LINE;

    while (p < last) {
        from = p;
        value = NULL;

        if (*p == '$' && p + 1 < last) {
            braces = (p[1] == '{');
            name = p + 1 + braces;

            for (s = name; s < last && hx_ha_kc_is_name(*s, s == name); s++) {
                /* void */
            }

            if (s > name && (!braces || (s < last && *s == '}'))) {
                value = hx_ha_kc_lookup(st->ctx, name, s - name);

                if (value) {
                    p = s + braces;
                }
            }
        }

        if (value == NULL) {
            p = from + 1;
            n = 1;

        } else {
            from = value->data;
            n = value->len;
        }

        if ((size_t) (dlast - d) < n) {
            return hx_ha_kc_fail(st, "line is longer than %uz bytes "
                                 "once its variables are expanded",
                                 (size_t) HX_HA_KC_MAX_LINE);
        }

        d = hx_cpymem(d, from, n);
    }

    *len = d - dst;

    return HX_OK;
}


static hx_str_t *
hx_ha_kc_lookup(hx_ha_kc_ctx_t *ctx, uint8_t *name, size_t len)
{
    hx_uint_t        i;
    hx_ha_kc_var_t  *var;

    /* keepalived's own: a "#" or "!" that no comment swallows */
    static hx_str_t  hash = hx_string("#");
    static hx_str_t  bang = hx_string("!");

    if (len == 5 && hx_memcmp(name, "_HASH", 5) == 0) {
        return &hash;
    }

    if (len == 5 && hx_memcmp(name, "_BANG", 5) == 0) {
        return &bang;
    }

    if (ctx->vars == NULL) {
        return NULL;
    }

    var = ctx->vars->elts;

    for (i = 0; i < ctx->vars->nelts; i++) {
        if (var[i].name.len == len
            && hx_memcmp(var[i].name.data, name, len) == 0)
        {
            return &var[i].value;
        }
    }

    return NULL;
}


/* splits a logical line into words, "{" and "}", and writes them out */
static hx_int_t
hx_ha_kc_tokens(hx_ha_kc_state_t *st, uint8_t *p, uint8_t *last)
{
    uint8_t  *w;

    while (p < last) {

        switch (*p) {

        case ' ':
        case '\t':
        case CR:
            p++;
            continue;

        case '{':
            p++;
            if (hx_ha_kc_open(st) != HX_OK) {
                return HX_ERROR;
            }
            continue;

        case '}':
            p++;
            if (hx_ha_kc_close(st) != HX_OK) {
                return HX_ERROR;
            }
            continue;

        case '"':
            w = ++p;

            while (p < last && *p != '"') {
                p++;
            }

            if (p == last) {
                return hx_ha_kc_fail(st, "unterminated quoted string");
            }

            if (hx_ha_kc_word(st, w, p - w) != HX_OK) {
                return HX_ERROR;
            }

            p++;
            continue;
        }

        w = p;

        while (p < last && *p != ' ' && *p != '\t' && *p != CR
               && *p != '{' && *p != '}' && *p != '"')
        {
            p++;
        }

        if (hx_ha_kc_word(st, w, p - w) != HX_OK) {
            return HX_ERROR;
        }
    }

    return HX_OK;
}


static hx_int_t
hx_ha_kc_word(hx_ha_kc_state_t *st, uint8_t *w, size_t len)
{
    uint8_t          *p, *last;
    hx_ha_kc_ipvs_t  *ipvs;

    static hx_str_t  include = hx_string("include");
    static hx_str_t  directive = hx_string("keepalived_include");

    if (st->semi >= 0) {
        st->out.start[st->semi] = ';';
        st->semi = -1;
    }

    if (st->nwords == 0) {
        ipvs = hx_ha_kc_ipvs_only(w, len);

        if (ipvs) {
            return hx_ha_kc_fail(st, HX_HA_KC_IPVS_FMT, &ipvs->name,
                                 ipvs->feature, ipvs->missing);
        }

        st->include = (len == include.len
                       && hx_memcmp(w, include.data, len) == 0);

        if (st->include) {
            w = directive.data;
            len = directive.len;
        }

    } else if (st->include && st->nwords == 1 && len && *w != '/') {
        if (hx_ha_kc_put(&st->out, "\"", 1) != HX_OK) {
            return HX_ERROR;
        }

        /* the directory is escaped below with the rest: emit it as part */
        p = st->ctx->dir.data;
        last = p + st->ctx->dir.len;

        for ( /* void */ ; p < last; p++) {
            if ((*p == '"' || *p == '\\')
                && hx_ha_kc_put(&st->out, "\\", 1) != HX_OK)
            {
                return HX_ERROR;
            }

            if (hx_ha_kc_put(&st->out, p, 1) != HX_OK) {
                return HX_ERROR;
            }
        }

        goto body;
    }

    if (hx_ha_kc_put(&st->out, "\"", 1) != HX_OK) {
        return HX_ERROR;
    }

body:

    for (p = w, last = w + len; p < last; p++) {
        if ((*p == '"' || *p == '\\')
            && hx_ha_kc_put(&st->out, "\\", 1) != HX_OK)
        {
            return HX_ERROR;
        }

        if (hx_ha_kc_put(&st->out, p, 1) != HX_OK) {
            return HX_ERROR;
        }
    }

    if (hx_ha_kc_put(&st->out, "\" ", 2) != HX_OK) {
        return HX_ERROR;
    }

    st->nwords++;

    return HX_OK;
}


static hx_int_t
hx_ha_kc_open(hx_ha_kc_state_t *st)
{
    if (st->semi >= 0) {
        /* "name args" on one line, "{" on a later one */
        st->semi = -1;

    } else if (st->nwords == 0) {
        return hx_ha_kc_fail(st, "unexpected \"{\"");
    }

    if (st->depth == sizeof(st->open_line) / sizeof(hx_uint_t)) {
        return hx_ha_kc_fail(st, "blocks are nested too deep");
    }

    st->open_line[st->depth++] = st->line;
    st->nwords = 0;

    return hx_ha_kc_put(&st->out, "{ ", 2);
}


static hx_int_t
hx_ha_kc_close(hx_ha_kc_state_t *st)
{
    if (st->semi >= 0) {
        st->out.start[st->semi] = ';';
        st->semi = -1;

    } else if (st->nwords) {
        if (hx_ha_kc_put(&st->out, "; ", 2) != HX_OK) {
            return HX_ERROR;
        }
    }

    st->nwords = 0;

    if (st->depth == 0) {
        return hx_ha_kc_fail(st, "unexpected \"}\"");
    }

    st->depth--;

    return hx_ha_kc_put(&st->out, "} ", 2);
}


/* words at the end of a line: their ";" waits to see if a "{" follows */
static void
hx_ha_kc_end_line(hx_ha_kc_state_t *st)
{
    if (st->nwords == 0) {
        return;
    }

    if (hx_ha_kc_put(&st->out, " ", 1) != HX_OK) {
        return;
    }

    st->semi = st->out.last - st->out.start - 1;
    st->nwords = 0;
}


static hx_int_t
hx_ha_kc_put(hx_ha_kc_out_t *out, const void *data, size_t len)
{
    size_t    size, used;
    uint8_t  *p;

    if ((size_t) (out->end - out->last) < len + 1) {
        used = out->last - out->start;
        size = (out->end - out->start) * 2;

        if (size < used + len + 1) {
            size = used + len + 4096;
        }

        p = hx_pnalloc(out->pool, size);
        if (p == NULL) {
            return HX_ERROR;
        }

        if (used) {
            hx_memcpy(p, out->start, used);
        }

        out->start = p;
        out->last = p + used;
        out->end = p + size;
    }

    out->last = hx_cpymem(out->last, data, len);

    return HX_OK;
}


static hx_int_t
hx_ha_kc_fail(hx_ha_kc_state_t *st, const char *fmt, ...)
{
    uint8_t  *p;
    va_list   args;

    va_start(args, fmt);
    p = hx_vslprintf((uint8_t *) st->ctx->err,
                     (uint8_t *) st->ctx->err + sizeof(st->ctx->err) - 1,
                     fmt, args);
    va_end(args);

    *p = '\0';
    st->ctx->err_line = st->line;

    return HX_ERROR;
}


static hx_ha_kc_ipvs_t *
hx_ha_kc_ipvs_only(uint8_t *name, size_t len)
{
    hx_ha_kc_ipvs_t  *k;

    for (k = hx_ha_kc_ipvs; k->name.len; k++) {
        if (k->name.len == len && hx_memcmp(k->name.data, name, len) == 0) {
            return k;
        }
    }

    return NULL;
}


static char *
hx_ha_keepalived_ipvs_only(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_ha_kc_ipvs_t  *ipvs;

    (void) conf;

    ipvs = hx_ha_kc_ipvs_only(cmd->name.data, cmd->name.len);

    hx_conf_log_error(HX_LOG_EMERG, cf, 0, HX_HA_KC_IPVS_FMT, &ipvs->name,
                      ipvs->feature, ipvs->missing);

    return HX_CONF_ERROR;
}


hx_int_t
hx_ha_keepalived_default_id(hx_pool_t *pool, hx_str_t *id)
{
    char    host[256];
    size_t  len;

    if (gethostname(host, sizeof(host)) == -1) {
        host[0] = '\0';
    }

    host[sizeof(host) - 1] = '\0';

    for (len = 0; host[len] && host[len] != '.'; len++) {
        /* void */
    }

    id->data = hx_pnalloc(pool, len + 1);
    if (id->data == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(id->data, host, len);
    id->data[len] = '\0';
    id->len = len;

    return HX_OK;
}


static void *
hx_ha_keepalived_create_main_conf(hx_conf_t *cf)
{
    hx_ha_keepalived_main_conf_t  *kmcf;

    kmcf = hx_pcalloc(cf->pool, sizeof(hx_ha_keepalived_main_conf_t));
    if (kmcf == NULL) {
        return NULL;
    }

    kmcf->vars = hx_array_create(cf->pool, 4, sizeof(hx_ha_kc_var_t));
    kmcf->files = hx_array_create(cf->pool, 1, sizeof(hx_str_t));

    if (kmcf->vars == NULL || kmcf->files == NULL) {
        return NULL;
    }

    return kmcf;
}


/* keepalived_config PATH [config_id=ID]; */
static char *
hx_ha_keepalived_config(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char                          *rv;
    hx_str_t                      *value, id, prev, path, *file;
    hx_ha_keepalived_main_conf_t  *kmcf;

    (void) cmd;

    kmcf = hx_ha_conf_get_main_conf(cf, hx_ha_keepalived_module);
    (void) conf;

    value = cf->args->elts;

    if (cf->args->nelts == 3) {
        if (value[2].len <= 10
            || hx_strncmp(value[2].data, "config_id=", 10) != 0)
        {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "invalid parameter \"%V\"", &value[2]);
            return HX_CONF_ERROR;
        }

        id.data = value[2].data + 10;
        id.len = value[2].len - 10;

    } else if (hx_ha_keepalived_default_id(cf->pool, &id) != HX_OK) {
        return HX_CONF_ERROR;
    }

    path = value[1];

    if (hx_conf_full_name(cf->cycle, &path, 1) != HX_OK) {
        return HX_CONF_ERROR;
    }

    file = hx_array_push(kmcf->files);
    if (file == NULL) {
        return HX_CONF_ERROR;
    }

    *file = path;

    prev = kmcf->config_id;
    kmcf->config_id = id;

    rv = hx_ha_keepalived_load(cf, kmcf, &path);

    kmcf->config_id = prev;

    return rv;
}


/* "include" of a keepalived.conf, already made absolute by the translator */
static char *
hx_ha_keepalived_include(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    hx_str_t                      *value, path;
    hx_ha_keepalived_main_conf_t  *kmcf;

    (void) cmd;
    (void) conf;

    kmcf = hx_ha_conf_get_main_conf(cf, hx_ha_keepalived_module);
    value = cf->args->elts;
    path = value[1];

    if (kmcf->config_id.data == NULL
        && hx_ha_keepalived_default_id(cf->pool, &kmcf->config_id) != HX_OK)
    {
        return HX_CONF_ERROR;
    }

    if (hx_conf_full_name(cf->cycle, &path, 1) != HX_OK) {
        return HX_CONF_ERROR;
    }

    return hx_ha_keepalived_load(cf, kmcf, &path);
}


static char *
hx_ha_keepalived_load(hx_conf_t *cf, hx_ha_keepalived_main_conf_t *kmcf,
    hx_str_t *pattern)
{
    char       *rv;
    hx_str_t    name;
    hx_glob_t   gl;

    if (kmcf->depth >= HX_HA_KC_MAX_DEPTH) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "keepalived includes nest deeper than %d "
                          "(an include loop?)", HX_HA_KC_MAX_DEPTH);
        return HX_CONF_ERROR;
    }

    if (!hx_has_glob(pattern->data, pattern->len)) {
        return hx_ha_keepalived_file(cf, kmcf, pattern);
    }

    hx_memzero(&gl, sizeof(hx_glob_t));

    gl.pattern = pattern->data;
    gl.log = cf->log;
    gl.test = 1;

    if (hx_open_glob(&gl) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, hx_errno,
                          "glob() \"%s\" failed", pattern->data);
        return HX_CONF_ERROR;
    }

    rv = HX_CONF_OK;

    while (hx_read_glob(&gl, &name) == HX_OK) {
        pattern = hx_palloc(cf->pool, sizeof(hx_str_t));
        if (pattern == NULL) {
            rv = HX_CONF_ERROR;
            break;
        }

        pattern->len = name.len;
        pattern->data = hx_pnalloc(cf->pool, name.len + 1);
        if (pattern->data == NULL) {
            rv = HX_CONF_ERROR;
            break;
        }

        hx_memcpy(pattern->data, name.data, name.len);
        pattern->data[name.len] = '\0';

        rv = hx_ha_keepalived_file(cf, kmcf, pattern);
        if (rv != HX_CONF_OK) {
            break;
        }
    }

    hx_close_glob(&gl);

    return rv;
}


static char *
hx_ha_keepalived_file(hx_conf_t *cf, hx_ha_keepalived_main_conf_t *kmcf,
    hx_str_t *name)
{
    char            *rv;
    uint8_t         *slash;
    hx_buf_t        *text, *nginx;
    hx_ha_kc_ctx_t   kc;

    text = hx_ha_keepalived_read(cf, name);
    if (text == NULL) {
        return HX_CONF_ERROR;
    }

    hx_memzero(&kc, sizeof(hx_ha_kc_ctx_t));

    kc.config_id = kmcf->config_id;
    kc.vars = kmcf->vars;

    slash = name->data + name->len;

    while (slash > name->data && slash[-1] != '/') {
        slash--;
    }

    kc.dir.data = name->data;
    kc.dir.len = slash - name->data;

    nginx = hx_ha_keepalived_translate(cf->temp_pool ? cf->temp_pool
                                                     : cf->pool,
                                       &kc, text->pos,
                                       text->last - text->pos);
    if (nginx == NULL) {
        if (kc.err_line == 0) {
            return HX_CONF_ERROR;
        }

        hx_log_error(HX_LOG_EMERG, cf->log, 0, "%s in %V:%ui",
                     kc.err, name, kc.err_line);
        return HX_CONF_ERROR;
    }

    kmcf->depth++;

    rv = hx_conf_parse_buffer(cf, name, nginx);

    kmcf->depth--;

    return rv;
}


/* the file's bytes; for -T it is also listed as read, in its own syntax */
static hx_buf_t *
hx_ha_keepalived_read(hx_conf_t *cf, hx_str_t *name)
{
    ssize_t          n;
    hx_buf_t        *b;
    hx_file_t        file;
    hx_conf_dump_t  *cd;

    hx_memzero(&file, sizeof(hx_file_t));

    file.name = *name;
    file.log = cf->log;
    file.fd = hx_open_file(name->data, HX_FILE_RDONLY, HX_FILE_OPEN, 0);

    if (file.fd == HX_INVALID_FILE) {
        hx_conf_log_error(HX_LOG_EMERG, cf, hx_errno,
                          "open() \"%s\" failed", name->data);
        return NULL;
    }

    b = NULL;

    if (hx_fd_info(file.fd, &file.info) == -1) {
        hx_conf_log_error(HX_LOG_EMERG, cf, hx_errno,
                          "fstat() \"%s\" failed", name->data);
        goto done;
    }

    if (!hx_is_file(&file.info)) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%s\" is not a regular file", name->data);
        goto done;
    }

    b = hx_create_temp_buf(cf->pool, hx_file_size(&file.info) + 1);
    if (b == NULL) {
        goto done;
    }

    n = hx_read_file(&file, b->start, hx_file_size(&file.info), 0);

    if (n != hx_file_size(&file.info)) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "read() \"%s\" returned only %z bytes", name->data,
                          n);
        b = NULL;
        goto done;
    }

    b->last = b->start + n;
    *b->last = '\0';

    if (hx_dump_config) {
        cd = hx_array_push(&cf->cycle->config_dump);
        if (cd == NULL) {
            b = NULL;
            goto done;
        }

        cd->name.len = name->len;
        cd->name.data = hx_pnalloc(cf->cycle->pool, name->len + 1);
        cd->buffer = hx_calloc_buf(cf->cycle->pool);

        if (cd->name.data == NULL || cd->buffer == NULL) {
            b = NULL;
            goto done;
        }

        hx_memcpy(cd->name.data, name->data, name->len);
        cd->name.data[name->len] = '\0';
        *cd->buffer = *b;
    }

done:

    if (hx_close_file(file.fd) == HX_FILE_ERROR) {
        hx_log_error(HX_LOG_ALERT, cf->log, hx_errno,
                     "close() \"%s\" failed", name->data);
    }

    return b;
}


hx_array_t *
hx_ha_keepalived_files(hx_cycle_t *cycle)
{
    hx_ha_keepalived_main_conf_t  *kmcf;

    kmcf = hx_ha_cycle_get_main_conf(cycle, &hx_ha_keepalived_module);

    return kmcf ? kmcf->files : NULL;
}


/* -T: the resolved ha { } block goes out after the files read */
static hx_int_t
hx_ha_keepalived_init_module(hx_cycle_t *cycle)
{
    if (hx_dump_config) {
        return hx_ha_print_dump(cycle);
    }

    return HX_OK;
}

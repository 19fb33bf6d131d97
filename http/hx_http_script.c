/*
 * The script engine (see hx_http_script.h): compiling strings with
 * variables and captures into code arrays, running them, the complex
 * value helpers every module uses, and the codes the rewrite module
 * assembles into programs.
 *
 * A code array is a byte array of packed structs, each starting with its
 * function pointer; a zero pointer ends it.  Literal text is stored inline
 * after a copy code, padded to pointer alignment.  Arrays may move while
 * they are being built, so a code that refers to a position in its own
 * array (the regex code's "next" jump) is kept as an offset, and the one
 * pointer that must follow a move ("main", the open regex code) is fixed
 * up by hx_http_script_add_code().
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


static hx_int_t hx_http_script_init_arrays(hx_http_script_compile_t *sc);
static hx_int_t hx_http_script_done(hx_http_script_compile_t *sc);
static hx_int_t hx_http_script_add_copy_code(hx_http_script_compile_t *sc,
    hx_str_t *value, hx_uint_t last);
static hx_int_t hx_http_script_add_var_code(hx_http_script_compile_t *sc,
    hx_str_t *name);
static hx_int_t hx_http_script_add_args_code(hx_http_script_compile_t *sc);
static hx_int_t hx_http_script_add_capture_code(hx_http_script_compile_t *sc,
    hx_uint_t n);
static hx_int_t hx_http_script_add_full_name_code(
    hx_http_script_compile_t *sc);
static size_t hx_http_script_full_name_len_code(hx_http_script_engine_t *e);
static void hx_http_script_full_name_code(hx_http_script_engine_t *e);


#define hx_http_script_exit_code  (uintptr_t) 0

static uintptr_t  hx_http_script_exit_value = hx_http_script_exit_code;

uint8_t  *hx_http_script_exit = (uint8_t *) &hx_http_script_exit_value;


/* the bytes a code struct with "len" bytes of inline text occupies */
#define hx_http_script_copy_size(len)                                         \
    ((sizeof(hx_http_script_copy_code_t) + (len) + sizeof(uintptr_t) - 1)     \
     & ~(sizeof(uintptr_t) - 1))


static void
hx_http_script_flush_complex_value(hx_http_request_t *r,
    hx_http_complex_value_t *val)
{
    hx_uint_t  *index;

    index = val->flushes;

    if (index == NULL) {
        return;
    }

    while (*index != (hx_uint_t) -1) {

        if (r->variables[*index].no_cacheable) {
            r->variables[*index].valid = 0;
            r->variables[*index].not_found = 0;
        }

        index++;
    }
}


hx_int_t
hx_http_complex_value(hx_http_request_t *r, hx_http_complex_value_t *val,
    hx_str_t *value)
{
    size_t                         len;
    hx_http_script_code_pt         code;
    hx_http_script_len_code_pt     lcode;
    hx_http_script_engine_t        e;

    if (val->lengths == NULL) {
        *value = val->value;
        return HX_OK;
    }

    hx_http_script_flush_complex_value(r, val);

    hx_memzero(&e, sizeof(hx_http_script_engine_t));

    e.ip = val->lengths;
    e.request = r;
    e.flushed = 1;

    len = 0;

    while (*(uintptr_t *) e.ip) {
        lcode = *(hx_http_script_len_code_pt *) e.ip;
        len += lcode(&e);
    }

    value->len = len;
    value->data = hx_pnalloc(r->pool, len);
    if (value->data == NULL) {
        return HX_ERROR;
    }

    e.ip = val->values;
    e.pos = value->data;
    e.end = value->data + len;
    e.buf = *value;

    while (*(uintptr_t *) e.ip) {
        code = *(hx_http_script_code_pt *) e.ip;
        code(&e);
    }

    *value = e.buf;

    return HX_OK;
}


size_t
hx_http_complex_value_size(hx_http_request_t *r,
    hx_http_complex_value_t *val, size_t default_value)
{
    ssize_t   size;
    hx_str_t  value;

    if (val == NULL) {
        return default_value;
    }

    if (val->lengths == NULL) {
        return val->u.size;
    }

    if (hx_http_complex_value(r, val, &value) != HX_OK) {
        return default_value;
    }

    size = hx_parse_size(&value);

    if (size == HX_ERROR) {
        hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                     "invalid size \"%V\"", &value);
        return default_value;
    }

    return (size_t) size;
}


hx_uint_t
hx_http_script_variables_count(hx_str_t *value)
{
    hx_uint_t  i, n;

    for (n = 0, i = 0; i < value->len; i++) {
        if (value->data[i] == '$') {
            n++;
        }
    }

    return n;
}


hx_int_t
hx_http_compile_complex_value(hx_http_compile_complex_value_t *ccv)
{
    hx_str_t                   *v;
    hx_uint_t                   i, n, nv, nc, *last;
    hx_array_t                  flushes, lengths, values, *pf, *pl, *pv;
    hx_http_script_compile_t    sc;

    v = ccv->value;

    nv = 0;
    nc = 0;

    for (i = 0; i < v->len; i++) {
        if (v->data[i] == '$') {
            if (i + 1 < v->len
                && v->data[i + 1] >= '1' && v->data[i + 1] <= '9')
            {
                nc++;

            } else {
                nv++;
            }
        }
    }

    if ((v->len == 0 || v->data[0] != '$')
        && (ccv->conf_prefix || ccv->root_prefix))
    {
        if (hx_conf_full_name(ccv->cf->cycle, v, ccv->conf_prefix) != HX_OK) {
            return HX_ERROR;
        }

        ccv->conf_prefix = 0;
        ccv->root_prefix = 0;
    }

    ccv->complex_value->value = *v;
    ccv->complex_value->flushes = NULL;
    ccv->complex_value->lengths = NULL;
    ccv->complex_value->values = NULL;

    if (nv == 0 && nc == 0) {
        return HX_OK;
    }

    n = nv + 1;

    if (hx_array_init(&flushes, ccv->cf->pool, n, sizeof(hx_uint_t))
        != HX_OK)
    {
        return HX_ERROR;
    }

    n = nv * (2 * sizeof(hx_http_script_copy_code_t)
              + sizeof(hx_http_script_var_code_t))
        + sizeof(uintptr_t);

    if (hx_array_init(&lengths, ccv->cf->pool, n, 1) != HX_OK) {
        return HX_ERROR;
    }

    n = (nv * (2 * sizeof(hx_http_script_copy_code_t)
               + sizeof(hx_http_script_var_code_t))
         + sizeof(uintptr_t)
         + v->len
         + sizeof(uintptr_t) - 1)
        & ~(sizeof(uintptr_t) - 1);

    if (hx_array_init(&values, ccv->cf->pool, n, 1) != HX_OK) {
        return HX_ERROR;
    }

    pf = &flushes;
    pl = &lengths;
    pv = &values;

    hx_memzero(&sc, sizeof(hx_http_script_compile_t));

    sc.cf = ccv->cf;
    sc.source = v;
    sc.flushes = &pf;
    sc.lengths = &pl;
    sc.values = &pv;
    sc.complete_lengths = 1;
    sc.complete_values = 1;
    sc.zero = ccv->zero;
    sc.conf_prefix = ccv->conf_prefix;
    sc.root_prefix = ccv->root_prefix;

    if (hx_http_script_compile(&sc) != HX_OK) {
        return HX_ERROR;
    }

    if (flushes.nelts) {
        last = hx_array_push(&flushes);
        if (last == NULL) {
            return HX_ERROR;
        }

        *last = (hx_uint_t) -1;

        ccv->complex_value->flushes = flushes.elts;
    }

    ccv->complex_value->lengths = lengths.elts;
    ccv->complex_value->values = values.elts;

    return HX_OK;
}


static char *
hx_http_set_complex_value(hx_conf_t *cf, hx_command_t *cmd, void *conf,
    hx_uint_t zero, hx_uint_t size)
{
    char  *p = conf;

    ssize_t                             n;
    hx_str_t                           *value;
    hx_http_complex_value_t           **cv;
    hx_http_compile_complex_value_t     ccv;

    cv = (hx_http_complex_value_t **) (p + cmd->offset);

    if (*cv != HX_CONF_UNSET_PTR && *cv != NULL) {
        return "is duplicate";
    }

    *cv = hx_palloc(cf->pool, sizeof(hx_http_complex_value_t));
    if (*cv == NULL) {
        return HX_CONF_ERROR;
    }

    value = cf->args->elts;

    hx_memzero(&ccv, sizeof(hx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = *cv;
    ccv.zero = zero;

    if (hx_http_compile_complex_value(&ccv) != HX_OK) {
        return HX_CONF_ERROR;
    }

    if (size && (*cv)->lengths == NULL) {
        n = hx_parse_size(&value[1]);

        if (n == HX_ERROR) {
            return "invalid value";
        }

        (*cv)->u.size = (size_t) n;
    }

    return HX_CONF_OK;
}


char *
hx_http_set_complex_value_slot(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    return hx_http_set_complex_value(cf, cmd, conf, 0, 0);
}


char *
hx_http_set_complex_value_zero_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf)
{
    return hx_http_set_complex_value(cf, cmd, conf, 1, 0);
}


char *
hx_http_set_complex_value_size_slot(hx_conf_t *cf, hx_command_t *cmd,
    void *conf)
{
    return hx_http_set_complex_value(cf, cmd, conf, 0, 1);
}


hx_int_t
hx_http_script_compile(hx_http_script_compile_t *sc)
{
    uint8_t     ch;
    hx_str_t    name;
    hx_uint_t   i, n, bracket;

    if (hx_http_script_init_arrays(sc) != HX_OK) {
        return HX_ERROR;
    }

    for (i = 0; i < sc->source->len; /* void */ ) {

        name.len = 0;

        if (sc->source->data[i] == '$') {

            if (++i == sc->source->len) {
                goto invalid_variable;
            }

            if (sc->source->data[i] >= '1' && sc->source->data[i] <= '9') {

                n = sc->source->data[i] - '0';

                if (sc->captures_mask & ((hx_uint_t) 1 << n)) {
                    sc->dup_capture = 1;
                }

                sc->captures_mask |= (hx_uint_t) 1 << n;

                if (hx_http_script_add_capture_code(sc, n) != HX_OK) {
                    return HX_ERROR;
                }

                i++;

                continue;
            }

            if (sc->source->data[i] == '{') {
                bracket = 1;

                if (++i == sc->source->len) {
                    goto invalid_variable;
                }

            } else {
                bracket = 0;
            }

            name.data = &sc->source->data[i];

            for ( /* void */ ; i < sc->source->len; i++, name.len++) {
                ch = sc->source->data[i];

                if (ch == '}' && bracket) {
                    i++;
                    bracket = 0;
                    break;
                }

                if ((ch >= 'A' && ch <= 'Z')
                    || (ch >= 'a' && ch <= 'z')
                    || (ch >= '0' && ch <= '9')
                    || ch == '_')
                {
                    continue;
                }

                break;
            }

            if (bracket) {
                hx_conf_log_error(HX_LOG_EMERG, sc->cf, 0,
                                  "the closing bracket in \"%V\" "
                                  "variable is missing", &name);
                return HX_ERROR;
            }

            if (name.len == 0) {
                goto invalid_variable;
            }

            sc->variables++;

            if (hx_http_script_add_var_code(sc, &name) != HX_OK) {
                return HX_ERROR;
            }

            continue;
        }

        if (sc->source->data[i] == '?' && sc->compile_args) {
            sc->args = 1;
            sc->compile_args = 0;

            if (hx_http_script_add_args_code(sc) != HX_OK) {
                return HX_ERROR;
            }

            i++;

            continue;
        }

        name.data = &sc->source->data[i];

        while (i < sc->source->len) {

            if (sc->source->data[i] == '$') {
                break;
            }

            if (sc->source->data[i] == '?') {

                sc->args = 1;

                if (sc->compile_args) {
                    break;
                }
            }

            i++;
            name.len++;
        }

        sc->size += name.len;

        if (hx_http_script_add_copy_code(sc, &name, (i == sc->source->len))
            != HX_OK)
        {
            return HX_ERROR;
        }
    }

    return hx_http_script_done(sc);

invalid_variable:

    hx_conf_log_error(HX_LOG_EMERG, sc->cf, 0, "invalid variable name");

    return HX_ERROR;
}


uint8_t *
hx_http_script_run(hx_http_request_t *r, hx_str_t *value,
    void *code_lengths, size_t reserved, void *code_values)
{
    size_t                         n;
    hx_uint_t                      i;
    hx_http_script_code_pt         code;
    hx_http_script_len_code_pt     lcode;
    hx_http_script_engine_t        e;
    hx_http_core_main_conf_t      *cmcf;

    cmcf = hx_http_get_module_main_conf(r, hx_http_core_module);

    for (i = 0; i < cmcf->variables.nelts; i++) {
        if (r->variables[i].no_cacheable) {
            r->variables[i].valid = 0;
            r->variables[i].not_found = 0;
        }
    }

    hx_memzero(&e, sizeof(hx_http_script_engine_t));

    e.ip = code_lengths;
    e.request = r;
    e.flushed = 1;

    n = reserved;

    while (*(uintptr_t *) e.ip) {
        lcode = *(hx_http_script_len_code_pt *) e.ip;
        n += lcode(&e);
    }

    value->len = n;
    value->data = hx_pnalloc(r->pool, n);
    if (value->data == NULL) {
        return NULL;
    }

    e.ip = code_values;
    e.pos = value->data;
    e.end = value->data + n;

    while (*(uintptr_t *) e.ip) {
        code = *(hx_http_script_code_pt *) e.ip;
        code(&e);
    }

    return e.pos;
}


void
hx_http_script_flush_no_cacheable_variables(hx_http_request_t *r,
    hx_array_t *indices)
{
    hx_uint_t  n, *index;

    if (indices == NULL) {
        return;
    }

    index = indices->elts;

    for (n = 0; n < indices->nelts; n++) {
        if (r->variables[index[n]].no_cacheable) {
            r->variables[index[n]].valid = 0;
            r->variables[index[n]].not_found = 0;
        }
    }
}


static hx_int_t
hx_http_script_init_arrays(hx_http_script_compile_t *sc)
{
    hx_uint_t  n;

    if (sc->flushes && *sc->flushes == NULL) {
        n = sc->variables ? sc->variables : 1;
        *sc->flushes = hx_array_create(sc->cf->pool, n, sizeof(hx_uint_t));
        if (*sc->flushes == NULL) {
            return HX_ERROR;
        }
    }

    if (*sc->lengths == NULL) {
        n = sc->variables * (2 * sizeof(hx_http_script_copy_code_t)
                             + sizeof(hx_http_script_var_code_t))
            + sizeof(uintptr_t);

        *sc->lengths = hx_array_create(sc->cf->pool, n, 1);
        if (*sc->lengths == NULL) {
            return HX_ERROR;
        }
    }

    if (*sc->values == NULL) {
        n = (sc->variables * (2 * sizeof(hx_http_script_copy_code_t)
                              + sizeof(hx_http_script_var_code_t))
             + sizeof(uintptr_t)
             + sc->source->len
             + sizeof(uintptr_t) - 1)
            & ~(sizeof(uintptr_t) - 1);

        *sc->values = hx_array_create(sc->cf->pool, n, 1);
        if (*sc->values == NULL) {
            return HX_ERROR;
        }
    }

    sc->variables = 0;

    return HX_OK;
}


static hx_int_t
hx_http_script_done(hx_http_script_compile_t *sc)
{
    hx_str_t    zero;
    uintptr_t  *code;

    if (sc->zero) {

        zero.len = 1;
        zero.data = (uint8_t *) "\0";

        if (hx_http_script_add_copy_code(sc, &zero, 0) != HX_OK) {
            return HX_ERROR;
        }
    }

    if (sc->conf_prefix || sc->root_prefix) {
        if (hx_http_script_add_full_name_code(sc) != HX_OK) {
            return HX_ERROR;
        }
    }

    if (sc->complete_lengths) {
        code = hx_http_script_add_code(*sc->lengths, sizeof(uintptr_t), NULL);
        if (code == NULL) {
            return HX_ERROR;
        }

        *code = (uintptr_t) NULL;
    }

    if (sc->complete_values) {
        code = hx_http_script_add_code(*sc->values, sizeof(uintptr_t),
                                       &sc->main);
        if (code == NULL) {
            return HX_ERROR;
        }

        *code = (uintptr_t) NULL;
    }

    return HX_OK;
}


void *
hx_http_script_start_code(hx_pool_t *pool, hx_array_t **codes, size_t size)
{
    if (*codes == NULL) {
        *codes = hx_array_create(pool, 256, 1);
        if (*codes == NULL) {
            return NULL;
        }
    }

    return hx_array_push_n(*codes, size);
}


void *
hx_http_script_add_code(hx_array_t *codes, size_t size, void *main)
{
    uint8_t  *elts, **p;
    void     *new;

    elts = codes->elts;

    new = hx_array_push_n(codes, size);
    if (new == NULL) {
        return NULL;
    }

    if (main) {
        if (elts != codes->elts) {
            p = main;
            *p += (uint8_t *) codes->elts - elts;
        }
    }

    return new;
}


static hx_int_t
hx_http_script_add_copy_code(hx_http_script_compile_t *sc, hx_str_t *value,
    hx_uint_t last)
{
    uint8_t                      *p;
    size_t                        size, len, zero;
    hx_http_script_copy_code_t   *code;

    zero = (sc->zero && last);
    len = value->len + zero;

    code = hx_http_script_add_code(*sc->lengths,
                                   sizeof(hx_http_script_copy_code_t), NULL);
    if (code == NULL) {
        return HX_ERROR;
    }

    code->code = (hx_http_script_code_pt) (void *)
                                          hx_http_script_copy_len_code;
    code->len = len;

    size = hx_http_script_copy_size(len);

    code = hx_http_script_add_code(*sc->values, size, &sc->main);
    if (code == NULL) {
        return HX_ERROR;
    }

    code->code = hx_http_script_copy_code;
    code->len = len;

    p = hx_cpymem((uint8_t *) code + sizeof(hx_http_script_copy_code_t),
                  value->data, value->len);

    if (zero) {
        *p = '\0';
        sc->zero = 0;
    }

    return HX_OK;
}


size_t
hx_http_script_copy_len_code(hx_http_script_engine_t *e)
{
    hx_http_script_copy_code_t  *code;

    code = (hx_http_script_copy_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_copy_code_t);

    return code->len;
}


void
hx_http_script_copy_code(hx_http_script_engine_t *e)
{
    uint8_t                      *p;
    hx_http_script_copy_code_t   *code;

    code = (hx_http_script_copy_code_t *) e->ip;

    p = e->pos;

    if (!e->skip) {
        if ((size_t) (e->end - p) >= code->len) {
            e->pos = hx_cpymem(p, e->ip + sizeof(hx_http_script_copy_code_t),
                               code->len);
        }
    }

    e->ip += hx_http_script_copy_size(code->len);
}


static hx_int_t
hx_http_script_add_var_code(hx_http_script_compile_t *sc, hx_str_t *name)
{
    hx_int_t                     index, *p;
    hx_http_script_var_code_t   *code;

    index = hx_http_get_variable_index(sc->cf, name);

    if (index == HX_ERROR) {
        return HX_ERROR;
    }

    if (sc->flushes) {
        p = hx_array_push(*sc->flushes);
        if (p == NULL) {
            return HX_ERROR;
        }

        *p = index;
    }

    code = hx_http_script_add_code(*sc->lengths,
                                   sizeof(hx_http_script_var_code_t), NULL);
    if (code == NULL) {
        return HX_ERROR;
    }

    code->code = (hx_http_script_code_pt) (void *)
                                          hx_http_script_copy_var_len_code;
    code->index = (uintptr_t) index;

    code = hx_http_script_add_code(*sc->values,
                                   sizeof(hx_http_script_var_code_t),
                                   &sc->main);
    if (code == NULL) {
        return HX_ERROR;
    }

    code->code = hx_http_script_copy_var_code;
    code->index = (uintptr_t) index;

    return HX_OK;
}


static hx_http_variable_value_t *
hx_http_script_var_value(hx_http_script_engine_t *e, hx_uint_t index)
{
    if (e->flushed) {
        return hx_http_get_indexed_variable(e->request, index);
    }

    return hx_http_get_flushed_variable(e->request, index);
}


size_t
hx_http_script_copy_var_len_code(hx_http_script_engine_t *e)
{
    hx_http_variable_value_t    *value;
    hx_http_script_var_code_t   *code;

    code = (hx_http_script_var_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_var_code_t);

    value = hx_http_script_var_value(e, code->index);

    if (value && !value->not_found) {
        return value->len;
    }

    return 0;
}


void
hx_http_script_copy_var_code(hx_http_script_engine_t *e)
{
    hx_http_variable_value_t    *value;
    hx_http_script_var_code_t   *code;

    code = (hx_http_script_var_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_var_code_t);

    if (e->skip) {
        return;
    }

    value = hx_http_script_var_value(e, code->index);

    /* an empty value may have no data at all */

    if (value && !value->not_found && value->len
        && (size_t) (e->end - e->pos) >= value->len)
    {
        e->pos = hx_cpymem(e->pos, value->data, value->len);
    }
}


static hx_int_t
hx_http_script_add_args_code(hx_http_script_compile_t *sc)
{
    uintptr_t  *code;

    code = hx_http_script_add_code(*sc->lengths, sizeof(uintptr_t), NULL);
    if (code == NULL) {
        return HX_ERROR;
    }

    *code = (uintptr_t) hx_http_script_mark_args_code;

    code = hx_http_script_add_code(*sc->values, sizeof(uintptr_t), &sc->main);
    if (code == NULL) {
        return HX_ERROR;
    }

    *code = (uintptr_t) hx_http_script_start_args_code;

    return HX_OK;
}


size_t
hx_http_script_mark_args_code(hx_http_script_engine_t *e)
{
    e->is_args = 1;
    e->ip += sizeof(uintptr_t);

    return 1;
}


void
hx_http_script_start_args_code(hx_http_script_engine_t *e)
{
    e->is_args = 1;
    e->args = e->pos;
    e->ip += sizeof(uintptr_t);
}


static hx_int_t
hx_http_script_add_capture_code(hx_http_script_compile_t *sc, hx_uint_t n)
{
    hx_http_script_copy_capture_code_t  *code;

    code = hx_http_script_add_code(*sc->lengths,
                                   sizeof(hx_http_script_copy_capture_code_t),
                                   NULL);
    if (code == NULL) {
        return HX_ERROR;
    }

    code->code = (hx_http_script_code_pt) (void *)
                                      hx_http_script_copy_capture_len_code;
    code->n = 2 * n;

    code = hx_http_script_add_code(*sc->values,
                                   sizeof(hx_http_script_copy_capture_code_t),
                                   &sc->main);
    if (code == NULL) {
        return HX_ERROR;
    }

    code->code = hx_http_script_copy_capture_code;
    code->n = 2 * n;

    if (sc->ncaptures < n) {
        sc->ncaptures = n;
    }

    return HX_OK;
}


/* captures are escaped for args when the URI had escapes or '+' */
static hx_uint_t
hx_http_script_escape_capture(hx_http_script_engine_t *e)
{
    return (e->is_args || e->quote)
           && (e->request->quoted_uri || e->request->plus_in_uri);
}


size_t
hx_http_script_copy_capture_len_code(hx_http_script_engine_t *e)
{
    int                                  *cap;
    size_t                                len;
    hx_uint_t                             n;
    hx_http_request_t                    *r;
    hx_http_script_copy_capture_code_t   *code;

    r = e->request;

    code = (hx_http_script_copy_capture_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_copy_capture_code_t);

    n = code->n;

    if (n >= r->ncaptures) {
        return 0;
    }

    cap = r->captures;
    len = cap[n + 1] - cap[n];

    if (hx_http_script_escape_capture(e)) {
        return len + 2 * hx_escape_uri(NULL, r->captures_data + cap[n], len,
                                       HX_ESCAPE_ARGS);
    }

    return len;
}


void
hx_http_script_copy_capture_code(hx_http_script_engine_t *e)
{
    int                                  *cap;
    uint8_t                              *p;
    size_t                                len, escape;
    hx_uint_t                             n;
    hx_http_request_t                    *r;
    hx_http_script_copy_capture_code_t   *code;

    r = e->request;

    code = (hx_http_script_copy_capture_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_copy_capture_code_t);

    n = code->n;

    if (n >= r->ncaptures || e->skip) {
        return;
    }

    cap = r->captures;
    len = cap[n + 1] - cap[n];
    p = r->captures_data + cap[n];

    if (hx_http_script_escape_capture(e)) {
        escape = 2 * hx_escape_uri(NULL, p, len, HX_ESCAPE_ARGS);

        if ((size_t) (e->end - e->pos) < len + escape) {
            return;
        }

        e->pos = (uint8_t *) hx_escape_uri(e->pos, p, len, HX_ESCAPE_ARGS);

    } else {

        if (len == 0 || (size_t) (e->end - e->pos) < len) {
            return;
        }

        e->pos = hx_cpymem(e->pos, p, len);
    }
}


static hx_int_t
hx_http_script_add_full_name_code(hx_http_script_compile_t *sc)
{
    hx_http_script_full_name_code_t  *code;

    code = hx_http_script_add_code(*sc->lengths,
                                   sizeof(hx_http_script_full_name_code_t),
                                   NULL);
    if (code == NULL) {
        return HX_ERROR;
    }

    code->code = (hx_http_script_code_pt) (void *)
                                          hx_http_script_full_name_len_code;
    code->conf_prefix = sc->conf_prefix;

    code = hx_http_script_add_code(*sc->values,
                                   sizeof(hx_http_script_full_name_code_t),
                                   &sc->main);
    if (code == NULL) {
        return HX_ERROR;
    }

    code->code = hx_http_script_full_name_code;
    code->conf_prefix = sc->conf_prefix;

    return HX_OK;
}


static size_t
hx_http_script_full_name_len_code(hx_http_script_engine_t *e)
{
    hx_http_script_full_name_code_t  *code;

    code = (hx_http_script_full_name_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_full_name_code_t);

    return code->conf_prefix ? hx_cycle->conf_prefix.len
                             : hx_cycle->prefix.len;
}


/* makes the value built so far absolute against a prefix */
static void
hx_http_script_full_name_code(hx_http_script_engine_t *e)
{
    hx_str_t                          value, *prefix;
    hx_http_script_full_name_code_t  *code;

    code = (hx_http_script_full_name_code_t *) e->ip;

    value.data = e->buf.data;
    value.len = e->pos - e->buf.data;

    prefix = code->conf_prefix ? (hx_str_t *) &hx_cycle->conf_prefix
                               : (hx_str_t *) &hx_cycle->prefix;

    if (hx_get_full_name(e->request->pool, prefix, &value) != HX_OK) {
        e->ip = hx_http_script_exit;
        e->status = HX_HTTP_INTERNAL_SERVER_ERROR;
        return;
    }

    e->buf = value;

    e->ip += sizeof(hx_http_script_full_name_code_t);
}


/*
 * The rewrite module's codes.  A rewrite program runs over a value stack
 * (e->sp); conditions push values, "if" pops one and jumps when it is
 * empty or "0".
 */

void
hx_http_script_regex_start_code(hx_http_script_engine_t *e)
{
    int                             *cap;
    uint8_t                         *p;
    size_t                           len;
    hx_int_t                         rc;
    hx_uint_t                        n;
    hx_http_request_t               *r;
    hx_http_script_engine_t          le;
    hx_http_script_len_code_pt       lcode;
    hx_http_script_regex_code_t     *code;

    code = (hx_http_script_regex_code_t *) e->ip;

    r = e->request;

    if (code->uri) {
        e->line = r->uri;

    } else {
        e->sp--;
        e->line.len = e->sp->len;
        e->line.data = e->sp->data;
    }

    rc = hx_http_regex_exec(r, code->regex, &e->line);

    if (rc == HX_DECLINED) {
        if (e->log) {
            hx_log_error(HX_LOG_NOTICE, r->connection->log, 0,
                         "\"%V\" does not match \"%V\"",
                         &code->name, &e->line);
        }

        r->ncaptures = 0;

        if (code->test) {
            if (code->negative_test) {
                e->sp->len = 1;
                e->sp->data = (uint8_t *) "1";

            } else {
                e->sp->len = 0;
                e->sp->data = (uint8_t *) "";
            }

            e->sp++;

            e->ip += sizeof(hx_http_script_regex_code_t);
            return;
        }

        e->ip += code->next;
        return;
    }

    if (rc == HX_ERROR) {
        e->ip = hx_http_script_exit;
        e->status = HX_HTTP_INTERNAL_SERVER_ERROR;
        return;
    }

    if (e->log) {
        hx_log_error(HX_LOG_NOTICE, r->connection->log, 0,
                     "\"%V\" matches \"%V\"", &code->name, &e->line);
    }

    if (code->test) {
        if (code->negative_test) {
            e->sp->len = 0;
            e->sp->data = (uint8_t *) "";

        } else {
            e->sp->len = 1;
            e->sp->data = (uint8_t *) "1";
        }

        e->sp++;

        e->ip += sizeof(hx_http_script_regex_code_t);
        return;
    }

    if (code->status) {
        e->status = code->status;

        if (!code->redirect) {
            e->ip = hx_http_script_exit;
            return;
        }
    }

    if (code->uri) {
        r->internal = 1;
        r->valid_unparsed_uri = 0;

        if (code->break_cycle) {
            r->valid_location = 0;
            r->uri_changed = 0;

        } else {
            r->uri_changed = 1;
        }
    }

    if (code->lengths == NULL) {
        e->buf.len = code->size;

        cap = r->captures;
        p = r->captures_data;

        for (n = 2; n < r->ncaptures; n += 2) {
            e->buf.len += cap[n + 1] - cap[n];

            if (code->uri && (r->quoted_uri || r->plus_in_uri)) {
                e->buf.len += 2 * hx_escape_uri(NULL, &p[cap[n]],
                                                cap[n + 1] - cap[n],
                                                HX_ESCAPE_ARGS);
            }
        }

    } else {
        hx_memzero(&le, sizeof(hx_http_script_engine_t));

        le.ip = code->lengths->elts;
        le.line = e->line;
        le.request = r;
        le.quote = code->redirect;

        len = 0;

        while (*(uintptr_t *) le.ip) {
            lcode = *(hx_http_script_len_code_pt *) le.ip;
            len += lcode(&le);
        }

        e->buf.len = len;
    }

    if (code->add_args && r->args.len) {
        e->buf.len += r->args.len + 1;
    }

    e->buf.data = hx_pnalloc(r->pool, e->buf.len);
    if (e->buf.data == NULL) {
        e->ip = hx_http_script_exit;
        e->status = HX_HTTP_INTERNAL_SERVER_ERROR;
        return;
    }

    e->is_args = 0;
    e->quote = code->redirect;

    e->pos = e->buf.data;
    e->end = e->buf.data + e->buf.len;

    e->ip += sizeof(hx_http_script_regex_code_t);
}


void
hx_http_script_regex_end_code(hx_http_script_engine_t *e)
{
    uint8_t                             *dst, *src;
    hx_http_request_t                   *r;
    hx_table_elt_t                      *h;
    hx_http_script_regex_end_code_t     *code;

    code = (hx_http_script_regex_end_code_t *) e->ip;

    r = e->request;

    e->is_args = 0;
    e->quote = 0;

    if (code->redirect) {

        /* a redirect keeps the escapes the client needs, decodes the rest */

        dst = e->buf.data;
        src = e->buf.data;

        hx_unescape_uri(&dst, &src, e->pos - e->buf.data,
                        HX_UNESCAPE_REDIRECT);

        if (src < e->pos) {
            dst = hx_movemem(dst, src, e->pos - src);
        }

        e->pos = dst;

        if (code->add_args && r->args.len) {

            if ((size_t) (e->end - e->pos) < r->args.len + 1) {
                e->ip = hx_http_script_exit;
                e->status = HX_HTTP_INTERNAL_SERVER_ERROR;
                return;
            }

            *e->pos++ = (uint8_t) (code->args ? '&' : '?');
            e->pos = hx_cpymem(e->pos, r->args.data, r->args.len);
        }

        e->buf.len = e->pos - e->buf.data;

        if (e->log) {
            hx_log_error(HX_LOG_NOTICE, r->connection->log, 0,
                         "rewritten redirect: \"%V\"", &e->buf);
        }

        hx_http_clear_location(r);

        h = hx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            e->ip = hx_http_script_exit;
            e->status = HX_HTTP_INTERNAL_SERVER_ERROR;
            return;
        }

        h->hash = 1;
        h->next = NULL;
        h->lowcase_key = NULL;
        hx_str_set(&h->key, "Location");
        h->value = e->buf;

        r->headers_out.location = h;

        e->ip += sizeof(hx_http_script_regex_end_code_t);
        return;
    }

    if (e->args) {
        e->buf.len = e->args - e->buf.data;

        if (code->add_args && r->args.len) {

            if ((size_t) (e->end - e->pos) < r->args.len + 1) {
                e->ip = hx_http_script_exit;
                e->status = HX_HTTP_INTERNAL_SERVER_ERROR;
                return;
            }

            *e->pos++ = '&';
            e->pos = hx_cpymem(e->pos, r->args.data, r->args.len);
        }

        r->args.len = e->pos - e->args;
        r->args.data = e->args;

        e->args = NULL;

    } else {
        e->buf.len = e->pos - e->buf.data;

        if (!code->add_args) {
            r->args.len = 0;
        }
    }

    if (e->log) {
        hx_log_error(HX_LOG_NOTICE, r->connection->log, 0,
                     "rewritten data: \"%V\", args: \"%V\"",
                     &e->buf, &r->args);
    }

    if (code->uri) {
        r->uri = e->buf;

        if (r->uri.len == 0) {
            hx_log_error(HX_LOG_ERR, r->connection->log, 0,
                         "the rewritten URI has a zero length");
            e->ip = hx_http_script_exit;
            e->status = HX_HTTP_INTERNAL_SERVER_ERROR;
            return;
        }

        hx_http_set_exten(r);
    }

    e->ip += sizeof(hx_http_script_regex_end_code_t);
}


void
hx_http_script_return_code(hx_http_script_engine_t *e)
{
    hx_http_script_return_code_t  *code;

    code = (hx_http_script_return_code_t *) e->ip;

    if (code->status < HX_HTTP_BAD_REQUEST
        || code->text.value.len
        || code->text.lengths)
    {
        e->status = hx_http_send_response(e->request, code->status, NULL,
                                          &code->text);
    } else {
        e->status = code->status;
    }

    e->ip = hx_http_script_exit;
}


void
hx_http_script_break_code(hx_http_script_engine_t *e)
{
    hx_http_request_t  *r;

    r = e->request;

    if (r->uri_changed) {
        r->valid_location = 0;
        r->uri_changed = 0;
    }

    e->ip = hx_http_script_exit;
}


void
hx_http_script_if_code(hx_http_script_engine_t *e)
{
    hx_http_script_if_code_t  *code;

    code = (hx_http_script_if_code_t *) e->ip;

    e->sp--;

    if (e->sp->len && (e->sp->len != 1 || e->sp->data[0] != '0')) {
        if (code->loc_conf) {
            e->request->loc_conf = code->loc_conf;
            hx_http_update_location_config(e->request);
        }

        e->ip += sizeof(hx_http_script_if_code_t);
        return;
    }

    e->ip += code->next;
}


void
hx_http_script_equal_code(hx_http_script_engine_t *e)
{
    hx_http_variable_value_t  *val, *res;

    e->sp--;
    val = e->sp;
    res = e->sp - 1;

    e->ip += sizeof(uintptr_t);

    if (val->len == res->len
        && hx_strncmp(val->data, res->data, res->len) == 0)
    {
        *res = hx_http_variable_true_value;
        return;
    }

    *res = hx_http_variable_null_value;
}


void
hx_http_script_not_equal_code(hx_http_script_engine_t *e)
{
    hx_http_variable_value_t  *val, *res;

    e->sp--;
    val = e->sp;
    res = e->sp - 1;

    e->ip += sizeof(uintptr_t);

    if (val->len == res->len
        && hx_strncmp(val->data, res->data, res->len) == 0)
    {
        *res = hx_http_variable_null_value;
        return;
    }

    *res = hx_http_variable_true_value;
}


/* -f, -d, -e, -x and their negations on the value below the code */
void
hx_http_script_file_code(hx_http_script_engine_t *e)
{
    hx_uint_t                      ok, exists, op;
    struct stat                    sb;
    hx_http_request_t             *r;
    hx_http_variable_value_t      *value;
    hx_http_script_file_code_t    *code;

    value = e->sp - 1;

    code = (hx_http_script_file_code_t *) e->ip;
    e->ip += sizeof(hx_http_script_file_code_t);

    r = e->request;
    op = code->op;

    /* the value was compiled with a trailing NUL */

    exists = (stat((const char *) value->data, &sb) == 0);

    if (!exists && errno != ENOENT && errno != ENOTDIR
        && errno != ENAMETOOLONG)
    {
        hx_log_error(HX_LOG_CRIT, r->connection->log, errno,
                     "stat() \"%s\" failed", value->data);
    }

    switch (op & ~1u) {

    case hx_http_script_file_plain:
        ok = exists && S_ISREG(sb.st_mode);
        break;

    case hx_http_script_file_dir:
        ok = exists && S_ISDIR(sb.st_mode);
        break;

    case hx_http_script_file_exists:
        ok = exists;
        break;

    default: /* hx_http_script_file_exec, directories included */
        ok = exists && (sb.st_mode & S_IXUSR);
        break;
    }

    if (op & 1) {
        ok = !ok;
    }

    *value = ok ? hx_http_variable_true_value : hx_http_variable_null_value;
}


void
hx_http_script_complex_value_code(hx_http_script_engine_t *e)
{
    size_t                                  len;
    hx_http_script_engine_t                 le;
    hx_http_script_len_code_pt              lcode;
    hx_http_script_complex_value_code_t    *code;

    code = (hx_http_script_complex_value_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_complex_value_code_t);

    hx_memzero(&le, sizeof(hx_http_script_engine_t));

    le.ip = code->lengths->elts;
    le.line = e->line;
    le.request = e->request;
    le.is_args = e->is_args;
    le.quote = e->quote;

    for (len = 0; *(uintptr_t *) le.ip; /* void */ ) {
        lcode = *(hx_http_script_len_code_pt *) le.ip;
        len += lcode(&le);
    }

    e->buf.len = len;
    e->buf.data = hx_pnalloc(e->request->pool, len);
    if (e->buf.data == NULL) {
        e->ip = hx_http_script_exit;
        e->status = HX_HTTP_INTERNAL_SERVER_ERROR;
        return;
    }

    e->pos = e->buf.data;
    e->end = e->buf.data + len;

    e->sp->len = e->buf.len;
    e->sp->data = e->buf.data;
    e->sp++;
}


void
hx_http_script_complex_value_end_code(hx_http_script_engine_t *e)
{
    hx_http_variable_value_t  *val;

    val = e->sp - 1;

    e->ip += sizeof(uintptr_t);

    if (val->data == e->buf.data) {
        val->len = e->pos - e->buf.data;
    }
}


void
hx_http_script_value_code(hx_http_script_engine_t *e)
{
    hx_http_script_value_code_t  *code;

    code = (hx_http_script_value_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_value_code_t);

    e->sp->len = code->text_len;
    e->sp->data = (uint8_t *) code->text_data;
    e->sp->valid = 1;
    e->sp->not_found = 0;

    e->sp++;
}


void
hx_http_script_set_var_code(hx_http_script_engine_t *e)
{
    hx_http_request_t           *r;
    hx_http_script_var_code_t   *code;

    code = (hx_http_script_var_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_var_code_t);

    r = e->request;

    e->sp--;

    r->variables[code->index].len = e->sp->len;
    r->variables[code->index].valid = 1;
    r->variables[code->index].no_cacheable = 0;
    r->variables[code->index].not_found = 0;
    r->variables[code->index].data = e->sp->data;
}


void
hx_http_script_var_set_handler_code(hx_http_script_engine_t *e)
{
    hx_http_script_var_handler_code_t  *code;

    code = (hx_http_script_var_handler_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_var_handler_code_t);

    e->sp--;

    code->handler(e->request, e->sp, code->data);
}


void
hx_http_script_var_code(hx_http_script_engine_t *e)
{
    hx_http_variable_value_t    *value;
    hx_http_script_var_code_t   *code;

    code = (hx_http_script_var_code_t *) e->ip;

    e->ip += sizeof(hx_http_script_var_code_t);

    value = hx_http_get_flushed_variable(e->request, code->index);

    if (value && !value->not_found) {
        *e->sp = *value;
        e->sp++;
        return;
    }

    *e->sp = hx_http_variable_null_value;
    e->sp++;
}


void
hx_http_script_nop_code(hx_http_script_engine_t *e)
{
    e->ip += sizeof(uintptr_t);
}

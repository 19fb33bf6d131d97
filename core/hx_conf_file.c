/*
 * The configuration reader: tokenizer, directive dispatcher, include and
 * the generic setters.
 *
 * A file is read whole into memory (configurations are small, and -T needs
 * the text anyway) and tokenized in place: a directive is a run of words
 * ended by ";" or "{", and "}" closes a block.  Words may be quoted with
 * ' or ", and a backslash escapes the next character; "${name}" keeps its
 * braces for the variable code.  The dispatcher looks the first word up in
 * the directive tables of the modules allowed in the current block, checks
 * context and arity, and hands the words to the directive's setter.  Block
 * directives recurse into hx_conf_parse() for their contents.
 */

#include <hx_config.h>
#include <hx_core.h>


static hx_int_t hx_conf_read_file(hx_conf_t *cf, hx_conf_file_t *cfile,
    hx_fd_t fd, hx_str_t *filename);
static hx_int_t hx_conf_add_dump(hx_conf_t *cf, hx_str_t *filename,
    hx_buf_t *text);
static hx_int_t hx_conf_read_token(hx_conf_t *cf);
static hx_int_t hx_conf_push_word(hx_conf_t *cf, uint8_t *start,
    uint8_t *end);
static hx_int_t hx_conf_handler(hx_conf_t *cf, hx_int_t last);
static hx_int_t hx_conf_check_arity(hx_command_t *cmd, hx_uint_t nelts);


static hx_command_t  hx_conf_commands[] = {

    { hx_string("include"),
      HX_ANY_CONF|HX_CONF_TAKE1,
      hx_conf_include,
      0,
      0,
      NULL },

      hx_null_command
};


hx_module_t  hx_conf_module = {
    HX_MODULE_V1,
    "hx_conf_module",
    NULL,
    hx_conf_commands,
    HX_CONF_MODULE,
    NULL, NULL, NULL, NULL, NULL
};


/* which argument counts each word count satisfies */
static hx_uint_t  hx_argument_number[] = {
    HX_CONF_NOARGS,
    HX_CONF_TAKE1,
    HX_CONF_TAKE2,
    HX_CONF_TAKE3,
    HX_CONF_TAKE4,
    HX_CONF_TAKE5,
    HX_CONF_TAKE6,
    HX_CONF_TAKE7
};


char *
hx_conf_param(hx_conf_t *cf)
{
    char            *rv;
    hx_str_t        *param;
    hx_buf_t         b;
    hx_conf_file_t   conf_file;

    param = &cf->cycle->conf_param;

    if (param->len == 0) {
        return HX_CONF_OK;
    }

    hx_memzero(&conf_file, sizeof(hx_conf_file_t));
    hx_memzero(&b, sizeof(hx_buf_t));

    b.start = param->data;
    b.pos = param->data;
    b.last = param->data + param->len;
    b.end = b.last;
    b.temporary = 1;

    conf_file.file.fd = HX_INVALID_FILE;
    conf_file.file.name.data = NULL;
    conf_file.line = 0;
    conf_file.buffer = &b;

    cf->conf_file = &conf_file;

    rv = hx_conf_parse(cf, NULL);

    cf->conf_file = NULL;

    return rv;
}


char *
hx_conf_parse(hx_conf_t *cf, hx_str_t *filename)
{
    hx_fd_t          fd;
    hx_int_t         rc;
    char            *rv;
    hx_conf_file_t  *prev, conf_file;
    enum {
        parse_file = 0,
        parse_block,
        parse_param
    } type;

    prev = NULL;
    fd = HX_INVALID_FILE;

    if (filename) {

        fd = hx_open_file(filename->data, HX_FILE_RDONLY, HX_FILE_OPEN, 0);

        if (fd == HX_INVALID_FILE) {
            hx_conf_log_error(HX_LOG_EMERG, cf, hx_errno,
                              "open() \"%s\" failed", filename->data);
            return HX_CONF_ERROR;
        }

        prev = cf->conf_file;
        cf->conf_file = &conf_file;

        if (hx_conf_read_file(cf, &conf_file, fd, filename) != HX_OK) {
            goto failed;
        }

        type = parse_file;

    } else if (cf->conf_file->file.fd != HX_INVALID_FILE) {
        type = parse_block;

    } else {
        type = parse_param;
    }

    for ( ;; ) {
        rc = hx_conf_read_token(cf);

        if (rc == HX_ERROR) {
            goto failed;
        }

        if (rc == HX_CONF_BLOCK_DONE) {

            if (type != parse_block) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0, "unexpected \"}\"");
                goto failed;
            }

            goto done;
        }

        if (rc == HX_CONF_FILE_DONE) {

            if (type == parse_block) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "unexpected end of file, expecting \"}\"");
                goto failed;
            }

            goto done;
        }

        if (rc == HX_CONF_BLOCK_START && type == parse_param) {
            hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                              "block directives are not supported "
                              "in -g option");
            goto failed;
        }

        /* rc is HX_OK or HX_CONF_BLOCK_START */

        if (cf->handler) {

            /* a block that reads its own contents, such as types { } */

            if (rc == HX_CONF_BLOCK_START) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0, "unexpected \"{\"");
                goto failed;
            }

            rv = (*cf->handler)(cf, NULL, cf->handler_conf);
            if (rv == HX_CONF_OK) {
                continue;
            }

            if (rv != HX_CONF_ERROR) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0, "%s", rv);
            }

            goto failed;
        }

        if (hx_conf_handler(cf, rc) == HX_ERROR) {
            goto failed;
        }
    }

failed:

    rc = HX_ERROR;

done:

    if (filename) {
        if (hx_close_file(fd) == HX_FILE_ERROR) {
            hx_log_error(HX_LOG_ALERT, cf->log, hx_errno,
                         "close() \"%s\" failed", filename->data);
            rc = HX_ERROR;
        }

        cf->conf_file = prev;
    }

    return rc == HX_ERROR ? HX_CONF_ERROR : HX_CONF_OK;
}


/*
 * The text is parsed as the inside of a block that the end of the text
 * closes: a copy gets a final "}", and the fake file gets a descriptor
 * that is not HX_INVALID_FILE (which would mean -g text, where blocks are
 * refused and errors say "in command line").  Nothing reads or closes it.
 */
char *
hx_conf_parse_buffer(hx_conf_t *cf, hx_str_t *name, hx_buf_t *text)
{
    char            *rv;
    size_t           len;
    hx_buf_t        *b;
    hx_conf_file_t  *prev, conf_file;

    len = text->last - text->pos;

    b = hx_create_temp_buf(cf->pool, len + 3);
    if (b == NULL) {
        return HX_CONF_ERROR;
    }

    b->last = hx_cpymem(b->last, text->pos, len);

    /* a last line without LF may be a comment, which would hide the "}" */
    if (len && text->last[-1] != LF) {
        *b->last++ = LF;
    }

    *b->last++ = '}';
    *b->last = '\0';

    hx_memzero(&conf_file, sizeof(hx_conf_file_t));

    conf_file.file.fd = HX_INVALID_FILE - 1;
    conf_file.file.name = *name;
    conf_file.file.log = cf->log;
    conf_file.line = 1;
    conf_file.buffer = b;

    prev = cf->conf_file;
    cf->conf_file = &conf_file;

    rv = hx_conf_parse(cf, NULL);

    if (rv == HX_CONF_OK && b->pos != b->last) {
        /* a "}" of the text's own closed the pretended block */
        hx_conf_log_error(HX_LOG_EMERG, cf, 0, "unexpected \"}\"");
        rv = HX_CONF_ERROR;
    }

    cf->conf_file = prev;

    return rv;
}


/*
 * Reads the whole file into one pool buffer; the buffer doubles as the
 * -T dump of the file.
 */
static hx_int_t
hx_conf_read_file(hx_conf_t *cf, hx_conf_file_t *cfile, hx_fd_t fd,
    hx_str_t *filename)
{
    ssize_t    n;
    hx_buf_t  *b;

    hx_memzero(cfile, sizeof(hx_conf_file_t));

    cfile->file.fd = fd;
    cfile->file.name.len = filename->len;
    cfile->file.name.data = filename->data;
    cfile->file.log = cf->log;
    cfile->line = 1;

    if (hx_fd_info(fd, &cfile->file.info) == -1) {
        hx_log_error(HX_LOG_EMERG, cf->log, hx_errno,
                     "fstat() \"%s\" failed", filename->data);
        return HX_ERROR;
    }

    if (!hx_is_file(&cfile->file.info)) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%s\" is not a regular file", filename->data);
        return HX_ERROR;
    }

    /* the cycle's pool: inside a block with a temporary pool (map {})
     * the text must still be there for -T */
    b = hx_create_temp_buf(cf->cycle->pool,
                           hx_file_size(&cfile->file.info) + 1);
    if (b == NULL) {
        return HX_ERROR;
    }

    n = hx_read_file(&cfile->file, b->start, hx_file_size(&cfile->file.info),
                     0);
    if (n == HX_ERROR) {
        return HX_ERROR;
    }

    if (n != hx_file_size(&cfile->file.info)) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "read() \"%s\" returned only %z bytes instead "
                          "of %O", filename->data, n,
                          hx_file_size(&cfile->file.info));
        return HX_ERROR;
    }

    b->last = b->start + n;
    *b->last = '\0';
    cfile->buffer = b;

    if (hx_dump_config) {
        return hx_conf_add_dump(cf, filename, b);
    }

    return HX_OK;
}


/* remembers a file for -T, once even when included several times */
static hx_int_t
hx_conf_add_dump(hx_conf_t *cf, hx_str_t *filename, hx_buf_t *text)
{
    hx_uint_t        i;
    hx_conf_dump_t  *cd;

    cd = cf->cycle->config_dump.elts;

    for (i = 0; i < cf->cycle->config_dump.nelts; i++) {
        if (hx_str_eq(&cd[i].name, filename)) {
            return HX_OK;
        }
    }

    cd = hx_array_push(&cf->cycle->config_dump);
    if (cd == NULL) {
        return HX_ERROR;
    }

    cd->name.data = hx_pstrdup(cf->cycle->pool, filename);
    if (cd->name.data == NULL) {
        return HX_ERROR;
    }

    /* the tokenizer moves text->pos: the dump keeps its own view */
    cd->buffer = hx_calloc_buf(cf->cycle->pool);
    if (cd->buffer == NULL) {
        return HX_ERROR;
    }

    *cd->buffer = *text;
    cd->name.len = filename->len;

    return HX_OK;
}


static hx_int_t
hx_conf_handler(hx_conf_t *cf, hx_int_t last)
{
    char          *rv;
    void          *conf, **confp;
    hx_uint_t      i, found;
    hx_str_t      *name;
    hx_module_t   *module;
    hx_command_t  *cmd;

    name = cf->args->elts;

    found = 0;

    for (i = 0; cf->cycle->modules[i]; i++) {

        module = cf->cycle->modules[i];
        cmd = module->commands;

        if (cmd == NULL) {
            continue;
        }

        for ( /* void */ ; cmd->name.len; cmd++) {

            if (!hx_str_eq(name, &cmd->name)) {
                continue;
            }

            found = 1;

            if (module->type != HX_CONF_MODULE
                && module->type != cf->module_type)
            {
                continue;
            }

            if (!(cmd->type & cf->cmd_type)) {
                continue;
            }

            if (!(cmd->type & HX_CONF_BLOCK) && last != HX_OK) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "directive \"%s\" is not terminated "
                                  "by \";\"", name->data);
                return HX_ERROR;
            }

            if ((cmd->type & HX_CONF_BLOCK) && last != HX_CONF_BLOCK_START) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "directive \"%s\" has no opening \"{\"",
                                  name->data);
                return HX_ERROR;
            }

            if (hx_conf_check_arity(cmd, cf->args->nelts) != HX_OK) {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "invalid number of arguments in \"%s\" "
                                  "directive", name->data);
                return HX_ERROR;
            }

            /* find the conf struct the directive writes into */

            conf = NULL;

            if (cmd->type & HX_DIRECT_CONF) {
                conf = ((void **) cf->ctx)[module->index];

            } else if (cmd->type & HX_MAIN_CONF) {
                conf = &(((void **) cf->ctx)[module->index]);

            } else if (cf->ctx) {
                confp = *(void **) ((char *) cf->ctx + cmd->conf);

                if (confp) {
                    conf = confp[module->ctx_index];
                }
            }

            rv = cmd->set(cf, cmd, conf);

            if (rv == HX_CONF_OK) {
                return HX_OK;
            }

            if (rv == HX_CONF_ERROR) {
                return HX_ERROR;
            }

            hx_conf_log_error(HX_LOG_EMERG, cf, 0, "\"%s\" directive %s",
                              name->data, rv);

            return HX_ERROR;
        }
    }

    if (found) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%s\" directive is not allowed here", name->data);
        return HX_ERROR;
    }

    if (hx_conf_is_unsupported(name)) {
        hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                          "\"%s\" directive is not supported by hanx",
                          name->data);
        return HX_ERROR;
    }

    hx_conf_log_error(HX_LOG_EMERG, cf, 0, "unknown directive \"%s\"",
                      name->data);

    return HX_ERROR;
}


static hx_int_t
hx_conf_check_arity(hx_command_t *cmd, hx_uint_t nelts)
{
    if (cmd->type & HX_CONF_ANY) {
        return HX_OK;
    }

    if (cmd->type & HX_CONF_FLAG) {
        return nelts == 2 ? HX_OK : HX_ERROR;
    }

    if (cmd->type & HX_CONF_1MORE) {
        return nelts >= 2 ? HX_OK : HX_ERROR;
    }

    if (cmd->type & HX_CONF_2MORE) {
        return nelts >= 3 ? HX_OK : HX_ERROR;
    }

    if (nelts > HX_CONF_MAX_ARGS) {
        return HX_ERROR;
    }

    return (cmd->type & hx_argument_number[nelts - 1]) ? HX_OK : HX_ERROR;
}


#define hx_conf_is_space(ch)                                                  \
    ((ch) == ' ' || (ch) == '\t' || (ch) == CR || (ch) == LF)


/*
 * Reads one directive's words into cf->args.  Returns HX_OK at ";",
 * HX_CONF_BLOCK_START at "{", HX_CONF_BLOCK_DONE at "}", HX_CONF_FILE_DONE
 * at the end of the input, HX_ERROR after logging.
 */
static hx_int_t
hx_conf_read_token(hx_conf_t *cf)
{
    uint8_t    ch, *start;
    hx_buf_t  *b;
    hx_uint_t  found, need_space, last_space, sharp_comment, variable;
    hx_uint_t  quoted, s_quoted, d_quoted;

    found = 0;
    need_space = 0;
    last_space = 1;
    sharp_comment = 0;
    variable = 0;
    quoted = 0;
    s_quoted = 0;
    d_quoted = 0;

    cf->args->nelts = 0;
    b = cf->conf_file->buffer;
    start = b->pos;

    for ( ;; ) {

        if (b->pos >= b->last) {

            if (cf->args->nelts > 0 || !last_space) {

                if (cf->conf_file->file.fd == HX_INVALID_FILE) {
                    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                      "unexpected end of parameter, "
                                      "expecting \";\"");
                    return HX_ERROR;
                }

                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "unexpected end of file, "
                                  "expecting \";\" or \"}\"");
                return HX_ERROR;
            }

            return HX_CONF_FILE_DONE;
        }

        ch = *b->pos++;

        if (ch == LF) {
            cf->conf_file->line++;

            if (sharp_comment) {
                sharp_comment = 0;
            }
        }

        if (sharp_comment) {
            continue;
        }

        if (quoted) {
            quoted = 0;
            continue;
        }

        if (need_space) {
            if (hx_conf_is_space(ch)) {
                last_space = 1;
                need_space = 0;
                continue;
            }

            if (ch == ';') {
                return HX_OK;
            }

            if (ch == '{') {
                return HX_CONF_BLOCK_START;
            }

            if (ch == ')') {
                /* "if ($a = 'b')": a quoted word may close the condition */
                last_space = 1;
                need_space = 0;

            } else {
                hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                  "unexpected \"%c\"", ch);
                return HX_ERROR;
            }
        }

        if (last_space) {

            start = b->pos - 1;

            if (hx_conf_is_space(ch)) {
                continue;
            }

            switch (ch) {

            case ';':
            case '{':
                if (cf->args->nelts == 0) {
                    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                      "unexpected \"%c\"", ch);
                    return HX_ERROR;
                }

                if (ch == '{') {
                    return HX_CONF_BLOCK_START;
                }

                return HX_OK;

            case '}':
                if (cf->args->nelts != 0) {
                    hx_conf_log_error(HX_LOG_EMERG, cf, 0,
                                      "unexpected \"}\"");
                    return HX_ERROR;
                }

                return HX_CONF_BLOCK_DONE;

            case '#':
                sharp_comment = 1;
                continue;

            case '\\':
                quoted = 1;
                last_space = 0;
                continue;

            case '"':
                start++;
                d_quoted = 1;
                last_space = 0;
                continue;

            case '\'':
                start++;
                s_quoted = 1;
                last_space = 0;
                continue;

            case '$':
                variable = 1;
                last_space = 0;
                continue;

            default:
                last_space = 0;
            }

        } else {

            if (ch == '{' && variable) {
                /* "${name}": the brace belongs to the word */
                continue;
            }

            variable = 0;

            if (ch == '\\') {
                quoted = 1;
                continue;
            }

            if (ch == '$') {
                variable = 1;
                continue;
            }

            if (d_quoted) {
                if (ch == '"') {
                    d_quoted = 0;
                    need_space = 1;
                    found = 1;
                }

            } else if (s_quoted) {
                if (ch == '\'') {
                    s_quoted = 0;
                    need_space = 1;
                    found = 1;
                }

            } else if (hx_conf_is_space(ch) || ch == ';' || ch == '{') {
                last_space = 1;
                found = 1;
            }

            if (found) {
                found = 0;

                if (hx_conf_push_word(cf, start, b->pos - 1) != HX_OK) {
                    return HX_ERROR;
                }

                if (ch == ';') {
                    return HX_OK;
                }

                if (ch == '{') {
                    return HX_CONF_BLOCK_START;
                }
            }
        }
    }
}


/* copies [start, end) into a NUL-terminated word, resolving escapes */
static hx_int_t
hx_conf_push_word(hx_conf_t *cf, uint8_t *start, uint8_t *end)
{
    uint8_t   *src, *dst;
    hx_str_t  *word;

    word = hx_array_push(cf->args);
    if (word == NULL) {
        return HX_ERROR;
    }

    word->data = hx_pnalloc(cf->pool, end - start + 1);
    if (word->data == NULL) {
        return HX_ERROR;
    }

    for (dst = word->data, src = start; src < end; /* void */ ) {

        if (*src == '\\' && src + 1 < end) {
            switch (src[1]) {

            case '"':
            case '\'':
            case '\\':
                src++;
                break;

            case 't':
                *dst++ = '\t';
                src += 2;
                continue;

            case 'r':
                *dst++ = '\r';
                src += 2;
                continue;

            case 'n':
                *dst++ = '\n';
                src += 2;
                continue;
            }
        }

        *dst++ = *src++;
    }

    *dst = '\0';
    word->len = dst - word->data;

    return HX_OK;
}


char *
hx_conf_include(hx_conf_t *cf, hx_command_t *cmd, void *conf)
{
    char       *rv;
    hx_int_t    n;
    hx_str_t   *value, file, name;
    hx_glob_t   gl;

    (void) cmd;
    (void) conf;

    value = cf->args->elts;
    file = value[1];

    if (hx_conf_full_name(cf->cycle, &file, 1) != HX_OK) {
        return HX_CONF_ERROR;
    }

    if (!hx_has_glob(file.data, file.len)) {
        return hx_conf_parse(cf, &file);
    }

    hx_memzero(&gl, sizeof(hx_glob_t));

    gl.pattern = file.data;
    gl.log = cf->log;
    gl.test = 1;

    if (hx_open_glob(&gl) != HX_OK) {
        hx_conf_log_error(HX_LOG_EMERG, cf, hx_errno,
                          "glob() \"%s\" failed", file.data);
        return HX_CONF_ERROR;
    }

    rv = HX_CONF_OK;

    for ( ;; ) {
        n = hx_read_glob(&gl, &name);

        if (n != HX_OK) {
            break;
        }

        file.len = name.len++;
        file.data = hx_pstrdup(cf->pool, &name);
        if (file.data == NULL) {
            rv = HX_CONF_ERROR;
            break;
        }

        rv = hx_conf_parse(cf, &file);

        if (rv != HX_CONF_OK) {
            break;
        }
    }

    hx_close_glob(&gl);

    return rv;
}


hx_int_t
hx_conf_full_name(hx_cycle_t *cycle, hx_str_t *name, hx_uint_t conf_prefix)
{
    hx_str_t  *prefix;

    prefix = conf_prefix ? &cycle->conf_prefix : &cycle->prefix;

    return hx_get_full_name(cycle->pool, prefix, name);
}


hx_open_file_t *
hx_conf_open_file(hx_cycle_t *cycle, hx_str_t *name)
{
    hx_str_t          full;
    hx_uint_t         i;
    hx_list_part_t   *part;
    hx_open_file_t   *file;

    if (name->len) {
        full = *name;

        if (hx_conf_full_name(cycle, &full, 0) != HX_OK) {
            return NULL;
        }

        part = &cycle->open_files.part;
        file = part->elts;

        for (i = 0; /* void */ ; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }
                part = part->next;
                file = part->elts;
                i = 0;
            }

            if (hx_str_eq(&full, &file[i].name)) {
                return &file[i];
            }
        }
    }

    file = hx_list_push(&cycle->open_files);
    if (file == NULL) {
        return NULL;
    }

    if (name->len) {
        file->fd = HX_INVALID_FILE;
        file->name = full;

    } else {
        file->fd = STDERR_FILENO;
        file->name = *name;
    }

    file->flush = NULL;
    file->data = NULL;

    return file;
}


void
hx_conf_log_error(hx_uint_t level, hx_conf_t *cf, hx_err_t err,
    const char *fmt, ...)
{
    uint8_t   errstr[HX_MAX_ERROR_STR], *p, *last;
    va_list   args;

    last = errstr + HX_MAX_ERROR_STR;

    va_start(args, fmt);
    p = hx_vslprintf(errstr, last, fmt, args);
    va_end(args);

    if (err) {
        p = hx_log_errno(p, last, err);
    }

    if (cf->conf_file == NULL) {
        hx_log_error(level, cf->log, 0, "%*s", (size_t) (p - errstr),
                     errstr);
        return;
    }

    if (cf->conf_file->file.fd == HX_INVALID_FILE) {
        hx_log_error(level, cf->log, 0, "%*s in command line",
                     (size_t) (p - errstr), errstr);
        return;
    }

    hx_log_error(level, cf->log, 0, "%*s in %s:%ui",
                 (size_t) (p - errstr), errstr,
                 cf->conf_file->file.name.data, cf->conf_file->line);
}

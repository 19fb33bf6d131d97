/*
 * autoindex: directory listings for URIs ending in "/" that no index file
 * answered, in nginx's four formats: html (the classic "Index of" page,
 * names cut to 50 columns), json, jsonp (?callback=name) and xml.
 *
 * The handler reads the whole directory first (names that start with a
 * dot are skipped; each entry is stat()ed, following symbolic links, so
 * a link to a directory lists as a directory), sorts directories before
 * files and then by name, measures the page and renders it into one
 * buffer.  The entries live in a pool of their own that is destroyed as
 * soon as the page is built, so a large directory does not weigh on the
 * request pool while the page is sent.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


#define HX_HTTP_AUTOINDEX_HTML         0
#define HX_HTTP_AUTOINDEX_JSON         1
#define HX_HTTP_AUTOINDEX_JSONP        2
#define HX_HTTP_AUTOINDEX_XML          3

/* room kept after the path for an entry's name, before reallocating */
#define HX_HTTP_AUTOINDEX_PREALLOCATE  50

/* columns of a name on the html page */
#define HX_HTTP_AUTOINDEX_NAME_LEN     50


typedef struct {
    hx_str_t        name;          /* NUL-terminated */
    size_t          utf_len;
    size_t          escape;
    size_t          escape_html;

    unsigned        dir:1;
    unsigned        file:1;

    time_t          mtime;
    off_t           size;
} hx_http_autoindex_entry_t;


typedef struct {
    hx_flag_t       enable;
    hx_uint_t       format;
    hx_flag_t       localtime;
    hx_flag_t       exact_size;
} hx_http_autoindex_loc_conf_t;


static hx_int_t hx_http_autoindex_read(hx_http_request_t *r, DIR *dir,
    hx_str_t *path, size_t allocated, hx_array_t *entries, hx_pool_t *pool);
static int hx_http_autoindex_cmp_entries(const void *one, const void *two);
static hx_buf_t *hx_http_autoindex_html(hx_http_request_t *r,
    hx_array_t *entries);
static uint8_t *hx_http_autoindex_html_name(uint8_t *p,
    hx_http_autoindex_entry_t *entry);
static uint8_t *hx_http_autoindex_html_size(uint8_t *p,
    hx_http_autoindex_entry_t *entry, hx_flag_t exact);
static hx_buf_t *hx_http_autoindex_json(hx_http_request_t *r,
    hx_array_t *entries, hx_str_t *callback);
static hx_int_t hx_http_autoindex_jsonp_callback(hx_http_request_t *r,
    hx_str_t *callback);
static hx_buf_t *hx_http_autoindex_xml(hx_http_request_t *r,
    hx_array_t *entries);
static hx_int_t hx_http_autoindex_init(hx_conf_t *cf);
static void *hx_http_autoindex_create_loc_conf(hx_conf_t *cf);
static char *hx_http_autoindex_merge_loc_conf(hx_conf_t *cf, void *parent,
    void *child);


static hx_conf_enum_t  hx_http_autoindex_format[] = {
    { hx_string("html"), HX_HTTP_AUTOINDEX_HTML },
    { hx_string("json"), HX_HTTP_AUTOINDEX_JSON },
    { hx_string("jsonp"), HX_HTTP_AUTOINDEX_JSONP },
    { hx_string("xml"), HX_HTTP_AUTOINDEX_XML },
    { hx_null_string, 0 }
};


static hx_command_t  hx_http_autoindex_commands[] = {

    { hx_string("autoindex"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_autoindex_loc_conf_t, enable),
      NULL },

    { hx_string("autoindex_format"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_TAKE1,
      hx_conf_set_enum_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_autoindex_loc_conf_t, format),
      &hx_http_autoindex_format },

    { hx_string("autoindex_localtime"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_autoindex_loc_conf_t, localtime),
      NULL },

    { hx_string("autoindex_exact_size"),
      HX_HTTP_MAIN_CONF|HX_HTTP_SRV_CONF|HX_HTTP_LOC_CONF|HX_CONF_FLAG,
      hx_conf_set_flag_slot,
      HX_HTTP_LOC_CONF_OFFSET,
      offsetof(hx_http_autoindex_loc_conf_t, exact_size),
      NULL },

    hx_null_command
};


static hx_http_module_t  hx_http_autoindex_module_ctx = {
    NULL,                                  /* preconfiguration */
    hx_http_autoindex_init,                /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    hx_http_autoindex_create_loc_conf,     /* create location configuration */
    hx_http_autoindex_merge_loc_conf       /* merge location configuration */
};


hx_module_t  hx_http_autoindex_module = {
    HX_MODULE_V1,
    "hx_http_autoindex_module",
    &hx_http_autoindex_module_ctx,
    hx_http_autoindex_commands,
    HX_HTTP_MODULE,
    NULL,                                  /* init module */
    NULL,                                  /* init master */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL                                   /* exit master */
};


static char  *hx_http_autoindex_months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};


static hx_int_t
hx_http_autoindex_handler(hx_http_request_t *r)
{
    DIR                            *dir;
    size_t                          root, allocated;
    uint8_t                        *last;
    hx_err_t                        err;
    hx_buf_t                       *b;
    hx_int_t                        rc;
    hx_str_t                        path, callback;
    hx_uint_t                       level, format;
    hx_pool_t                      *pool;
    hx_chain_t                      out;
    hx_array_t                      entries;
    hx_http_autoindex_loc_conf_t   *alcf;

    if (r->uri.len == 0 || r->uri.data[r->uri.len - 1] != '/') {
        return HX_DECLINED;
    }

    if (!(r->method & (HX_HTTP_GET|HX_HTTP_HEAD))) {
        return HX_DECLINED;
    }

    alcf = hx_http_get_module_loc_conf(r, hx_http_autoindex_module);

    if (!alcf->enable) {
        return HX_DECLINED;
    }

    rc = hx_http_discard_request_body(r);

    if (rc != HX_OK) {
        return rc;
    }

    last = hx_http_map_uri_to_path(r, &path, &root,
                                   HX_HTTP_AUTOINDEX_PREALLOCATE);
    if (last == NULL) {
        return HX_HTTP_INTERNAL_SERVER_ERROR;
    }

    allocated = path.len;
    path.len = last - path.data;

    /* the trailing slash goes, except for "/" itself */
    if (path.len > 1) {
        path.len--;
    }

    path.data[path.len] = '\0';

    hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                 "http autoindex: \"%s\"", path.data);

    format = alcf->format;

    if (format == HX_HTTP_AUTOINDEX_JSONP) {
        if (hx_http_autoindex_jsonp_callback(r, &callback) != HX_OK) {
            return HX_HTTP_BAD_REQUEST;
        }

        if (callback.len == 0) {
            format = HX_HTTP_AUTOINDEX_JSON;
        }
    }

    dir = opendir((char *) path.data);

    if (dir == NULL) {
        err = hx_errno;

        if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG) {
            level = HX_LOG_ERR;
            rc = HX_HTTP_NOT_FOUND;

        } else if (err == EACCES) {
            level = HX_LOG_ERR;
            rc = HX_HTTP_FORBIDDEN;

        } else {
            level = HX_LOG_CRIT;
            rc = HX_HTTP_INTERNAL_SERVER_ERROR;
        }

        hx_log_error(level, r->connection->log, err,
                     "opendir() \"%s\" failed", path.data);

        return rc;
    }

    r->headers_out.status = HX_HTTP_OK;

    switch (format) {

    case HX_HTTP_AUTOINDEX_JSON:
        hx_str_set(&r->headers_out.content_type, "application/json");
        break;

    case HX_HTTP_AUTOINDEX_JSONP:
        hx_str_set(&r->headers_out.content_type, "application/javascript");
        break;

    case HX_HTTP_AUTOINDEX_XML:
        hx_str_set(&r->headers_out.content_type, "text/xml");
        hx_str_set(&r->headers_out.charset, "utf-8");
        break;

    default: /* HX_HTTP_AUTOINDEX_HTML */
        hx_str_set(&r->headers_out.content_type, "text/html");
        break;
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = hx_http_send_header(r);

    if (rc == HX_ERROR || rc > HX_OK || r->header_only) {
        (void) closedir(dir);
        return rc;
    }

    pool = hx_create_pool(4096, r->connection->log);
    if (pool == NULL) {
        (void) closedir(dir);
        return HX_ERROR;
    }

    rc = HX_ERROR;

    if (hx_array_init(&entries, pool, 40, sizeof(hx_http_autoindex_entry_t))
        == HX_OK)
    {
        rc = hx_http_autoindex_read(r, dir, &path, allocated, &entries, pool);
    }

    if (closedir(dir) == -1) {
        hx_log_error(HX_LOG_ALERT, r->connection->log, hx_errno,
                     "closedir() \"%V\" failed", &path);
    }

    if (rc != HX_OK) {
        hx_destroy_pool(pool);
        return HX_ERROR;
    }

    if (entries.nelts > 1) {
        hx_qsort(entries.elts, (size_t) entries.nelts,
                 sizeof(hx_http_autoindex_entry_t),
                 hx_http_autoindex_cmp_entries);
    }

    switch (format) {

    case HX_HTTP_AUTOINDEX_JSON:
        b = hx_http_autoindex_json(r, &entries, NULL);
        break;

    case HX_HTTP_AUTOINDEX_JSONP:
        b = hx_http_autoindex_json(r, &entries, &callback);
        break;

    case HX_HTTP_AUTOINDEX_XML:
        b = hx_http_autoindex_xml(r, &entries);
        break;

    default: /* HX_HTTP_AUTOINDEX_HTML */
        b = hx_http_autoindex_html(r, &entries);
        break;
    }

    hx_destroy_pool(pool);

    if (b == NULL) {
        return HX_ERROR;
    }

    if (r == r->main) {
        b->last_buf = 1;
    }

    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return hx_http_output_filter(r, &out);
}


/*
 * Reads the entries of dir (path, with "allocated" bytes of room) into
 * entries.  HX_OK, or HX_ERROR after logging.
 */
static hx_int_t
hx_http_autoindex_read(hx_http_request_t *r, DIR *dir, hx_str_t *path,
    size_t allocated, hx_array_t *entries, hx_pool_t *pool)
{
    size_t                       len;
    uint8_t                     *filename, *last;
    hx_err_t                     err;
    struct stat                  sb;
    struct dirent               *de;
    hx_http_autoindex_entry_t   *entry;

    filename = path->data;
    filename[path->len] = '/';
    last = filename + path->len + 1;

    for ( ;; ) {
        hx_set_errno(0);

        de = readdir(dir);

        if (de == NULL) {
            err = hx_errno;

            if (err != 0) {
                hx_log_error(HX_LOG_CRIT, r->connection->log, err,
                             "readdir() \"%V\" failed", path);
                return HX_ERROR;
            }

            return HX_OK;
        }

        if (de->d_name[0] == '.') {
            continue;
        }

        len = hx_strlen(de->d_name);

        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "http autoindex file: \"%s\"", de->d_name);

        /* the full name, for stat(): 1 for '/', 1 for the NUL */

        if (path->len + 1 + len + 1 > allocated) {
            allocated = path->len + 1 + len + 1
                        + HX_HTTP_AUTOINDEX_PREALLOCATE;

            filename = hx_pnalloc(pool, allocated);
            if (filename == NULL) {
                return HX_ERROR;
            }

            last = hx_cpymem(filename, path->data, path->len);
            *last++ = '/';
        }

        hx_memcpy(last, de->d_name, len + 1);

        if (stat((char *) filename, &sb) == -1) {
            err = hx_errno;

            if (err != ENOENT && err != ELOOP) {
                hx_log_error(HX_LOG_CRIT, r->connection->log, err,
                             "stat() \"%s\" failed", filename);

                if (err == EACCES) {
                    continue;
                }

                return HX_ERROR;
            }

            /* a dangling link is listed as what it is */

            if (lstat((char *) filename, &sb) == -1) {
                hx_log_error(HX_LOG_CRIT, r->connection->log, hx_errno,
                             "lstat() \"%s\" failed", filename);
                return HX_ERROR;
            }
        }

        entry = hx_array_push(entries);
        if (entry == NULL) {
            return HX_ERROR;
        }

        entry->name.len = len;
        entry->name.data = hx_pnalloc(pool, len + 1);
        if (entry->name.data == NULL) {
            return HX_ERROR;
        }

        hx_memcpy(entry->name.data, de->d_name, len + 1);

        entry->dir = S_ISDIR(sb.st_mode);
        entry->file = S_ISREG(sb.st_mode);
        entry->mtime = sb.st_mtime;
        entry->size = sb.st_size;
    }
}


/* directories first, then by name */
static int
hx_http_autoindex_cmp_entries(const void *one, const void *two)
{
    const hx_http_autoindex_entry_t  *first = one;
    const hx_http_autoindex_entry_t  *second = two;

    if (first->dir && !second->dir) {
        return -1;
    }

    if (!first->dir && second->dir) {
        return 1;
    }

    return hx_strcmp(first->name.data, second->name.data);
}


static hx_buf_t *
hx_http_autoindex_html(hx_http_request_t *r, hx_array_t *entries)
{
    size_t                          len, entry_len, escape_html;
    hx_buf_t                       *b;
    hx_uint_t                       i, utf8;
    hx_time_t                      *tp;
    struct tm                       tm;
    hx_http_autoindex_entry_t      *entry;
    hx_http_autoindex_loc_conf_t   *alcf;

    static uint8_t  title[] =
        "<html>" CRLF
        "<head><title>Index of ";

    static uint8_t  header[] =
        "</title></head>" CRLF
        "<body>" CRLF
        "<h1>Index of ";

    static uint8_t  tail[] =
        "</body>" CRLF
        "</html>" CRLF;

    /* names are measured in characters when the page is UTF-8 */
    utf8 = (r->headers_out.charset.len == 5
            && hx_strncasecmp(r->headers_out.charset.data,
                              (uint8_t *) "utf-8", 5) == 0);

    escape_html = hx_escape_html(NULL, r->uri.data, r->uri.len);

    len = sizeof(title) - 1
          + r->uri.len + escape_html
          + sizeof(header) - 1
          + r->uri.len + escape_html
          + sizeof("</h1>") - 1
          + sizeof("<hr><pre><a href=\"../\">../</a>" CRLF) - 1
          + sizeof("</pre><hr>") - 1
          + sizeof(tail) - 1;

    entry = entries->elts;

    for (i = 0; i < entries->nelts; i++) {
        entry[i].escape = 2 * hx_escape_uri(NULL, entry[i].name.data,
                                            entry[i].name.len,
                                            HX_ESCAPE_URI_COMPONENT);

        entry[i].escape_html = hx_escape_html(NULL, entry[i].name.data,
                                              entry[i].name.len);

        entry[i].utf_len = utf8 ? hx_utf8_length(entry[i].name.data,
                                                 entry[i].name.len)
                                : entry[i].name.len;

        entry_len = sizeof("<a href=\"") - 1
                    + entry[i].name.len + entry[i].escape
                    + 1                                   /* "/" */
                    + sizeof("\">") - 1
                    + entry[i].name.len - entry[i].utf_len
                    + entry[i].escape_html
                    + HX_HTTP_AUTOINDEX_NAME_LEN + sizeof("&gt;") - 2
                    + sizeof("</a>") - 1
                    + sizeof(" 28-Sep-1970 12:00 ") - 1
                    + 20                                  /* the size */
                    + 2;

        if (len > SIZE_MAX - entry_len) {
            return NULL;
        }

        len += entry_len;
    }

    b = hx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NULL;
    }

    b->last = hx_cpymem(b->last, title, sizeof(title) - 1);
    b->last = (uint8_t *) hx_escape_html(b->last, r->uri.data, r->uri.len);
    b->last = hx_cpymem(b->last, header, sizeof(header) - 1);
    b->last = (uint8_t *) hx_escape_html(b->last, r->uri.data, r->uri.len);
    b->last = hx_cpymem(b->last, "</h1>", sizeof("</h1>") - 1);

    b->last = hx_cpymem(b->last, "<hr><pre><a href=\"../\">../</a>" CRLF,
                        sizeof("<hr><pre><a href=\"../\">../</a>" CRLF) - 1);

    alcf = hx_http_get_module_loc_conf(r, hx_http_autoindex_module);
    tp = hx_timeofday();

    for (i = 0; i < entries->nelts; i++) {

        b->last = hx_cpymem(b->last, "<a href=\"", sizeof("<a href=\"") - 1);

        b->last = (uint8_t *) hx_escape_uri(b->last, entry[i].name.data,
                                            entry[i].name.len,
                                            HX_ESCAPE_URI_COMPONENT);

        if (entry[i].dir) {
            *b->last++ = '/';
        }

        *b->last++ = '"';
        *b->last++ = '>';

        b->last = hx_http_autoindex_html_name(b->last, &entry[i]);

        *b->last++ = ' ';

        hx_gmtime(entry[i].mtime
                  + (alcf->localtime ? tp->gmtoff * 60 : 0), &tm);

        b->last = hx_sprintf(b->last, "%02d-%s-%d %02d:%02d ",
                             tm.tm_mday, hx_http_autoindex_months[tm.tm_mon],
                             tm.tm_year + 1900, tm.tm_hour, tm.tm_min);

        b->last = hx_http_autoindex_html_size(b->last, &entry[i],
                                              alcf->exact_size);

        *b->last++ = CR;
        *b->last++ = LF;
    }

    b->last = hx_cpymem(b->last, "</pre><hr>", sizeof("</pre><hr>") - 1);
    b->last = hx_cpymem(b->last, tail, sizeof(tail) - 1);

    return b;
}


/*
 * The link text and its padding: at most 50 columns, a longer name cut
 * to 47 and ended with "..>", a directory's name followed by "/", then
 * spaces up to the date column.  HTML-special characters are escaped
 * after the cut, so they count as one column each.
 */
static uint8_t *
hx_http_autoindex_html_name(uint8_t *p, hx_http_autoindex_entry_t *entry)
{
    size_t    len, char_len;
    uint8_t  *start, *last;

    len = entry->utf_len;

    if (entry->name.len != len) {

        /* multi-byte characters: cut by characters */

        char_len = (len > HX_HTTP_AUTOINDEX_NAME_LEN)
                   ? HX_HTTP_AUTOINDEX_NAME_LEN - 3 + 1
                   : HX_HTTP_AUTOINDEX_NAME_LEN + 1;

        start = p;
        p = hx_utf8_cpystrn(p, entry->name.data, char_len,
                            entry->name.len + 1);

        if (entry->escape_html) {
            p = (uint8_t *) hx_escape_html(start, entry->name.data,
                                           p - start);
        }

        last = p;

    } else if (entry->escape_html) {

        char_len = (len > HX_HTTP_AUTOINDEX_NAME_LEN)
                   ? HX_HTTP_AUTOINDEX_NAME_LEN - 3 : len;

        p = (uint8_t *) hx_escape_html(p, entry->name.data, char_len);
        last = p;

    } else {
        char_len = hx_min(len, HX_HTTP_AUTOINDEX_NAME_LEN);
        p = hx_cpymem(p, entry->name.data, char_len);

        /* a long name loses its last three columns to "..>" */
        last = (len > HX_HTTP_AUTOINDEX_NAME_LEN) ? p - 3 : p;
    }

    if (len > HX_HTTP_AUTOINDEX_NAME_LEN) {
        return hx_cpymem(last, "..&gt;</a>", sizeof("..&gt;</a>") - 1);
    }

    if (entry->dir && len < HX_HTTP_AUTOINDEX_NAME_LEN) {
        *p++ = '/';
        len++;
    }

    p = hx_cpymem(p, "</a>", sizeof("</a>") - 1);

    if (len < HX_HTTP_AUTOINDEX_NAME_LEN) {
        hx_memset(p, ' ', HX_HTTP_AUTOINDEX_NAME_LEN - len);
        p += HX_HTTP_AUTOINDEX_NAME_LEN - len;
    }

    return p;
}


/* the size column: exact bytes, or rounded with a K, M or G suffix */
static uint8_t *
hx_http_autoindex_html_size(uint8_t *p, hx_http_autoindex_entry_t *entry,
    hx_flag_t exact)
{
    off_t     length;
    uint8_t   scale;
    hx_int_t  size;

    if (exact) {
        if (entry->dir) {
            return hx_cpymem(p, "                  -",
                             sizeof("                  -") - 1);
        }

        return hx_sprintf(p, "%19O", entry->size);
    }

    if (entry->dir) {
        return hx_cpymem(p, "      -", sizeof("      -") - 1);
    }

    length = entry->size;

    if (length > 1024 * 1024 * 1024 - 1) {
        size = (hx_int_t) (length / (1024 * 1024 * 1024));
        if ((length % (1024 * 1024 * 1024)) > (1024 * 1024 * 1024 / 2 - 1)) {
            size++;
        }
        scale = 'G';

    } else if (length > 1024 * 1024 - 1) {
        size = (hx_int_t) (length / (1024 * 1024));
        if ((length % (1024 * 1024)) > (1024 * 1024 / 2 - 1)) {
            size++;
        }
        scale = 'M';

    } else if (length > 9999) {
        size = (hx_int_t) (length / 1024);
        if (length % 1024 > 511) {
            size++;
        }
        scale = 'K';

    } else {
        size = (hx_int_t) length;
        scale = '\0';
    }

    if (scale) {
        return hx_sprintf(p, "%6i%c", size, scale);
    }

    return hx_sprintf(p, " %6i", size);
}


static hx_buf_t *
hx_http_autoindex_json(hx_http_request_t *r, hx_array_t *entries,
    hx_str_t *callback)
{
    size_t                       len, entry_len;
    hx_buf_t                    *b;
    hx_uint_t                    i;
    hx_http_autoindex_entry_t   *entry;

    len = sizeof("[" CRLF CRLF "]") - 1;

    if (callback) {
        len += sizeof("/* callback */" CRLF "();") - 1 + callback->len;
    }

    entry = entries->elts;

    for (i = 0; i < entries->nelts; i++) {
        entry[i].escape = hx_escape_json(NULL, entry[i].name.data,
                                         entry[i].name.len);

        entry_len = sizeof("{  }," CRLF) - 1
                    + sizeof("\"name\":\"\"") - 1
                    + entry[i].name.len + entry[i].escape
                    + sizeof(", \"type\":\"directory\"") - 1
                    + sizeof(", \"mtime\":\"Wed, 31 Dec 1986 10:00:00 GMT\"")
                    - 1;

        if (entry[i].file) {
            entry_len += sizeof(", \"size\":") - 1 + HX_OFF_T_LEN;
        }

        if (len > SIZE_MAX - entry_len) {
            return NULL;
        }

        len += entry_len;
    }

    b = hx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NULL;
    }

    if (callback) {
        b->last = hx_cpymem(b->last, "/* callback */" CRLF,
                            sizeof("/* callback */" CRLF) - 1);
        b->last = hx_cpymem(b->last, callback->data, callback->len);
        *b->last++ = '(';
    }

    *b->last++ = '[';

    for (i = 0; i < entries->nelts; i++) {

        if (i > 0) {
            *b->last++ = ',';
        }

        b->last = hx_cpymem(b->last, CRLF "{ \"name\":\"",
                            sizeof(CRLF "{ \"name\":\"") - 1);

        b->last = (uint8_t *) hx_escape_json(b->last, entry[i].name.data,
                                             entry[i].name.len);

        b->last = hx_cpymem(b->last, "\", \"type\":\"",
                            sizeof("\", \"type\":\"") - 1);

        if (entry[i].dir) {
            b->last = hx_cpymem(b->last, "directory", sizeof("directory") - 1);

        } else if (entry[i].file) {
            b->last = hx_cpymem(b->last, "file", sizeof("file") - 1);

        } else {
            b->last = hx_cpymem(b->last, "other", sizeof("other") - 1);
        }

        b->last = hx_cpymem(b->last, "\", \"mtime\":\"",
                            sizeof("\", \"mtime\":\"") - 1);

        b->last = hx_http_time(b->last, entry[i].mtime);

        if (entry[i].file) {
            b->last = hx_cpymem(b->last, "\", \"size\":",
                                sizeof("\", \"size\":") - 1);
            b->last = hx_sprintf(b->last, "%O", entry[i].size);

        } else {
            *b->last++ = '"';
        }

        b->last = hx_cpymem(b->last, " }", sizeof(" }") - 1);
    }

    b->last = hx_cpymem(b->last, CRLF "]", sizeof(CRLF "]") - 1);

    if (callback) {
        *b->last++ = ')';
        *b->last++ = ';';
    }

    return b;
}


/*
 * The "callback" argument of a jsonp request, which is sent back as
 * code: only letters, digits, '_' and '.', at most 128.  HX_OK (len 0
 * when absent) or HX_DECLINED for an unsafe name.
 */
static hx_int_t
hx_http_autoindex_jsonp_callback(hx_http_request_t *r, hx_str_t *callback)
{
    uint8_t    *p, *last, *name, ch, c;
    hx_uint_t   i;

    callback->len = 0;
    callback->data = NULL;

    p = r->args.data;
    last = p + r->args.len;

    while (p < last) {
        name = p;

        while (p < last && *p != '&') {
            p++;
        }

        if (p - name >= 9 && hx_strncmp(name, "callback=", 9) == 0) {
            callback->data = name + 9;
            callback->len = p - name - 9;
            break;
        }

        p++;
    }

    if (callback->len > 128) {
        hx_log_error(HX_LOG_INFO, r->connection->log, 0,
                     "client sent too long callback name: \"%V\"", callback);
        return HX_DECLINED;
    }

    p = callback->data;

    for (i = 0; i < callback->len; i++) {
        ch = p[i];
        c = (uint8_t) (ch | 0x20);

        if ((c >= 'a' && c <= 'z') || (ch >= '0' && ch <= '9')
            || ch == '_' || ch == '.')
        {
            continue;
        }

        hx_log_error(HX_LOG_INFO, r->connection->log, 0,
                     "client sent invalid callback name: \"%V\"", callback);

        return HX_DECLINED;
    }

    return HX_OK;
}


static hx_buf_t *
hx_http_autoindex_xml(hx_http_request_t *r, hx_array_t *entries)
{
    size_t                       len, entry_len;
    hx_buf_t                    *b;
    hx_str_t                     type;
    hx_uint_t                    i;
    struct tm                    tm;
    hx_http_autoindex_entry_t   *entry;

    static uint8_t  head[] = "<?xml version=\"1.0\"?>" CRLF "<list>" CRLF;
    static uint8_t  tail[] = "</list>" CRLF;

    len = sizeof(head) - 1 + sizeof(tail) - 1;

    entry = entries->elts;

    for (i = 0; i < entries->nelts; i++) {
        entry[i].escape = hx_escape_html(NULL, entry[i].name.data,
                                         entry[i].name.len);

        entry_len = sizeof("<directory></directory>" CRLF) - 1
                    + entry[i].name.len + entry[i].escape
                    + sizeof(" mtime=\"1986-12-31T10:00:00Z\"") - 1;

        if (entry[i].file) {
            entry_len += sizeof(" size=\"\"") - 1 + HX_OFF_T_LEN;
        }

        if (len > SIZE_MAX - entry_len) {
            return NULL;
        }

        len += entry_len;
    }

    b = hx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NULL;
    }

    b->last = hx_cpymem(b->last, head, sizeof(head) - 1);

    for (i = 0; i < entries->nelts; i++) {

        if (entry[i].dir) {
            hx_str_set(&type, "directory");

        } else if (entry[i].file) {
            hx_str_set(&type, "file");

        } else {
            hx_str_set(&type, "other");
        }

        *b->last++ = '<';
        b->last = hx_cpymem(b->last, type.data, type.len);

        hx_gmtime(entry[i].mtime, &tm);

        b->last = hx_sprintf(b->last, " mtime=\"%4d-%02d-%02dT%02d:%02d:%02dZ",
                             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                             tm.tm_hour, tm.tm_min, tm.tm_sec);

        if (entry[i].file) {
            b->last = hx_sprintf(b->last, "\" size=\"%O", entry[i].size);
        }

        *b->last++ = '"';
        *b->last++ = '>';

        b->last = (uint8_t *) hx_escape_html(b->last, entry[i].name.data,
                                             entry[i].name.len);

        *b->last++ = '<';
        *b->last++ = '/';
        b->last = hx_cpymem(b->last, type.data, type.len);
        *b->last++ = '>';

        *b->last++ = CR;
        *b->last++ = LF;
    }

    b->last = hx_cpymem(b->last, tail, sizeof(tail) - 1);

    return b;
}


static void *
hx_http_autoindex_create_loc_conf(hx_conf_t *cf)
{
    hx_http_autoindex_loc_conf_t  *conf;

    conf = hx_palloc(cf->pool, sizeof(hx_http_autoindex_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->enable = HX_CONF_UNSET;
    conf->format = HX_CONF_UNSET_UINT;
    conf->localtime = HX_CONF_UNSET;
    conf->exact_size = HX_CONF_UNSET;

    return conf;
}


static char *
hx_http_autoindex_merge_loc_conf(hx_conf_t *cf, void *parent, void *child)
{
    hx_http_autoindex_loc_conf_t  *prev = parent;
    hx_http_autoindex_loc_conf_t  *conf = child;

    (void) cf;

    hx_conf_merge_value(conf->enable, prev->enable, 0);
    hx_conf_merge_uint_value(conf->format, prev->format,
                             HX_HTTP_AUTOINDEX_HTML);
    hx_conf_merge_value(conf->localtime, prev->localtime, 0);
    hx_conf_merge_value(conf->exact_size, prev->exact_size, 1);

    return HX_CONF_OK;
}


static hx_int_t
hx_http_autoindex_init(hx_conf_t *cf)
{
    hx_http_handler_pt        *h;
    hx_http_core_main_conf_t  *cmcf;

    cmcf = hx_http_conf_get_module_main_conf(cf, hx_http_core_module);

    h = hx_array_push(&cmcf->phases[HX_HTTP_CONTENT_PHASE].handlers);
    if (h == NULL) {
        return HX_ERROR;
    }

    *h = hx_http_autoindex_handler;

    return HX_OK;
}

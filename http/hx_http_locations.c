/*
 * Locations: how the location {} blocks of a server (or of an enclosing
 * location) are ordered when the http block ends, and how a request's URI
 * finds its location.
 *
 * At each level the locations are sorted into four groups: prefix and
 * exact ("=") ones by name, then regex ones in file order, then named
 * (@name) ones, then the nameless blocks (if, limit_except), which are
 * not looked up by URI.  The prefix group becomes a static tree: a
 * balanced binary search tree over names where a node with a prefix
 * location also carries a subtree ("tree") of the longer names that begin
 * with it, stored without that common prefix.  Walking it compares each
 * node's bytes once, so the longest matching prefix is found in about
 * log2(n) comparisons per level of nesting instead of a scan over every
 * location.  An exact location and a prefix one with the same name share
 * a node.
 *
 * The search order is nginx's: longest prefix first (an exact match ends
 * the search; "^~" skips the regexes), then the nested locations of the
 * prefix found, then the regex locations in file order; the first regex
 * that matches wins over the prefix.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_event.h>
#include <hx_http.h>


typedef struct {
    hx_str_t                  *name;
    hx_http_core_loc_conf_t   *exact;
    hx_http_core_loc_conf_t   *inclusive;
} hx_http_loc_entry_t;


static hx_int_t hx_http_cmp_locations(const hx_queue_t *one,
    const hx_queue_t *two);
static hx_http_location_tree_node_t *hx_http_build_location_tree(
    hx_conf_t *cf, hx_http_loc_entry_t *e, hx_uint_t n, size_t prefix);
static hx_int_t hx_http_find_static_location(hx_http_request_t *r,
    hx_http_location_tree_node_t *node);


/*
 * Queues clcf among the locations of its enclosing block, creating the
 * queue on first use.  The escaped name is what a directory redirect
 * puts in Location.  HX_OK or HX_ERROR.
 */
hx_int_t
hx_http_add_location(hx_conf_t *cf, hx_queue_t **locations,
    hx_http_core_loc_conf_t *clcf)
{
    size_t                     len;
    uint8_t                   *p;
    uintptr_t                  escape;
    hx_http_location_queue_t  *lq;

    if (*locations == NULL) {
        *locations = hx_palloc(cf->temp_pool, sizeof(hx_queue_t));
        if (*locations == NULL) {
            return HX_ERROR;
        }

        hx_queue_init(*locations);
    }

    lq = hx_palloc(cf->temp_pool, sizeof(hx_http_location_queue_t));
    if (lq == NULL) {
        return HX_ERROR;
    }

    if (clcf->exact_match || clcf->regex || clcf->named || clcf->noname) {
        lq->exact = clcf;
        lq->inclusive = NULL;

    } else {
        lq->exact = NULL;
        lq->inclusive = clcf;
    }

    lq->name = &clcf->name;
    lq->file_name = cf->conf_file->file.name.data;
    lq->line = cf->conf_file->line;

    hx_queue_init(&lq->list);
    hx_queue_insert_tail(*locations, &lq->queue);

    escape = 2 * hx_escape_uri(NULL, clcf->name.data, clcf->name.len,
                               HX_ESCAPE_URI);
    if (escape == 0) {
        clcf->escaped_name = clcf->name;
        return HX_OK;
    }

    len = clcf->name.len + escape;

    p = hx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return HX_ERROR;
    }

    hx_escape_uri(p, clcf->name.data, clcf->name.len, HX_ESCAPE_URI);

    clcf->escaped_name.len = len;
    clcf->escaped_name.data = p;

    return HX_OK;
}


/* the order of a level: prefix by name, regex, named, nameless */
static hx_uint_t
hx_http_location_group(hx_http_core_loc_conf_t *clcf)
{
    if (clcf->noname) {
        return 3;
    }

    if (clcf->named) {
        return 2;
    }

    if (clcf->regex) {
        return 1;
    }

    return 0;
}


static hx_int_t
hx_http_cmp_locations(const hx_queue_t *one, const hx_queue_t *two)
{
    hx_int_t                   rc;
    hx_uint_t                  g1, g2;
    hx_http_core_loc_conf_t   *first, *second;
    hx_http_location_queue_t  *lq1, *lq2;

    lq1 = (hx_http_location_queue_t *) one;
    lq2 = (hx_http_location_queue_t *) two;

    first = lq1->exact ? lq1->exact : lq1->inclusive;
    second = lq2->exact ? lq2->exact : lq2->inclusive;

    g1 = hx_http_location_group(first);
    g2 = hx_http_location_group(second);

    if (g1 != g2) {
        return (g1 < g2) ? -1 : 1;
    }

    switch (g1) {

    case 2:
        return hx_strcmp(first->name.data, second->name.data);

    case 0:
        break;

    default:
        /* regex and nameless blocks keep their file order (stable sort) */
        return 0;
    }

    rc = hx_filename_cmp(first->name.data, second->name.data,
                         hx_min(first->name.len, second->name.len) + 1);

    if (rc == 0 && !first->exact_match && second->exact_match) {
        /* "= /x" before "/x", so that the two can be joined */
        return 1;
    }

    return rc;
}


/*
 * Sorts the locations of pclcf (recursively) and takes the regex and
 * named ones out of the queue into arrays; what stays in the queue are
 * the prefix and exact locations, for the static tree.
 */
hx_int_t
hx_http_init_locations(hx_conf_t *cf, hx_http_core_srv_conf_t *cscf,
    hx_http_core_loc_conf_t *pclcf)
{
    hx_uint_t                   n, r;
    hx_queue_t                 *q, *locations, *named, *regex, tail;
    hx_http_core_loc_conf_t    *clcf, **clcfp;
    hx_http_location_queue_t   *lq;

    locations = pclcf->locations;

    if (locations == NULL) {
        return HX_OK;
    }

    hx_queue_sort(locations, hx_http_cmp_locations);

    named = NULL;
    regex = NULL;
    n = 0;
    r = 0;

    for (q = hx_queue_head(locations);
         q != hx_queue_sentinel(locations);
         q = hx_queue_next(q))
    {
        lq = (hx_http_location_queue_t *) q;

        clcf = lq->exact ? lq->exact : lq->inclusive;

        if (hx_http_init_locations(cf, NULL, clcf) != HX_OK) {
            return HX_ERROR;
        }

        if (clcf->regex) {
            r++;

            if (regex == NULL) {
                regex = q;
            }

            continue;
        }

        if (clcf->named) {
            n++;

            if (named == NULL) {
                named = q;
            }

            continue;
        }

        if (clcf->noname) {
            break;
        }
    }

    if (q != hx_queue_sentinel(locations)) {
        hx_queue_split(locations, q, &tail);
    }

    if (named) {

        /* named locations exist at the server level only */

        clcfp = hx_palloc(cf->pool, (n + 1) * sizeof(hx_http_core_loc_conf_t *));
        if (clcfp == NULL) {
            return HX_ERROR;
        }

        cscf->named_locations = clcfp;

        for (q = named;
             q != hx_queue_sentinel(locations);
             q = hx_queue_next(q))
        {
            lq = (hx_http_location_queue_t *) q;
            *clcfp++ = lq->exact;
        }

        *clcfp = NULL;

        hx_queue_split(locations, named, &tail);
    }

    if (regex) {

        clcfp = hx_palloc(cf->pool, (r + 1) * sizeof(hx_http_core_loc_conf_t *));
        if (clcfp == NULL) {
            return HX_ERROR;
        }

        pclcf->regex_locations = clcfp;

        for (q = regex;
             q != hx_queue_sentinel(locations);
             q = hx_queue_next(q))
        {
            lq = (hx_http_location_queue_t *) q;
            *clcfp++ = lq->exact;
        }

        *clcfp = NULL;

        hx_queue_split(locations, regex, &tail);
    }

    return HX_OK;
}


/*
 * Builds pclcf->static_locations from the sorted prefix and exact
 * locations left in its queue, and does the same for every location
 * below.
 */
hx_int_t
hx_http_init_static_location_trees(hx_conf_t *cf,
    hx_http_core_loc_conf_t *pclcf)
{
    hx_uint_t                   n;
    hx_queue_t                 *q, *locations;
    hx_http_loc_entry_t        *entries, *e;
    hx_http_core_loc_conf_t    *clcf;
    hx_http_location_queue_t   *lq;

    locations = pclcf->locations;

    if (locations == NULL || hx_queue_empty(locations)) {
        return HX_OK;
    }

    n = 0;

    for (q = hx_queue_head(locations);
         q != hx_queue_sentinel(locations);
         q = hx_queue_next(q))
    {
        lq = (hx_http_location_queue_t *) q;

        clcf = lq->exact ? lq->exact : lq->inclusive;

        if (hx_http_init_static_location_trees(cf, clcf) != HX_OK) {
            return HX_ERROR;
        }

        n++;
    }

    entries = hx_pcalloc(cf->temp_pool, n * sizeof(hx_http_loc_entry_t));
    if (entries == NULL) {
        return HX_ERROR;
    }

    /* join "= /x" with "/x" (sorted next to each other) */

    e = NULL;
    n = 0;

    for (q = hx_queue_head(locations);
         q != hx_queue_sentinel(locations);
         q = hx_queue_next(q))
    {
        lq = (hx_http_location_queue_t *) q;

        if (e && hx_str_eq(e->name, lq->name)) {

            if ((e->exact && lq->exact) || (e->inclusive && lq->inclusive)) {
                hx_log_error(HX_LOG_EMERG, cf->log, 0,
                             "duplicate location \"%V\" in %s:%ui",
                             lq->name, lq->file_name, lq->line);
                return HX_ERROR;
            }

            if (lq->inclusive) {
                e->inclusive = lq->inclusive;
            }

            continue;
        }

        e = &entries[n++];
        e->name = lq->name;
        e->exact = lq->exact;
        e->inclusive = lq->inclusive;
    }

    pclcf->static_locations = hx_http_build_location_tree(cf, entries, n, 0);
    if (pclcf->static_locations == NULL) {
        return HX_ERROR;
    }

    return HX_OK;
}


/* the number of entries after e[0] whose names start with e[0]'s name */
static hx_uint_t
hx_http_location_children(hx_http_loc_entry_t *e, hx_uint_t n)
{
    hx_uint_t  i;

    if (e[0].inclusive == NULL) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if (e[i].name->len < e[0].name->len
            || hx_filename_cmp(e[0].name->data, e[i].name->data,
                               e[0].name->len) != 0)
        {
            break;
        }
    }

    return i - 1;
}


/*
 * e[0..n) are sorted names sharing their first "prefix" bytes.  The
 * entries that are not inside another one's subtree form a balanced
 * binary tree; each keeps the ones inside it (they follow it in the
 * sorted order) for its own subtree.
 */
static hx_http_location_tree_node_t *
hx_http_build_location_tree(hx_conf_t *cf, hx_http_loc_entry_t *e,
    hx_uint_t n, size_t prefix)
{
    size_t                          len;
    hx_uint_t                       i, top, mid, *first, *kids;
    hx_http_loc_entry_t            *m;
    hx_http_location_tree_node_t   *node;

    /* index the top-level entries and the size of their subtrees */

    first = hx_palloc(cf->temp_pool, 2 * n * sizeof(hx_uint_t));
    if (first == NULL) {
        return NULL;
    }

    kids = first + n;
    top = 0;

    for (i = 0; i < n; /* void */) {
        first[top] = i;
        kids[top] = hx_http_location_children(&e[i], n - i);
        i += kids[top] + 1;
        top++;
    }

    mid = top / 2;
    m = &e[first[mid]];
    len = m->name->len - prefix;

    node = hx_palloc(cf->pool,
                     offsetof(hx_http_location_tree_node_t, name) + len + 1);
    if (node == NULL) {
        return NULL;
    }

    node->left = NULL;
    node->right = NULL;
    node->tree = NULL;
    node->exact = m->exact;
    node->inclusive = m->inclusive;
    node->auto_redirect = (uint8_t) ((m->exact && m->exact->auto_redirect)
                                     || (m->inclusive
                                         && m->inclusive->auto_redirect));
    node->len = (uint16_t) len;
    hx_memcpy(node->name, m->name->data + prefix, len);

    if (mid > 0) {
        node->left = hx_http_build_location_tree(cf, e, first[mid], prefix);
        if (node->left == NULL) {
            return NULL;
        }
    }

    if (mid + 1 < top) {
        i = first[mid + 1];
        node->right = hx_http_build_location_tree(cf, &e[i], n - i, prefix);
        if (node->right == NULL) {
            return NULL;
        }
    }

    if (kids[mid]) {
        node->tree = hx_http_build_location_tree(cf, &e[first[mid] + 1],
                                                 kids[mid], prefix + len);
        if (node->tree == NULL) {
            return NULL;
        }
    }

    return node;
}


/*
 * Finds r's location below the current r->loc_conf and switches
 * r->loc_conf to it.  Returns HX_OK (an exact or regex match), HX_AGAIN
 * (a prefix match), HX_DONE (a directory redirect is due: the URI lacks
 * the trailing slash of a location with auto_redirect), HX_DECLINED
 * (nothing matched at this level) or HX_ERROR.  Nested locations are
 * searched in turn.
 */
hx_int_t
hx_http_find_location(hx_http_request_t *r)
{
    hx_int_t                   rc;
    hx_uint_t                  noregex;
    hx_http_core_loc_conf_t   *pclcf, *clcf, **clcfp;

    noregex = 0;

    pclcf = hx_http_get_module_loc_conf(r, hx_http_core_module);

    rc = hx_http_find_static_location(r, pclcf->static_locations);

    if (rc == HX_AGAIN) {

        /* a prefix location matched: look inside it */

        clcf = hx_http_get_module_loc_conf(r, hx_http_core_module);
        noregex = clcf->noregex;

        rc = hx_http_find_location(r);
    }

    if (rc == HX_OK || rc == HX_DONE || rc == HX_ERROR) {
        return rc;
    }

    /* HX_DECLINED, or HX_AGAIN from a nested prefix location */

    if (noregex || pclcf->regex_locations == NULL) {
        return rc;
    }

    for (clcfp = pclcf->regex_locations; *clcfp; clcfp++) {

        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "test location: ~ \"%V\"", &(*clcfp)->name);

        rc = hx_http_regex_exec(r, (*clcfp)->regex, &r->uri);

        if (rc == HX_OK) {
            r->loc_conf = (*clcfp)->loc_conf;

            /* locations nested in a regex one */

            rc = hx_http_find_location(r);

            return (rc == HX_ERROR) ? rc : HX_OK;
        }

        if (rc != HX_DECLINED) {
            return HX_ERROR;
        }
    }

    return HX_DECLINED;
}


/*
 * Walks one level's static tree.  Returns HX_OK for an exact match,
 * HX_AGAIN for a prefix match (the caller searches its nested locations
 * and the regexes), HX_DONE for a directory redirect, HX_DECLINED when no
 * prefix matched.
 */
static hx_int_t
hx_http_find_static_location(hx_http_request_t *r,
    hx_http_location_tree_node_t *node)
{
    uint8_t    *uri;
    size_t      len, n;
    hx_int_t    rc, rv;

    len = r->uri.len;
    uri = r->uri.data;

    rv = HX_DECLINED;

    for ( ;; ) {

        if (node == NULL) {
            return rv;
        }

        hx_log_debug(HX_LOG_DEBUG_HTTP, r->connection->log, 0,
                     "test location: \"%*s\"",
                     (size_t) node->len, node->name);

        n = (len <= (size_t) node->len) ? len : node->len;

        rc = hx_filename_cmp(uri, node->name, n);

        if (rc != 0) {
            node = (rc < 0) ? node->left : node->right;
            continue;
        }

        if (len > (size_t) node->len) {

            if (node->inclusive) {

                r->loc_conf = node->inclusive->loc_conf;
                rv = HX_AGAIN;

                node = node->tree;
                uri += n;
                len -= n;

                continue;
            }

            /* an exact-only node: longer names sort to the right */

            node = node->right;

            continue;
        }

        if (len == (size_t) node->len) {

            if (node->exact) {
                r->loc_conf = node->exact->loc_conf;
                return HX_OK;

            } else {
                r->loc_conf = node->inclusive->loc_conf;
                return HX_AGAIN;
            }
        }

        /* len < node->len */

        if (len + 1 == (size_t) node->len && node->auto_redirect
            && node->name[len] == '/')
        {
            r->loc_conf = (node->exact) ? node->exact->loc_conf
                                        : node->inclusive->loc_conf;
            rv = HX_DONE;
        }

        node = node->left;
    }
}


/*
 * The named location of r's server ("@name"), or NULL.
 */
hx_http_core_loc_conf_t *
hx_http_find_named_location(hx_http_request_t *r, hx_str_t *name)
{
    hx_http_core_srv_conf_t    *cscf;
    hx_http_core_loc_conf_t   **clcfp;

    cscf = hx_http_get_module_srv_conf(r, hx_http_core_module);

    if (cscf->named_locations == NULL) {
        return NULL;
    }

    for (clcfp = cscf->named_locations; *clcfp; clcfp++) {
        if (hx_str_eq(name, &(*clcfp)->name)) {
            return *clcfp;
        }
    }

    return NULL;
}

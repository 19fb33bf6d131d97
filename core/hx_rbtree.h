/*
 * Red-black tree keyed by an unsigned integer, with a pluggable insert
 * function so that timers (wrap-around compare), string-keyed zones and
 * plain keys share one implementation.  Nodes are embedded in the caller's
 * structures; the tree never allocates.
 */

#ifndef HX_CORE_HX_RBTREE_H
#define HX_CORE_HX_RBTREE_H


typedef hx_uint_t  hx_rbtree_key_t;
typedef hx_int_t   hx_rbtree_key_int_t;

typedef struct hx_rbtree_node_s  hx_rbtree_node_t;

struct hx_rbtree_node_s {
    hx_rbtree_key_t    key;
    hx_rbtree_node_t  *left;
    hx_rbtree_node_t  *right;
    hx_rbtree_node_t  *parent;
    uint8_t            color;
    uint8_t            data;
};


typedef struct hx_rbtree_s  hx_rbtree_t;

typedef void (*hx_rbtree_insert_pt)(hx_rbtree_node_t *root,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel);

struct hx_rbtree_s {
    hx_rbtree_node_t     *root;
    hx_rbtree_node_t     *sentinel;
    hx_rbtree_insert_pt   insert;
};


#define hx_rbtree_init(tree, s, i)                                            \
    hx_rbt_black(s);                                                          \
    (tree)->root = s;                                                         \
    (tree)->sentinel = s;                                                     \
    (tree)->insert = i

#define hx_rbtree_data(node, type, link)                                      \
    (type *) ((uint8_t *) (node) - offsetof(type, link))

#define hx_rbt_red(node)          ((node)->color = 1)
#define hx_rbt_black(node)        ((node)->color = 0)
#define hx_rbt_is_red(node)       ((node)->color)
#define hx_rbt_is_black(node)     (!hx_rbt_is_red(node))
#define hx_rbt_copy_color(n1, n2) (n1->color = n2->color)
#define hx_rbtree_sentinel_init(node)  hx_rbt_black(node)


void hx_rbtree_insert(hx_rbtree_t *tree, hx_rbtree_node_t *node);
void hx_rbtree_delete(hx_rbtree_t *tree, hx_rbtree_node_t *node);

/* plain keys */
void hx_rbtree_insert_value(hx_rbtree_node_t *root, hx_rbtree_node_t *node,
    hx_rbtree_node_t *sentinel);
/* keys compared as (key1 - key2) signed, so monotonic msec may wrap */
void hx_rbtree_insert_timer_value(hx_rbtree_node_t *root,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel);

/* in-order successor, NULL after the last node */
hx_rbtree_node_t *hx_rbtree_next(hx_rbtree_t *tree, hx_rbtree_node_t *node);

static inline hx_rbtree_node_t *
hx_rbtree_min(hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel)
{
    while (node->left != sentinel) {
        node = node->left;
    }
    return node;
}


/* string-keyed nodes: the key field holds a hash, ties broken by str */
typedef struct {
    hx_rbtree_node_t  node;
    hx_str_t          str;
} hx_str_node_t;

void hx_str_rbtree_insert_value(hx_rbtree_node_t *temp,
    hx_rbtree_node_t *node, hx_rbtree_node_t *sentinel);
hx_str_node_t *hx_str_rbtree_lookup(hx_rbtree_t *rbtree, hx_str_t *name,
    uint32_t hash);

#endif /* HX_CORE_HX_RBTREE_H */

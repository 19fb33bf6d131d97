/*
 * Red-black tree with a per-tree sentinel standing in for every leaf.
 *
 * The timer queue, shared-memory zones keyed by string hashes and the
 * various caches all need "find, insert, delete, walk in order" with
 * O(log n) worst cases and no allocation: nodes are embedded in the
 * caller's objects.  A red-black tree gives that with at most three
 * rotations per change.  The sentinel (always black) replaces NULL leaves
 * so the rebalancing code can read a leaf's colour and even set its parent
 * during deletion without special cases; the root's parent is NULL.
 *
 * Placing a new node is left to tree->insert, so one rebalancing routine
 * serves plain keys, wrap-around timer keys and string keys.  Equal keys
 * go to the right, so equal keys come out of a walk in insertion order.
 */

#include <hx_config.h>
#include <hx_core.h>


static void hx_rbtree_rotate_left(hx_rbtree_node_t **root,
    hx_rbtree_node_t *sentinel, hx_rbtree_node_t *node);
static void hx_rbtree_rotate_right(hx_rbtree_node_t **root,
    hx_rbtree_node_t *sentinel, hx_rbtree_node_t *node);
static void hx_rbtree_insert_fixup(hx_rbtree_node_t **root,
    hx_rbtree_node_t *sentinel, hx_rbtree_node_t *node);
static void hx_rbtree_replace(hx_rbtree_node_t **root, hx_rbtree_node_t *old,
    hx_rbtree_node_t *node);
static void hx_rbtree_delete_fixup(hx_rbtree_node_t **root,
    hx_rbtree_node_t *sentinel, hx_rbtree_node_t *node);
static hx_int_t hx_str_rbtree_cmp(hx_rbtree_key_t hash, hx_str_t *name,
    hx_rbtree_node_t *node);


/*
 * Links node into tree and rebalances.  node's key (and whatever the
 * tree's insert function compares) must be set; its links are overwritten.
 * The node must stay at the same address until it is deleted.
 */
void
hx_rbtree_insert(hx_rbtree_t *tree, hx_rbtree_node_t *node)
{
    hx_rbtree_node_t  **root, *sentinel;

    root = &tree->root;
    sentinel = tree->sentinel;

    if (*root == sentinel) {
        node->parent = NULL;
        node->left = sentinel;
        node->right = sentinel;
        hx_rbt_black(node);
        *root = node;

        return;
    }

    tree->insert(*root, node, sentinel);

    hx_rbtree_insert_fixup(root, sentinel, node);
}


/*
 * Unlinks node, which must be in tree, and rebalances.  The node's links
 * are cleared; the caller owns its memory again.
 */
void
hx_rbtree_delete(hx_rbtree_t *tree, hx_rbtree_node_t *node)
{
    uint8_t             removed_red;
    hx_rbtree_node_t  **root, *sentinel, *subst, *child;

    root = &tree->root;
    sentinel = tree->sentinel;

    /*
     * subst is the node that physically leaves its place: node itself when
     * it has at most one child, otherwise its in-order successor, which
     * has no left child and is moved into node's place.  child takes
     * subst's old place; it may be the sentinel, whose parent link is then
     * set so that the fixup can climb from it.
     */

    if (node->left == sentinel) {
        subst = node;
        child = node->right;

    } else if (node->right == sentinel) {
        subst = node;
        child = node->left;

    } else {
        subst = hx_rbtree_min(node->right, sentinel);
        child = subst->right;
    }

    removed_red = hx_rbt_is_red(subst);

    if (subst == node) {
        hx_rbtree_replace(root, node, child);

    } else {
        if (subst->parent == node) {
            child->parent = subst;

        } else {
            hx_rbtree_replace(root, subst, child);
            subst->right = node->right;
            subst->right->parent = subst;
        }

        hx_rbtree_replace(root, node, subst);
        subst->left = node->left;
        subst->left->parent = subst;
        hx_rbt_copy_color(subst, node);
    }

    node->left = NULL;
    node->right = NULL;
    node->parent = NULL;

    /* removing a red node changes no black height */

    if (!removed_red) {
        hx_rbtree_delete_fixup(root, sentinel, child);
    }
}


/*
 * Makes node take old's place under old's parent (or as the root).  Only
 * the downward link and node->parent change; node may be the sentinel.
 */
static void
hx_rbtree_replace(hx_rbtree_node_t **root, hx_rbtree_node_t *old,
    hx_rbtree_node_t *node)
{
    if (old == *root) {
        *root = node;

    } else if (old == old->parent->left) {
        old->parent->left = node;

    } else {
        old->parent->right = node;
    }

    node->parent = old->parent;
}


static void
hx_rbtree_insert_fixup(hx_rbtree_node_t **root, hx_rbtree_node_t *sentinel,
    hx_rbtree_node_t *node)
{
    hx_rbtree_node_t  *parent, *grand, *uncle;

    /* node is red; the only possible violation is a red parent */

    while (node != *root && hx_rbt_is_red(node->parent)) {
        parent = node->parent;
        grand = parent->parent;     /* exists: a red node is never root */

        if (parent == grand->left) {
            uncle = grand->right;

            if (hx_rbt_is_red(uncle)) {
                /* recolour and move the problem two levels up */
                hx_rbt_black(parent);
                hx_rbt_black(uncle);
                hx_rbt_red(grand);
                node = grand;
                continue;
            }

            if (node == parent->right) {
                /* straighten the zig-zag so one rotation finishes */
                node = parent;
                hx_rbtree_rotate_left(root, sentinel, node);
                parent = node->parent;
            }

            hx_rbt_black(parent);
            hx_rbt_red(grand);
            hx_rbtree_rotate_right(root, sentinel, grand);

        } else {
            uncle = grand->left;

            if (hx_rbt_is_red(uncle)) {
                hx_rbt_black(parent);
                hx_rbt_black(uncle);
                hx_rbt_red(grand);
                node = grand;
                continue;
            }

            if (node == parent->left) {
                node = parent;
                hx_rbtree_rotate_right(root, sentinel, node);
                parent = node->parent;
            }

            hx_rbt_black(parent);
            hx_rbt_red(grand);
            hx_rbtree_rotate_left(root, sentinel, grand);
        }
    }

    hx_rbt_black(*root);
}


static void
hx_rbtree_delete_fixup(hx_rbtree_node_t **root, hx_rbtree_node_t *sentinel,
    hx_rbtree_node_t *node)
{
    hx_rbtree_node_t  *sibling;

    /*
     * The subtree rooted at node is one black short.  A red node absorbs
     * the debt by turning black; otherwise the sibling's side lends a
     * black node or the debt moves up a level.
     */

    while (node != *root && hx_rbt_is_black(node)) {

        if (node == node->parent->left) {
            sibling = node->parent->right;

            if (hx_rbt_is_red(sibling)) {
                /* make the sibling black so the cases below apply */
                hx_rbt_black(sibling);
                hx_rbt_red(node->parent);
                hx_rbtree_rotate_left(root, sentinel, node->parent);
                sibling = node->parent->right;
            }

            if (hx_rbt_is_black(sibling->left)
                && hx_rbt_is_black(sibling->right))
            {
                hx_rbt_red(sibling);
                node = node->parent;
                continue;
            }

            if (hx_rbt_is_black(sibling->right)) {
                hx_rbt_black(sibling->left);
                hx_rbt_red(sibling);
                hx_rbtree_rotate_right(root, sentinel, sibling);
                sibling = node->parent->right;
            }

            hx_rbt_copy_color(sibling, node->parent);
            hx_rbt_black(node->parent);
            hx_rbt_black(sibling->right);
            hx_rbtree_rotate_left(root, sentinel, node->parent);
            node = *root;

        } else {
            sibling = node->parent->left;

            if (hx_rbt_is_red(sibling)) {
                hx_rbt_black(sibling);
                hx_rbt_red(node->parent);
                hx_rbtree_rotate_right(root, sentinel, node->parent);
                sibling = node->parent->left;
            }

            if (hx_rbt_is_black(sibling->left)
                && hx_rbt_is_black(sibling->right))
            {
                hx_rbt_red(sibling);
                node = node->parent;
                continue;
            }

            if (hx_rbt_is_black(sibling->left)) {
                hx_rbt_black(sibling->right);
                hx_rbt_red(sibling);
                hx_rbtree_rotate_left(root, sentinel, sibling);
                sibling = node->parent->left;
            }

            hx_rbt_copy_color(sibling, node->parent);
            hx_rbt_black(node->parent);
            hx_rbt_black(sibling->left);
            hx_rbtree_rotate_right(root, sentinel, node->parent);
            node = *root;
        }
    }

    hx_rbt_black(node);
}


static void
hx_rbtree_rotate_left(hx_rbtree_node_t **root, hx_rbtree_node_t *sentinel,
    hx_rbtree_node_t *node)
{
    hx_rbtree_node_t  *pivot;

    pivot = node->right;

    node->right = pivot->left;

    if (pivot->left != sentinel) {
        pivot->left->parent = node;
    }

    hx_rbtree_replace(root, node, pivot);

    pivot->left = node;
    node->parent = pivot;
}


static void
hx_rbtree_rotate_right(hx_rbtree_node_t **root, hx_rbtree_node_t *sentinel,
    hx_rbtree_node_t *node)
{
    hx_rbtree_node_t  *pivot;

    pivot = node->left;

    node->left = pivot->right;

    if (pivot->right != sentinel) {
        pivot->right->parent = node;
    }

    hx_rbtree_replace(root, node, pivot);

    pivot->right = node;
    node->parent = pivot;
}


/*
 * Insert function for plain unsigned keys: descends from root and hangs
 * node, coloured red, as a leaf.  Equal keys go right.
 */
void
hx_rbtree_insert_value(hx_rbtree_node_t *root, hx_rbtree_node_t *node,
    hx_rbtree_node_t *sentinel)
{
    hx_rbtree_node_t  **link, *temp;

    temp = root;

    for ( ;; ) {
        link = (node->key < temp->key) ? &temp->left : &temp->right;

        if (*link == sentinel) {
            break;
        }

        temp = *link;
    }

    *link = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    hx_rbt_red(node);
}


/*
 * Insert function for timer keys: compares the signed difference of the
 * keys rather than the keys, so a key that wrapped past zero still sorts
 * after the ones just before the wrap, as long as all keys in the tree lie
 * within half the key range of each other.
 */
void
hx_rbtree_insert_timer_value(hx_rbtree_node_t *root, hx_rbtree_node_t *node,
    hx_rbtree_node_t *sentinel)
{
    hx_rbtree_node_t  **link, *temp;

    temp = root;

    for ( ;; ) {
        link = ((hx_rbtree_key_int_t) (node->key - temp->key) < 0)
               ? &temp->left : &temp->right;

        if (*link == sentinel) {
            break;
        }

        temp = *link;
    }

    *link = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    hx_rbt_red(node);
}


/*
 * The node after node in key order, or NULL when node is the last.
 * Walking from hx_rbtree_min() with this visits every node once.
 */
hx_rbtree_node_t *
hx_rbtree_next(hx_rbtree_t *tree, hx_rbtree_node_t *node)
{
    hx_rbtree_node_t  *sentinel, *parent;

    sentinel = tree->sentinel;

    if (node->right != sentinel) {
        return hx_rbtree_min(node->right, sentinel);
    }

    /* climb until we arrive from a left subtree */

    for ( ;; ) {
        parent = node->parent;

        if (node == tree->root || parent == NULL) {
            return NULL;
        }

        if (node == parent->left) {
            return parent;
        }

        node = parent;
    }
}


/*
 * Orders two string nodes (or a name against a node): by hash, then by
 * length, then by bytes.  Returns <0, 0 or >0.
 */
static hx_int_t
hx_str_rbtree_cmp(hx_rbtree_key_t hash, hx_str_t *name,
    hx_rbtree_node_t *node)
{
    hx_str_node_t  *sn;

    if (hash != node->key) {
        return (hash < node->key) ? -1 : 1;
    }

    sn = (hx_str_node_t *) node;

    if (name->len != sn->str.len) {
        return (name->len < sn->str.len) ? -1 : 1;
    }

    if (name->len == 0) {
        return 0;
    }

    return hx_memcmp(name->data, sn->str.data, name->len);
}


/*
 * Insert function for trees of hx_str_node_t: node->key holds the hash of
 * the node's str.  An equal string goes right of the existing one.
 */
void
hx_str_rbtree_insert_value(hx_rbtree_node_t *temp, hx_rbtree_node_t *node,
    hx_rbtree_node_t *sentinel)
{
    hx_str_node_t      *n;
    hx_rbtree_node_t  **link;

    n = (hx_str_node_t *) node;

    for ( ;; ) {
        link = (hx_str_rbtree_cmp(node->key, &n->str, temp) < 0)
               ? &temp->left : &temp->right;

        if (*link == sentinel) {
            break;
        }

        temp = *link;
    }

    *link = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    hx_rbt_red(node);
}


/*
 * Finds the node whose string equals name in a tree built with
 * hx_str_rbtree_insert_value(); hash must be the same hash of name that
 * the inserter stored in the key.  NULL when absent.
 */
hx_str_node_t *
hx_str_rbtree_lookup(hx_rbtree_t *rbtree, hx_str_t *name, uint32_t hash)
{
    hx_int_t           rc;
    hx_rbtree_node_t  *node, *sentinel;

    node = rbtree->root;
    sentinel = rbtree->sentinel;

    while (node != sentinel) {
        rc = hx_str_rbtree_cmp(hash, name, node);

        if (rc == 0) {
            return (hx_str_node_t *) node;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}

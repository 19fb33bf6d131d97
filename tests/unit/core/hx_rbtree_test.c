/*
 * Tests for core/hx_rbtree.c.  After every batch of random inserts and
 * deletes the whole tree is checked against the red-black rules (black
 * root and sentinel, no red node with a red child, the same number of
 * black nodes on every path, consistent parent links) and an in-order walk
 * is compared with a sorted copy of the keys that should be present.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


typedef struct {
    hx_rbtree_node_t  node;
    hx_uint_t         seq;        /* insertion order, for stability checks */
    hx_uint_t         in_tree;
} hx_test_item_t;


static uint64_t  hx_test_rand_state = 0x9e3779b97f4a7c15ULL;


static uint64_t
hx_test_rand(void)
{
    /* xorshift64: deterministic, so a failure reproduces */
    hx_test_rand_state ^= hx_test_rand_state << 13;
    hx_test_rand_state ^= hx_test_rand_state >> 7;
    hx_test_rand_state ^= hx_test_rand_state << 17;

    return hx_test_rand_state;
}


/* returns the black height of the subtree, asserting the rules on the way */
static hx_uint_t
hx_test_check_subtree(hx_rbtree_t *tree, hx_rbtree_node_t *node,
    hx_rbtree_node_t *parent, hx_uint_t *count)
{
    hx_uint_t  lh, rh;

    if (node == tree->sentinel) {
        return 1;
    }

    (*count)++;

    cr_assert_eq(node->parent, parent, "broken parent link at key %lu",
                 (unsigned long) node->key);

    if (hx_rbt_is_red(node)) {
        cr_assert(hx_rbt_is_black(node->left), "red node with red child");
        cr_assert(hx_rbt_is_black(node->right), "red node with red child");
    }

    lh = hx_test_check_subtree(tree, node->left, node, count);
    rh = hx_test_check_subtree(tree, node->right, node, count);

    cr_assert_eq(lh, rh, "black heights differ under key %lu",
                 (unsigned long) node->key);

    return lh + (hx_rbt_is_black(node) ? 1 : 0);
}


static void
hx_test_check_tree(hx_rbtree_t *tree, hx_uint_t expected)
{
    hx_uint_t  count;

    count = 0;

    cr_assert(hx_rbt_is_black(tree->sentinel), "sentinel turned red");
    cr_assert(hx_rbt_is_black(tree->root), "red root");

    if (tree->root != tree->sentinel) {
        cr_assert_null(tree->root->parent, "root has a parent");
    }

    (void) hx_test_check_subtree(tree, tree->root, NULL, &count);

    cr_assert_eq(count, expected, "tree holds %lu nodes, expected %lu",
                 (unsigned long) count, (unsigned long) expected);
}


static int
hx_test_cmp_keys(const void *a, const void *b)
{
    hx_rbtree_key_t  ka, kb;

    ka = *(const hx_rbtree_key_t *) a;
    kb = *(const hx_rbtree_key_t *) b;

    return (ka > kb) - (ka < kb);
}


/* walks min..next and compares with the sorted keys of items in the tree */
static void
hx_test_check_walk(hx_rbtree_t *tree, hx_test_item_t *items, hx_uint_t n)
{
    hx_uint_t          i, live;
    hx_rbtree_key_t   *keys;
    hx_rbtree_node_t  *node;

    keys = malloc(n * sizeof(hx_rbtree_key_t) + 1);
    live = 0;

    for (i = 0; i < n; i++) {
        if (items[i].in_tree) {
            keys[live++] = items[i].node.key;
        }
    }

    qsort(keys, live, sizeof(hx_rbtree_key_t), hx_test_cmp_keys);

    i = 0;

    if (tree->root != tree->sentinel) {
        for (node = hx_rbtree_min(tree->root, tree->sentinel);
             node != NULL;
             node = hx_rbtree_next(tree, node))
        {
            cr_assert_lt(i, live, "walk returned too many nodes");
            cr_assert_eq(node->key, keys[i], "walk out of order at %lu",
                         (unsigned long) i);
            i++;
        }
    }

    cr_assert_eq(i, live, "walk returned %lu of %lu nodes",
                 (unsigned long) i, (unsigned long) live);

    free(keys);
}


Test(hx_rbtree, empty_tree_root_is_the_black_sentinel)
{
    hx_rbtree_t       tree;
    hx_rbtree_node_t  sentinel;

    sentinel.color = 1;
    hx_rbtree_init(&tree, &sentinel, hx_rbtree_insert_value);

    cr_assert_eq(tree.root, &sentinel);
    cr_assert(hx_rbt_is_black(&sentinel));
    cr_assert_eq(tree.insert, hx_rbtree_insert_value);
}


Test(hx_rbtree, single_node_is_black_root_and_has_no_next)
{
    hx_rbtree_t       tree;
    hx_rbtree_node_t  sentinel, node;

    hx_rbtree_init(&tree, &sentinel, hx_rbtree_insert_value);

    node.key = 42;
    hx_rbtree_insert(&tree, &node);

    cr_assert_eq(tree.root, &node);
    cr_assert(hx_rbt_is_black(&node));
    cr_assert_null(hx_rbtree_next(&tree, &node));

    hx_rbtree_delete(&tree, &node);

    cr_assert_eq(tree.root, &sentinel);
    cr_assert(hx_rbt_is_black(&sentinel));
    cr_assert_null(node.parent);
    cr_assert_null(node.left);
    cr_assert_null(node.right);
}


Test(hx_rbtree, random_inserts_and_deletes_keep_the_invariants)
{
    hx_uint_t          i, j, n, live, round;
    hx_rbtree_t        tree;
    hx_test_item_t    *items, *it;
    hx_rbtree_node_t   sentinel;

    n = 3000;
    items = calloc(n, sizeof(hx_test_item_t));

    hx_rbtree_init(&tree, &sentinel, hx_rbtree_insert_value);
    live = 0;

    for (round = 0; round < 4; round++) {

        /* fill: every item not in the tree goes in, keys repeat often */

        for (i = 0; i < n; i++) {
            it = &items[i];

            if (it->in_tree) {
                continue;
            }

            it->node.key = (hx_rbtree_key_t) (hx_test_rand() % (n / 2));
            hx_rbtree_insert(&tree, &it->node);
            it->in_tree = 1;
            live++;

            if (i % 97 == 0) {
                hx_test_check_tree(&tree, live);
            }
        }

        hx_test_check_tree(&tree, live);
        hx_test_check_walk(&tree, items, n);

        /* drain most of it in random order, checking as we go */

        for (j = 0; j < n * 3 / 4; j++) {
            it = &items[hx_test_rand() % n];

            if (!it->in_tree) {
                continue;
            }

            hx_rbtree_delete(&tree, &it->node);
            it->in_tree = 0;
            live--;

            if (j % 89 == 0) {
                hx_test_check_tree(&tree, live);
                hx_test_check_walk(&tree, items, n);
            }
        }

        hx_test_check_tree(&tree, live);
        hx_test_check_walk(&tree, items, n);
    }

    /* and empty it completely */

    for (i = 0; i < n; i++) {
        if (items[i].in_tree) {
            hx_rbtree_delete(&tree, &items[i].node);
            items[i].in_tree = 0;
            live--;
        }
    }

    cr_assert_eq(live, 0);
    cr_assert_eq(tree.root, &sentinel);
    hx_test_check_tree(&tree, 0);

    free(items);
}


Test(hx_rbtree, every_single_delete_keeps_the_invariants)
{
    hx_uint_t          i, n, live;
    hx_rbtree_t        tree;
    hx_test_item_t    *items;
    hx_rbtree_node_t   sentinel;

    n = 600;
    items = calloc(n, sizeof(hx_test_item_t));

    hx_rbtree_init(&tree, &sentinel, hx_rbtree_insert_value);

    for (i = 0; i < n; i++) {
        items[i].node.key = (hx_rbtree_key_t) (hx_test_rand() % 100000);
        hx_rbtree_insert(&tree, &items[i].node);
        items[i].in_tree = 1;
        hx_test_check_tree(&tree, i + 1);
    }

    /* delete in an order unrelated to insertion: every 7th index mod n */

    live = n;

    for (i = 0; i < n; i++) {
        hx_test_item_t  *it = &items[(i * 7) % n];

        hx_rbtree_delete(&tree, &it->node);
        it->in_tree = 0;
        live--;

        hx_test_check_tree(&tree, live);
        hx_test_check_walk(&tree, items, n);
    }

    free(items);
}


Test(hx_rbtree, ascending_inserts_stay_logarithmic)
{
    hx_uint_t          i, n, depth, max_depth;
    hx_rbtree_t        tree;
    hx_test_item_t    *items;
    hx_rbtree_node_t  *node, sentinel;

    n = 4096;
    items = calloc(n, sizeof(hx_test_item_t));

    hx_rbtree_init(&tree, &sentinel, hx_rbtree_insert_value);

    for (i = 0; i < n; i++) {
        items[i].node.key = i;
        hx_rbtree_insert(&tree, &items[i].node);
    }

    hx_test_check_tree(&tree, n);

    max_depth = 0;

    for (i = 0; i < n; i++) {
        depth = 0;

        for (node = &items[i].node; node != NULL; node = node->parent) {
            depth++;
        }

        max_depth = hx_max(max_depth, depth);
    }

    /* a red-black tree is at most 2 * log2(n + 1) deep: 2 * 12 here */
    cr_assert_leq(max_depth, 24, "depth %lu", (unsigned long) max_depth);

    free(items);
}


Test(hx_rbtree, equal_keys_walk_in_insertion_order)
{
    hx_uint_t          i, n;
    hx_rbtree_t        tree;
    hx_test_item_t    *items, *it;
    hx_rbtree_node_t  *node, sentinel;

    n = 200;
    items = calloc(n, sizeof(hx_test_item_t));

    hx_rbtree_init(&tree, &sentinel, hx_rbtree_insert_value);

    for (i = 0; i < n; i++) {
        items[i].node.key = 7;
        items[i].seq = i;
        hx_rbtree_insert(&tree, &items[i].node);
    }

    i = 0;

    for (node = hx_rbtree_min(tree.root, &sentinel);
         node != NULL;
         node = hx_rbtree_next(&tree, node))
    {
        it = hx_rbtree_data(node, hx_test_item_t, node);
        cr_assert_eq(it->seq, i);
        i++;
    }

    cr_assert_eq(i, n);

    free(items);
}


Test(hx_rbtree, timer_keys_sort_across_wrap_around)
{
    hx_uint_t          i;
    hx_rbtree_t        tree;
    hx_rbtree_key_t    base, expect[6];
    hx_rbtree_node_t  *node, sentinel, nodes[6];

    /* keys straddling the top of the key range: base + 10 has wrapped */

    base = HX_MAX_UINT_T_VALUE - 5;

    expect[0] = base;
    expect[1] = base + 3;
    expect[2] = base + 5;             /* the largest unwrapped key */
    expect[3] = base + 6;             /* 0 */
    expect[4] = base + 10;            /* 4 */
    expect[5] = base + 1000;

    hx_rbtree_init(&tree, &sentinel, hx_rbtree_insert_timer_value);

    /* insert in a scrambled order */
    nodes[0].key = expect[4];
    nodes[1].key = expect[0];
    nodes[2].key = expect[5];
    nodes[3].key = expect[2];
    nodes[4].key = expect[3];
    nodes[5].key = expect[1];

    for (i = 0; i < 6; i++) {
        hx_rbtree_insert(&tree, &nodes[i]);
    }

    hx_test_check_tree(&tree, 6);

    /* the earliest timer is the one before the wrap, not key 0 */
    node = hx_rbtree_min(tree.root, &sentinel);
    cr_assert_eq(node->key, base);

    for (i = 0; node != NULL; node = hx_rbtree_next(&tree, node), i++) {
        cr_assert_eq(node->key, expect[i], "position %lu",
                     (unsigned long) i);
    }

    cr_assert_eq(i, 6);
}


Test(hx_rbtree, plain_keys_do_not_wrap)
{
    hx_rbtree_t        tree;
    hx_rbtree_node_t   sentinel, small, big;

    /* the same two keys sort the other way without the timer compare */

    hx_rbtree_init(&tree, &sentinel, hx_rbtree_insert_value);

    big.key = HX_MAX_UINT_T_VALUE - 1;
    small.key = 4;

    hx_rbtree_insert(&tree, &big);
    hx_rbtree_insert(&tree, &small);

    cr_assert_eq(hx_rbtree_min(tree.root, &sentinel), &small);
}


static void
hx_test_str_node(hx_str_node_t *sn, const char *s, uint32_t hash)
{
    sn->str.len = strlen(s);
    sn->str.data = (uint8_t *) s;
    sn->node.key = hash;
}


Test(hx_rbtree, string_tree_finds_names_sharing_a_hash)
{
    hx_str_t          name;
    hx_uint_t         i;
    hx_rbtree_t       tree;
    hx_str_node_t     nodes[8], *found;
    hx_rbtree_node_t  sentinel;

    static const char  *names[8] = {
        "zone_a", "zone_b", "zone", "zone_aa", "", "other", "x", "zone_c"
    };

    /* hash 5 for most names forces the length and byte tie-breaks */
    static const uint32_t  hashes[8] = { 5, 5, 5, 5, 5, 9, 1, 5 };

    hx_rbtree_init(&tree, &sentinel, hx_str_rbtree_insert_value);

    for (i = 0; i < 8; i++) {
        hx_test_str_node(&nodes[i], names[i], hashes[i]);
        hx_rbtree_insert(&tree, &nodes[i].node);
    }

    hx_test_check_tree(&tree, 8);

    for (i = 0; i < 8; i++) {
        name.len = strlen(names[i]);
        name.data = (uint8_t *) names[i];

        found = hx_str_rbtree_lookup(&tree, &name, hashes[i]);
        cr_assert_eq(found, &nodes[i], "lookup of \"%s\"", names[i]);
    }

    /* same hash, absent name; present name, wrong hash */

    hx_str_set(&name, "zone_d");
    cr_assert_null(hx_str_rbtree_lookup(&tree, &name, 5));

    hx_str_set(&name, "zon");
    cr_assert_null(hx_str_rbtree_lookup(&tree, &name, 5));

    hx_str_set(&name, "zone_a");
    cr_assert_null(hx_str_rbtree_lookup(&tree, &name, 6));
}


Test(hx_rbtree, string_tree_lookup_after_deletes)
{
    char              buf[64][16];
    hx_str_t          name;
    hx_uint_t         i;
    hx_rbtree_t       tree;
    hx_str_node_t     nodes[64];
    hx_rbtree_node_t  sentinel;

    hx_rbtree_init(&tree, &sentinel, hx_str_rbtree_insert_value);

    for (i = 0; i < 64; i++) {
        snprintf(buf[i], sizeof(buf[i]), "name%lu", (unsigned long) i);
        hx_test_str_node(&nodes[i], buf[i], (uint32_t) (i % 4));
        hx_rbtree_insert(&tree, &nodes[i].node);
    }

    for (i = 0; i < 64; i += 2) {
        hx_rbtree_delete(&tree, &nodes[i].node);
    }

    hx_test_check_tree(&tree, 32);

    for (i = 0; i < 64; i++) {
        name.len = strlen(buf[i]);
        name.data = (uint8_t *) buf[i];

        if (i % 2) {
            cr_assert_eq(hx_str_rbtree_lookup(&tree, &name,
                                              (uint32_t) (i % 4)),
                         &nodes[i]);

        } else {
            cr_assert_null(hx_str_rbtree_lookup(&tree, &name,
                                                (uint32_t) (i % 4)));
        }
    }
}

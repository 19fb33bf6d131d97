/*
 * The table behind split_clients, shared by http and stream: the parts
 * of a split_clients {} block ("0.5% one; 2% two; * other;") as slices
 * of the 32-bit MurmurHash2 space, and the lookup of a key's slice.
 *
 * The slice boundaries are computed the way nginx computes them, so a
 * key lands in the same part under hanx and nginx.  The table knows
 * nothing of variables: a part's value is the text of its line.
 */

#ifndef HX_CORE_HX_SPLIT_CLIENTS_H
#define HX_CORE_HX_SPLIT_CLIENTS_H


typedef struct {
    uint32_t                bound;     /* exclusive upper bound; 0: rest */
    hx_str_t                value;
} hx_split_clients_part_t;


typedef struct {
    hx_array_t              parts;     /* hx_split_clients_part_t */
} hx_split_clients_t;


/*
 * Reads the block that follows the current directive ("percent value;"
 * or "* value;" lines) into sc and turns the percentages into slice
 * bounds.  HX_CONF_OK, or HX_CONF_ERROR after an [emerg]: a line that
 * is not two words, a bad or zero percentage, a total over 100%.
 */
char *hx_split_clients_block(hx_conf_t *cf, hx_split_clients_t *sc);

/*
 * The value of the part whose slice holds the MurmurHash2 of key, or
 * NULL when the percentages leave that hash uncovered.
 */
hx_str_t *hx_split_clients_find(hx_split_clients_t *sc, hx_str_t *key,
    hx_log_t *log);


#endif /* HX_CORE_HX_SPLIT_CLIENTS_H */

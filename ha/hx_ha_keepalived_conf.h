/*
 * keepalived.conf as it is: "keepalived_config PATH [config_id=ID];"
 * inside ha { }.
 *
 * A keepalived.conf is translated into nginx grammar line for line (each
 * keepalived line becomes the same line of the translation, with ";"
 * where a directive ends) and the translation goes through the ordinary
 * parser under the keepalived file's name.  The ha {} spelling and the
 * keepalived spelling thus meet the same directive tables, the same
 * setters and the same error messages, which name the keepalived file and
 * its line.  The translator is pure (text in, text out) so that the unit
 * tests and the fuzz target drive it without a cycle.
 */

#ifndef HX_HA_HX_HA_KEEPALIVED_CONF_H
#define HX_HA_HX_HA_KEEPALIVED_CONF_H


/* keepalived joins at most this much text into one logical line */
#define HX_HA_KC_MAX_LINE     65536
/* and includes this deep */
#define HX_HA_KC_MAX_DEPTH    8


/* "$NAME=value" */
typedef struct {
    hx_str_t             name;
    hx_str_t             value;
} hx_ha_kc_var_t;


/*
 * What the translation of one file needs and leaves: the config id that
 * chooses "@id" lines, the variables (kept across files, as keepalived's
 * are global), the file's directory for relative includes, and after a
 * failure the reason and the line.
 */
typedef struct {
    hx_str_t             config_id;
    hx_array_t          *vars;          /* hx_ha_kc_var_t */
    hx_str_t             dir;           /* with a final "/", or empty */
    hx_uint_t            err_line;
    char                 err[256];
} hx_ha_kc_ctx_t;


/*
 * Translates keepalived text into nginx-grammar text in pool.  Line n of
 * the result holds line n's directives (a directive continued with "\" at
 * the end of a line sits on the first of its lines; the others are left
 * empty).  Every word comes out double-quoted with its bytes escaped, so
 * no keepalived word can be read as nginx syntax.  "include PATTERN"
 * becomes "keepalived_include PATTERN;" with PATTERN made absolute
 * against ctx->dir.  Returns the text, or NULL with ctx->err and
 * ctx->err_line set (err_line 0 and an empty err: out of memory).
 */
hx_buf_t *hx_ha_keepalived_translate(hx_pool_t *pool, hx_ha_kc_ctx_t *ctx,
    const uint8_t *text, size_t len);


/* keepalived's default config id: the host name up to its first dot */
hx_int_t hx_ha_keepalived_default_id(hx_pool_t *pool, hx_str_t *id);

/*
 * The files cycle's ha { } block read with keepalived_config (hx_str_t,
 * full paths, in the order read; includes are not listed), or NULL when
 * the configuration has no ha { } block.
 */
hx_array_t *hx_ha_keepalived_files(hx_cycle_t *cycle);


extern hx_module_t  hx_ha_keepalived_module;

#endif /* HX_HA_HX_HA_KEEPALIVED_CONF_H */

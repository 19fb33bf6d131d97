/*
 * The escape= modes of log_format, shared by the http and stream log
 * modules: "default" writes '"', '\', control bytes and bytes from 0x7f
 * up as "\xHH" so that a line stays one parseable line; "json" writes
 * JSON string escapes (hx_escape_json); "none" copies the value.
 */

#ifndef HX_CORE_HX_LOG_ESCAPE_H
#define HX_CORE_HX_LOG_ESCAPE_H


#define HX_LOG_ESCAPE_DEFAULT  0
#define HX_LOG_ESCAPE_JSON     1
#define HX_LOG_ESCAPE_NONE     2


/*
 * Reads a log_format word "escape=default|json|none" into *mode.
 * HX_OK, HX_DECLINED when word does not start with "escape=", HX_ERROR
 * after an [emerg] for an unknown mode.
 */
hx_int_t hx_log_escape_param(hx_conf_t *cf, hx_str_t *word,
    hx_uint_t *mode);

/*
 * The default escaping.  With dst NULL, the number of bytes of src that
 * need it (each grows by 3); else writes the escaped src to dst and
 * returns its end.
 */
uintptr_t hx_log_escape(uint8_t *dst, uint8_t *src, size_t size);

/*
 * src escaped per mode: with dst NULL only its length, else also
 * written to dst.  Returns the length.
 */
size_t hx_log_escape_value(hx_uint_t mode, uint8_t *dst, uint8_t *src,
    size_t size);


#endif /* HX_CORE_HX_LOG_ESCAPE_H */

/*
 * The escapes of log_format: escape=default writes '"', '\', control
 * bytes and bytes from 0x7f up as "\xHH"; escape=json writes JSON string
 * escapes, with uppercase "\u00XX", byte for byte as nginx does.
 */

#ifndef HX_HTTP_MODULES_HX_HTTP_LOG_ESCAPE_H
#define HX_HTTP_MODULES_HX_HTTP_LOG_ESCAPE_H


/*
 * With dst NULL, the number of bytes of src that need escaping (each
 * grows by 3); else writes the escaped src to dst and returns its end.
 */
uintptr_t hx_http_log_escape(uint8_t *dst, uint8_t *src, size_t size);

/*
 * With dst NULL, the number of extra bytes the escaped src takes; else
 * writes it to dst and returns its end.
 */
uintptr_t hx_http_log_escape_json(uint8_t *dst, uint8_t *src, size_t size);

#endif /* HX_HTTP_MODULES_HX_HTTP_LOG_ESCAPE_H */

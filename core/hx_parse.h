/*
 * nginx's units for sizes and times in configuration values:
 * sizes "512", "64k", "10m", "1g"; times "30", "5s", "1h 30m", "500ms".
 */

#ifndef HX_CORE_HX_PARSE_H
#define HX_CORE_HX_PARSE_H


/* bytes from "N", "Nk", "Nm" (either case); HX_ERROR when invalid */
ssize_t hx_parse_size(hx_str_t *line);

/* bytes from "N", "Nk", "Nm", "Ng"; HX_ERROR when invalid */
off_t hx_parse_offset(hx_str_t *line);

/*
 * Milliseconds (is_sec == 0) or seconds (is_sec == 1) from a time such as
 * "1y 2M 3w 4d 5h 6m 7s 8ms" (units largest first, each at most once,
 * spaces optional).  A bare number means seconds in both cases; "ms" is
 * refused when is_sec == 1.  HX_ERROR when invalid or on overflow.
 */
hx_int_t hx_parse_time(hx_str_t *line, hx_uint_t is_sec);

#endif /* HX_CORE_HX_PARSE_H */

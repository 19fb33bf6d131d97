/*
 * The listen parameters that http and stream read the same way and
 * store in their own listen options: so_keepalive=on|off|idle:intvl:cnt.
 */

#ifndef HX_CORE_HX_LISTEN_PARAM_H
#define HX_CORE_HX_LISTEN_PARAM_H


typedef struct {
    hx_uint_t               mode;       /* 1: on, 2: off */
    int                     idle;       /* seconds, 0: the system's */
    int                     intvl;      /* seconds, 0: the system's */
    int                     cnt;        /* probes, 0: the system's */
} hx_listen_keepalive_t;


/*
 * Reads the word "so_keepalive=on", "=off" or "=[idle]:[intvl]:[cnt]"
 * (times for the first two, a number for the count; at least one
 * given; a fourth field fails) into ka.  HX_OK, or HX_ERROR after an
 * [emerg] naming the value.
 */
hx_int_t hx_listen_parse_keepalive(hx_conf_t *cf, hx_str_t *word,
    hx_listen_keepalive_t *ka);


#endif /* HX_CORE_HX_LISTEN_PARAM_H */

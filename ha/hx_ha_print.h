/*
 * The converter behind "hanx -T": the ha { } block as hanx resolved it,
 * printed back in hanx's own spelling (hx_ha_print.c).
 */

#ifndef HX_HA_HX_HA_PRINT_H
#define HX_HA_HX_HA_PRINT_H


/*
 * Writes cycle's ha { } block, resolved (global_defs, vrrp_script,
 * vrrp_sync_group, vrrp_instance, virtual_server with its real_servers
 * and their checkers), as nginx-grammar text that hanx reads back into
 * the same configuration.  *title gets the comment line that introduces
 * it ("# ha { } as hanx reads it (from ...)"), without a newline; *text
 * the block, ending with a newline.  Both are allocated from pool.
 * Returns HX_DECLINED when the configuration has no ha { } block,
 * HX_ERROR when out of memory, HX_OK otherwise.
 */
hx_int_t hx_ha_print(hx_cycle_t *cycle, hx_pool_t *pool, hx_str_t *title,
    hx_str_t *text);

/*
 * For -T: appends the printed block to cycle->config_dump, after the
 * files read, under its title as the entry's name (a name starting with
 * "#" is printed as it is by the dump).  HX_OK also when there is no
 * ha { } block; HX_ERROR when out of memory.
 */
hx_int_t hx_ha_print_dump(hx_cycle_t *cycle);

#endif /* HX_HA_HX_HA_PRINT_H */

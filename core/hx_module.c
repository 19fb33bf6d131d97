/*
 * The module registry: numbers the built-in modules, gives each cycle its
 * own copy of the list, and runs the lifecycle hooks in list order.  hanx
 * has no dynamic modules, so indexes are fixed for the life of the binary
 * and a reload can match module confs by index.
 */

#include <hx_config.h>
#include <hx_core.h>


hx_uint_t  hx_max_module;


hx_int_t
hx_preinit_modules(void)
{
    hx_uint_t  i;

    for (i = 0; hx_modules[i]; i++) {
        hx_modules[i]->index = i;
        hx_modules[i]->name = hx_module_names[i];
    }

    hx_max_module = i;

    return HX_OK;
}


hx_int_t
hx_cycle_modules(hx_cycle_t *cycle)
{
    cycle->modules = hx_pcalloc(cycle->pool,
                                (hx_max_module + 1) * sizeof(hx_module_t *));
    if (cycle->modules == NULL) {
        return HX_ERROR;
    }

    hx_memcpy(cycle->modules, hx_modules,
              hx_max_module * sizeof(hx_module_t *));

    cycle->modules_n = hx_max_module;

    return HX_OK;
}


hx_int_t
hx_init_modules(hx_cycle_t *cycle)
{
    hx_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->init_module) {
            if (cycle->modules[i]->init_module(cycle) != HX_OK) {
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
}


hx_int_t
hx_count_modules(hx_cycle_t *cycle, hx_uint_t type)
{
    hx_uint_t     i, n;
    hx_module_t  *module;

    n = 0;

    for (i = 0; cycle->modules[i]; i++) {
        module = cycle->modules[i];

        if (module->type != type) {
            continue;
        }

        module->ctx_index = n++;
    }

    return n;
}


hx_int_t
hx_modules_init_master(hx_cycle_t *cycle)
{
    hx_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->init_master) {
            if (cycle->modules[i]->init_master(cycle) != HX_OK) {
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
}


hx_int_t
hx_modules_init_process(hx_cycle_t *cycle)
{
    hx_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->init_process) {
            if (cycle->modules[i]->init_process(cycle) != HX_OK) {
                return HX_ERROR;
            }
        }
    }

    return HX_OK;
}


void
hx_modules_exit_process(hx_cycle_t *cycle)
{
    hx_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->exit_process) {
            cycle->modules[i]->exit_process(cycle);
        }
    }
}


void
hx_modules_exit_master(hx_cycle_t *cycle)
{
    hx_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->exit_master) {
            cycle->modules[i]->exit_master(cycle);
        }
    }
}

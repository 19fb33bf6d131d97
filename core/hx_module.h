/*
 * The module registry.  configure writes objs/hx_modules.c with the ordered
 * list of built-in modules (core, event, http, stream, ha); each module is
 * a static object with a type, a per-type context of configuration hooks,
 * a directive table and lifecycle hooks (STYLE.md section 4).  Unlike
 * nginx, every declared hook is called: init_master when the master's loop
 * starts, exit_master when it ends.
 */

#ifndef HX_CORE_HX_MODULE_H
#define HX_CORE_HX_MODULE_H


#define HX_MODULE_UNSET_INDEX  (hx_uint_t) -1

/* module types: four letters, as nginx spells them, so dumps are readable */
#define HX_CORE_MODULE    0x45524F43  /* "CORE" */
#define HX_CONF_MODULE    0x464E4F43  /* "CONF" */
#define HX_EVENT_MODULE   0x544E5645  /* "EVNT" */
#define HX_HTTP_MODULE    0x50545448  /* "HTTP" */
#define HX_STREAM_MODULE  0x4D525453  /* "STRM" */
#define HX_HA_MODULE      0x20204148  /* "HA  " */

#define HX_MODULE_V1      HX_MODULE_UNSET_INDEX, HX_MODULE_UNSET_INDEX


struct hx_module_s {
    hx_uint_t            ctx_index;   /* index among modules of its type */
    hx_uint_t            index;       /* index among all modules */

    char                *name;
    void                *ctx;
    hx_command_t        *commands;
    hx_uint_t            type;

    /* master, after parsing, before fork (also on reload) */
    hx_int_t           (*init_module)(hx_cycle_t *cycle);
    /* master, when its event loop starts (ha opens its sockets here) */
    hx_int_t           (*init_master)(hx_cycle_t *cycle);
    /* each worker after fork and privilege drop */
    hx_int_t           (*init_process)(hx_cycle_t *cycle);
    void               (*exit_process)(hx_cycle_t *cycle);
    /* master, before it exits */
    void               (*exit_master)(hx_cycle_t *cycle);
};


/* the context of a CORE module: its main-level conf */
typedef struct {
    hx_str_t             name;
    void              *(*create_conf)(hx_cycle_t *cycle);
    char              *(*init_conf)(hx_cycle_t *cycle, void *conf);
} hx_core_module_t;


/* objs/hx_modules.c */
extern hx_module_t  *hx_modules[];
extern char         *hx_module_names[];

extern hx_uint_t     hx_max_module;

hx_int_t hx_preinit_modules(void);
hx_int_t hx_cycle_modules(hx_cycle_t *cycle);
hx_int_t hx_init_modules(hx_cycle_t *cycle);
/* numbers the modules of one type (ctx_index); returns the count */
hx_int_t hx_count_modules(hx_cycle_t *cycle, hx_uint_t type);

/* runs a lifecycle hook of every module that has it; stops on error */
hx_int_t hx_modules_init_master(hx_cycle_t *cycle);
hx_int_t hx_modules_init_process(hx_cycle_t *cycle);
void hx_modules_exit_process(hx_cycle_t *cycle);
void hx_modules_exit_master(hx_cycle_t *cycle);

#endif /* HX_CORE_HX_MODULE_H */

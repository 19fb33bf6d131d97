/*
 * Shared memory for state many processes read: anonymous shared mappings
 * created in the master before fork, so every worker inherits them.  A
 * zone is a named mapping registered at configuration time; on reload a
 * zone with the same name, size and tag keeps its mapping and contents.
 * hx_shmtx_t is a process-shared robust mutex: a worker that dies holding
 * it does not wedge the others.
 */

#ifndef HX_CORE_HX_SHMEM_H
#define HX_CORE_HX_SHMEM_H

#include <pthread.h>


typedef struct {
    uint8_t        *addr;
    size_t          size;
    hx_str_t        name;
    hx_log_t       *log;
    hx_uint_t       exists;   /* 1 when reused from the previous cycle */
} hx_shm_t;


typedef hx_int_t (*hx_shm_zone_init_pt) (hx_shm_zone_t *zone, void *data);

struct hx_shm_zone_s {
    void                 *data;
    hx_shm_t              shm;
    hx_shm_zone_init_pt   init;   /* data: the old zone's data on reuse */
    void                 *tag;    /* the module that owns it */
    void                 *sync;
    hx_uint_t             noreuse;
};


typedef struct {
    pthread_mutex_t       mutex;
} hx_shmtx_t;


hx_int_t hx_shm_alloc(hx_shm_t *shm);
void hx_shm_free(hx_shm_t *shm);

/* initialises a mutex that lives inside shared memory */
hx_int_t hx_shmtx_create(hx_shmtx_t *mtx, hx_log_t *log);
void hx_shmtx_lock(hx_shmtx_t *mtx);
hx_uint_t hx_shmtx_trylock(hx_shmtx_t *mtx);
void hx_shmtx_unlock(hx_shmtx_t *mtx);

#endif /* HX_CORE_HX_SHMEM_H */

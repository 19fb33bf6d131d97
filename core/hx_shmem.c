/*
 * Shared memory and the mutex that guards it.
 *
 * Zones are anonymous shared mappings made by the master before it forks,
 * so every worker inherits the same pages at the same address and
 * pointers stored inside a zone stay valid in every process.  No file or
 * SysV key is involved, so nothing is left behind when hanx exits.
 *
 * The lock is a POSIX mutex placed in the zone itself, process-shared and
 * robust.  Robustness is the reason for choosing it over a hand-made spin
 * lock: when a worker dies holding the lock (a crash, SIGKILL from the
 * OOM killer), the next locker is told so (EOWNERDEAD) instead of waiting
 * forever, marks the mutex consistent and carries on.  The data the dead
 * worker was changing may be half-updated, which for counters and
 * health flags is acceptable; the alternative is every worker stuck.
 */

#include <hx_config.h>
#include <hx_core.h>


static void hx_shmtx_owner_died(hx_shmtx_t *mtx);
static void hx_shmtx_failed(const char *what, int err);


/*
 * Maps shm->size bytes of zeroed memory shared with future children.
 * HX_OK, or HX_ERROR after logging to shm->log.
 */
hx_int_t
hx_shm_alloc(hx_shm_t *shm)
{
    void  *p;

    p = mmap(NULL, shm->size, PROT_READ|PROT_WRITE, MAP_ANONYMOUS|MAP_SHARED,
             -1, 0);

    if (p == MAP_FAILED) {
        hx_log_error(HX_LOG_ALERT, shm->log, hx_errno,
                     "mmap(MAP_ANONYMOUS|MAP_SHARED, %uz) failed", shm->size);
        return HX_ERROR;
    }

    shm->addr = p;

    return HX_OK;
}


/* unmaps the zone in this process; the others keep their mapping */
void
hx_shm_free(hx_shm_t *shm)
{
    if (munmap(shm->addr, shm->size) == -1) {
        hx_log_error(HX_LOG_ALERT, shm->log, hx_errno,
                     "munmap(%p, %uz) failed", shm->addr, shm->size);
    }
}


/*
 * Initialises mtx, which must lie in shared memory, as a process-shared
 * robust mutex.  Call once, before the processes that use it exist.
 * HX_OK, or HX_ERROR after logging.
 */
hx_int_t
hx_shmtx_create(hx_shmtx_t *mtx, hx_log_t *log)
{
    int                  err;
    const char          *what;
    pthread_mutexattr_t  attr;

    err = pthread_mutexattr_init(&attr);
    if (err != 0) {
        hx_log_error(HX_LOG_ALERT, log, err,
                     "pthread_mutexattr_init() failed");
        return HX_ERROR;
    }

    what = "pthread_mutexattr_setpshared()";
    err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);

    if (err == 0) {
        what = "pthread_mutexattr_setrobust()";
        err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    }

    if (err == 0) {
        what = "pthread_mutex_init()";
        err = pthread_mutex_init(&mtx->mutex, &attr);
    }

    (void) pthread_mutexattr_destroy(&attr);

    if (err != 0) {
        hx_log_error(HX_LOG_ALERT, log, err, "%s failed", what);
        return HX_ERROR;
    }

    return HX_OK;
}


/*
 * Takes the lock, waiting as long as needed.  If the previous owner died
 * holding it, the lock is taken over and made usable again.
 */
void
hx_shmtx_lock(hx_shmtx_t *mtx)
{
    int  err;

    err = pthread_mutex_lock(&mtx->mutex);

    if (err == 0) {
        return;
    }

    if (err == EOWNERDEAD) {
        hx_shmtx_owner_died(mtx);
        return;
    }

    hx_shmtx_failed("pthread_mutex_lock()", err);
}


/* 1 when the lock was taken (from a dead owner too), 0 when it is busy */
hx_uint_t
hx_shmtx_trylock(hx_shmtx_t *mtx)
{
    int  err;

    err = pthread_mutex_trylock(&mtx->mutex);

    switch (err) {

    case 0:
        return 1;

    case EOWNERDEAD:
        hx_shmtx_owner_died(mtx);
        return 1;

    case EBUSY:
        return 0;

    default:
        hx_shmtx_failed("pthread_mutex_trylock()", err);
        return 0;
    }
}


void
hx_shmtx_unlock(hx_shmtx_t *mtx)
{
    int  err;

    err = pthread_mutex_unlock(&mtx->mutex);

    if (err != 0) {
        hx_shmtx_failed("pthread_mutex_unlock()", err);
    }
}


static void
hx_shmtx_owner_died(hx_shmtx_t *mtx)
{
    int  err;

    err = pthread_mutex_consistent(&mtx->mutex);

    if (err != 0) {
        hx_shmtx_failed("pthread_mutex_consistent()", err);
        return;
    }

    if (hx_cycle != NULL && hx_cycle->log != NULL) {
        hx_log_error(HX_LOG_NOTICE, hx_cycle->log, 0,
                     "shared memory lock was held by a process that died, "
                     "recovered it");
    }
}


/*
 * A failure other than a dead owner means a corrupt zone or a bug in the
 * caller (unlocking a lock it does not hold): worth an alert.
 */
static void
hx_shmtx_failed(const char *what, int err)
{
    if (hx_cycle != NULL && hx_cycle->log != NULL) {
        hx_log_error(HX_LOG_ALERT, hx_cycle->log, err, "%s failed", what);
    }
}

/*
 * Tests of shared zones and the robust shared mutex: memory written by a
 * child is seen by its parent, two processes incrementing one counter
 * under the lock lose no update, and a process that dies holding the lock
 * does not block the others.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


#define LOOPS  100000


typedef struct {
    hx_shmtx_t   mtx;
    hx_uint_t    counter;
} shared_t;


static hx_log_t     test_log;
static hx_cycle_t   cycle;
static hx_uint_t    logged_level;
static char         logged[512];


static void
capture(hx_log_t *l, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) l;

    logged_level = level;
    len = hx_min(len, sizeof(logged) - 1);
    memcpy(logged, buf, len);
    logged[len] = '\0';
}


static void
setup(void)
{
    hx_memzero(&test_log, sizeof(test_log));
    test_log.log_level = HX_LOG_DEBUG;
    test_log.writer = capture;

    hx_memzero(&cycle, sizeof(cycle));
    cycle.log = &test_log;
    hx_cycle = &cycle;

    logged[0] = '\0';
}


TestSuite(hx_shmem, .init = setup, .timeout = 60);


static shared_t *
make_shared(hx_shm_t *shm)
{
    shared_t  *sh;

    hx_memzero(shm, sizeof(hx_shm_t));
    shm->size = 64 * 1024;
    shm->log = &test_log;
    hx_str_set(&shm->name, "test");

    cr_assert_eq(hx_shm_alloc(shm), HX_OK);

    sh = (shared_t *) shm->addr;
    cr_assert_eq(hx_shmtx_create(&sh->mtx, &test_log), HX_OK);

    return sh;
}


static void
wait_child(pid_t pid)
{
    int  status;

    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child status %d", status);
}


static void
increment(shared_t *sh)
{
    hx_uint_t           i;
    volatile hx_uint_t  v;

    for (i = 0; i < LOOPS; i++) {
        hx_shmtx_lock(&sh->mtx);

        /* a read-modify-write wide enough for a race to show */
        v = sh->counter;

        if (i % 100 == 0) {
            sched_yield();
        }

        sh->counter = v + 1;

        hx_shmtx_unlock(&sh->mtx);
    }
}


Test(hx_shmem, zone_is_zeroed_and_shared_with_children)
{
    hx_shm_t   shm;
    pid_t      pid;
    hx_uint_t  i;

    hx_memzero(&shm, sizeof(shm));
    shm.size = 1024 * 1024;
    shm.log = &test_log;

    cr_assert_eq(hx_shm_alloc(&shm), HX_OK);

    for (i = 0; i < shm.size; i += 4096) {
        cr_assert_eq(shm.addr[i], 0);
    }

    pid = fork();
    cr_assert(pid != -1);

    if (pid == 0) {
        memcpy(shm.addr + shm.size - 6, "hello", 6);
        _exit(0);
    }

    wait_child(pid);
    cr_assert_str_eq((char *) shm.addr + shm.size - 6, "hello");

    hx_shm_free(&shm);
    cr_assert_str_eq(logged, "");
}


Test(hx_shmem, failures_are_logged)
{
    hx_shm_t  shm;

    hx_memzero(&shm, sizeof(shm));
    shm.size = (size_t) -4096;
    shm.log = &test_log;

    cr_assert_eq(hx_shm_alloc(&shm), HX_ERROR);
    cr_assert_eq(logged_level, HX_LOG_ALERT);
    cr_assert(strstr(logged, "mmap(MAP_ANONYMOUS|MAP_SHARED") != NULL,
              "%s", logged);

    logged[0] = '\0';
    shm.addr = (uint8_t *) 1;
    shm.size = 4096;
    hx_shm_free(&shm);
    cr_assert(strstr(logged, "munmap(") != NULL, "%s", logged);
}


Test(hx_shmem, two_processes_lose_no_increment)
{
    hx_shm_t   shm;
    shared_t  *sh;
    pid_t      pid;

    int        start[2];
    char       c;

    sh = make_shared(&shm);
    cr_assert_eq(pipe(start), 0);

    pid = fork();
    cr_assert(pid != -1);

    if (pid == 0) {
        /* both start together so that they really contend */
        (void) read(start[0], &c, 1);
        increment(sh);
        _exit(0);
    }

    cr_assert_eq(write(start[1], "s", 1), 1);
    increment(sh);
    wait_child(pid);

    cr_assert_eq(sh->counter, 2 * LOOPS);

    hx_shm_free(&shm);
}


Test(hx_shmem, trylock_reports_a_busy_lock)
{
    hx_shm_t   shm;
    shared_t  *sh;
    pid_t      pid;
    int        go[2], ready[2];
    char       c;

    sh = make_shared(&shm);

    cr_assert_eq(pipe(go), 0);
    cr_assert_eq(pipe(ready), 0);

    pid = fork();
    cr_assert(pid != -1);

    if (pid == 0) {
        hx_shmtx_lock(&sh->mtx);
        (void) write(ready[1], "r", 1);
        (void) read(go[0], &c, 1);
        hx_shmtx_unlock(&sh->mtx);
        _exit(0);
    }

    cr_assert_eq(read(ready[0], &c, 1), 1);
    cr_assert_eq(hx_shmtx_trylock(&sh->mtx), 0);

    cr_assert_eq(write(go[1], "g", 1), 1);
    wait_child(pid);

    cr_assert_eq(hx_shmtx_trylock(&sh->mtx), 1);
    hx_shmtx_unlock(&sh->mtx);

    hx_shm_free(&shm);
}


Test(hx_shmem, lock_held_by_a_dead_process_is_recovered)
{
    hx_shm_t   shm;
    shared_t  *sh;
    pid_t      pid;

    sh = make_shared(&shm);

    pid = fork();
    cr_assert(pid != -1);

    if (pid == 0) {
        hx_shmtx_lock(&sh->mtx);
        sh->counter = 1;
        _exit(0);                  /* dies holding the lock */
    }

    wait_child(pid);

    hx_shmtx_lock(&sh->mtx);
    cr_assert_eq(sh->counter, 1);
    cr_assert(strstr(logged, "died") != NULL, "%s", logged);
    cr_assert_eq(logged_level, HX_LOG_NOTICE);
    hx_shmtx_unlock(&sh->mtx);

    /* and it stays usable, by this process and by others */
    logged[0] = '\0';

    pid = fork();
    cr_assert(pid != -1);

    if (pid == 0) {
        increment(sh);
        _exit(0);
    }

    increment(sh);
    wait_child(pid);

    cr_assert_eq(sh->counter, 2 * LOOPS + 1);
    cr_assert_str_eq(logged, "");

    hx_shm_free(&shm);
}


Test(hx_shmem, trylock_recovers_from_a_dead_owner_too)
{
    hx_shm_t   shm;
    shared_t  *sh;
    pid_t      pid;

    sh = make_shared(&shm);

    pid = fork();
    cr_assert(pid != -1);

    if (pid == 0) {
        hx_shmtx_lock(&sh->mtx);
        kill(getpid(), SIGKILL);
        _exit(1);
    }

    cr_assert_eq(waitpid(pid, NULL, 0), pid);

    cr_assert_eq(hx_shmtx_trylock(&sh->mtx), 1);
    hx_shmtx_unlock(&sh->mtx);
    cr_assert_eq(hx_shmtx_trylock(&sh->mtx), 1);
    hx_shmtx_unlock(&sh->mtx);

    hx_shm_free(&shm);
}

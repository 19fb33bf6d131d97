/*
 * Tests of the file helpers: absolute names, directory creation, the
 * sorted and possibly empty globs of "include", and positioned reads and
 * writes that log failures through the file's log.
 */

#include <hx_config.h>
#include <hx_core.h>

#include <criterion/criterion.h>


static char       tmpdir[64];
static hx_uint_t  logged_level;
static char       logged[1024];


static void
make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/hx_files_test.XXXXXX");
    cr_assert(mkdtemp(tmpdir) != NULL);
}


static void
remove_tmpdir(void)
{
    char  cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert(system(cmd) == 0);
}


static void
touch(const char *name)
{
    char  path[256];
    int   fd;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fd = open(path, O_CREAT | O_WRONLY, 0644);
    cr_assert(fd != -1);
    close(fd);
}


static void
capture(hx_log_t *log, hx_uint_t level, uint8_t *buf, size_t len)
{
    (void) log;

    logged_level = level;
    len = hx_min(len, sizeof(logged) - 1);
    memcpy(logged, buf, len);
    logged[len] = '\0';
}


TestSuite(hx_files, .init = make_tmpdir, .fini = remove_tmpdir);


Test(hx_files, full_name_leaves_absolute_names_alone)
{
    hx_pool_t  *pool;
    hx_str_t    prefix = hx_string("/usr/local/hanx/");
    hx_str_t    name = hx_string("/etc/hanx.conf");
    uint8_t    *orig;

    pool = hx_create_pool(1024, NULL);
    orig = name.data;

    cr_assert_eq(hx_get_full_name(pool, &prefix, &name), HX_OK);
    cr_assert_eq(name.data, orig);
    cr_assert_eq(name.len, strlen("/etc/hanx.conf"));

    hx_destroy_pool(pool);
}


Test(hx_files, full_name_prefixes_relative_names)
{
    hx_pool_t  *pool;
    hx_str_t    prefix = hx_string("/usr/local/hanx/");
    hx_str_t    bare = hx_string("/opt/hx");
    hx_str_t    name = hx_string("conf/hanx.conf");
    hx_str_t    name2 = hx_string("logs/error.logXXX");

    pool = hx_create_pool(1024, NULL);

    cr_assert_eq(hx_get_full_name(pool, &prefix, &name), HX_OK);
    cr_assert_eq(name.len, strlen("/usr/local/hanx/conf/hanx.conf"));
    cr_assert_str_eq((char *) name.data, "/usr/local/hanx/conf/hanx.conf");

    /* a prefix without its trailing slash still gives a sane path; only
     * len bytes of the name are used and the result is NUL-terminated */
    name2.len -= 3;
    cr_assert_eq(hx_get_full_name(pool, &bare, &name2), HX_OK);
    cr_assert_str_eq((char *) name2.data, "/opt/hx/logs/error.log");
    cr_assert_eq(name2.len, strlen("/opt/hx/logs/error.log"));

    hx_destroy_pool(pool);
}


Test(hx_files, create_full_path_makes_missing_directories)
{
    char         path[256];
    struct stat  sb;

    snprintf(path, sizeof(path), "%s/a/b/c/file", tmpdir);

    cr_assert_eq(hx_create_full_path((uint8_t *) path, 0700), 0);
    cr_assert_str_eq(path + strlen(tmpdir), "/a/b/c/file");

    snprintf(path, sizeof(path), "%s/a/b/c", tmpdir);
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert(S_ISDIR(sb.st_mode));
    cr_assert_eq(sb.st_mode & 0777, 0700);

    snprintf(path, sizeof(path), "%s/a/b/c/file", tmpdir);
    cr_assert_eq(stat(path, &sb), -1);

    /* existing directories are fine; a file in the way is not */
    cr_assert_eq(hx_create_full_path((uint8_t *) path, 0700), 0);

    touch("f");
    snprintf(path, sizeof(path), "%s/f/x/y", tmpdir);
    cr_assert_neq(hx_create_full_path((uint8_t *) path, 0700), 0);
}


Test(hx_files, glob_returns_matches_sorted)
{
    char        pattern[256];
    hx_str_t    name;
    hx_glob_t   gl;
    const char *want[] = { "a.conf", "b.conf", "c.conf", "d.conf" };
    hx_uint_t   i;

    touch("c.conf");
    touch("a.conf");
    touch("d.conf");
    touch("b.conf");
    touch("skip.txt");

    snprintf(pattern, sizeof(pattern), "%s/*.conf", tmpdir);

    hx_memzero(&gl, sizeof(gl));
    gl.pattern = (uint8_t *) pattern;

    cr_assert_eq(hx_open_glob(&gl), HX_OK);

    for (i = 0; i < 4; i++) {
        cr_assert_eq(hx_read_glob(&gl, &name), HX_OK);
        cr_assert_eq(name.len, strlen(tmpdir) + 1 + strlen(want[i]));
        cr_assert_str_eq((char *) name.data + strlen(tmpdir) + 1, want[i]);
    }

    cr_assert_eq(hx_read_glob(&gl, &name), HX_DONE);
    hx_close_glob(&gl);
}


Test(hx_files, glob_matching_nothing_is_empty_not_an_error)
{
    char        pattern[256];
    hx_str_t    name;
    hx_glob_t   gl;

    snprintf(pattern, sizeof(pattern), "%s/conf.d/*.conf", tmpdir);

    hx_memzero(&gl, sizeof(gl));
    gl.pattern = (uint8_t *) pattern;

    cr_assert_eq(hx_open_glob(&gl), HX_OK);
    cr_assert_eq(hx_read_glob(&gl, &name), HX_DONE);
    hx_close_glob(&gl);
}


Test(hx_files, plain_name_must_exist)
{
    char        pattern[256];
    hx_str_t    name;
    hx_glob_t   gl;

    snprintf(pattern, sizeof(pattern), "%s/missing.conf", tmpdir);

    hx_memzero(&gl, sizeof(gl));
    gl.pattern = (uint8_t *) pattern;

    cr_assert_eq(hx_open_glob(&gl), HX_ERROR);
    cr_assert_eq(errno, ENOENT);
    hx_close_glob(&gl);

    touch("missing.conf");

    cr_assert_eq(hx_open_glob(&gl), HX_OK);
    cr_assert_eq(hx_read_glob(&gl, &name), HX_OK);
    cr_assert_str_eq((char *) name.data, pattern);
    cr_assert_eq(hx_read_glob(&gl, &name), HX_DONE);
    hx_close_glob(&gl);
}


Test(hx_files, has_glob_spots_metacharacters)
{
    cr_assert_eq(hx_has_glob((uint8_t *) "conf.d/*.conf", 13), 1);
    cr_assert_eq(hx_has_glob((uint8_t *) "file?.conf", 10), 1);
    cr_assert_eq(hx_has_glob((uint8_t *) "file[12].conf", 13), 1);
    cr_assert_eq(hx_has_glob((uint8_t *) "mime.types", 10), 0);
    /* only len bytes count */
    cr_assert_eq(hx_has_glob((uint8_t *) "mime.types*", 10), 0);
}


Test(hx_files, write_and_read_at_offsets)
{
    char        path[256];
    uint8_t     buf[64];
    hx_log_t    log;
    hx_file_t   file;

    hx_memzero(&log, sizeof(log));
    log.log_level = HX_LOG_ERR;
    log.writer = capture;

    snprintf(path, sizeof(path), "%s/data", tmpdir);

    hx_memzero(&file, sizeof(file));
    file.name.data = (uint8_t *) path;
    file.name.len = strlen(path);
    file.log = &log;
    file.fd = hx_open_file(path, HX_FILE_RDWR, HX_FILE_TRUNCATE,
                           HX_FILE_DEFAULT_ACCESS);
    cr_assert(file.fd != -1);

    cr_assert_eq(hx_write_file(&file, (uint8_t *) "hello world", 11, 0), 11);
    cr_assert_eq(hx_write_file(&file, (uint8_t *) "WORLD", 5, 6), 5);
    cr_assert_eq(hx_write_file(&file, (uint8_t *) "!", 1, 20), 1);
    cr_assert_eq(file.offset, 17);

    file.offset = 0;
    cr_assert_eq(hx_read_file(&file, buf, sizeof(buf), 0), 21);
    cr_assert(memcmp(buf, "hello WORLD", 11) == 0);
    cr_assert(buf[11] == '\0' && buf[20] == '!');
    cr_assert_eq(hx_read_file(&file, buf, 5, 6), 5);
    cr_assert(memcmp(buf, "WORLD", 5) == 0);
    cr_assert_eq(hx_read_file(&file, buf, 5, 100), 0);
    cr_assert_eq(file.offset, 26);

    close(file.fd);
}


Test(hx_files, io_errors_are_logged_through_the_file_log)
{
    uint8_t     buf[16];
    hx_log_t    log;
    hx_file_t   file;

    hx_memzero(&log, sizeof(log));
    log.log_level = HX_LOG_ERR;
    log.writer = capture;

    hx_memzero(&file, sizeof(file));
    hx_str_set(&file.name, "/broken/file");
    file.log = &log;
    file.fd = 1000;

    cr_assert_eq(hx_read_file(&file, buf, sizeof(buf), 0), HX_ERROR);
    cr_assert_eq(logged_level, HX_LOG_CRIT);
    cr_assert(strstr(logged, "pread() \"/broken/file\" failed") != NULL,
              "%s", logged);

    logged[0] = '\0';
    cr_assert_eq(hx_write_file(&file, buf, sizeof(buf), 0), HX_ERROR);
    cr_assert(strstr(logged, "pwrite() \"/broken/file\" failed") != NULL,
              "%s", logged);
}


Test(hx_files, write_fd_writes_everything)
{
    int       fds[2];
    char      big[100000], back[100000];
    ssize_t   n, got;
    pid_t     pid;

    memset(big, 'x', sizeof(big));
    big[sizeof(big) - 1] = 'y';

    cr_assert_eq(pipe(fds), 0);

    pid = fork();
    cr_assert(pid != -1);

    if (pid == 0) {
        close(fds[0]);
        _exit(hx_write_fd(fds[1], big, sizeof(big)) == sizeof(big) ? 0 : 1);
    }

    close(fds[1]);

    for (got = 0; got < (ssize_t) sizeof(back); got += n) {
        n = read(fds[0], back + got, sizeof(back) - got);
        cr_assert(n > 0);
    }

    cr_assert(memcmp(big, back, sizeof(big)) == 0);
    cr_assert_eq(waitpid(pid, &fds[1], 0), pid);
    cr_assert(WIFEXITED(fds[1]) && WEXITSTATUS(fds[1]) == 0);

    cr_assert_eq(hx_write_fd(-1, big, 1), -1);
    cr_assert_eq(errno, EBADF);
}

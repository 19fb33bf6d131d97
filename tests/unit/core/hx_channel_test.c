/*
 * Tests of the master/worker channel over a real socketpair: messages
 * arrive whole, an empty channel is HX_AGAIN, a closed peer is HX_DONE,
 * and a descriptor sent along arrives as a working descriptor.
 */

#include <hx_config.h>
#include <hx_core.h>
#include <hx_channel.h>

#include <criterion/criterion.h>


static hx_log_t        test_log;
static hx_open_file_t  test_file;


static void
setup(void)
{
    test_file.fd = -1;
    test_log.file = &test_file;
    test_log.log_level = HX_LOG_EMERG;
}


TestSuite(channel, .init = setup);


Test(channel, both_ends_are_nonblocking_and_close_on_exec)
{
    hx_fd_t  fd[2];

    cr_assert_eq(hx_open_channel(fd, &test_log), HX_OK);

    cr_assert(fcntl(fd[0], F_GETFL) & O_NONBLOCK);
    cr_assert(fcntl(fd[1], F_GETFL) & O_NONBLOCK);
    cr_assert(fcntl(fd[0], F_GETFD) & FD_CLOEXEC);
    cr_assert(fcntl(fd[1], F_GETFD) & FD_CLOEXEC);

    hx_close_channel(fd, &test_log);

    cr_assert_eq(fd[0], -1);
    cr_assert_eq(fd[1], -1);
}


Test(channel, commands_arrive_in_order_and_whole)
{
    hx_fd_t       fd[2];
    hx_channel_t  ch;

    cr_assert_eq(hx_open_channel(fd, &test_log), HX_OK);

    hx_memzero(&ch, sizeof(hx_channel_t));
    ch.fd = -1;

    ch.command = HX_CMD_REOPEN;
    ch.pid = 1234;
    ch.slot = 3;
    cr_assert_eq(hx_write_channel(fd[0], &ch, &test_log), HX_OK);

    ch.command = HX_CMD_QUIT;
    cr_assert_eq(hx_write_channel(fd[0], &ch, &test_log), HX_OK);

    hx_memzero(&ch, sizeof(hx_channel_t));
    cr_assert_eq(hx_read_channel(fd[1], &ch, &test_log), HX_OK);
    cr_assert_eq(ch.command, HX_CMD_REOPEN);
    cr_assert_eq(ch.pid, 1234);
    cr_assert_eq(ch.slot, 3);
    cr_assert_eq(ch.fd, -1);

    cr_assert_eq(hx_read_channel(fd[1], &ch, &test_log), HX_OK);
    cr_assert_eq(ch.command, HX_CMD_QUIT);

    hx_close_channel(fd, &test_log);
}


Test(channel, an_empty_channel_would_block)
{
    hx_fd_t       fd[2];
    hx_channel_t  ch;

    cr_assert_eq(hx_open_channel(fd, &test_log), HX_OK);
    cr_assert_eq(hx_read_channel(fd[1], &ch, &test_log), HX_AGAIN);

    hx_close_channel(fd, &test_log);
}


Test(channel, the_peer_going_away_reads_as_done)
{
    hx_fd_t       fd[2];
    hx_channel_t  ch;

    cr_assert_eq(hx_open_channel(fd, &test_log), HX_OK);

    close(fd[0]);
    fd[0] = -1;

    cr_assert_eq(hx_read_channel(fd[1], &ch, &test_log), HX_DONE);

    hx_close_channel(fd, &test_log);
}


Test(channel, writing_to_a_closed_peer_fails_without_sigpipe)
{
    hx_fd_t       fd[2];
    hx_channel_t  ch;

    cr_assert_eq(hx_open_channel(fd, &test_log), HX_OK);

    close(fd[1]);
    fd[1] = -1;

    hx_memzero(&ch, sizeof(hx_channel_t));
    ch.command = HX_CMD_QUIT;
    ch.fd = -1;

    cr_assert_eq(hx_write_channel(fd[0], &ch, &test_log), HX_ERROR);

    hx_close_channel(fd, &test_log);
}


Test(channel, a_full_channel_would_block)
{
    hx_fd_t       fd[2];
    hx_int_t      rc;
    hx_uint_t     i;
    hx_channel_t  ch;

    cr_assert_eq(hx_open_channel(fd, &test_log), HX_OK);

    hx_memzero(&ch, sizeof(hx_channel_t));
    ch.command = HX_CMD_REOPEN;
    ch.fd = -1;

    rc = HX_OK;

    for (i = 0; i < 1000000 && rc == HX_OK; i++) {
        rc = hx_write_channel(fd[0], &ch, &test_log);
    }

    cr_assert_eq(rc, HX_AGAIN);

    hx_close_channel(fd, &test_log);
}


Test(channel, a_descriptor_sent_along_refers_to_the_same_file)
{
    int           pfd[2];
    char          c;
    hx_fd_t       fd[2];
    hx_channel_t  ch;

    cr_assert_eq(hx_open_channel(fd, &test_log), HX_OK);
    cr_assert_eq(pipe(pfd), 0);

    hx_memzero(&ch, sizeof(hx_channel_t));
    ch.command = HX_CMD_REOPEN;
    ch.fd = pfd[1];

    cr_assert_eq(hx_write_channel(fd[0], &ch, &test_log), HX_OK);
    close(pfd[1]);

    hx_memzero(&ch, sizeof(hx_channel_t));
    cr_assert_eq(hx_read_channel(fd[1], &ch, &test_log), HX_OK);
    cr_assert_neq(ch.fd, -1);
    cr_assert(fcntl(ch.fd, F_GETFD) & FD_CLOEXEC);

    cr_assert_eq(write(ch.fd, "x", 1), 1);
    cr_assert_eq(read(pfd[0], &c, 1), 1);
    cr_assert_eq(c, 'x');

    close(ch.fd);
    close(pfd[0]);
    hx_close_channel(fd, &test_log);
}

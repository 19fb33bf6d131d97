/*
 * The channel between the master and one worker: one end of a
 * socketpair(2) each.  Messages are small fixed-size structs, optionally
 * carrying a descriptor (SCM_RIGHTS).  The master writes commands (quit,
 * terminate, reopen); a worker whose channel reads EOF knows its master
 * is gone.
 */

#ifndef HX_CORE_HX_CHANNEL_H
#define HX_CORE_HX_CHANNEL_H


#define HX_CMD_QUIT        1
#define HX_CMD_TERMINATE   2
#define HX_CMD_REOPEN      3


typedef struct {
    hx_uint_t        command;
    pid_t            pid;
    hx_int_t         slot;
    hx_fd_t          fd;         /* passed along when not -1 */
} hx_channel_t;


/*
 * A connected pair, both ends non-blocking and close-on-exec.
 * HX_OK or HX_ERROR (logged at alert).
 */
hx_int_t hx_open_channel(hx_fd_t fd[2], hx_log_t *log);

/*
 * Sends one message on s, with ch->fd when it is not -1.  HX_OK, HX_AGAIN
 * (the socket buffer is full) or HX_ERROR (logged).
 */
hx_int_t hx_write_channel(hx_fd_t s, hx_channel_t *ch, hx_log_t *log);

/*
 * Reads one message from s into ch; ch->fd is -1 unless a descriptor
 * came with it (the caller then owns it).  HX_OK, HX_AGAIN (nothing
 * pending), HX_DONE (the other end is closed) or HX_ERROR (logged).
 */
hx_int_t hx_read_channel(hx_fd_t s, hx_channel_t *ch, hx_log_t *log);

/* closes both ends that are open and sets them to -1 */
void hx_close_channel(hx_fd_t fd[2], hx_log_t *log);

#endif /* HX_CORE_HX_CHANNEL_H */

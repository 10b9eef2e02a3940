/* Serving the SquashFS image read-only through FUSE (squashfuse's low-level operations). */
#include "runtime.h"

#include <squashfuse/ll.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fuse_serve(const struct image *img, const char *mountpoint, int keepalive_fd, int ready_fd)
{
    sqfs_ll *ll = sqfs_ll_open(img->path, (size_t)img->offset);
    if (!ll) {
        runtime_error("cannot read the SquashFS image in %s (corrupted?)", img->path);
        rmdir(mountpoint);
        return 1;
    }
    struct fuse_lowlevel_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.getattr = sqfs_ll_op_getattr;
    ops.opendir = sqfs_ll_op_opendir;
    ops.releasedir = sqfs_ll_op_releasedir;
    ops.readdir = sqfs_ll_op_readdir;
    ops.lookup = sqfs_ll_op_lookup;
    ops.open = sqfs_ll_op_open;
    ops.create = sqfs_ll_op_create;
    ops.release = sqfs_ll_op_release;
    ops.read = sqfs_ll_op_read;
    ops.readlink = sqfs_ll_op_readlink;
    ops.listxattr = sqfs_ll_op_listxattr;
    ops.getxattr = sqfs_ll_op_getxattr;
    ops.forget = sqfs_ll_op_forget;
    ops.statfs = stfs_ll_op_statfs;

    char *argv[] = { "appimage-runtime", "-o", "ro,nodev,nosuid,fsname=appimage,subtype=squashfuse", NULL };
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);
    struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, ll);
    if (!se || fuse_session_mount(se, mountpoint) != 0) {
        runtime_error("cannot mount the image with FUSE at %s", mountpoint);
        if (se)
            fuse_session_destroy(se);
        sqfs_ll_destroy(ll);
        rmdir(mountpoint);
        return 1;
    }
    char ready = 1;
    if (write(ready_fd, &ready, 1) != 1) {
        /* Whoever started us is gone: nobody will use the mount. */
        keepalive_fd = -1;
    }
    close(ready_fd);

    /* Serve requests until every holder of the keepalive pipe's write end has exited (the pipe
       then reads end of file), or until someone else unmounts us. */
    struct fuse_buf buf;
    memset(&buf, 0, sizeof buf);
    struct pollfd fds[2] = { { fuse_session_fd(se), POLLIN, 0 }, { keepalive_fd, POLLIN, 0 } };
    while (keepalive_fd >= 0 && !fuse_session_exited(se)) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[1].revents)
            break;
        if (fds[0].revents & POLLIN) {
            int res = fuse_session_receive_buf(se, &buf);
            if (res == -EINTR || res == -EAGAIN)
                continue;
            if (res <= 0)
                break;
            fuse_session_process_buf(se, &buf);
        } else if (fds[0].revents) {
            break;
        }
    }
    free(buf.mem);
    fuse_session_unmount(se);
    fuse_session_destroy(se);
    sqfs_ll_destroy(ll);
    rmdir(mountpoint);
    return 0;
}

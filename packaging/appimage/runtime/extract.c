/* Extracting the SquashFS image (or the part matching a pattern) to a directory, without FUSE. */
#include "runtime.h"

#include <squashfuse/squashfuse.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* True when path or one of the directories above it matches pattern. */
static int matches(const char *pattern, const char *path)
{
    char prefix[PATH_MAX];
    size_t length = strlen(path);
    if (length >= sizeof prefix)
        return 0;
    for (size_t i = 1; i <= length; ++i) {
        if (i == length || path[i] == '/') {
            memcpy(prefix, path, i);
            prefix[i] = '\0';
            if (fnmatch(pattern, prefix, 0) == 0)
                return 1;
        }
    }
    return 0;
}

/* Creates the directories above path (which lies below an existing target directory). */
static int make_parents(char *path, size_t target_length)
{
    for (char *slash = path + target_length + 1; (slash = strchr(slash, '/')) != NULL; ++slash) {
        *slash = '\0';
        int failed = mkdir(path, 0755) != 0 && errno != EEXIST;
        int saved = errno;
        *slash = '/';
        if (failed) {
            errno = saved;
            return -1;
        }
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

/* 0, -1 for an error of the target (errno set), -2 for an error reading the image. */
static int extract_file(sqfs *fs, sqfs_inode *inode, const char *dest)
{
    static char buffer[128 * 1024];
    if (unlink(dest) != 0 && errno != ENOENT)
        return -1;
    int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    sqfs_off_t size = (sqfs_off_t)inode->xtra.reg.file_size;
    for (sqfs_off_t offset = 0; offset < size;) {
        sqfs_off_t chunk = size - offset < (sqfs_off_t)sizeof buffer ? size - offset : (sqfs_off_t)sizeof buffer;
        if (sqfs_read_range(fs, inode, offset, &chunk, buffer) != SQFS_OK || chunk <= 0) {
            close(fd);
            return -2;
        }
        if (write_all(fd, buffer, (size_t)chunk) != 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        offset += chunk;
    }
    if (fchmod(fd, inode->base.mode & 07777) != 0 || close(fd) != 0)
        return -1;
    return 0;
}

static int extract_symlink(sqfs *fs, sqfs_inode *inode, const char *dest)
{
    char target[PATH_MAX];
    size_t size = sizeof target;
    if (inode->xtra.symlink_size >= sizeof target || sqfs_readlink(fs, inode, target, &size) != SQFS_OK)
        return -2;
    if (unlink(dest) != 0 && errno != ENOENT)
        return -1;
    return symlink(target, dest);
}

int image_extract(const struct image *img, const char *target, const char *pattern, int verbose)
{
    if (mkdir(target, 0755) != 0 && errno != EEXIST) {
        runtime_error("cannot create %s: %s", target, strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(target, &st) != 0) {
        runtime_error("cannot extract to %s: %s", target, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        runtime_error("cannot extract to %s: not a directory", target);
        return -1;
    }
    sqfs fs;
    if (sqfs_open_image(&fs, img->path, (size_t)img->offset) != SQFS_OK) {
        runtime_error("cannot read the SquashFS image in %s (corrupted or unsupported compression)", img->path);
        return -1;
    }
    sqfs_traverse trv;
    sqfs_err err = sqfs_traverse_open(&trv, &fs, sqfs_inode_root(&fs));
    if (err != SQFS_OK) {
        runtime_error("cannot read the directory tree of the SquashFS image in %s (corrupted?)", img->path);
        sqfs_destroy(&fs);
        return -1;
    }
    size_t target_length = strlen(target);
    int status = 0;
    char dest[PATH_MAX];
    while (status == 0 && sqfs_traverse_next(&trv, &err)) {
        if (trv.dir_end || (pattern && !matches(pattern, trv.path)))
            continue;
        if ((size_t)snprintf(dest, sizeof dest, "%s/%s", target, trv.path) >= sizeof dest) {
            runtime_error("path too long: %s/%s", target, trv.path);
            status = -1;
            break;
        }
        sqfs_inode inode;
        int result;
        if (sqfs_inode_get(&fs, &inode, sqfs_dentry_inode(&trv.entry)) != SQFS_OK) {
            result = -2;
        } else if (make_parents(dest, target_length) != 0) {
            result = -1;
        } else if (S_ISDIR(inode.base.mode)) {
            result = mkdir(dest, (inode.base.mode & 07777) | S_IRWXU) != 0 && errno != EEXIST ? -1 : 0;
        } else if (S_ISREG(inode.base.mode)) {
            result = extract_file(&fs, &inode, dest);
        } else if (S_ISLNK(inode.base.mode)) {
            result = extract_symlink(&fs, &inode, dest);
        } else {
            continue; /* devices, fifos and sockets have no place in an AppDir */
        }
        if (result == -1) {
            runtime_error("cannot write %s: %s", dest, strerror(errno));
            status = -1;
        } else if (result == -2) {
            runtime_error("cannot read %s from the SquashFS image in %s (corrupted?)", trv.path, img->path);
            status = -1;
        } else if (verbose) {
            printf("%s\n", dest);
        }
    }
    if (status == 0 && err != SQFS_OK) {
        runtime_error("cannot read the directory tree of the SquashFS image in %s (corrupted?)", img->path);
        status = -1;
    }
    sqfs_traverse_close(&trv);
    sqfs_destroy(&fs);
    return status;
}

/* Shared declarations of the parts of ackhook's AppImage type-2 runtime. */
#pragma once

#include <stdarg.h>
#include <sys/types.h>

/* The AppImage file and where its SquashFS image starts (right after the runtime's ELF). */
struct image {
    char path[4096];
    off_t offset;
    off_t file_size;
};

/* One line on stderr, prefixed with the AppImage's name. */
void runtime_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Fills img from the ELF header of the file at path and checks that a whole SquashFS image
   follows it. Returns 0, or -1 after printing why. */
int image_locate(const char *path, struct image *img);

/* Checks that the image's root directory can be read and holds an AppRun. Returns 0 or -1. */
int image_check(const struct image *img);

/* Writes the files whose path matches pattern (fnmatch; a matching directory brings its whole
   tree; NULL: all) below target, which is created if missing. Prints each path written when
   verbose. Returns 0, or -1 after printing why. */
int image_extract(const struct image *img, const char *target, const char *pattern, int verbose);

/* Mounts the image read-only at mountpoint with FUSE and serves it until keepalive_fd reaches
   end of file (every process holding its write end has exited), then unmounts and removes
   mountpoint. Writes one byte to ready_fd once the mount is in place. Returns an exit status. */
int fuse_serve(const struct image *img, const char *mountpoint, int keepalive_fd, int ready_fd);

/* Finding the SquashFS image behind the runtime's ELF, and checking it before use. */
#include "runtime.h"

#include <squashfuse/squashfuse.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_at(int fd, void *buf, size_t size, off_t offset)
{
    ssize_t n = pread(fd, buf, size, offset);
    return n == (ssize_t)size ? 0 : -1;
}

int image_locate(const char *path, struct image *img)
{
    memset(img, 0, sizeof *img);
    if (strlen(path) >= sizeof img->path) {
        runtime_error("path too long: %s", path);
        return -1;
    }
    strcpy(img->path, path);

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        runtime_error("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    Elf64_Ehdr ehdr;
    if (fstat(fd, &st) != 0 || read_at(fd, &ehdr, sizeof ehdr, 0) != 0 || memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0
        || ehdr.e_ident[EI_CLASS] != ELFCLASS64) {
        runtime_error("%s is not a 64-bit ELF file", path);
        close(fd);
        return -1;
    }
    img->file_size = st.st_size;
    /* The runtime is linked so that its section header table is the last thing in its ELF file:
       the image starts where that table ends. */
    img->offset = (off_t)(ehdr.e_shoff + (uint64_t)ehdr.e_shnum * ehdr.e_shentsize);

    struct squashfs_super_block sb;
    if (img->offset + (off_t)sizeof sb > img->file_size) {
        runtime_error("no SquashFS image after the runtime (the file ends at %lld bytes, the runtime at %lld): "
                      "truncated download?",
            (long long)img->file_size, (long long)img->offset);
        close(fd);
        return -1;
    }
    if (read_at(fd, &sb, sizeof sb, img->offset) != 0) {
        runtime_error("cannot read %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    if (sb.s_magic != SQUASHFS_MAGIC) {
        runtime_error("no SquashFS image at offset %lld of %s (corrupted file?)", (long long)img->offset, path);
        return -1;
    }
    if (img->offset + (off_t)sb.bytes_used > img->file_size) {
        runtime_error("truncated: the SquashFS image needs %lld bytes after offset %lld, the file has %lld",
            (long long)sb.bytes_used, (long long)img->offset, (long long)(img->file_size - img->offset));
        return -1;
    }
    return 0;
}

int image_check(const struct image *img)
{
    sqfs fs;
    if (sqfs_open_image(&fs, img->path, (size_t)img->offset) != SQFS_OK) {
        runtime_error("cannot read the SquashFS image in %s (corrupted or unsupported compression)", img->path);
        return -1;
    }
    sqfs_inode inode;
    bool found = false;
    int status = 0;
    if (sqfs_inode_get(&fs, &inode, sqfs_inode_root(&fs)) != SQFS_OK
        || sqfs_lookup_path(&fs, &inode, "AppRun", &found) != SQFS_OK) {
        runtime_error("cannot read the directory tree of the SquashFS image in %s (corrupted?)", img->path);
        status = -1;
    } else if (!found) {
        runtime_error("the image in %s has no AppRun", img->path);
        status = -1;
    }
    sqfs_destroy(&fs);
    return status;
}

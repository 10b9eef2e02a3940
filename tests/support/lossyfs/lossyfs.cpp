// lossyfs: a FUSE file system for power-cut tests. It passes through to a backing directory, holds
// back in memory every write no fsync made durable, and on a "cut" drops them and fails every
// operation with EIO until it is unmounted. See README.md next to this file for the model.
#define FUSE_USE_VERSION 31

#include "heldfile.h"
#include "namespacejournal.h"

#include <fuse.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

constexpr std::string_view ControlName = "/.lossyfs-control"; // at the mount's root, never listed
constexpr const char *TrashName = ".lossyfs-trash"; // in the backing directory, never listed

using InodeKey = std::pair<dev_t, ino_t>;

struct LossyFs {
    explicit LossyFs(std::string backingDirectory)
        : backing(std::move(backingDirectory))
        , journal(backing, TrashName)
    {
    }
    std::string backing;
    std::mutex mutex; // one operation at a time: a cut sees no write half done
    NamespaceJournal journal;
    std::map<InodeKey, std::unique_ptr<HeldFile>> held;
    std::map<InodeKey, int> openCount; // our descriptors per backing inode
    bool cut = false;
    unsigned long syncs = 0;
};

LossyFs *fs()
{
    return static_cast<LossyFs *>(fuse_get_context()->private_data);
}

bool isControl(const char *path)
{
    return path && ControlName == path;
}

bool isTrash(const char *path)
{
    return path && std::string_view(path) == std::string("/") + TrashName;
}

std::string full(const char *path)
{
    return fs()->backing + path;
}

InodeKey keyOf(const struct stat &st)
{
    return { st.st_dev, st.st_ino };
}

HeldFile *heldFor(int fd, bool create)
{
    struct stat st { };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return nullptr;
    auto it = fs()->held.find(keyOf(st));
    if (it != fs()->held.end())
        return it->second.get();
    if (!create)
        return nullptr;
    const int own = ::open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_RDWR | O_CLOEXEC);
    if (own < 0)
        return nullptr;
    auto file = std::make_unique<HeldFile>(own);
    if (!file->isValid())
        return nullptr;
    return fs()->held.emplace(keyOf(st), std::move(file)).first->second.get();
}

// The journal deleted this file for good: what it held can never be read or synced, unless a
// descriptor of ours still reads and writes it.
void forgetDeleted(const struct stat &gone)
{
    if (!fs()->openCount.contains(keyOf(gone)))
        fs()->held.erase(keyOf(gone));
}

// Makes the held writes of this file durable, and (the journal model of ext4 and XFS: any fsync
// commits the one running transaction) every name change so far.
int syncFile(int fd)
{
    struct stat st { };
    if (::fstat(fd, &st) == 0) {
        auto it = fs()->held.find(keyOf(st));
        if (it != fs()->held.end()) {
            if (const int error = it->second->flush())
                return error;
            fs()->held.erase(it);
        }
    }
    fs()->journal.commit(forgetDeleted);
    ++fs()->syncs;
    return 0;
}

int syncAll()
{
    for (auto &[key, file] : fs()->held) {
        if (const int error = file->flush())
            return error;
    }
    fs()->held.clear();
    fs()->journal.commit([](const struct stat &) {});
    ++fs()->syncs;
    return 0;
}

void powerCut()
{
    fs()->held.clear();
    fs()->journal.rollback();
    fs()->cut = true;
}

std::string controlText()
{
    size_t bytes = 0;
    for (const auto &[key, file] : fs()->held)
        bytes += file->heldBytes();
    return std::string("state: ") + (fs()->cut ? "cut" : "live") + "\nheld_files: " + std::to_string(fs()->held.size())
        + "\nheld_bytes: " + std::to_string(bytes) + "\npending_names: " + std::to_string(fs()->journal.pending())
        + "\nsyncs: " + std::to_string(fs()->syncs) + "\n";
}

#define LOCKED_LIVE()                                                                                                  \
    std::lock_guard lock(fs()->mutex);                                                                                 \
    if (fs()->cut)                                                                                                     \
    return -EIO

int opGetattr(const char *path, struct stat *st, fuse_file_info *fi)
{
    std::lock_guard lock(fs()->mutex);
    if (isControl(path) || (fi && fi->fh == static_cast<uint64_t>(-1))) {
        *st = {};
        st->st_mode = S_IFREG | 0600;
        st->st_nlink = 1;
        st->st_uid = ::getuid();
        st->st_gid = ::getgid();
        return 0;
    }
    // The root stays visible after a cut so that the mount can be unmounted.
    if (fs()->cut && !(path && std::string_view(path) == "/"))
        return -EIO;
    if (isTrash(path))
        return -ENOENT;
    const int result = fi ? ::fstat(static_cast<int>(fi->fh), st) : ::lstat(full(path).c_str(), st);
    if (result != 0)
        return -errno;
    if (S_ISREG(st->st_mode)) {
        auto it = fs()->held.find(keyOf(*st));
        if (it != fs()->held.end()) {
            st->st_size = it->second->size();
            st->st_blocks = (st->st_size + 511) / 512;
        }
    }
    return 0;
}

int opAccess(const char *path, int mask)
{
    if (isControl(path))
        return 0;
    LOCKED_LIVE();
    if (isTrash(path))
        return -ENOENT;
    return ::access(full(path).c_str(), mask) == 0 ? 0 : -errno;
}

int opReadlink(const char *path, char *buffer, size_t size)
{
    LOCKED_LIVE();
    const ssize_t n = ::readlink(full(path).c_str(), buffer, size - 1);
    if (n < 0)
        return -errno;
    buffer[n] = '\0';
    return 0;
}

// An open directory; readdir gets no path (nullpath_ok), so whether it is the root is kept here.
struct OpenDirectory {
    DIR *dir;
    bool root;
};

int opOpendir(const char *path, fuse_file_info *fi)
{
    LOCKED_LIVE();
    DIR *dir = ::opendir(full(path).c_str());
    if (!dir)
        return -errno;
    fi->fh = reinterpret_cast<uint64_t>(new OpenDirectory { dir, std::string_view(path) == "/" });
    return 0;
}

int opReaddir(const char *, void *buffer, fuse_fill_dir_t filler, off_t, fuse_file_info *fi, fuse_readdir_flags)
{
    LOCKED_LIVE();
    const auto *open = reinterpret_cast<OpenDirectory *>(fi->fh);
    DIR *dir = open->dir;
    ::rewinddir(dir);
    const bool root = open->root;
    while (const dirent *entry = ::readdir(dir)) {
        if (root && std::string_view(entry->d_name) == TrashName)
            continue;
        struct stat st { };
        st.st_ino = entry->d_ino;
        st.st_mode = static_cast<mode_t>(DTTOIF(entry->d_type));
        if (filler(buffer, entry->d_name, &st, 0, static_cast<fuse_fill_dir_flags>(0)))
            break;
    }
    return 0;
}

int opReleasedir(const char *, fuse_file_info *fi)
{
    std::unique_ptr<OpenDirectory> open(reinterpret_cast<OpenDirectory *>(fi->fh));
    ::closedir(open->dir);
    return 0;
}

int opMkdir(const char *path, mode_t mode)
{
    LOCKED_LIVE();
    return fs()->journal.mkdir(path, mode);
}

int opSymlink(const char *target, const char *path)
{
    LOCKED_LIVE();
    return fs()->journal.symlink(target, path);
}

int opLink(const char *from, const char *to)
{
    LOCKED_LIVE();
    return fs()->journal.link(from, to);
}

int opUnlink(const char *path)
{
    LOCKED_LIVE();
    if (isControl(path) || isTrash(path))
        return -EPERM;
    return fs()->journal.unlink(path);
}

int opRmdir(const char *path)
{
    LOCKED_LIVE();
    if (isTrash(path))
        return -ENOENT;
    return fs()->journal.rmdir(path);
}

int opRename(const char *from, const char *to, unsigned int flags)
{
    LOCKED_LIVE();
    if (isControl(from) || isControl(to) || isTrash(from) || isTrash(to))
        return -EPERM;
    return fs()->journal.rename(from, to, flags);
}

// Attributes other than the size (mode, owner, times) pass through at once: not modelled.
int opChmod(const char *path, mode_t mode, fuse_file_info *fi)
{
    LOCKED_LIVE();
    const int result = fi ? ::fchmod(static_cast<int>(fi->fh), mode) : ::chmod(full(path).c_str(), mode);
    return result == 0 ? 0 : -errno;
}

int opChown(const char *path, uid_t uid, gid_t gid, fuse_file_info *fi)
{
    LOCKED_LIVE();
    const int result = fi ? ::fchown(static_cast<int>(fi->fh), uid, gid) : ::lchown(full(path).c_str(), uid, gid);
    return result == 0 ? 0 : -errno;
}

int opUtimens(const char *path, const timespec times[2], fuse_file_info *fi)
{
    LOCKED_LIVE();
    const int result = fi ? ::futimens(static_cast<int>(fi->fh), times)
                          : ::utimensat(AT_FDCWD, full(path).c_str(), times, AT_SYMLINK_NOFOLLOW);
    return result == 0 ? 0 : -errno;
}

int opTruncate(const char *path, off_t size, fuse_file_info *fi)
{
    LOCKED_LIVE();
    int fd = fi ? static_cast<int>(fi->fh) : ::open(full(path).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    HeldFile *file = heldFor(fd, true);
    if (file)
        file->truncate(size);
    if (!fi)
        ::close(fd);
    return file ? 0 : -EIO;
}

// Backing descriptors are read-write whenever the file allows it: held writes are flushed through
// them. O_APPEND is left to the kernel (it sends the offset); O_TRUNC is a held truncate.
int openBacking(const char *path, int flags, fuse_file_info *fi, int fd)
{
    if (fd < 0)
        return fd;
    struct stat st { };
    ::fstat(fd, &st);
    ++fs()->openCount[keyOf(st)];
    fi->fh = static_cast<uint64_t>(fd);
    (void)path;
    if ((flags & O_TRUNC) && S_ISREG(st.st_mode)) {
        if (HeldFile *file = heldFor(fd, true))
            file->truncate(0);
    }
    return 0;
}

int backingFlags(int flags)
{
    int wanted = flags & ~(O_APPEND | O_TRUNC | O_CREAT | O_EXCL | O_ACCMODE);
    return wanted | O_CLOEXEC;
}

int opCreate(const char *path, mode_t mode, fuse_file_info *fi)
{
    LOCKED_LIVE();
    if (isControl(path) || isTrash(path))
        return -EPERM;
    int fd = -1;
    const int error = fs()->journal.create(path, backingFlags(fi->flags) | O_RDWR | (fi->flags & O_EXCL), mode, &fd);
    if (error)
        return error;
    return openBacking(path, fi->flags, fi, fd);
}

int opOpen(const char *path, fuse_file_info *fi)
{
    if (isControl(path)) {
        fi->direct_io = 1; // its size is 0: reads must reach us
        fi->fh = static_cast<uint64_t>(-1);
        return 0;
    }
    LOCKED_LIVE();
    int fd = ::open(full(path).c_str(), backingFlags(fi->flags) | O_RDWR);
    if (fd < 0 && (errno == EACCES || errno == EISDIR))
        fd = ::open(full(path).c_str(), backingFlags(fi->flags) | (fi->flags & O_ACCMODE));
    if (fd < 0)
        return -errno;
    return openBacking(path, fi->flags, fi, fd);
}

int opRead(const char *path, char *buffer, size_t size, off_t offset, fuse_file_info *fi)
{
    std::lock_guard lock(fs()->mutex);
    if (isControl(path) || fi->fh == static_cast<uint64_t>(-1)) {
        const std::string text = controlText();
        if (offset >= static_cast<off_t>(text.size()))
            return 0;
        const size_t n = std::min(size, text.size() - static_cast<size_t>(offset));
        std::memcpy(buffer, text.data() + offset, n);
        return static_cast<int>(n);
    }
    if (fs()->cut)
        return -EIO;
    const int fd = static_cast<int>(fi->fh);
    if (HeldFile *file = heldFor(fd, false))
        return static_cast<int>(file->read(buffer, size, offset));
    const ssize_t n = ::pread(fd, buffer, size, offset);
    return n < 0 ? -errno : static_cast<int>(n);
}

int opWrite(const char *path, const char *data, size_t size, off_t offset, fuse_file_info *fi)
{
    std::lock_guard lock(fs()->mutex);
    if (isControl(path) || fi->fh == static_cast<uint64_t>(-1)) {
        const std::string command(data, size);
        if (command.rfind("cut", 0) == 0)
            powerCut();
        else if (command.rfind("sync", 0) == 0 && !fs()->cut)
            syncAll();
        else
            return -EINVAL;
        return static_cast<int>(size);
    }
    if (fs()->cut)
        return -EIO;
    HeldFile *file = heldFor(static_cast<int>(fi->fh), true);
    if (!file)
        return -EIO;
    file->write(data, size, offset);
    return static_cast<int>(size);
}

int opFsync(const char *, int, fuse_file_info *fi)
{
    LOCKED_LIVE();
    if (fi->fh == static_cast<uint64_t>(-1))
        return 0;
    return syncFile(static_cast<int>(fi->fh));
}

// fsync of a directory: its entries become durable (and, by the journal model, every name change).
int opFsyncdir(const char *, int, fuse_file_info *)
{
    LOCKED_LIVE();
    fs()->journal.commit(forgetDeleted);
    ++fs()->syncs;
    return 0;
}

int opRelease(const char *, fuse_file_info *fi)
{
    if (fi->fh == static_cast<uint64_t>(-1))
        return 0;
    std::lock_guard lock(fs()->mutex);
    const int fd = static_cast<int>(fi->fh);
    struct stat st { };
    if (::fstat(fd, &st) == 0) {
        const InodeKey key = keyOf(st);
        if (--fs()->openCount[key] <= 0) {
            fs()->openCount.erase(key);
            if (st.st_nlink == 0)
                fs()->held.erase(key); // gone for good: what it held can never be read or synced
        }
    }
    ::close(fd);
    return 0;
}

int opStatfs(const char *, struct statvfs *st)
{
    LOCKED_LIVE();
    return ::statvfs(fs()->backing.c_str(), st) == 0 ? 0 : -errno;
}

int opFallocate(const char *, int, off_t, off_t, fuse_file_info *)
{
    return -EOPNOTSUPP; // callers fall back to writes, which are modelled
}

void *opInit(fuse_conn_info *, fuse_config *config)
{
    // Every lookup and attribute read reaches us: nothing the kernel cached outlives a cut.
    config->entry_timeout = 0;
    config->attr_timeout = 0;
    config->negative_timeout = 0;
    config->use_ino = 1;
    config->hard_remove = 1; // an unlinked open file stays in the trash, not as .fuse_hidden*
    config->nullpath_ok = 1;
    return fuse_get_context()->private_data;
}

// A clean unmount writes everything back, as a clean shutdown of a machine does.
void opDestroy(void *data)
{
    auto *lossy = static_cast<LossyFs *>(data);
    std::lock_guard lock(lossy->mutex);
    if (lossy->cut)
        return;
    for (auto &[key, file] : lossy->held)
        file->flush();
    lossy->held.clear();
    lossy->journal.commit([](const struct stat &) {});
}

} // namespace

int main(int argc, char *argv[])
{
    if (argc < 3 || argv[1][0] == '-') {
        std::fprintf(stderr,
            "usage: %s BACKING_DIR MOUNT_POINT [FUSE options, e.g. -f -o auto_unmount]\n"
            "Write \"cut\" to MOUNT_POINT/.lossyfs-control for a power cut, \"sync\" to make all durable;\n"
            "read it for the state.\n",
            argv[0]);
        return 2;
    }
    char *resolved = ::realpath(argv[1], nullptr);
    if (!resolved) {
        std::fprintf(stderr, "lossyfs: %s: %s\n", argv[1], std::strerror(errno));
        return 1;
    }
    LossyFs lossy { resolved };
    std::free(resolved);
    std::string error;
    if (!lossy.journal.prepare(&error)) {
        std::fprintf(stderr, "lossyfs: %s\n", error.c_str());
        return 1;
    }

    fuse_operations operations {};
    operations.getattr = opGetattr;
    operations.readlink = opReadlink;
    operations.mkdir = opMkdir;
    operations.unlink = opUnlink;
    operations.rmdir = opRmdir;
    operations.symlink = opSymlink;
    operations.rename = opRename;
    operations.link = opLink;
    operations.chmod = opChmod;
    operations.chown = opChown;
    operations.truncate = opTruncate;
    operations.open = opOpen;
    operations.read = opRead;
    operations.write = opWrite;
    operations.statfs = opStatfs;
    operations.release = opRelease;
    operations.fsync = opFsync;
    operations.opendir = opOpendir;
    operations.readdir = opReaddir;
    operations.releasedir = opReleasedir;
    operations.fsyncdir = opFsyncdir;
    operations.init = opInit;
    operations.destroy = opDestroy;
    operations.access = opAccess;
    operations.create = opCreate;
    operations.utimens = opUtimens;
    operations.fallocate = opFallocate;

    // argv without the backing directory: fuse_main sees MOUNT_POINT and the options.
    std::vector<char *> args { argv[0] };
    for (int i = 2; i < argc; ++i)
        args.push_back(argv[i]);
    return fuse_main(static_cast<int>(args.size()), args.data(), &operations, &lossy);
}

// NamespaceJournal: name changes done at once on the backing directory, undone on a power cut.
#include "namespacejournal.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace {

bool isEmptyDirectory(const std::string &path)
{
    DIR *dir = ::opendir(path.c_str());
    if (!dir)
        return false;
    bool empty = true;
    while (const dirent *entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") {
            empty = false;
            break;
        }
    }
    ::closedir(dir);
    return empty;
}

} // namespace

NamespaceJournal::NamespaceJournal(std::string backing, std::string trashName)
    : m_backing(std::move(backing))
    , m_trash(m_backing + "/" + trashName)
{
}

bool NamespaceJournal::prepare(std::string *error)
{
    std::error_code ec;
    std::filesystem::remove_all(m_trash, ec);
    if (::mkdir(m_trash.c_str(), 0700) != 0) {
        *error = "cannot create " + m_trash + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

int NamespaceJournal::moveToTrash(const std::string &full, std::string *trashed)
{
    *trashed = m_trash + "/" + std::to_string(++m_trashCounter);
    return ::rename(full.c_str(), trashed->c_str()) == 0 ? 0 : -errno;
}

int NamespaceJournal::create(const char *path, int flags, mode_t mode, int *fd)
{
    const std::string full = backingPath(path);
    *fd = ::open(full.c_str(), flags | O_CREAT | O_EXCL, mode);
    if (*fd >= 0) {
        m_undo.push_back({ Undo::Kind::RemoveFile, full, {} });
        return 0;
    }
    if (errno != EEXIST || (flags & O_EXCL))
        return -errno;
    *fd = ::open(full.c_str(), flags & ~O_CREAT, mode); // it was there: nothing to journal
    return *fd >= 0 ? 0 : -errno;
}

int NamespaceJournal::mkdir(const char *path, mode_t mode)
{
    const std::string full = backingPath(path);
    if (::mkdir(full.c_str(), mode) != 0)
        return -errno;
    m_undo.push_back({ Undo::Kind::RemoveDirectory, full, {} });
    return 0;
}

int NamespaceJournal::symlink(const char *target, const char *path)
{
    const std::string full = backingPath(path);
    if (::symlink(target, full.c_str()) != 0)
        return -errno;
    m_undo.push_back({ Undo::Kind::RemoveFile, full, {} });
    return 0;
}

int NamespaceJournal::link(const char *from, const char *to)
{
    const std::string full = backingPath(to);
    if (::link(backingPath(from).c_str(), full.c_str()) != 0)
        return -errno;
    m_undo.push_back({ Undo::Kind::RemoveFile, full, {} });
    return 0;
}

int NamespaceJournal::unlink(const char *path)
{
    const std::string full = backingPath(path);
    struct stat st { };
    if (::lstat(full.c_str(), &st) != 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    std::string trashed;
    if (const int error = moveToTrash(full, &trashed))
        return error;
    m_undo.push_back({ Undo::Kind::MoveBack, full, trashed });
    return 0;
}

int NamespaceJournal::rmdir(const char *path)
{
    const std::string full = backingPath(path);
    struct stat st { };
    if (::lstat(full.c_str(), &st) != 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if (!isEmptyDirectory(full))
        return -ENOTEMPTY; // a rename would move a full directory: check what rmdir(2) checks
    std::string trashed;
    if (const int error = moveToTrash(full, &trashed))
        return error;
    m_undo.push_back({ Undo::Kind::MoveBack, full, trashed });
    return 0;
}

int NamespaceJournal::rename(const char *from, const char *to, unsigned int flags)
{
    if (flags & ~static_cast<unsigned int>(RENAME_NOREPLACE))
        return -EINVAL; // RENAME_EXCHANGE and RENAME_WHITEOUT are not modelled
    const std::string source = backingPath(from), target = backingPath(to);
    struct stat sourceStat {
    }, targetStat {};
    if (::lstat(source.c_str(), &sourceStat) != 0)
        return -errno;
    const bool replaces = ::lstat(target.c_str(), &targetStat) == 0;
    std::string trashed;
    if (replaces) {
        if (flags & RENAME_NOREPLACE)
            return -EEXIST;
        if (sourceStat.st_dev == targetStat.st_dev && sourceStat.st_ino == targetStat.st_ino)
            return 0; // two names of one file: rename(2) does nothing
        if (S_ISDIR(targetStat.st_mode) && !S_ISDIR(sourceStat.st_mode))
            return -EISDIR;
        if (!S_ISDIR(targetStat.st_mode) && S_ISDIR(sourceStat.st_mode))
            return -ENOTDIR;
        if (S_ISDIR(targetStat.st_mode) && !isEmptyDirectory(target))
            return -ENOTEMPTY;
        if (const int error = moveToTrash(target, &trashed))
            return error;
    }
    if (::rename(source.c_str(), target.c_str()) != 0) {
        const int error = -errno;
        if (replaces)
            ::rename(trashed.c_str(), target.c_str());
        return error;
    }
    if (replaces)
        m_undo.push_back({ Undo::Kind::MoveBack, target, trashed });
    m_undo.push_back({ Undo::Kind::MoveBack, source, target });
    return 0;
}

void NamespaceJournal::commit(const std::function<void(const struct stat &)> &forget)
{
    for (const Undo &undo : m_undo) {
        if (undo.kind != Undo::Kind::MoveBack || undo.from.rfind(m_trash + "/", 0) != 0)
            continue;
        struct stat st { };
        if (::lstat(undo.from.c_str(), &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            std::error_code ec;
            std::filesystem::remove_all(undo.from, ec); // empty when trashed; nothing can enter it since
        } else {
            if (S_ISREG(st.st_mode) && st.st_nlink == 1)
                forget(st);
            ::unlink(undo.from.c_str());
        }
    }
    m_undo.clear();
}

void NamespaceJournal::rollback()
{
    for (auto it = m_undo.rbegin(); it != m_undo.rend(); ++it) {
        int result = 0;
        switch (it->kind) {
        case Undo::Kind::RemoveFile:
            result = ::unlink(it->path.c_str());
            break;
        case Undo::Kind::RemoveDirectory:
            result = ::rmdir(it->path.c_str());
            break;
        case Undo::Kind::MoveBack:
            result = ::rename(it->from.c_str(), it->path.c_str());
            break;
        }
        if (result != 0)
            std::fprintf(stderr, "lossyfs: cannot undo a change to %s: %s\n", it->path.c_str(), std::strerror(errno));
    }
    m_undo.clear();
}

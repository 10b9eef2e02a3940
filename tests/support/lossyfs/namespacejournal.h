// NamespaceJournal: the changes to names (create, mkdir, link, symlink, unlink, rmdir, rename) done on
// the backing directory but not yet durable, each with what undoes it. A removed or replaced name is
// not deleted but moved to a trash directory inside the backing directory until the journal commits.
#pragma once

#include <functional>
#include <string>
#include <sys/stat.h>
#include <vector>

class NamespaceJournal {
public:
    // backing: the backing directory; trashName: the name of the trash directory in it.
    NamespaceJournal(std::string backing, std::string trashName);

    // Creates the trash directory, emptying what a lossyfs that was killed may have left in it.
    bool prepare(std::string *error);

    // Each does the change on the backing directory now and journals its undo. Paths are the mount's
    // ("/a/b"). 0 or -errno; a failed change journals nothing.
    int create(const char *path, int flags, mode_t mode, int *fd); // open(O_CREAT), *fd the backing descriptor
    int mkdir(const char *path, mode_t mode);
    int symlink(const char *target, const char *path);
    int link(const char *from, const char *to);
    int unlink(const char *path);
    int rmdir(const char *path);
    int rename(const char *from, const char *to, unsigned int flags);

    // Everything journaled becomes durable: the trash is emptied. forget is called with the stat of
    // each regular file deleted for good before it is.
    void commit(const std::function<void(const struct stat &)> &forget);
    // A power cut: every change since the last commit is undone, newest first.
    void rollback();
    size_t pending() const { return m_undo.size(); }

    std::string backingPath(const char *path) const { return m_backing + path; }

private:
    struct Undo {
        enum class Kind { RemoveFile, RemoveDirectory, MoveBack } kind;
        std::string path; // removed, or where MoveBack moves back to
        std::string from; // MoveBack: where it is now
    };
    int moveToTrash(const std::string &full, std::string *trashed);

    std::string m_backing;
    std::string m_trash;
    std::vector<Undo> m_undo;
    unsigned long m_trashCounter = 0;
};

// HeldFile: the writes to one file that no fsync has made durable yet, kept in memory over the file's
// durable content in the backing directory (which stays untouched until flush()).
#pragma once

#include <map>
#include <string>
#include <sys/types.h>

class HeldFile {
public:
    // Takes ownership of fd, a read-write descriptor of the backing file: it keeps the inode alive
    // (so its number cannot be reused while writes are held for it) and is where flush() writes.
    explicit HeldFile(int fd);
    ~HeldFile();
    HeldFile(const HeldFile &) = delete;
    HeldFile &operator=(const HeldFile &) = delete;

    bool isValid() const { return m_fd >= 0; }
    off_t size() const { return m_size; } // as the writers see it
    size_t heldBytes() const;

    void write(const char *data, size_t length, off_t offset);
    void truncate(off_t size);
    // What a reader sees: the backing content up to the lowest size truncated to, zeros past it,
    // the held writes on top. Bytes read, or -errno.
    ssize_t read(char *buffer, size_t length, off_t offset) const;
    // Makes everything held durable: the backing file gets exactly what the writers see. 0 or -errno.
    int flush();

private:
    int m_fd;
    off_t m_floor; // the backing content beyond this was cut away by a truncate and reads as zeros
    off_t m_size;
    std::map<off_t, std::string> m_extents; // disjoint, never touching: a write that touches one grows it
};

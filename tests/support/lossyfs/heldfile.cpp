// HeldFile: held writes as disjoint extents over the backing file.
#include "heldfile.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

HeldFile::HeldFile(int fd)
    : m_fd(fd)
    , m_floor(0)
    , m_size(0)
{
    struct stat st { };
    if (::fstat(m_fd, &st) != 0) {
        ::close(m_fd);
        m_fd = -1;
        return;
    }
    m_floor = m_size = st.st_size;
}

HeldFile::~HeldFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

size_t HeldFile::heldBytes() const
{
    size_t bytes = 0;
    for (const auto &[start, data] : m_extents)
        bytes += data.size();
    return bytes;
}

void HeldFile::write(const char *data, size_t length, off_t offset)
{
    if (length == 0)
        return;
    const off_t end = offset + static_cast<off_t>(length);
    auto it = m_extents.upper_bound(offset);
    // Grow the extent that starts at or before offset when it reaches it (appends land here).
    if (it != m_extents.begin() && std::prev(it)->first + static_cast<off_t>(std::prev(it)->second.size()) >= offset)
        it = std::prev(it);
    else
        it = m_extents.emplace(offset, std::string()).first;
    std::string &bytes = it->second;
    const off_t base = it->first;
    if (static_cast<off_t>(bytes.size()) < end - base)
        bytes.resize(static_cast<size_t>(end - base));
    std::memcpy(bytes.data() + (offset - base), data, length);
    // Absorb the extents the write reached: their bytes past the write's end stay.
    for (auto next = std::next(it);
         next != m_extents.end() && next->first <= base + static_cast<off_t>(bytes.size());) {
        const off_t nextEnd = next->first + static_cast<off_t>(next->second.size());
        const off_t ours = base + static_cast<off_t>(bytes.size());
        if (nextEnd > ours)
            bytes.append(next->second, static_cast<size_t>(ours - next->first), std::string::npos);
        next = m_extents.erase(next);
    }
    m_size = std::max(m_size, end);
}

void HeldFile::truncate(off_t size)
{
    m_size = size;
    m_floor = std::min(m_floor, size);
    for (auto it = m_extents.lower_bound(size); it != m_extents.end();)
        it = m_extents.erase(it);
    if (!m_extents.empty()) {
        auto &[start, bytes] = *std::prev(m_extents.end());
        if (start + static_cast<off_t>(bytes.size()) > size)
            bytes.resize(static_cast<size_t>(size - start));
    }
}

ssize_t HeldFile::read(char *buffer, size_t length, off_t offset) const
{
    if (offset >= m_size)
        return 0;
    const size_t n = static_cast<size_t>(std::min<off_t>(static_cast<off_t>(length), m_size - offset));
    const off_t end = offset + static_cast<off_t>(n);
    std::memset(buffer, 0, n);
    for (off_t at = offset; at < std::min(end, m_floor);) {
        const ssize_t got = ::pread(m_fd, buffer + (at - offset), static_cast<size_t>(std::min(end, m_floor) - at), at);
        if (got < 0)
            return -errno;
        if (got == 0)
            break; // shorter than it was: leave zeros
        at += got;
    }
    auto it = m_extents.upper_bound(offset);
    if (it != m_extents.begin())
        it = std::prev(it);
    for (; it != m_extents.end() && it->first < end; ++it) {
        const off_t from = std::max(offset, it->first);
        const off_t to = std::min(end, it->first + static_cast<off_t>(it->second.size()));
        if (from < to)
            std::memcpy(
                buffer + (from - offset), it->second.data() + (from - it->first), static_cast<size_t>(to - from));
    }
    return static_cast<ssize_t>(n);
}

int HeldFile::flush()
{
    if (::ftruncate(m_fd, m_floor) != 0)
        return -errno;
    for (const auto &[start, bytes] : m_extents) {
        for (size_t done = 0; done < bytes.size();) {
            const ssize_t wrote
                = ::pwrite(m_fd, bytes.data() + done, bytes.size() - done, start + static_cast<off_t>(done));
            if (wrote < 0)
                return -errno;
            done += static_cast<size_t>(wrote);
        }
    }
    if (::ftruncate(m_fd, m_size) != 0)
        return -errno;
    m_extents.clear();
    m_floor = m_size;
    return 0;
}

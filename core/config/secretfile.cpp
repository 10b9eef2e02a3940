// SecretFile: a secret read from a file, with the same checks for every secret (see the header).
#include "config/secretfile.h"

#include <QFile>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

QString kindOf(mode_t mode)
{
    if (S_ISFIFO(mode))
        return QStringLiteral("a FIFO");
    if (S_ISDIR(mode))
        return QStringLiteral("a directory");
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return QStringLiteral("a device");
    if (S_ISSOCK(mode))
        return QStringLiteral("a socket");
    return QStringLiteral("not a file");
}

QString systemError(int error)
{
    return qt_error_string(error);
}

} // namespace

SecretFile SecretFile::read(const QString &path)
{
    SecretFile result;
    result.m_path = path;
    const auto fail = [&result](Problem problem, QString detail) {
        result.m_problem = problem;
        result.m_detail = std::move(detail);
        result.m_secret.clear();
        return result;
    };
    const QByteArray name = QFile::encodeName(path);
    // stat() before open(): opening a FIFO for reading blocks until a writer comes, and opening some
    // devices does something.
    struct stat before { };
    if (::stat(name.constData(), &before) != 0) {
        const int error = errno;
        return fail(error == ENOENT || error == ENOTDIR ? Problem::Missing : Problem::Unreadable, systemError(error));
    }
    if (!S_ISREG(before.st_mode))
        return fail(Problem::NotRegular, kindOf(before.st_mode));
    if (before.st_size > MaxBytes)
        return fail(Problem::TooLarge, {});
    // O_NONBLOCK: should the name have been replaced by a FIFO since stat(), open() still returns at
    // once, and fstat() below refuses it.
    const int fd = ::open(name.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fail(Problem::Unreadable, systemError(errno));
    struct stat opened { };
    if (::fstat(fd, &opened) != 0) {
        const int error = errno;
        ::close(fd);
        return fail(Problem::Unreadable, systemError(error));
    }
    if (!S_ISREG(opened.st_mode)) {
        ::close(fd);
        return fail(Problem::NotRegular, kindOf(opened.st_mode));
    }
    QByteArray content(MaxBytes + 1, Qt::Uninitialized);
    qint64 size = 0;
    while (size < content.size()) {
        const ssize_t n = ::read(fd, content.data() + size, static_cast<size_t>(content.size() - size));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            content.fill('\0');
            return fail(Problem::Unreadable, systemError(error));
        }
        if (n == 0)
            break;
        size += n;
    }
    ::close(fd);
    if (size > MaxBytes) { // it grew since stat()
        content.fill('\0');
        return fail(Problem::TooLarge, {});
    }
    result.m_secret = content.left(size).trimmed(); // a trailing newline is not part of the secret
    content.fill('\0');
    if (result.m_secret.isEmpty())
        return fail(Problem::Empty, {});
    if (opened.st_mode & (S_IRGRP | S_IROTH))
        result.m_warning
            = QStringLiteral("%1 can be read by %2 (mode %3): chmod 600 it")
                  .arg(path, (opened.st_mode & S_IROTH) ? QStringLiteral("every user") : QStringLiteral("its group"))
                  .arg(opened.st_mode & 0777, 4, 8, QLatin1Char('0'));
    return result;
}

QString SecretFile::reason() const
{
    switch (m_problem) {
    case Problem::None:
        break;
    case Problem::Missing:
        return QStringLiteral("no such file");
    case Problem::NotRegular:
        return QStringLiteral("%1, not a regular file").arg(m_detail);
    case Problem::Unreadable:
        return QStringLiteral("cannot read: %1").arg(m_detail);
    case Problem::TooLarge:
        return QStringLiteral("larger than %1 KiB, the most a secret file may hold").arg(MaxBytes / 1024);
    case Problem::Empty:
        return QStringLiteral("empty");
    }
    return {};
}

QString SecretFile::error() const
{
    switch (m_problem) {
    case Problem::None:
        break;
    case Problem::Missing:
    case Problem::Unreadable:
        return QStringLiteral("cannot read %1: %2").arg(m_path, m_detail);
    case Problem::NotRegular:
    case Problem::TooLarge:
    case Problem::Empty:
        return QStringLiteral("%1 is %2").arg(m_path, reason());
    }
    return {};
}

// LossyMount: lossyfs as a child process, mounted through fusermount3.
#include "lossymount.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QStandardPaths>
#include <QThread>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace TestSupport {

namespace {
    const QString ControlName = QStringLiteral(".lossyfs-control");
}

QString lossyfsBinary()
{
    return qEnvironmentVariable("LOSSYFS_BINARY");
}

QString fuseUnusableReason()
{
    const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return QStringLiteral("/dev/fuse cannot be opened: ") + QString::fromLocal8Bit(std::strerror(errno));
    ::close(fd);
    if (QStandardPaths::findExecutable(QStringLiteral("fusermount3")).isEmpty())
        return QStringLiteral("no fusermount3 (Debian: fuse3)");
    if (lossyfsBinary().isEmpty())
        return QStringLiteral("LOSSYFS_BINARY is not set (ctest sets it)");
    return {};
}

LossyMount::LossyMount(QString backing, QString mountPoint)
    : m_backing(std::move(backing))
    , m_mountPoint(std::move(mountPoint))
{
}

LossyMount::~LossyMount()
{
    QString ignored;
    if (isMounted() || m_process.state() != QProcess::NotRunning)
        unmount(&ignored);
}

bool LossyMount::isMounted() const
{
    QFile mounts(QStringLiteral("/proc/self/mountinfo"));
    if (!mounts.open(QIODevice::ReadOnly))
        return false;
    const QByteArray needle = ' ' + m_mountPoint.toUtf8() + ' ';
    for (const QByteArray &line : mounts.readAll().split('\n')) {
        if (line.contains(needle) && line.contains("lossyfs"))
            return true;
    }
    return false;
}

bool LossyMount::mount(QString *error)
{
    // -f: lossyfs stays our child (killed by its PID); auto_unmount: fusermount3 unmounts if it dies.
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    // A test that crashes takes lossyfs with it (SIGTERM: libfuse unmounts), not leaving a mount behind.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    m_process.start(lossyfsBinary(),
        { m_backing, m_mountPoint, QStringLiteral("-f"), QStringLiteral("-o"),
            QStringLiteral("auto_unmount,fsname=lossyfs,subtype=lossyfs") });
    if (!m_process.waitForStarted(5000)) {
        *error = QStringLiteral("lossyfs did not start: ") + m_process.errorString();
        return false;
    }
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (m_process.state() == QProcess::NotRunning) {
            *error = QStringLiteral("lossyfs exited: ") + QString::fromLocal8Bit(m_process.readAllStandardError());
            return false;
        }
        if (isMounted() && QFile::exists(filePath(ControlName)))
            return true;
        m_process.waitForFinished(10); // a bounded poll, woken early when it exits
    }
    *error = QStringLiteral("lossyfs did not mount %1 within 10 s").arg(m_mountPoint);
    return false;
}

bool LossyMount::command(const QByteArray &word, QString *error)
{
    const QByteArray path = QFile::encodeName(filePath(ControlName));
    const int fd = ::open(path.constData(), O_WRONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::write(fd, word.constData(), static_cast<size_t>(word.size())) == word.size();
    const int saved = errno;
    if (fd >= 0)
        ::close(fd);
    if (!ok && error)
        *error = QStringLiteral("lossyfs %1: %2")
                     .arg(QString::fromLatin1(word), QString::fromLocal8Bit(std::strerror(saved)));
    return ok;
}

bool LossyMount::cut(QString *error)
{
    return command("cut\n", error);
}

bool LossyMount::sync(QString *error)
{
    return command("sync\n", error);
}

QString LossyMount::state()
{
    QFile control(filePath(ControlName));
    if (!control.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return {};
    return QString::fromUtf8(control.readAll());
}

bool LossyMount::unmount(QString *error)
{
    const QString fusermount = QStandardPaths::findExecutable(QStringLiteral("fusermount3"));
    if (isMounted() && QProcess::execute(fusermount, { QStringLiteral("-u"), m_mountPoint }) != 0)
        QProcess::execute(fusermount, { QStringLiteral("-u"), QStringLiteral("-z"), m_mountPoint }); // busy
    if (m_process.state() != QProcess::NotRunning && !m_process.waitForFinished(10000)) {
        ::kill(static_cast<pid_t>(m_process.processId()), SIGKILL);
        m_process.waitForFinished(5000);
        *error = QStringLiteral("lossyfs did not exit after the unmount: killed");
        return false;
    }
    if (isMounted()) {
        *error = QStringLiteral("%1 is still mounted").arg(m_mountPoint);
        return false;
    }
    return true;
}

} // namespace TestSupport

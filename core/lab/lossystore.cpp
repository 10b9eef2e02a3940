// LossyStore: lossyfs as a child process of ackhook, mounted through fusermount3, killed by its PID.
#include "lab/lossystore.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace {

const QString ControlName = QStringLiteral(".lossyfs-control");

QString fusermount()
{
    return QStandardPaths::findExecutable(QStringLiteral("fusermount3"));
}

} // namespace

QString LossyStore::findExecutable()
{
    if (const QString named = qEnvironmentVariable("ACKHOOK_LOSSYFS"); !named.isEmpty())
        return QFileInfo(named).isExecutable() ? named : QString();
    const QString besideUs = QCoreApplication::applicationDirPath() + QStringLiteral("/lossyfs");
    if (QFileInfo(besideUs).isExecutable())
        return besideUs;
    return QStandardPaths::findExecutable(QStringLiteral("lossyfs"));
}

QString LossyStore::fuseUnusableReason()
{
    const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return QStringLiteral("FUSE is missing: /dev/fuse cannot be opened (%1)")
            .arg(QString::fromLocal8Bit(std::strerror(errno)));
    ::close(fd);
    if (fusermount().isEmpty())
        return QStringLiteral("FUSE is missing: no fusermount3 (Debian: apt-get install fuse3)");
    return {};
}

QString LossyStore::unusableReason()
{
    if (QString why = fuseUnusableReason(); !why.isEmpty())
        return why;
    if (findExecutable().isEmpty())
        return QStringLiteral("lossyfs not found (looked in $ACKHOOK_LOSSYFS, next to ackhook and in PATH)");
    return {};
}

LossyStore::LossyStore(QString backing, QString mountPoint, QString executable)
    : m_backing(std::move(backing))
    , m_mountPoint(std::move(mountPoint))
    , m_executable(std::move(executable))
{
}

LossyStore::~LossyStore()
{
    QString ignored;
    if (isMounted() || m_process.state() != QProcess::NotRunning)
        unmount(&ignored);
}

bool LossyStore::isMounted() const
{
    QFile mounts(QStringLiteral("/proc/self/mountinfo"));
    if (!mounts.open(QIODevice::ReadOnly))
        return false;
    const QByteArray needle = ' ' + QFile::encodeName(m_mountPoint) + ' ';
    const QList<QByteArray> lines = mounts.readAll().split('\n');
    return std::any_of(lines.cbegin(), lines.cend(),
        [&](const QByteArray &line) { return line.contains(needle) && line.contains("lossyfs"); });
}

bool LossyStore::mount(QString *error)
{
    if (!QDir().mkpath(m_backing) || !QDir().mkpath(m_mountPoint)) {
        *error = QStringLiteral("cannot create %1 and %2").arg(m_backing, m_mountPoint);
        return false;
    }
    if (isMounted()) // left behind by an ackhook that died before its lossyfs noticed
        QProcess::execute(fusermount(), { QStringLiteral("-u"), QStringLiteral("-z"), m_mountPoint });
    // -f: lossyfs stays our child, killed by its PID; it dies with ackhook (and auto_unmount unmounts).
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    m_process.start(m_executable,
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

bool LossyStore::command(const QByteArray &word, QString *error)
{
    const QByteArray path = QFile::encodeName(filePath(ControlName));
    const QByteArray line = word + '\n';
    const int fd = ::open(path.constData(), O_WRONLY | O_CLOEXEC);
    const bool ok = fd >= 0 && ::write(fd, line.constData(), size_t(line.size())) == line.size();
    const int saved = errno;
    if (fd >= 0)
        ::close(fd);
    if (!ok && error)
        *error = QStringLiteral("lossyfs %1: %2")
                     .arg(QString::fromLatin1(word), QString::fromLocal8Bit(std::strerror(saved)));
    return ok;
}

bool LossyStore::cut(QString *error)
{
    if (!command("cut", error))
        return false;
    ++m_cuts;
    return true;
}

bool LossyStore::sync(QString *error)
{
    return command("sync", error);
}

QString LossyStore::state() const
{
    QFile control(filePath(ControlName));
    if (!control.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return {};
    return QString::fromUtf8(control.readAll()).trimmed();
}

bool LossyStore::unmount(QString *error)
{
    if (isMounted() && QProcess::execute(fusermount(), { QStringLiteral("-u"), m_mountPoint }) != 0)
        QProcess::execute(fusermount(), { QStringLiteral("-u"), QStringLiteral("-z"), m_mountPoint }); // busy
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

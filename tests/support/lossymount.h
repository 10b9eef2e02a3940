// LossyMount: a lossyfs (tests/support/lossyfs) mounted for a test: held-back unsynced writes, a
// power cut on command, unmount and remount over the same backing directory; killed by PID.
#pragma once

#include <QProcess>
#include <QString>

namespace TestSupport {

QString lossyfsBinary(); // $LOSSYFS_BINARY, set by CMake for every suite
// Why FUSE cannot be used here (empty when it can): no /dev/fuse, or not root and no fusermount3.
QString fuseUnusableReason();

class LossyMount {
public:
    // backing and mountPoint must exist (the latter empty); nothing is mounted until mount().
    LossyMount(QString backing, QString mountPoint);
    ~LossyMount(); // unmounts, and kills the lossyfs process by PID if it is still there
    LossyMount(const LossyMount &) = delete;
    LossyMount &operator=(const LossyMount &) = delete;

    // Starts lossyfs and waits (bounded) until the mount answers. False with *error.
    bool mount(QString *error);
    // The power cut: every write and name change not made durable is dropped; from now on every
    // operation on the mount fails with EIO. False when the command did not go through.
    bool cut(QString *error = nullptr);
    // Everything durable now (sync(1)).
    bool sync(QString *error = nullptr);
    // fusermount3 -u (lazily when busy), then waits for lossyfs to exit. False with *error.
    bool unmount(QString *error);
    bool remount(QString *error) { return unmount(error) && mount(error); }

    QString path() const { return m_mountPoint; }
    QString filePath(const QString &name) const { return m_mountPoint + QLatin1Char('/') + name; }
    QString backing() const { return m_backing; }
    qint64 pid() const { return m_process.processId(); }
    bool isMounted() const;
    QString state(); // the control file's text ("state: live|cut", held bytes, pending names)
    QByteArray log() { return m_process.readAllStandardError(); }

private:
    bool command(const QByteArray &word, QString *error);

    QString m_backing;
    QString m_mountPoint;
    QProcess m_process;
};

} // namespace TestSupport

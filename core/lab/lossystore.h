// LossyStore: the lab's power cut. The embedded nats-server's store on lossyfs (a FUSE file system
// that holds back every write no fsync made durable), cut, unmounted and mounted again on command.
#pragma once

#include <QProcess>
#include <QString>

class LossyStore {
public:
    // The lossyfs executable: $ACKHOOK_LOSSYFS, then next to this program, then PATH. Empty if none.
    static QString findExecutable();
    // Why a lossy store cannot be mounted here (no /dev/fuse, no fusermount3, no lossyfs); empty when it can.
    static QString unusableReason();
    // The FUSE part of that: no /dev/fuse, or no fusermount3. Empty when FUSE can be used.
    static QString fuseUnusableReason();

    // backing: where the data really goes; mountPoint: what nats-server is given. Both are created.
    // executable: the lossyfs to run (the test suites pass the one they were built with).
    LossyStore(QString backing, QString mountPoint, QString executable = findExecutable());
    ~LossyStore(); // unmounts (everything held is written back, as a clean shutdown does)
    LossyStore(const LossyStore &) = delete;
    LossyStore &operator=(const LossyStore &) = delete;

    bool mount(QString *error); // blocks until the mount answers (bounded)
    // The power cut: every write no fsync made durable is dropped, and every later operation on
    // the mount fails with EIO until remount().
    bool cut(QString *error = nullptr);
    bool sync(QString *error = nullptr); // everything held made durable, as sync(1) does
    bool unmount(QString *error);
    bool remount(QString *error) { return unmount(error) && mount(error); }

    QString path() const { return m_mountPoint; }
    QString filePath(const QString &name) const { return m_mountPoint + QLatin1Char('/') + name; }
    QString backing() const { return m_backing; }
    bool isMounted() const;
    QString state() const; // lossyfs' control file: "state: live|cut", held files and bytes, pending names
    int cuts() const { return m_cuts; }

private:
    bool command(const QByteArray &word, QString *error); // one line to lossyfs' control file

    QString m_backing;
    QString m_mountPoint;
    QString m_executable;
    QProcess m_process;
    int m_cuts = 0;
};

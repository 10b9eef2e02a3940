// lossyfs (tests/support/lossyfs), the file system the power-cut tests stand on: what an fsync makes
// durable survives a cut, what it did not does not, name changes follow the journal model, and
// after a cut every operation fails until the mount is remounted.
#include "lossymount.h"

#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace TestSupport;

namespace {

// The tests use the system calls themselves: which call is made (write, fsync, fdatasync, rename)
// is the point, and QFile would hide it.
QByteArray native(const QString &path)
{
    return QFile::encodeName(path);
}

int openFile(const QString &path, int flags = O_RDWR | O_CREAT)
{
    return ::open(native(path).constData(), flags | O_CLOEXEC, 0644);
}

bool writeAt(int fd, const QByteArray &data, off_t offset)
{
    return ::pwrite(fd, data.constData(), static_cast<size_t>(data.size()), offset) == data.size();
}

// The whole file through the mount, or nullopt with errno set.
std::optional<QByteArray> readAll(const QString &path)
{
    const int fd = ::open(native(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    QByteArray data;
    char chunk[65536];
    ssize_t n;
    while ((n = ::read(fd, chunk, sizeof chunk)) > 0)
        data.append(chunk, n);
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return n < 0 ? std::nullopt : std::optional<QByteArray>(data);
}

bool exists(const QString &path)
{
    struct stat st { };
    return ::lstat(native(path).constData(), &st) == 0;
}

int syncDirectory(const QString &path)
{
    const int fd = ::open(native(path).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const int result = ::fsync(fd);
    ::close(fd);
    return result;
}

// A file with this content, durable (written, fsynced, its directory fsynced).
bool durableFile(const QString &path, const QByteArray &content)
{
    const int fd = openFile(path, O_RDWR | O_CREAT | O_TRUNC);
    const bool ok = fd >= 0 && writeAt(fd, content, 0) && ::fsync(fd) == 0;
    if (fd >= 0)
        ::close(fd);
    return ok && syncDirectory(QFileInfo(path).path()) == 0;
}

} // namespace

class TestLossyFs : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void passesThrough();
    void syncedWriteSurvivesCut_data();
    void syncedWriteSurvivesCut();
    void unsyncedWriteIsLost();
    void syncOfOneFileKeepsAnothersWritesHeld();
    void createdFileWithoutSyncIsGone();
    void createdFileWithDirectorySyncIsThereEmpty();
    void renameFollowsDirectorySync_data();
    void renameFollowsDirectorySync();
    void unlinkFollowsDirectorySync_data();
    void unlinkFollowsDirectorySync();
    void mkdirAndRmdirFollowDirectorySync();
    void fileReplacedWhileOpenKeepsItsWrites();
    void truncateFollowsFileSync_data();
    void truncateFollowsFileSync();
    void truncateThenExtendReadsZeros();
    void everyOperationFailsAfterCutUntilRemount();
    void cleanUnmountWritesEverythingBack();

private:
    bool cutAndRemount();

    std::unique_ptr<QTemporaryDir> m_work;
    std::unique_ptr<LossyMount> m_mount;
    QString m_dir; // the mount point
};

void TestLossyFs::initTestCase()
{
    const QString reason = fuseUnusableReason();
    // CI installs fuse3: a machine without FUSE is told loudly, never passed by a skip.
    if (!reason.isEmpty() && qEnvironmentVariableIsSet("ACKHOOK_ALLOW_NO_FUSE"))
        QSKIP(qPrintable(reason));
    QVERIFY2(reason.isEmpty(), qPrintable(reason + QStringLiteral(" (ACKHOOK_ALLOW_NO_FUSE=1 skips)")));
}

void TestLossyFs::init()
{
    m_work = std::make_unique<QTemporaryDir>();
    QVERIFY(QDir(m_work->path()).mkpath(QStringLiteral("backing")));
    QVERIFY(QDir(m_work->path()).mkpath(QStringLiteral("mnt")));
    m_mount = std::make_unique<LossyMount>(
        m_work->filePath(QStringLiteral("backing")), m_work->filePath(QStringLiteral("mnt")));
    QString error;
    QVERIFY2(m_mount->mount(&error), qPrintable(error));
    m_dir = m_mount->path();
}

void TestLossyFs::cleanup()
{
    m_mount.reset();
    m_work.reset();
}

bool TestLossyFs::cutAndRemount()
{
    QString error;
    if (!m_mount->cut(&error) || !m_mount->remount(&error)) {
        qWarning().noquote() << error;
        return false;
    }
    return true;
}

void TestLossyFs::passesThrough()
{
    const QString path = m_dir + QStringLiteral("/f");
    const int fd = openFile(path);
    QVERIFY(fd >= 0);
    QVERIFY(writeAt(fd, "hello world", 0));
    QVERIFY(writeAt(fd, "WORLD", 6)); // an overwrite inside held bytes
    QVERIFY(writeAt(fd, "!", 11)); // an append
    QVERIFY(writeAt(fd, "x", 20)); // past the end: a hole of zeros
    struct stat st { };
    QCOMPARE(::fstat(fd, &st), 0);
    QCOMPARE(st.st_size, off_t(21));
    ::close(fd);
    QCOMPARE(readAll(path).value(), QByteArray("hello WORLD!") + QByteArray(8, '\0') + "x");
    // Nothing reached the backing directory yet: the writes are held.
    QCOMPARE(QFileInfo(m_mount->backing() + QStringLiteral("/f")).size(), qint64(0));
    QVERIFY(m_mount->state().contains(QLatin1String("held_bytes: 13"))); // 12 + 1: the hole holds nothing
    // Listing hides lossyfs' own names.
    QCOMPARE(QDir(m_dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
        QStringList { QStringLiteral("f") });
}

void TestLossyFs::syncedWriteSurvivesCut_data()
{
    QTest::addColumn<bool>("datasync");
    QTest::addRow("fsync") << false;
    QTest::addRow("fdatasync") << true;
}

void TestLossyFs::syncedWriteSurvivesCut()
{
    QFETCH(bool, datasync);
    const QString path = m_dir + QStringLiteral("/f");
    const int fd = openFile(path);
    QVERIFY(fd >= 0);
    QVERIFY(writeAt(fd, "durable", 0));
    QCOMPARE(datasync ? ::fdatasync(fd) : ::fsync(fd), 0);
    QVERIFY(writeAt(fd, " and not", 7)); // after the sync: held again
    ::close(fd);
    QCOMPARE(readAll(path).value(), QByteArray("durable and not"));
    QVERIFY(cutAndRemount());
    QCOMPARE(readAll(path).value(), QByteArray("durable"));
}

void TestLossyFs::unsyncedWriteIsLost()
{
    const QString path = m_dir + QStringLiteral("/f");
    QVERIFY(durableFile(path, "old content"));
    const int fd = openFile(path, O_RDWR);
    QVERIFY(fd >= 0);
    QVERIFY(writeAt(fd, "NEW", 0));
    QVERIFY(writeAt(fd, " appended", 11));
    ::close(fd); // closing is no sync
    QCOMPARE(readAll(path).value(), QByteArray("NEW content appended"));
    QVERIFY(cutAndRemount());
    QCOMPARE(readAll(path).value(), QByteArray("old content"));
}

void TestLossyFs::syncOfOneFileKeepsAnothersWritesHeld()
{
    const QString a = m_dir + QStringLiteral("/a"), b = m_dir + QStringLiteral("/b");
    QVERIFY(durableFile(a, "a0"));
    QVERIFY(durableFile(b, "b0"));
    const int fa = openFile(a, O_RDWR), fb = openFile(b, O_RDWR);
    QVERIFY(fa >= 0 && fb >= 0);
    QVERIFY(writeAt(fa, "a1", 0));
    QVERIFY(writeAt(fb, "b1", 0));
    QCOMPARE(::fsync(fa), 0);
    ::close(fa);
    ::close(fb);
    QVERIFY(cutAndRemount());
    QCOMPARE(readAll(a).value(), QByteArray("a1"));
    QCOMPARE(readAll(b).value(), QByteArray("b0")); // data is per file: no journal carries it
}

void TestLossyFs::createdFileWithoutSyncIsGone()
{
    QVERIFY(QDir(m_dir).mkdir(QStringLiteral("d")));
    const QString path = m_dir + QStringLiteral("/d/f");
    const int fd = openFile(path);
    QVERIFY(fd >= 0);
    QVERIFY(writeAt(fd, "x", 0));
    ::close(fd);
    QVERIFY(exists(path));
    QVERIFY(cutAndRemount());
    QVERIFY(!exists(path));
    QVERIFY(!exists(m_dir + QStringLiteral("/d")));
}

// The name is durable (the directory's fsync), the data is not (the file's was never made).
void TestLossyFs::createdFileWithDirectorySyncIsThereEmpty()
{
    const QString path = m_dir + QStringLiteral("/f");
    const int fd = openFile(path);
    QVERIFY(fd >= 0);
    QVERIFY(writeAt(fd, "never synced", 0));
    ::close(fd);
    QCOMPARE(syncDirectory(m_dir), 0);
    QVERIFY(cutAndRemount());
    QVERIFY(exists(path));
    QCOMPARE(readAll(path).value(), QByteArray());
}

void TestLossyFs::renameFollowsDirectorySync_data()
{
    QTest::addColumn<int>("sync"); // 0: none, 1: the directory, 2: the renamed file
    QTest::addRow("no sync: both names as before") << 0;
    QTest::addRow("directory fsync: the rename is durable") << 1;
    QTest::addRow("file fsync: the journal commits the rename too") << 2;
}

// The atomic-replace pattern: write new, fsync it, rename over the old one, fsync the directory.
void TestLossyFs::renameFollowsDirectorySync()
{
    QFETCH(int, sync);
    const QString old = m_dir + QStringLiteral("/config"), next = m_dir + QStringLiteral("/config.tmp");
    QVERIFY(durableFile(old, "version 1"));
    QVERIFY(durableFile(next, "version 2"));
    QCOMPARE(::rename(native(next).constData(), native(old).constData()), 0);
    QCOMPARE(readAll(old).value(), QByteArray("version 2"));
    if (sync == 1)
        QCOMPARE(syncDirectory(m_dir), 0);
    if (sync == 2) {
        const int fd = openFile(old, O_RDONLY);
        QCOMPARE(::fsync(fd), 0);
        ::close(fd);
    }
    QVERIFY(cutAndRemount());
    if (sync == 0) {
        QCOMPARE(readAll(old).value(), QByteArray("version 1"));
        QCOMPARE(readAll(next).value(), QByteArray("version 2"));
    } else {
        QCOMPARE(readAll(old).value(), QByteArray("version 2"));
        QVERIFY(!exists(next));
    }
}

void TestLossyFs::unlinkFollowsDirectorySync_data()
{
    QTest::addColumn<bool>("syncDirectory");
    QTest::addRow("no sync: the file is back, whole") << false;
    QTest::addRow("directory fsync: gone") << true;
}

void TestLossyFs::unlinkFollowsDirectorySync()
{
    QFETCH(bool, syncDirectory);
    const QString path = m_dir + QStringLiteral("/f");
    QVERIFY(durableFile(path, "content"));
    const int fd = openFile(path, O_RDWR); // open while unlinked: still readable and writable
    QVERIFY(fd >= 0);
    QCOMPARE(::unlink(native(path).constData()), 0);
    QVERIFY(!exists(path));
    QVERIFY(writeAt(fd, "C", 0));
    char first = 0;
    QCOMPARE(::pread(fd, &first, 1, 0), ssize_t(1));
    QCOMPARE(first, 'C');
    ::close(fd);
    if (syncDirectory)
        QCOMPARE(::syncDirectory(m_dir), 0);
    QVERIFY(cutAndRemount());
    QCOMPARE(exists(path), !syncDirectory);
    if (!syncDirectory)
        QCOMPARE(readAll(path).value(), QByteArray("content"));
}

void TestLossyFs::mkdirAndRmdirFollowDirectorySync()
{
    const QString kept = m_dir + QStringLiteral("/kept"), removed = m_dir + QStringLiteral("/removed"),
                  fresh = m_dir + QStringLiteral("/fresh");
    QVERIFY(QDir(m_dir).mkdir(QStringLiteral("kept")));
    QVERIFY(QDir(m_dir).mkdir(QStringLiteral("removed")));
    QCOMPARE(syncDirectory(m_dir), 0);
    QCOMPARE(::rmdir(native(removed).constData()), 0);
    QVERIFY(QDir(m_dir).mkdir(QStringLiteral("fresh")));
    QCOMPARE(::rmdir(native(kept + QStringLiteral("/../kept")).constData()), 0);
    QCOMPARE(syncDirectory(m_dir), 0); // rmdir of removed and kept, mkdir of fresh: durable
    QVERIFY(QDir(m_dir).mkdir(QStringLiteral("kept"))); // not durable
    QCOMPARE(::rmdir(native(fresh).constData()), 0); // not durable
    QVERIFY(cutAndRemount());
    QVERIFY(!exists(kept));
    QVERIFY(!exists(removed));
    QVERIFY(exists(fresh));
    // A directory with entries is not removed (rmdir's check, not the trash's rename).
    QVERIFY(durableFile(fresh + QStringLiteral("/f"), "x"));
    QCOMPARE(::rmdir(native(fresh).constData()), -1);
    QCOMPARE(errno, ENOTEMPTY);
}

// A file renamed over while open: its name is gone for good at the commit, but the descriptor still
// reads what was written through it (the held bytes stay while it is open).
void TestLossyFs::fileReplacedWhileOpenKeepsItsWrites()
{
    const QString a = m_dir + QStringLiteral("/a"), b = m_dir + QStringLiteral("/b");
    QVERIFY(durableFile(a, "A0"));
    QVERIFY(durableFile(b, "B0"));
    const int fd = openFile(b, O_RDWR);
    QVERIFY(fd >= 0);
    QVERIFY(writeAt(fd, "B1", 0));
    QCOMPARE(::rename(native(a).constData(), native(b).constData()), 0);
    QCOMPARE(syncDirectory(m_dir), 0);
    char bytes[2] = {};
    QCOMPARE(::pread(fd, bytes, 2, 0), ssize_t(2));
    QCOMPARE(QByteArray(bytes, 2), QByteArray("B1"));
    ::close(fd);
    QVERIFY(cutAndRemount());
    QCOMPARE(readAll(b).value(), QByteArray("A0"));
    QVERIFY(!exists(a));
}

void TestLossyFs::truncateFollowsFileSync_data()
{
    QTest::addColumn<bool>("syncFile");
    QTest::addRow("no sync: the old length") << false;
    QTest::addRow("fsync: the new length") << true;
}

void TestLossyFs::truncateFollowsFileSync()
{
    QFETCH(bool, syncFile);
    const QString path = m_dir + QStringLiteral("/f"), byPath = m_dir + QStringLiteral("/g");
    QVERIFY(durableFile(path, "hello world"));
    QVERIFY(durableFile(byPath, "0123456789"));
    const int fd = openFile(path, O_RDWR);
    QVERIFY(fd >= 0);
    QCOMPARE(::ftruncate(fd, 5), 0);
    QCOMPARE(::truncate(native(byPath).constData(), 2), 0);
    QCOMPARE(readAll(path).value(), QByteArray("hello"));
    QCOMPARE(readAll(byPath).value(), QByteArray("01"));
    if (syncFile)
        QCOMPARE(::fsync(fd), 0);
    ::close(fd);
    // O_TRUNC is a truncate too, held like the others.
    const int truncating = openFile(byPath, O_WRONLY | O_TRUNC);
    QVERIFY(truncating >= 0);
    ::close(truncating);
    QCOMPARE(readAll(byPath).value(), QByteArray());
    QVERIFY(cutAndRemount());
    QCOMPARE(readAll(path).value(), syncFile ? QByteArray("hello") : QByteArray("hello world"));
    QCOMPARE(readAll(byPath).value(), QByteArray("0123456789"));
}

void TestLossyFs::truncateThenExtendReadsZeros()
{
    const QString path = m_dir + QStringLiteral("/f");
    QVERIFY(durableFile(path, "abcdefghij"));
    const int fd = openFile(path, O_RDWR);
    QVERIFY(fd >= 0);
    QCOMPARE(::ftruncate(fd, 2), 0);
    QVERIFY(writeAt(fd, "Z", 6)); // the bytes cut away must not come back from the backing file
    QCOMPARE(readAll(path).value(), QByteArray("ab") + QByteArray(4, '\0') + "Z");
    QCOMPARE(::fsync(fd), 0);
    ::close(fd);
    QVERIFY(cutAndRemount());
    QCOMPARE(readAll(path).value(), QByteArray("ab") + QByteArray(4, '\0') + "Z");
}

void TestLossyFs::everyOperationFailsAfterCutUntilRemount()
{
    const QString path = m_dir + QStringLiteral("/f");
    QVERIFY(durableFile(path, "content"));
    const int fd = openFile(path, O_RDWR);
    QVERIFY(fd >= 0);
    QString error;
    QVERIFY2(m_mount->cut(&error), qPrintable(error));
    QVERIFY(m_mount->state().startsWith(QLatin1String("state: cut")));

    const auto failsWithEio = [](int result) { return result == -1 && errno == EIO; };
    QVERIFY(failsWithEio(::pwrite(fd, "x", 1, 0)));
    QVERIFY(failsWithEio(::fsync(fd)));
    ::close(fd);
    struct stat st { };
    QVERIFY(failsWithEio(::stat(native(path).constData(), &st)));
    QVERIFY(failsWithEio(::open(native(path).constData(), O_RDONLY | O_CLOEXEC)));
    QVERIFY(failsWithEio(openFile(m_dir + QStringLiteral("/new"))));
    QVERIFY(failsWithEio(::mkdir(native(m_dir + QStringLiteral("/d")).constData(), 0755)));
    QVERIFY(failsWithEio(::unlink(native(path).constData())));
    QVERIFY(failsWithEio(::rename(native(path).constData(), native(m_dir + QStringLiteral("/g")).constData())));
    DIR *dir = ::opendir(native(m_dir).constData());
    QVERIFY(!dir && errno == EIO);

    QVERIFY2(m_mount->remount(&error), qPrintable(error));
    QVERIFY(m_mount->state().startsWith(QLatin1String("state: live")));
    QCOMPARE(readAll(path).value(), QByteArray("content"));
    QVERIFY(durableFile(m_dir + QStringLiteral("/new"), "works again"));
}

void TestLossyFs::cleanUnmountWritesEverythingBack()
{
    const QString path = m_dir + QStringLiteral("/f");
    const int fd = openFile(path);
    QVERIFY(fd >= 0);
    QVERIFY(writeAt(fd, "kept by a clean unmount", 0));
    ::close(fd);
    QString error;
    QVERIFY2(m_mount->remount(&error), qPrintable(error));
    QCOMPARE(readAll(path).value(), QByteArray("kept by a clean unmount"));
    QVERIFY(cutAndRemount()); // durable now: a cut takes nothing
    QCOMPARE(readAll(path).value(), QByteArray("kept by a clean unmount"));
}

QTEST_GUILESS_MAIN(TestLossyFs)
#include "tst_lossyfs.moc"

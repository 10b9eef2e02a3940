// SecretFile on real files: a regular file, a FIFO (refused without blocking), a directory, a device,
// too big, empty, readable by others (a warning), missing; no message holds the secret.
#include "config/secretfile.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

class TestSecretFile : public QObject {
    Q_OBJECT

private slots:
    void init();
    void regularFile_data();
    void regularFile();
    void refused_data();
    void refused();
    void fifoDoesNotBlock();
    void permissionWarning_data();
    void permissionWarning();

private:
    QString write(const QString &name, const QByteArray &content,
        QFile::Permissions permissions = QFile::ReadOwner | QFile::WriteOwner);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestSecretFile::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

QString TestSecretFile::write(const QString &name, const QByteArray &content, QFile::Permissions permissions)
{
    const QString path = m_dir->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return {};
    file.close();
    if (!QFile::setPermissions(path, permissions))
        return {};
    return path;
}

void TestSecretFile::regularFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QByteArray>("secret");
    QTest::addRow("one line") << QByteArray("s3cret\n") << QByteArray("s3cret");
    QTest::addRow("no newline") << QByteArray("s3cret") << QByteArray("s3cret");
    QTest::addRow("surrounding white space") << QByteArray("  s3cret \r\n\n") << QByteArray("s3cret");
    QTest::addRow("inner white space kept") << QByteArray("a b\tc\n") << QByteArray("a b\tc");
    const QByteArray largest(SecretFile::MaxBytes, 'x');
    QTest::addRow("exactly the bound") << largest << largest;
    QTest::addRow("the bound with a newline") << QByteArray(SecretFile::MaxBytes - 1, 'y') + '\n'
                                              << QByteArray(SecretFile::MaxBytes - 1, 'y');
}

void TestSecretFile::regularFile()
{
    QFETCH(QByteArray, content);
    QFETCH(QByteArray, secret);
    const QString path = write(QStringLiteral("secret"), content);
    QVERIFY(!path.isEmpty());
    const SecretFile file = SecretFile::read(path);
    QVERIFY2(file.ok(), qPrintable(file.error()));
    QCOMPARE(file.problem(), SecretFile::Problem::None);
    QCOMPARE(file.secret(), secret);
    QCOMPARE(file.path(), path);
    QVERIFY(file.error().isEmpty());
    QVERIFY(file.reason().isEmpty());
    QVERIFY2(file.warning().isEmpty(), qPrintable(file.warning())); // mode 0600
}

void TestSecretFile::refused_data()
{
    QTest::addColumn<QString>("name"); // created by refused() according to it
    QTest::addColumn<int>("problem");
    QTest::addColumn<QString>("error"); // %1: the path
    QTest::addColumn<QString>("reason");
    QTest::addRow("missing") << QStringLiteral("missing") << int(SecretFile::Problem::Missing)
                             << QStringLiteral("cannot read %1: No such file or directory")
                             << QStringLiteral("no such file");
    QTest::addRow("missing directory") << QStringLiteral("nowhere/secret") << int(SecretFile::Problem::Missing)
                                       << QStringLiteral("cannot read %1: No such file or directory")
                                       << QStringLiteral("no such file");
    QTest::addRow("directory") << QStringLiteral("directory") << int(SecretFile::Problem::NotRegular)
                               << QStringLiteral("%1 is a directory, not a regular file")
                               << QStringLiteral("a directory, not a regular file");
    QTest::addRow("fifo") << QStringLiteral("fifo") << int(SecretFile::Problem::NotRegular)
                          << QStringLiteral("%1 is a FIFO, not a regular file")
                          << QStringLiteral("a FIFO, not a regular file");
    QTest::addRow("device") << QStringLiteral("/dev/null") << int(SecretFile::Problem::NotRegular)
                            << QStringLiteral("%1 is a device, not a regular file")
                            << QStringLiteral("a device, not a regular file");
    QTest::addRow("too big") << QStringLiteral("big") << int(SecretFile::Problem::TooLarge)
                             << QStringLiteral("%1 is larger than 64 KiB, the most a secret file may hold")
                             << QStringLiteral("larger than 64 KiB, the most a secret file may hold");
    QTest::addRow("empty") << QStringLiteral("empty") << int(SecretFile::Problem::Empty)
                           << QStringLiteral("%1 is empty") << QStringLiteral("empty");
    QTest::addRow("white space only") << QStringLiteral("blank") << int(SecretFile::Problem::Empty)
                                      << QStringLiteral("%1 is empty") << QStringLiteral("empty");
    if (::geteuid() != 0) // root reads a file of mode 000
        QTest::addRow("unreadable") << QStringLiteral("unreadable") << int(SecretFile::Problem::Unreadable)
                                    << QStringLiteral("cannot read %1: Permission denied")
                                    << QStringLiteral("cannot read: Permission denied");
}

void TestSecretFile::refused()
{
    QFETCH(QString, name);
    QFETCH(int, problem);
    QFETCH(QString, error);
    QFETCH(QString, reason);
    QString path = name.startsWith(QLatin1Char('/')) ? name : m_dir->filePath(name);
    if (name == QLatin1String("directory")) {
        QVERIFY(QDir(m_dir->path()).mkdir(name));
    } else if (name == QLatin1String("fifo")) {
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    } else if (name == QLatin1String("big")) {
        path = write(name, QByteArray(SecretFile::MaxBytes + 1, 'z'));
    } else if (name == QLatin1String("empty")) {
        path = write(name, {});
    } else if (name == QLatin1String("blank")) {
        path = write(name, " \n\t\n");
    } else if (name == QLatin1String("unreadable")) {
        path = write(name, "s3cret\n", {});
    }
    QVERIFY(!path.isEmpty());

    const SecretFile file = SecretFile::read(path);
    QVERIFY(!file.ok());
    QCOMPARE(int(file.problem()), problem);
    QCOMPARE(file.error(), error.arg(path));
    QCOMPARE(file.reason(), reason);
    QVERIFY(file.secret().isEmpty());
    QVERIFY(file.warning().isEmpty());
    QVERIFY(!file.error().contains(QLatin1String("s3cret")));
    QVERIFY(!file.error().contains(QLatin1String("zzzz")));
}

// A FIFO nobody writes to: open() for reading would wait for a writer forever.
void TestSecretFile::fifoDoesNotBlock()
{
    const QString path = m_dir->filePath(QStringLiteral("fifo"));
    QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    QElapsedTimer timer;
    timer.start();
    const SecretFile file = SecretFile::read(path);
    QCOMPARE(file.problem(), SecretFile::Problem::NotRegular);
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
}

void TestSecretFile::permissionWarning_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("warning"); // %1: the path; empty: none
    QTest::addRow("0600") << 0600 << QString();
    QTest::addRow("0400") << 0400 << QString();
    QTest::addRow("0644") << 0644 << QStringLiteral("%1 can be read by every user (mode 0644): chmod 600 it");
    QTest::addRow("0640") << 0640 << QStringLiteral("%1 can be read by its group (mode 0640): chmod 600 it");
    QTest::addRow("0604") << 0604 << QStringLiteral("%1 can be read by every user (mode 0604): chmod 600 it");
    QTest::addRow("0620 (group may write, not read)") << 0620 << QString();
}

void TestSecretFile::permissionWarning()
{
    QFETCH(int, mode);
    QFETCH(QString, warning);
    const QString path = write(QStringLiteral("secret"), "s3cret-4711\n");
    QVERIFY(!path.isEmpty());
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), static_cast<mode_t>(mode)), 0);
    const SecretFile file = SecretFile::read(path);
    QVERIFY2(file.ok(), qPrintable(file.error())); // a warning, not a refusal
    QCOMPARE(file.secret(), QByteArray("s3cret-4711"));
    QCOMPARE(file.warning(), warning.isEmpty() ? QString() : warning.arg(path));
    QVERIFY(!file.warning().contains(QLatin1String("s3cret")));
}

QTEST_GUILESS_MAIN(TestSecretFile)
#include "tst_secretfile.moc"

// Without a reachable display ackhook says so in one line and exits 2, instead of aborting inside
// Qt (exit 134): the check itself, and the real binary with DISPLAY pointing nowhere.
#include "displaycheck.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {
// An X display number nobody serves here.
QByteArray deadDisplay()
{
    for (int n = 173;; ++n) {
        if (!QFileInfo::exists(QStringLiteral("/tmp/.X11-unix/X%1").arg(n)))
            return ':' + QByteArray::number(n);
    }
}

class EnvironmentGuard { // restores the variables this test changes
public:
    EnvironmentGuard()
    {
        for (const char *name : { "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM" })
            m_saved.append({ name, qgetenv(name), qEnvironmentVariableIsSet(name) });
    }
    ~EnvironmentGuard()
    {
        for (const Saved &saved : m_saved) {
            if (saved.set)
                qputenv(saved.name, saved.value);
            else
                qunsetenv(saved.name);
        }
    }

private:
    struct Saved {
        const char *name;
        QByteArray value;
        bool set;
    };
    QList<Saved> m_saved;
};
} // namespace

class TestDisplayCheck : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void noDisplayAtAll();
    void displaySetButUnreachable();
    void explicitPlatformIsTrusted();
    void binaryExitsWithOneClearLine();
};

void TestDisplayCheck::noDisplayAtAll()
{
    EnvironmentGuard guard;
    qunsetenv("DISPLAY");
    qunsetenv("WAYLAND_DISPLAY");
    qunsetenv("QT_QPA_PLATFORM");
    QString why;
    QVERIFY(!DisplayCheck::canShowWindow(&why));
    QVERIFY2(why.contains(QStringLiteral("no display found")), qPrintable(why));
}

void TestDisplayCheck::displaySetButUnreachable()
{
    EnvironmentGuard guard;
    const QByteArray display = deadDisplay();
    qputenv("DISPLAY", display);
    qputenv("WAYLAND_DISPLAY", "wayland-no-such-socket");
    qunsetenv("QT_QPA_PLATFORM");
    QString why;
    QVERIFY(!DisplayCheck::canShowWindow(&why));
    QVERIFY2(why.contains(QStringLiteral("cannot open the X display \"%1\"").arg(QString::fromLatin1(display))),
        qPrintable(why));
}

void TestDisplayCheck::explicitPlatformIsTrusted()
{
    EnvironmentGuard guard;
    qunsetenv("DISPLAY");
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QString why;
    QVERIFY(DisplayCheck::canShowWindow(&why));
}

void TestDisplayCheck::binaryExitsWithOneClearLine()
{
    const QString binary = qEnvironmentVariable("ACKHOOK_BINARY");
    QVERIFY2(QFileInfo(binary).isExecutable(), "ACKHOOK_BINARY must name the built ackhook");
    QTemporaryDir dir;
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    environment.insert(QStringLiteral("DISPLAY"), QString::fromLatin1(deadDisplay()));
    process.setProcessEnvironment(environment);
    process.start(binary, { QStringLiteral("--data-dir"), dir.path() });
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit); // not an abort (exit 134)
    QCOMPARE(process.exitCode(), 2);
    const QString error = QString::fromLocal8Bit(process.readAllStandardError());
    QVERIFY2(error.startsWith(QStringLiteral("ackhook: cannot open the X display")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("ackhook --headless")), qPrintable(error));
    QVERIFY(!error.contains(QStringLiteral("qt.qpa"))); // Qt never got to try
}

QTEST_GUILESS_MAIN(TestDisplayCheck)
#include "tst_displaycheck.moc"

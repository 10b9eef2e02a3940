// The built ackhook AppImage, read by Debian's libappimage (an independent reader of the format)
// and started on this machine: type 2, its files, its desktop entry, the excludelist honoured,
// a webhook answered 200 by the bundled nats-server.
#include <QDir>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

extern "C" {
#include <appimage/appimage.h>
}

using namespace Qt::StringLiterals;

namespace {

QString appImagePath()
{
    return QString::fromLocal8Bit(qgetenv("ACKHOOK_APPIMAGE"));
}

QStringList listFiles(const QString &path)
{
    QStringList files;
    char **list = appimage_list_files(path.toLocal8Bit().constData());
    for (char **entry = list; entry && *entry; ++entry)
        files << QString::fromLocal8Bit(*entry);
    appimage_string_list_free(list);
    return files;
}

// The executables of the children of pid (from /proc).
QStringList childExecutables(qint64 pid)
{
    QStringList executables;
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        QFile stat(u"/proc/"_s + entry + u"/stat"_s);
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        // pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields[1].toLongLong() == pid)
            executables << QFile::symLinkTarget(u"/proc/"_s + entry + u"/exe"_s);
    }
    return executables;
}

quint16 freePort()
{
    QTcpServer server;
    return server.listen(QHostAddress::LocalHost, 0) ? server.serverPort() : 0;
}

} // namespace

class tst_AppImage : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(appImagePath()).isExecutable(), "ACKHOOK_APPIMAGE must name the AppImage");
    }

    void isType2WithTheRuntimesOffset()
    {
        const QByteArray path = appImagePath().toLocal8Bit();
        QCOMPARE(appimage_get_type(path.constData(), false), 2);
        QProcess runtime;
        runtime.start(appImagePath(), { u"--appimage-offset"_s });
        QVERIFY(runtime.waitForFinished(10000));
        QCOMPARE(runtime.readAllStandardOutput().trimmed().toLongLong(),
            qlonglong(appimage_get_payload_offset(path.constData())));
    }

    void listsTheAppDir()
    {
        const QStringList files = listFiles(appImagePath());
        for (const char *expected :
            { "AppRun", ".DirIcon", "org.ackhook.ackhook.desktop", "ackhook.png", "ackhook.svg", "usr/bin/ackhook",
                "usr/bin/nats-server", "usr/bin/qt.conf", "usr/lib/libQt6Core.so.6", "usr/lib/libQt6Widgets.so.6",
                "usr/plugins/platforms/libqxcb.so", "usr/plugins/platforms/libqoffscreen.so",
                "usr/plugins/platforms/libqwayland-generic.so", "usr/lib/libQt6WaylandClient.so.6",
                "usr/plugins/wayland-shell-integration/libxdg-shell.so",
                "usr/plugins/wayland-decoration-client/libbradient.so",
                "usr/plugins/xcbglintegrations/libqxcb-glx-integration.so", "usr/plugins/imageformats/libqjpeg.so",
                "usr/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
                "usr/plugins/sqldrivers/libqsqlite.so", "usr/plugins/tls/libqopensslbackend.so",
                "usr/lib/libssl.so", "usr/lib/libcrypto.so", // the names Qt's TLS backend dlopen()s
                "usr/share/metainfo/org.ackhook.ackhook.metainfo.xml",
                "usr/share/icons/hicolor/256x256/apps/ackhook.png", "usr/share/man/man1/ackhook.1" })
            QVERIFY2(files.contains(QString::fromLatin1(expected)), expected);
        QVERIFY2(!files.contains(u"usr/lib/systemd/system/ackhook.service"_s), "no system unit inside the AppImage");
    }

    void honoursTheExcludelist()
    {
        QFile excludelist(QStringLiteral(ACKHOOK_EXCLUDELIST));
        QVERIFY(excludelist.open(QIODevice::ReadOnly));
        const QStringList files = listFiles(appImagePath());
        int checked = 0;
        for (QByteArray line : excludelist.readAll().split('\n')) {
            line = line.trimmed();
            if (line.isEmpty() || line.startsWith('#'))
                continue;
            QVERIFY2(!files.contains(u"usr/lib/"_s + QString::fromLatin1(line)), line.constData());
            ++checked;
        }
        QVERIFY(checked > 40);
    }

    void readsTheDesktopEntry()
    {
        char *buffer = nullptr;
        unsigned long size = 0;
        QVERIFY(appimage_read_file_into_buffer_following_symlinks(
            appImagePath().toLocal8Bit().constData(), "org.ackhook.ackhook.desktop", &buffer, &size));
        const QByteArray desktop(buffer, qsizetype(size));
        free(buffer);
        QVERIFY(desktop.startsWith("[Desktop Entry]"));
        QVERIFY(desktop.contains("\nName=ackhook\n"));
        QVERIFY(desktop.contains("\nExec=ackhook\n"));
        QVERIFY(desktop.contains("\nIcon=ackhook\n"));
        QCOMPARE(appimage_is_terminal_app(appImagePath().toLocal8Bit().constData()), 0);
    }

    void dirIconIsAPng()
    {
        char *buffer = nullptr;
        unsigned long size = 0;
        QVERIFY(appimage_read_file_into_buffer_following_symlinks(
            appImagePath().toLocal8Bit().constData(), ".DirIcon", &buffer, &size));
        const QByteArray icon(buffer, qsizetype(size));
        free(buffer);
        QVERIFY(icon.startsWith("\x89PNG"));
    }

    // Headless from the AppImage (FUSE, or extraction where FUSE is missing): its own nats-server,
    // a webhook answered 200, exit 0 on SIGTERM, nothing left in TMPDIR.
    void answersAWebhookWithItsBundledNatsServer()
    {
        QTemporaryDir tmp, data;
        const quint16 port = freePort(), admin = freePort();
        QProcess ackhook;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"TMPDIR"_s, tmp.path());
        env.insert(u"PATH"_s, u"/nonexistent"_s); // only the bundled nats-server can be found
        ackhook.setProcessEnvironment(env);
        ackhook.setProcessChannelMode(QProcess::MergedChannels);
        ackhook.start(appImagePath(),
            { u"--headless"_s, u"--listen"_s, u"127.0.0.1:%1"_s.arg(port), u"--admin-listen"_s,
                u"127.0.0.1:%1"_s.arg(admin), u"--data-dir"_s, data.path() });
        QVERIFY(ackhook.waitForStarted());

        QNetworkAccessManager network;
        int status = 0;
        QByteArray body;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QNetworkRequest request(QUrl(u"http://127.0.0.1:%1/webhook"_s.arg(port)));
                request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
                request.setRawHeader("Idempotency-Key", "packaging-1");
                std::unique_ptr<QNetworkReply> reply(network.post(request, QByteArray(R"({"from":"appimage"})")));
                QSignalSpy finished(reply.get(), &QNetworkReply::finished);
                finished.wait(5000);
                status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                body = reply->readAll();
                return status == 200;
            }(),
            30000);
        QVERIFY2(body.contains("\"seq\":1"), body.constData());

        // The nats-server ackhook started is the AppImage's, from the mount (or extraction) in TMPDIR.
        const QStringList children = childExecutables(ackhook.processId());
        QVERIFY2(std::any_of(children.cbegin(), children.cend(),
                     [&](const QString &exe) {
                         return exe.startsWith(tmp.path() + u'/') && exe.endsWith(u"/usr/bin/nats-server"_s);
                     }),
            qPrintable(children.join(u", "_s)));
        ackhook.terminate();
        QVERIFY(ackhook.waitForFinished(20000));
        QCOMPARE(ackhook.exitStatus(), QProcess::NormalExit);
        QVERIFY2(ackhook.exitCode() == 0, ackhook.readAll().constData());
        QTRY_VERIFY_WITH_TIMEOUT(
            QDir(tmp.path()).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), 10000);
    }
};

QTEST_GUILESS_MAIN(tst_AppImage)
#include "tst_appimage.moc"

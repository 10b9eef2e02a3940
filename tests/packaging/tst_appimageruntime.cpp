// The AppImage runtime on a small probe AppImage: modes, arguments, exit codes, signals, clean-up, bad input.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

QString probePath()
{
    return QString::fromLocal8Bit(qgetenv("ACKHOOK_PROBE_APPIMAGE"));
}

// Where the SquashFS image starts, computed here from the ELF header independently of the runtime.
qint64 elfEnd(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    Elf64_Ehdr header;
    if (file.read(reinterpret_cast<char *>(&header), sizeof header) != sizeof header)
        return -1;
    return qint64(header.e_shoff + quint64(header.e_shnum) * header.e_shentsize);
}

QString fuseUnusableReason()
{
    const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return u"/dev/fuse cannot be opened: "_s + QString::fromLocal8Bit(strerror(errno));
    ::close(fd);
    if (geteuid() != 0 && QStandardPaths::findExecutable(u"fusermount3"_s).isEmpty())
        return u"not root and no fusermount3 (Debian: fuse3)"_s;
    return {};
}

QStringList mountsUnder(const QString &directory)
{
    QFile mounts(u"/proc/self/mounts"_s);
    QStringList found;
    if (!mounts.open(QIODevice::ReadOnly))
        return found;
    for (const QByteArray &line : mounts.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() > 1 && fields[1].startsWith(directory.toLocal8Bit()))
            found << QString::fromLocal8Bit(fields[1]);
    }
    return found;
}

// One run of the probe: its own TMPDIR (to see what is left behind), working directory and output files.
struct ProbeRun {
    QTemporaryDir tmp;
    QTemporaryDir work;
    QProcess process;
    QString out() const { return work.filePath(u"probe"_s); }

    explicit ProbeRun(const QString &appimage = probePath(), const QStringList &arguments = {},
        const QStringList &environment = {}, const std::function<void()> &inChild = {})
    {
        if (inChild)
            process.setChildProcessModifier(inChild);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"TMPDIR"_s, tmp.path());
        env.insert(u"PROBE_OUT"_s, out());
        env.remove(u"APPIMAGE_EXTRACT_AND_RUN"_s);
        for (const QString &assignment : environment)
            env.insert(assignment.section(u'=', 0, 0), assignment.section(u'=', 1));
        process.setProcessEnvironment(env);
        process.setWorkingDirectory(work.path());
        process.start(appimage, arguments);
    }
    bool finish(int ms = 20000) { return process.waitForFinished(ms); }
    QStringList errorLines() const
    {
        return QString::fromLocal8Bit(const_cast<QProcess &>(process).readAllStandardError())
            .split(u'\n', Qt::SkipEmptyParts);
    }
    QString file(const QString &suffix) const
    {
        QFile f(out() + suffix);
        return f.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(f.readAll()) : QString();
    }
    QStringList arguments() const
    {
        QStringList list = file(u".args"_s).split(QChar(u'\0'));
        list.removeLast(); // after the last NUL
        return list;
    }
    QString env(const QString &name) const
    {
        for (const QString &line : file(u".env"_s).split(u'\n'))
            if (line.startsWith(name + u'='))
                return line.mid(name.size() + 1);
        return {};
    }
    bool tmpIsEmpty() const
    {
        return QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty();
    }
};

// A copy of the probe with bytes changed, in its own directory.
QString damagedCopy(const QTemporaryDir &dir, const std::function<void(QByteArray &)> &damage)
{
    QFile source(probePath());
    if (!source.open(QIODevice::ReadOnly))
        return {};
    QByteArray bytes = source.readAll();
    damage(bytes);
    const QString path = dir.filePath(u"damaged.AppImage"_s);
    QFile target(path);
    if (!target.open(QIODevice::WriteOnly) || target.write(bytes) != bytes.size())
        return {};
    target.setPermissions(target.permissions() | QFile::ExeOwner);
    return path;
}

enum class Mode { Fuse, ExtractAndRunOption, ExtractAndRunEnvironment };

// Exit status of a child that could not hide /dev/fuse (it says why on its stderr).
constexpr int NoPrivateDev = 125;

void failInChild(const char *what)
{
    const char *reason = strerror(errno); // the child is single-threaded after fork: no lock is held
    const char *parts[] = { "cannot hide /dev/fuse: ", what, ": ", reason, "\n" };
    for (const char *part : parts) {
        if (::write(STDERR_FILENO, part, strlen(part)) < 0)
            break;
    }
    ::_exit(NoPrivateDev);
}

void writeInChild(const char *path, const char *text)
{
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ::write(fd, text, strlen(text)) < 0)
        failInChild(path);
    ::close(fd);
}

// Run in the child between fork and exec: a private mount namespace with an empty tmpfs over /dev,
// so the runtime finds no /dev/fuse. Done with system calls rather than unshare(1) and mount(1):
// unshare(1) makes "/" private first, which fails in a chroot ("/" is not a mount point there, as in
// CI's fresh Debian root), and mount(1) is not in a minimal root. Only /dev is made private, so the
// tmpfs stacked on it cannot propagate back to the parent namespace.
void hideDevFuseInChild()
{
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWNS | (uid != 0 ? CLONE_NEWUSER : 0)) != 0)
        failInChild("unshare");
    if (uid != 0) { // an unprivileged user namespace in which we are root
        char map[64];
        writeInChild("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "0 %u 1", unsigned(uid));
        writeInChild("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "0 %u 1", unsigned(gid));
        writeInChild("/proc/self/gid_map", map);
    }
    if (::mount(nullptr, "/dev", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        failInChild("making /dev private");
    if (::mount("none", "/dev", "tmpfs", 0, nullptr) != 0)
        failInChild("mounting a tmpfs over /dev");
}

} // namespace

class tst_AppImageRuntime : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo(probePath()).isExecutable(), "ACKHOOK_PROBE_APPIMAGE must name the probe AppImage");
    }

    void offsetIsTheEndOfTheElf()
    {
        ProbeRun run(probePath(), { u"--appimage-offset"_s });
        QVERIFY(run.finish());
        QCOMPARE(run.process.exitCode(), 0);
        const qint64 offset = run.process.readAllStandardOutput().trimmed().toLongLong();
        QCOMPARE(offset, elfEnd(probePath()));
        QFile file(probePath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.seek(offset));
        QCOMPARE(file.read(4), QByteArray("hsqs"));
        QVERIFY(file.seek(8));
        QCOMPARE(file.read(3), QByteArray("AI\x02", 3));
    }

    // No PT_INTERP: the runtime needs no dynamic loader, so it starts on any x86_64 Linux.
    void runtimeIsStatic()
    {
        QFile file(probePath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        Elf64_Ehdr header;
        QCOMPARE(file.read(reinterpret_cast<char *>(&header), sizeof header), qint64(sizeof header));
        QCOMPARE(header.e_type, ET_EXEC);
        for (int i = 0; i < header.e_phnum; ++i) {
            Elf64_Phdr program;
            QVERIFY(file.seek(qint64(header.e_phoff) + i * header.e_phentsize));
            QCOMPARE(file.read(reinterpret_cast<char *>(&program), sizeof program), qint64(sizeof program));
            QVERIFY2(program.p_type != PT_INTERP, "the runtime is dynamically linked");
            QVERIFY2(program.p_type != PT_DYNAMIC, "the runtime is dynamically linked");
        }
    }

    void helpAndVersion()
    {
        ProbeRun help(probePath(), { u"--appimage-help"_s });
        QVERIFY(help.finish());
        QCOMPARE(help.process.exitCode(), 0);
        QVERIFY(help.process.readAllStandardOutput().contains("--appimage-extract-and-run"));
        ProbeRun version(probePath(), { u"--appimage-version"_s });
        QVERIFY(version.finish());
        QCOMPARE(version.process.exitCode(), 0);
        QVERIFY(version.process.readAllStandardOutput().startsWith("ackhook AppImage runtime"));
    }

    void extract_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QStringList>("absent");
        const QStringList all = { u"AppRun"_s, u"usr/share/probe/a.txt"_s, u"usr/share/probe/sub/b.txt"_s,
            u"usr/share/probe/link.txt"_s, u"usr/share/probe/file with spaces"_s };
        QTest::addRow("everything") << QStringList { u"--appimage-extract"_s } << all << QStringList {};
        QTest::addRow("a directory brings its tree")
            << QStringList { u"--appimage-extract"_s, u"usr/share/probe/sub"_s }
            << QStringList { u"usr/share/probe/sub/b.txt"_s }
            << QStringList { u"AppRun"_s, u"usr/share/probe/a.txt"_s };
        QTest::addRow("glob") << QStringList { u"--appimage-extract"_s, u"*.txt"_s }
                              << QStringList { u"usr/share/probe/a.txt"_s, u"usr/share/probe/sub/b.txt"_s,
                                     u"usr/share/probe/link.txt"_s }
                              << QStringList { u"AppRun"_s, u"usr/share/probe/file with spaces"_s };
        QTest::addRow("one file") << QStringList { u"--appimage-extract"_s, u"AppRun"_s } << QStringList { u"AppRun"_s }
                                  << QStringList { u"usr"_s };
        QTest::addRow("no match") << QStringList { u"--appimage-extract"_s, u"nothing*"_s } << QStringList {}
                                  << QStringList { u"AppRun"_s, u"usr"_s };
    }

    void extract()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QStringList, expected);
        QFETCH(QStringList, absent);
        ProbeRun run(probePath(), arguments);
        QVERIFY(run.finish());
        QCOMPARE(run.process.exitCode(), 0);
        const QDir root(run.work.filePath(u"squashfs-root"_s));
        for (const QString &path : expected)
            QVERIFY2(
                QFileInfo::exists(root.filePath(path)) || QFileInfo(root.filePath(path)).isSymLink(), qPrintable(path));
        for (const QString &path : absent)
            QVERIFY2(!QFileInfo::exists(root.filePath(path)), qPrintable(path));
        if (expected.contains(u"AppRun"_s))
            QVERIFY(QFileInfo(root.filePath(u"AppRun"_s)).isExecutable());
        if (expected.contains(u"usr/share/probe/link.txt"_s)) {
            QCOMPARE(QFileInfo(root.filePath(u"usr/share/probe/link.txt"_s)).symLinkTarget(),
                root.filePath(u"usr/share/probe/a.txt"_s));
            QFile a(root.filePath(u"usr/share/probe/a.txt"_s));
            QVERIFY(a.open(QIODevice::ReadOnly));
            QCOMPARE(a.readAll(), QByteArray("probe file a\n"));
        }
    }

    void passesArgumentsAndExitCode_data()
    {
        QTest::addColumn<Mode>("mode");
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        const QStringList awkward = { u"a b"_s, u""_s, u"\"double\""_s, u"'single'"_s, u"back\\slash"_s, u"$HOME"_s,
            u"--appimage-extract"_s, u"*"_s, u"tab\there"_s, u"new\nline"_s, u""_s };
        for (const auto &[name, mode] :
            { std::pair { "fuse", Mode::Fuse }, std::pair { "extract-and-run option", Mode::ExtractAndRunOption },
                std::pair { "APPIMAGE_EXTRACT_AND_RUN=1", Mode::ExtractAndRunEnvironment } }) {
            QTest::addRow("%s, none, exit 0", name) << mode << QStringList {} << 0;
            QTest::addRow("%s, awkward, exit 3", name) << mode << awkward << 3;
            QTest::addRow("%s, one empty, exit 255", name) << mode << QStringList { u""_s } << 255;
        }
    }

    void passesArgumentsAndExitCode()
    {
        QFETCH(Mode, mode);
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        if (mode == Mode::Fuse && !fuseUnusableReason().isEmpty())
            QSKIP(qPrintable(fuseUnusableReason()));
        QStringList runtimeArguments = arguments;
        QStringList environment = { u"PROBE_EXIT="_s + QString::number(exitCode) };
        if (mode == Mode::ExtractAndRunOption)
            runtimeArguments.prepend(u"--appimage-extract-and-run"_s);
        if (mode == Mode::ExtractAndRunEnvironment)
            environment << u"APPIMAGE_EXTRACT_AND_RUN=1"_s;
        ProbeRun run(probePath(), runtimeArguments, environment);
        QVERIFY(run.finish());
        QCOMPARE(run.process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(run.process.exitCode(), exitCode);
        QCOMPARE(run.arguments(), arguments);
        QCOMPARE(run.env(u"APPIMAGE"_s), QFileInfo(probePath()).canonicalFilePath());
        QCOMPARE(run.env(u"OWD"_s), run.work.path());
        QCOMPARE(run.env(u"PWD"_s), run.work.path());
        QCOMPARE(run.env(u"ARGV0"_s), probePath());
        const QString appdir = run.env(u"APPDIR"_s);
        QVERIFY2(appdir.startsWith(run.tmp.path() + u'/'), qPrintable(appdir));
        QVERIFY2(mode != Mode::Fuse || appdir.contains(u".mount_"_s), qPrintable(appdir));
        QTRY_VERIFY_WITH_TIMEOUT(run.tmpIsEmpty(), 10000);
        QVERIFY(mountsUnder(run.tmp.path()).isEmpty());
    }

    void signalsReachTheApp_data()
    {
        QTest::addColumn<Mode>("mode");
        QTest::addColumn<int>("signal");
        for (const auto &[name, mode] :
            { std::pair { "fuse", Mode::Fuse }, std::pair { "extract-and-run", Mode::ExtractAndRunOption } }) {
            QTest::addRow("%s, SIGTERM reaches the app", name) << mode << SIGTERM;
            QTest::addRow("%s, app killed", name) << mode << SIGKILL;
        }
    }

    // The runtime execs AppRun in its own process: a signal to the AppImage's pid is the app's.
    void signalsReachTheApp()
    {
        QFETCH(Mode, mode);
        QFETCH(int, signal);
        if (mode == Mode::Fuse && !fuseUnusableReason().isEmpty())
            QSKIP(qPrintable(fuseUnusableReason()));
        QStringList arguments;
        if (mode == Mode::ExtractAndRunOption)
            arguments << u"--appimage-extract-and-run"_s;
        ProbeRun run(probePath(), arguments, { u"PROBE_WAIT=1"_s });
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(run.out() + u".ready"_s), 10000);
        QVERIFY(!run.tmpIsEmpty());
        QCOMPARE(::kill(pid_t(run.process.processId()), signal), 0);
        QVERIFY(run.finish(10000));
        if (signal == SIGTERM) {
            QCOMPARE(run.process.exitStatus(), QProcess::NormalExit);
            QCOMPARE(run.process.exitCode(), 42);
            QCOMPARE(run.file(u".signal"_s), u"TERM\n"_s);
        } else {
            QCOMPARE(run.process.exitStatus(), QProcess::CrashExit);
        }
        QTRY_VERIFY_WITH_TIMEOUT(run.tmpIsEmpty(), 10000);
        QVERIFY(mountsUnder(run.tmp.path()).isEmpty());
    }

    void mountPrintsMountPointAndUnmountsOnSigterm()
    {
        if (!fuseUnusableReason().isEmpty())
            QSKIP(qPrintable(fuseUnusableReason()));
        ProbeRun run(probePath(), { u"--appimage-mount"_s });
        QVERIFY(run.process.waitForReadyRead(10000));
        const QString mountpoint = QString::fromLocal8Bit(run.process.readLine().trimmed());
        QVERIFY2(mountpoint.startsWith(run.tmp.path()), qPrintable(mountpoint));
        QCOMPARE(mountsUnder(run.tmp.path()), QStringList { mountpoint });
        QFile a(mountpoint + u"/usr/share/probe/a.txt"_s);
        QVERIFY(a.open(QIODevice::ReadOnly));
        QCOMPARE(a.readAll(), QByteArray("probe file a\n"));
        a.close();
        run.process.terminate();
        QVERIFY(run.finish(10000));
        QCOMPARE(run.process.exitCode(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(mountsUnder(run.tmp.path()).isEmpty(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(run.tmpIsEmpty(), 10000);
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QList<QStringList> modes
            = { {}, { u"--appimage-extract"_s }, { u"--appimage-extract-and-run"_s }, { u"--appimage-mount"_s } };
        for (const QStringList &arguments : modes) {
            const QByteArray name = arguments.isEmpty() ? QByteArray("run") : arguments.first().toLatin1();
            QTest::addRow("truncated image, %s", name.constData()) << u"truncate"_s << arguments << u"truncated"_s;
            QTest::addRow("no image, %s", name.constData()) << u"runtime-only"_s << arguments << u"no SquashFS image"_s;
            QTest::addRow("corrupted magic, %s", name.constData()) << u"magic"_s << arguments << u"no SquashFS image"_s;
            QTest::addRow("corrupted tables, %s", name.constData()) << u"tables"_s << arguments << u"corrupted"_s;
        }
        QTest::addRow("unknown runtime option")
            << u"none"_s << QStringList { u"--appimage-frobnicate"_s } << u"unknown runtime option"_s;
    }

    // One clear line on stderr, a non-zero exit within the timeout, nothing left behind.
    void badInput()
    {
        QFETCH(QString, damage);
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const qint64 offset = elfEnd(probePath());
        const QString path = damagedCopy(dir, [&](QByteArray &bytes) {
            const qint64 image = bytes.size() - offset;
            if (damage == u"truncate")
                bytes.truncate(offset + image / 2);
            else if (damage == u"runtime-only")
                bytes.truncate(offset);
            else if (damage == u"magic")
                bytes[offset] = 'X';
            else if (damage == u"tables") // the metadata tables sit after the file data
                for (qint64 i = offset + 96; i < bytes.size(); ++i)
                    bytes[i] = char(0xA5);
        });
        QVERIFY(!path.isEmpty());
        ProbeRun run(path, arguments);
        QVERIFY2(run.finish(10000), "the runtime hung");
        QVERIFY(run.process.exitCode() != 0);
        const QStringList lines = run.errorLines();
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().contains(message), qPrintable(lines.first()));
        QTRY_VERIFY_WITH_TIMEOUT(run.tmpIsEmpty(), 10000); // the runtime's remover runs detached
        QVERIFY(mountsUnder(run.tmp.path()).isEmpty());
    }

    void unwritableTarget_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("obstacle");
        QTest::addColumn<QString>("message");
        QTest::addRow("squashfs-root is a file") << QStringList { u"--appimage-extract"_s } << u"squashfs-root"_s
                                                 << u"cannot extract to squashfs-root: not a directory"_s;
        QTest::addRow("squashfs-root/usr is a file")
            << QStringList { u"--appimage-extract"_s } << u"squashfs-root/usr"_s << u"cannot write squashfs-root/usr"_s;
        QTest::addRow("TMPDIR is a file") << QStringList { u"--appimage-extract-and-run"_s } << u"TMPDIR"_s
                                          << u"cannot create a directory to extract to"_s;
    }

    void unwritableTarget()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, obstacle);
        QFETCH(QString, message);
        QTemporaryDir obstacles;
        QStringList environment;
        if (obstacle == u"TMPDIR") {
            QFile file(obstacles.filePath(u"file"_s));
            QVERIFY(file.open(QIODevice::WriteOnly));
            environment << u"TMPDIR="_s + file.fileName();
        }
        // The obstacle has to be in the working directory before the runtime starts: start it
        // from a shell that makes it first.
        QProcess shell;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PROBE_OUT"_s, obstacles.filePath(u"probe"_s));
        for (const QString &assignment : environment)
            env.insert(assignment.section(u'=', 0, 0), assignment.section(u'=', 1));
        shell.setProcessEnvironment(env);
        shell.setWorkingDirectory(obstacles.path());
        QString prepare;
        if (obstacle.startsWith(u"squashfs-root"_s))
            prepare = obstacle == u"squashfs-root"_s ? u"touch squashfs-root; "_s
                                                     : u"mkdir squashfs-root; touch squashfs-root/usr; "_s;
        shell.start(u"sh"_s, QStringList { u"-c"_s, prepare + u"exec \"$0\" \"$@\""_s, probePath() } + arguments);
        QVERIFY2(shell.waitForFinished(10000), "the runtime hung");
        QVERIFY(shell.exitCode() != 0);
        const QStringList lines = QString::fromLocal8Bit(shell.readAllStandardError()).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().contains(message), qPrintable(lines.first()));
    }

    void missingDevFuse_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<int>("errorLines");
        QTest::addRow("--appimage-mount fails") << QStringList { u"--appimage-mount"_s } << 1 << 1;
        // A plain start falls back to extraction and says so (the reason and the fallback).
        QTest::addRow("run falls back to extraction") << QStringList {} << 0 << 2;
    }

    // /dev/fuse hidden in a private mount namespace (a tmpfs over /dev).
    void missingDevFuse()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(int, errorLines);
        {
            // Can this machine make the namespace at all (the kernel may refuse user namespaces)?
            QProcess probe;
            probe.setChildProcessModifier(hideDevFuseInChild);
            probe.start(u"/bin/sh"_s, { u"-c"_s, u"test ! -e /dev/fuse"_s });
            QVERIFY(probe.waitForFinished(10000));
            if (probe.exitCode() == NoPrivateDev)
                QSKIP(qPrintable(QString::fromLocal8Bit(probe.readAllStandardError()).trimmed()));
            QCOMPARE(probe.exitCode(), 0); // /dev/fuse is hidden
        }
        ProbeRun run(probePath(), arguments, {}, hideDevFuseInChild);
        QVERIFY2(run.finish(10000), "the runtime hung");
        QCOMPARE(run.process.exitCode(), exitCode);
        const QStringList lines = run.errorLines();
        QCOMPARE(lines.size(), errorLines);
        QVERIFY2(lines.first().contains(u"FUSE is unavailable: /dev/fuse"_s), qPrintable(lines.first()));
        QTRY_VERIFY_WITH_TIMEOUT(run.tmpIsEmpty(), 10000);
    }
};

QTEST_GUILESS_MAIN(tst_AppImageRuntime)
#include "tst_appimageruntime.moc"

// sd_notify as systemd receives it: the test binds a Unix datagram socket, hands it to a real
// ackhook (on its embedded nats-server) as NOTIFY_SOCKET with WATCHDOG_USEC, and reads READY=1 once
// the listener answers, WATCHDOG=1 pings, and STOPPING=1 on SIGTERM before a clean exit.
#include "ackhookprocess.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace TestSupport;

namespace {

// A bound AF_UNIX datagram socket, closed by its destructor.
class NotifySocket {
public:
    explicit NotifySocket(const QByteArray &path)
        : m_fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0))
    {
        sockaddr_un address {};
        address.sun_family = AF_UNIX;
        if (m_fd < 0 || static_cast<size_t>(path.size()) >= sizeof address.sun_path)
            return;
        std::copy(path.cbegin(), path.cend(), address.sun_path);
        if (::bind(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~NotifySocket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    NotifySocket(const NotifySocket &) = delete;
    NotifySocket &operator=(const NotifySocket &) = delete;
    bool isValid() const { return m_fd >= 0; }

    // Datagrams until one holds `line` as a line of its own (kept in *seen), or the time is up.
    bool waitFor(const QByteArray &line, int timeoutMs, QByteArrayList *seen)
    {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs) {
            pollfd descriptor { m_fd, POLLIN, 0 };
            if (::poll(&descriptor, 1, static_cast<int>(std::max<qint64>(1, timeoutMs - clock.elapsed()))) <= 0)
                continue;
            char buffer[4096];
            const ssize_t size = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (size <= 0)
                continue;
            const QByteArray datagram(buffer, size);
            seen->append(datagram);
            if (datagram.split('\n').contains(line))
                return true;
        }
        return false;
    }

private:
    int m_fd;
};

// Environment variables for the child started while this lives.
class ScopedEnvironment {
public:
    ScopedEnvironment(const char *name, const QByteArray &value)
        : m_name(name)
    {
        qputenv(name, value);
    }
    ~ScopedEnvironment() { qunsetenv(m_name); }
    ScopedEnvironment(const ScopedEnvironment &) = delete;
    ScopedEnvironment &operator=(const ScopedEnvironment &) = delete;

private:
    const char *m_name;
};

} // namespace

class TestSystemdNotify : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readyWatchdogStopping();
};

void TestSystemdNotify::readyWatchdogStopping()
{
    QTemporaryDir dir;
    const QByteArray socketPath = QFile::encodeName(dir.filePath(QStringLiteral("notify")));
    NotifySocket notify(socketPath);
    QVERIFY2(notify.isValid(), qPrintable(qt_error_string(errno)));

    const quint16 port = freePort();
    const ScopedEnvironment socketVariable("NOTIFY_SOCKET", socketPath);
    const ScopedEnvironment watchdogVariable("WATCHDOG_USEC", "400000"); // a ping every 200 ms
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--data-dir"), dir.path(),
        QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port) });

    QByteArrayList seen;
    QVERIFY2(notify.waitFor("READY=1", 20000, &seen), seen.join(" | ").constData());
    QVERIFY2(seen.last().contains("STATUS=listening on http://127.0.0.1:"), seen.last().constData());
    // READY=1 means serving: the listener answers at once.
    const auto health = request(port, "GET", "/health");
    QVERIFY(health);
    QCOMPARE(health->status, 200);

    seen.clear();
    QVERIFY2(notify.waitFor("WATCHDOG=1", 5000, &seen), seen.join(" | ").constData());
    QVERIFY2(notify.waitFor("WATCHDOG=1", 5000, &seen), seen.join(" | ").constData());

    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    seen.clear();
    QVERIFY2(notify.waitFor("STOPPING=1", 10000, &seen), seen.join(" | ").constData());
    QVERIFY(ackhook.process().waitForFinished(20000));
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(ackhook.process().exitCode(), 0);
    QVERIFY(ackhook.sanitizerReports().isEmpty());
}

QTEST_GUILESS_MAIN(TestSystemdNotify)
#include "tst_systemdnotify.moc"

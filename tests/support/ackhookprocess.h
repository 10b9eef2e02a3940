// AckhookProcess: the ackhook executable (ACKHOOK_BINARY) as a child of a test, killed by PID at the end.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QStringList>

#include <functional>

namespace TestSupport {

QString ackhookBinary(); // $ACKHOOK_BINARY, set by CMake for every suite

class AckhookProcess {
public:
    // Every instance gets its own admin port (--admin-listen 127.0.0.1:0), so suites can run side by side.
    // childModifier runs in the child between fork and exec (QProcess::setChildProcessModifier), e.g.
    // to lower a resource limit.
    explicit AckhookProcess(QStringList arguments,
        const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
        const std::function<void()> &childModifier = {});
    ~AckhookProcess();
    AckhookProcess(const AckhookProcess &) = delete;
    AckhookProcess &operator=(const AckhookProcess &) = delete;

    // Until its "listening on" line (false when it exits or the time is up).
    bool waitUntilListening(int timeoutMs = 20000);
    void collect(); // reads what it wrote so far
    QProcess &process() { return m_process; }
    qint64 pid() const { return m_process.processId(); }
    quint16 adminPort() const; // from the "admin http://host:port/" of its first line
    quint16 webhookPort() const; // from the "listening on http://host:port/" of its first line
    QString natsUrl() const; // the NATS URL of its first line (the embedded server's, or --nats-url)
    const QByteArray &out() const { return m_out; }
    const QByteArray &err() const { return m_err; }
    // Sanitizer reports in what it wrote to stderr (empty when none).
    QByteArray sanitizerReports();

private:
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

} // namespace TestSupport

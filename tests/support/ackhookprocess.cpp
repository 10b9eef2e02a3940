// AckhookProcess: start, wait for the listening line, parse the ports, kill on destruction.
#include "ackhookprocess.h"

#include <QElapsedTimer>
#include <QRegularExpression>

namespace TestSupport {

QString ackhookBinary()
{
    return qEnvironmentVariable("ACKHOOK_BINARY");
}

AckhookProcess::AckhookProcess(
    QStringList arguments, const QProcessEnvironment &environment, const std::function<void()> &childModifier)
{
    arguments << QStringLiteral("--admin-listen") << QStringLiteral("127.0.0.1:0");
    m_process.setProcessEnvironment(environment);
    if (childModifier)
        m_process.setChildProcessModifier(childModifier);
    m_process.start(ackhookBinary(), arguments);
}

AckhookProcess::~AckhookProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool AckhookProcess::waitUntilListening(int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs && m_process.state() != QProcess::NotRunning) {
        collect();
        if (m_out.contains("listening on"))
            return true;
        m_process.waitForReadyRead(100);
    }
    collect();
    return m_out.contains("listening on");
}

void AckhookProcess::collect()
{
    m_out += m_process.readAllStandardOutput();
    m_err += m_process.readAllStandardError();
}

quint16 AckhookProcess::adminPort() const
{
    static const QRegularExpression admin(QStringLiteral("admin http://[^:]+:(\\d+)/"));
    return static_cast<quint16>(admin.match(QString::fromUtf8(m_out)).captured(1).toUInt());
}

quint16 AckhookProcess::webhookPort() const
{
    static const QRegularExpression listening(QStringLiteral("listening on https?://[^ ,]*:(\\d+)/"));
    return static_cast<quint16>(listening.match(QString::fromUtf8(m_out)).captured(1).toUInt());
}

QString AckhookProcess::natsUrl() const
{
    static const QRegularExpression nats(QStringLiteral("NATS (nats://[^ ,]+)"));
    return nats.match(QString::fromUtf8(m_out)).captured(1);
}

QByteArray AckhookProcess::sanitizerReports()
{
    collect();
    QByteArray reports;
    for (const QByteArray &line : m_err.split('\n')) {
        if (line.contains("ERROR: AddressSanitizer") || line.contains("ERROR: LeakSanitizer")
            || line.contains("runtime error:"))
            reports += line + '\n';
    }
    return reports;
}

} // namespace TestSupport

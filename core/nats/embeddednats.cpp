// EmbeddedNats: start, readiness probe, stop and kill of a local nats-server.
#include "nats/embeddednats.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>

#include <algorithm>
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcEmbedded, "ackhook.embedded")

namespace {

quint16 pickFreeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

bool acceptsConnections(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    // The nats protocol starts with the server's INFO line: wait for it, not only for the TCP accept.
    return socket.waitForConnected(200) && socket.waitForReadyRead(500) && socket.peek(4) == "INFO";
}

} // namespace

EmbeddedNats::EmbeddedNats(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_port(m_options.port)
{
}

EmbeddedNats::~EmbeddedNats()
{
    stop();
}

QString EmbeddedNats::findExecutable(const QString &preferred, QString *error)
{
    if (!preferred.isEmpty()) {
        if (QFileInfo(preferred).isExecutable())
            return preferred;
        if (error)
            *error = QStringLiteral("nats-server executable %1 not found or not executable").arg(preferred);
        return {};
    }
    const QString besideUs = QCoreApplication::applicationDirPath() + QStringLiteral("/nats-server");
    if (QFileInfo(besideUs).isExecutable())
        return besideUs;
    QString found = QStandardPaths::findExecutable(QStringLiteral("nats-server"));
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(QStringLiteral("nats-server"),
            { QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin"), QStringLiteral("/usr/local/bin") });
    if (found.isEmpty() && error)
        *error = QStringLiteral("nats-server not found (looked next to ackhook, in PATH and in /usr/sbin). "
                                "Install it (Debian: apt-get install nats-server) or use --nats-url URL.");
    return found;
}

bool EmbeddedNats::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 EmbeddedNats::pid() const
{
    return isRunning() ? m_process->processId() : 0;
}

QString EmbeddedNats::url() const
{
    return QStringLiteral("nats://127.0.0.1:%1").arg(m_port);
}

QString EmbeddedNats::storeDir() const
{
    if (!m_options.storeDir.isEmpty())
        return m_options.storeDir;
    return QDir(m_options.dataDir).filePath(QStringLiteral("jetstream"));
}

QString EmbeddedNats::logFile() const
{
    return QDir(m_options.dataDir).filePath(QStringLiteral("nats-server.log"));
}

QString EmbeddedNats::configFile() const
{
    return QDir(m_options.dataDir).filePath(QStringLiteral("nats-server.conf"));
}

qint64 EmbeddedNats::maxPayloadFor(qint64 maxBodyBytes, qint64 maxRequestHeadBytes)
{
    constexpr qint64 DefaultMaxPayload = 1024 * 1024;
    constexpr qint64 OwnHeaders = 16 * 1024; // Nats-Msg-Id, ackhook's request and CloudEvents headers
    const qint64 wanted = maxBodyBytes + maxRequestHeadBytes + OwnHeaders;
    return std::clamp(wanted, DefaultMaxPayload, MaxPayloadCeiling);
}

QString EmbeddedNats::logTail() const
{
    QFile file(logFile());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    if (file.size() > 4096)
        file.seek(file.size() - 4096);
    return QString::fromUtf8(file.readAll()).trimmed();
}

bool EmbeddedNats::start(QString *error)
{
    if (isRunning())
        return true;
    const QString executable = findExecutable(m_options.executable, error);
    if (executable.isEmpty())
        return false;
    if (!QDir().mkpath(storeDir())) {
        if (error)
            *error = QStringLiteral("cannot create %1").arg(storeDir());
        return false;
    }

    QStringList configArguments;
    if (m_options.maxPayload > 0 || !m_options.extraConfig.isEmpty()) {
        // nats-server 2.9 has no flag for max_payload: a config file, the flags still override it.
        QFile config(configFile());
        QByteArray text = "# written by ackhook at each start of its embedded nats-server\n";
        if (m_options.maxPayload > 0)
            text += "max_payload: " + QByteArray::number(std::min(m_options.maxPayload, MaxPayloadCeiling)) + '\n';
        text += m_options.extraConfig + '\n';
        if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate) || config.write(text) != text.size()) {
            if (error)
                *error = QStringLiteral("cannot write %1: %2").arg(configFile(), config.errorString());
            return false;
        }
        configArguments = { QStringLiteral("--config"), configFile() };
    }

    const bool portChosenByUs = m_options.port == 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (m_port == 0)
            m_port = pickFreeLoopbackPort();
        m_process = new QProcess(this);
        m_process->setProgram(executable);
        m_process->setArguments(QStringList { QStringLiteral("--addr"), QStringLiteral("127.0.0.1"),
                                    QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--jetstream"),
                                    QStringLiteral("--store_dir"), storeDir() }
            + configArguments);
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->setStandardOutputFile(logFile(), QIODevice::Append);
        m_process->setChildProcessModifier([] {
            // Own process group: a Ctrl-C in the terminal reaches ackhook only, which drains its
            // requests before stopping the server. And the server dies with ackhook, even by SIGKILL.
            ::setpgid(0, 0);
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        });
        m_stopping = false;
        connect(m_process, &QProcess::finished, this, [this](int exitCode, QProcess::ExitStatus) {
            if (!m_stopping)
                Q_EMIT exitedUnexpectedly(exitCode);
        });
        m_process->start();
        if (!m_process->waitForStarted(5000)) {
            if (error)
                *error = QStringLiteral("cannot run %1: %2").arg(executable, m_process->errorString());
            m_process->deleteLater();
            m_process = nullptr;
            return false;
        }

        const QDeadlineTimer deadline(m_options.startTimeout);
        while (!deadline.hasExpired() && m_process->state() == QProcess::Running) {
            if (acceptsConnections(m_port)) {
                qCInfo(lcEmbedded).noquote()
                    << "nats-server" << m_process->processId() << "ready on" << url() << "store" << storeDir();
                return true;
            }
            m_process->waitForFinished(100); // returns early only if it exits
        }

        const bool exited = m_process->state() == QProcess::NotRunning;
        m_stopping = true;
        m_process->kill();
        m_process->waitForFinished(m_options.stopGrace.count());
        m_process->deleteLater();
        m_process = nullptr;
        if (exited && portChosenByUs && logTail().contains(QLatin1String("address already in use"))) {
            m_port = 0; // someone took the port between our probe and the bind: pick another
            continue;
        }
        if (error)
            *error = QStringLiteral("nats-server %1 on port %2 (log %3):\n%4")
                         .arg(exited ? QStringLiteral("exited at start") : QStringLiteral("did not become ready"))
                         .arg(m_port)
                         .arg(logFile(), logTail().right(1500));
        return false;
    }
    if (error)
        *error = QStringLiteral("nats-server could not bind a free port");
    return false;
}

void EmbeddedNats::stop()
{
    if (!m_process)
        return;
    m_stopping = true;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(static_cast<int>(m_options.stopGrace.count()))) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_process->deleteLater();
    m_process = nullptr;
}

void EmbeddedNats::kill()
{
    if (!m_process)
        return;
    m_stopping = true;
    m_process->kill();
    m_process->waitForFinished(5000);
    m_process->deleteLater();
    m_process = nullptr;
}

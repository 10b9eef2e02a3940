// ServerInfoProbe: one short connection that reads a nats-server's INFO line.
#include "nats/serverinfoprobe.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

NatsServerInfo NatsServerInfo::fromInfoLine(const QByteArray &line)
{
    NatsServerInfo info;
    const QByteArray trimmed = line.trimmed();
    if (!trimmed.startsWith("INFO ")) {
        info.error = QStringLiteral("the server did not start with INFO");
        return info;
    }
    QJsonParseError parse;
    const QJsonDocument json = QJsonDocument::fromJson(trimmed.mid(5), &parse);
    if (!json.isObject()) {
        info.error = QStringLiteral("INFO is not a JSON object: %1").arg(parse.errorString());
        return info;
    }
    const QJsonObject object = json.object();
    info.version = object.value(QLatin1String("version")).toString();
    info.serverName = object.value(QLatin1String("server_name")).toString();
    info.jetStream = object.value(QLatin1String("jetstream")).toBool();
    if (info.version.isEmpty())
        info.error = QStringLiteral("INFO names no version");
    return info;
}

ServerInfoProbe::ServerInfoProbe(QObject *parent)
    : QObject(parent)
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        NatsServerInfo info;
        info.error = QStringLiteral("no INFO within %1 ms").arg(TimeoutMs);
        finish(info);
    });
    connect(&m_socket, &QTcpSocket::readyRead, this, [this] {
        m_buffer += m_socket.readAll();
        const qsizetype end = m_buffer.indexOf('\n');
        if (end >= 0) {
            finish(NatsServerInfo::fromInfoLine(m_buffer.left(end)));
        } else if (m_buffer.size() > MaxInfoBytes) {
            NatsServerInfo info;
            info.error = QStringLiteral("INFO longer than %1 bytes").arg(MaxInfoBytes);
            finish(info);
        }
    });
    connect(&m_socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_url.isEmpty())
            return;
        NatsServerInfo info;
        info.error = m_socket.errorString();
        finish(info);
    });
}

void ServerInfoProbe::probe(const QString &url)
{
    m_socket.abort();
    m_buffer.clear();
    const QUrl parsed = QUrl::fromUserInput(url.contains(QLatin1String("://")) ? url : QStringLiteral("nats://") + url);
    // host:port only: a URL may carry a user and password, which must not reach a status or a log.
    m_url = QStringLiteral("%1:%2").arg(parsed.host()).arg(parsed.port(4222));
    m_timeout.start(TimeoutMs);
    m_socket.connectToHost(parsed.host(), static_cast<quint16>(parsed.port(4222)));
}

void ServerInfoProbe::finish(NatsServerInfo info)
{
    if (m_url.isEmpty())
        return;
    m_timeout.stop();
    info.url = m_url;
    m_url.clear();
    m_socket.abort();
    m_last = info;
    Q_EMIT finished(info);
}

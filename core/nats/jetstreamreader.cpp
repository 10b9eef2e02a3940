// JetStreamReader: connect (2 s timeout, no reconnect buffer worth keeping) and close.
#include "nats/jetstreamreader.h"

#include "nats/natsstatus.h"

#include <nats/nats.h>

QString JetStreamReader::ensureConnected(const QStringList &urls, const NatsAccess &access, const char *name)
{
    if (m_js)
        return {};
    natsOptions *options = nullptr;
    natsStatus s = natsOptions_Create(&options);
    if (s == NATS_OK)
        s = setServers(options, urls);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(options, 2000);
    if (s == NATS_OK)
        s = natsOptions_SetName(options, name);
    QString accessError;
    if (s == NATS_OK && !access.applyTo(options, &accessError)) {
        natsOptions_Destroy(options);
        return QStringLiteral("cannot read the stream: %1").arg(accessError);
    }
    if (s == NATS_OK)
        s = natsConnection_Connect(&m_connection, options);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&m_js, m_connection, nullptr);
    natsOptions_Destroy(options);
    if (s != NATS_OK) {
        close();
        return QStringLiteral("cannot read the stream: %1").arg(QString::fromUtf8(natsStatus_GetText(s)));
    }
    return {};
}

void JetStreamReader::close()
{
    jsCtx_Destroy(m_js);
    natsConnection_Destroy(m_connection);
    m_js = nullptr;
    m_connection = nullptr;
}

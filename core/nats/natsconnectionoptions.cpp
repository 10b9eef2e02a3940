// NatsConnectionOptions: cnats options from ackhook's settings, and the first access probe.
#include "nats/natsconnectionoptions.h"
#include "nats/natsstatus.h"

#include <QLoggingCategory>

#include <nats/nats.h>

Q_DECLARE_LOGGING_CATEGORY(lcNats)

natsStatus NatsConnectionOptions::applyTo(natsOptions *options) const
{
    const QByteArray clientName = name.toUtf8();
    natsStatus s = setServers(options, urls);
    if (s == NATS_OK)
        s = natsOptions_SetName(options, clientName.constData());
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(options, connectTimeout.count());
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(options, -1); // forever
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(options, reconnectWait.count());
    if (s == NATS_OK)
        s = natsOptions_SetReconnectJitter(options, 50, 50);
    if (s == NATS_OK)
        s = natsOptions_SetPingInterval(options, pingInterval.count());
    if (s == NATS_OK)
        s = natsOptions_SetMaxPingsOut(options, maxPingsOut);
    if (s == NATS_OK) // without it cnats delays each publish by up to 1 ms to batch writes
        s = natsOptions_SetSendAsap(options, true);
    if (s == NATS_OK && ignoreDiscoveredServers)
        s = natsOptions_SetIgnoreDiscoveredServers(options, true);
    return s;
}

QString NatsConnectionOptions::probeAccess() const
{
    natsOptions *options = nullptr;
    natsStatus s = natsOptions_Create(&options);
    if (s == NATS_OK)
        s = setServers(options, urls);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(options, connectTimeout.count());
    if (s == NATS_OK)
        s = natsOptions_SetName(options, name.toUtf8().constData());
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(options, false);
    if (s == NATS_OK && ignoreDiscoveredServers)
        s = natsOptions_SetIgnoreDiscoveredServers(options, true);
    QString ignored;
    if (s != NATS_OK || !access.applyTo(options, &ignored)) {
        natsOptions_Destroy(options);
        return {}; // the real start reports option problems
    }
    const QString where = NatsAccess::redact(urls.join(QLatin1Char(',')));
    QString text;
    // cnats 3.4.1 now and then sends a CONNECT with the creds file's JWT but no nonce signature
    // (nats-server logs "Signature missing"; about one connection in 30 here): a refusal counts
    // only when a second and a third connection are refused too. Wrong credentials cost two more
    // round trips; the right ones no longer fail a start at random.
    constexpr int Attempts = 3;
    for (int attempt = 1; attempt <= Attempts; ++attempt) {
        natsConnection *connection = nullptr;
        s = natsConnection_Connect(&connection, options);
        text = s == NATS_OK ? QString() : natsErrorText(s, nats_GetLastError(nullptr));
        natsConnection_Destroy(connection);
        if (s != NATS_OK)
            qCInfo(lcNats).noquote() << "first connection to" << where << "failed:" << NatsAccess::redact(text)
                                     << QStringLiteral("(attempt %1 of %2)").arg(attempt).arg(Attempts);
        const bool refused = s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED
            || text.contains(QLatin1String("authorization"), Qt::CaseInsensitive)
            || text.contains(QLatin1String("authentication"), Qt::CaseInsensitive);
        if (!refused)
            break;
    }
    natsOptions_Destroy(options);
    switch (s) {
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
        return QStringLiteral("NATS at %1 refused ackhook's credentials (%2): check the user and password, token, "
                              "creds file or NKey seed")
            .arg(where, NatsAccess::redact(text));
    case NATS_SSL_ERROR:
    case NATS_SECURE_CONNECTION_WANTED:
        return QStringLiteral("TLS to NATS at %1 failed (%2): check the CA, the client certificate and the host "
                              "name the server's certificate carries")
            .arg(where, NatsAccess::redact(text));
    case NATS_PROTOCOL_ERROR:
        // With TLS 1.3 the server checks the client certificate after the handshake and, refusing
        // it, closes the connection: the client sees its CONNECT go unanswered.
        if (access.usesTls() && text.contains(QLatin1String("PONG")))
            return QStringLiteral("TLS to NATS at %1 failed: the server closed the connection right after the TLS "
                                  "handshake (%2); it probably requires a client certificate it trusts "
                                  "(--nats-tls-cert, --nats-tls-key)")
                .arg(where, NatsAccess::redact(text));
        return {};
    default:
        if (text.contains(QLatin1String("authorization"), Qt::CaseInsensitive)
            || text.contains(QLatin1String("authentication"), Qt::CaseInsensitive))
            return QStringLiteral("NATS at %1 refused ackhook's credentials (%2)").arg(where, NatsAccess::redact(text));
        return {}; // not there yet, or anything transient: the background connection keeps trying
    }
}

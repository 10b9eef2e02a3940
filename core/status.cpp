// StatusSnapshot: the derived values every reader shows the same way.
#include "status.h"

QString StatusSnapshot::connectivity() const
{
    return simulatedOutage() ? QStringLiteral("simulated outage (%1)").arg(OutageSettings::modeName(outage.mode))
                             : NatsBus::stateName(nats.state);
}

QString httpBaseUrl(const QHostAddress &address, quint16 port, const QString &scheme)
{
    QHostAddress host = address;
    if (host == QHostAddress::Any || host == QHostAddress::AnyIPv4)
        host = QHostAddress::LocalHost;
    else if (host == QHostAddress::AnyIPv6)
        host = QHostAddress::LocalHostIPv6;
    const QString name = host.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + host.toString() + QLatin1Char(']')
        : host.toString();
    return QStringLiteral("%1://%2:%3").arg(scheme, name).arg(port);
}

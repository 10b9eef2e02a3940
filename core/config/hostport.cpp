// HostPort parsing, shared by the command line and the config file.
#include "config/hostport.h"

std::optional<HostPort> HostPort::parse(QStringView text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return std::nullopt;
    QString host = text.left(colon).toString();
    if (host.isEmpty())
        host = QStringLiteral("0.0.0.0"); // ":PORT": every interface (see below)
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host == QLatin1String("localhost"))
        host = QStringLiteral("127.0.0.1");
    bool ok = false;
    const uint value = text.mid(colon + 1).toUInt(&ok);
    HostPort result;
    if (!ok || value > 65535 || !result.address.setAddress(host))
        return std::nullopt;
    if (text.startsWith(QLatin1Char(':')))
        result.address = QHostAddress::Any; // dual stack: IPv4 and IPv6
    result.port = static_cast<quint16>(value);
    return result;
}

// HostPort: a listener address: "HOST:PORT" with an IP address or localhost, "[::1]:PORT",
// "[::]:PORT" (every IPv6 interface) or ":PORT" (every interface, IPv4 and IPv6).
#pragma once

#include <QHostAddress>
#include <QStringView>

#include <optional>

struct HostPort {
    QHostAddress address;
    quint16 port = 0;

    static std::optional<HostPort> parse(QStringView text);
};

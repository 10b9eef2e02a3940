// HostPort: a "HOST:PORT" listener address ("localhost" and "[::1]" accepted).
#pragma once

#include <QHostAddress>
#include <QStringView>

#include <optional>

struct HostPort {
    QHostAddress address;
    quint16 port = 0;

    static std::optional<HostPort> parse(QStringView text);
};

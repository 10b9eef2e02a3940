// AdminRequestGuard: what the admin API accepts and from where, decided from a request's head alone
// (before its body is read): the Host it is addressed to, the page that sent it, the token, the
// media type of a state-changing call. Web pages can reach a loopback port; these keep them out.
#pragma once

#include "http/httprequest.h"

#include <QHostAddress>
#include <QSet>
#include <QStringList>

#include <optional>

class AdminRequestGuard {
public:
    struct Options {
        QHostAddress address = QHostAddress::LocalHost; // the listener's bind address
        quint16 port = 0; // the port it listens on (after binding: never 0)
        QString token; // empty: no token required
        // More names the Host header may carry: "name" (any port, e.g. behind a reverse proxy) or
        // "name:port"; IPv6 literals in brackets.
        QStringList extraHosts;
    };

    AdminRequestGuard() = default;
    explicit AdminRequestGuard(Options options);

    // nullopt: the request may go on (its body is read next); else the answer that refuses it:
    // 421 (Host), 403 (Origin, Sec-Fetch-Site), 401 (token), 415 (state-changing without JSON).
    std::optional<HttpResponse> check(const HttpRequest &head) const;
    // The Host values accepted, for messages and the documentation ("localhost:12001", ...).
    QStringList allowedHosts() const { return m_describedHosts; }
    static bool isStateChanging(QByteArrayView method);

private:
    bool hostAllowed(QByteArrayView host) const;

    Options m_options;
    QSet<QByteArray> m_names; // lower-case names (IPv6 without brackets) accepted with the listener's port
    QSet<QByteArray> m_anyPortNames; // extra names given without a port
    QSet<QByteArray> m_exactHosts; // extra "name:port" entries, lower case
    bool m_anyLoopbackLiteral = false; // 127.0.0.0/8 and ::1 literals (a loopback or wildcard bind)
    QStringList m_describedHosts;
};

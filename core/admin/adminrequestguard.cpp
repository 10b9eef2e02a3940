// AdminRequestGuard: Host allow-list, cross-site refusal, bearer token and JSON-only state changes.
#include "admin/adminrequestguard.h"
#include "http/bearerauth.h"

#include <QNetworkInterface>

namespace {

// "name:port", "[v6]:port", "name" → (lower-case name without brackets, port or -1); nullopt when malformed.
std::optional<std::pair<QByteArray, int>> splitHost(QByteArrayView host)
{
    QByteArrayView name = host;
    QByteArrayView port;
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close < 0)
            return std::nullopt;
        name = host.sliced(1, close - 1);
        const QByteArrayView rest = host.sliced(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(':'))
                return std::nullopt;
            port = rest.sliced(1);
        }
    } else if (const qsizetype colon = host.lastIndexOf(':'); colon >= 0) {
        name = host.first(colon);
        port = host.sliced(colon + 1);
    }
    int number = -1;
    if (!port.isNull()) {
        bool ok = !port.isEmpty() && port.size() <= 5;
        for (char c : port)
            ok = ok && c >= '0' && c <= '9';
        number = ok ? port.toInt(&ok) : -1;
        if (!ok || number > 65535)
            return std::nullopt;
    }
    if (name.isEmpty())
        return std::nullopt;
    return std::pair { name.toByteArray().toLower(), number };
}

QByteArray hostText(const QByteArray &name, int port)
{
    const QByteArray shown = name.contains(':') ? '[' + name + ']' : name;
    return port < 0 ? shown : shown + ':' + QByteArray::number(port);
}

HttpResponse refusal(int status, const QString &message)
{
    return HttpResponse::error(status, message);
}

} // namespace

AdminRequestGuard::AdminRequestGuard(Options options)
    : m_options(std::move(options))
{
    const QHostAddress &address = m_options.address;
    const bool wildcard
        = address == QHostAddress::Any || address == QHostAddress::AnyIPv4 || address == QHostAddress::AnyIPv6;
    if (address.isLoopback() || wildcard) {
        m_anyLoopbackLiteral = true;
        for (const char *name : { "localhost", "127.0.0.1", "::1" })
            m_names.insert(name);
    }
    if (wildcard) {
        for (const QHostAddress &local : QNetworkInterface::allAddresses()) {
            QHostAddress plain = local;
            plain.setScopeId(QString());
            m_names.insert(plain.toString().toLatin1().toLower());
        }
    } else {
        QHostAddress plain = address;
        plain.setScopeId(QString());
        m_names.insert(plain.toString().toLatin1().toLower());
    }
    for (const QString &extra : std::as_const(m_options.extraHosts)) {
        const auto parsed = splitHost(extra.trimmed().toLatin1());
        if (!parsed)
            continue;
        if (parsed->second < 0)
            m_anyPortNames.insert(parsed->first);
        else
            m_exactHosts.insert(hostText(parsed->first, parsed->second));
    }
    QList<QByteArray> names = m_names.values();
    std::sort(names.begin(), names.end());
    for (const QByteArray &name : std::as_const(names))
        m_describedHosts.append(QString::fromLatin1(hostText(name, m_options.port)));
    for (const QByteArray &name : std::as_const(m_anyPortNames))
        m_describedHosts.append(QString::fromLatin1(name));
    for (const QByteArray &host : std::as_const(m_exactHosts))
        m_describedHosts.append(QString::fromLatin1(host));
}

bool AdminRequestGuard::isStateChanging(QByteArrayView method)
{
    return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool AdminRequestGuard::hostAllowed(QByteArrayView host) const
{
    const auto parsed = splitHost(host);
    if (!parsed)
        return false;
    const auto &[name, port] = *parsed;
    if (m_anyPortNames.contains(name) || m_exactHosts.contains(hostText(name, port)))
        return true;
    // Without a port (port 80 to a browser, which names any other port): still one of our names,
    // which a page elsewhere cannot make its browser send.
    if (port >= 0 && port != m_options.port)
        return false;
    if (m_names.contains(name))
        return true;
    // Any loopback literal: an address cannot be rebound by DNS.
    const QHostAddress literal(QString::fromLatin1(name));
    return m_anyLoopbackLiteral && !literal.isNull() && literal.isLoopback();
}

std::optional<HttpResponse> AdminRequestGuard::check(const HttpRequest &head) const
{
    // Host: a page that rebinds its own name to 127.0.0.1 still sends its own name here. An HTTP/1.0
    // request without one cannot come from a browser.
    const QByteArray host = head.header("host");
    if (!host.isNull() && !hostAllowed(host))
        return refusal(421,
            QStringLiteral("Host '%1' is not a name this admin API answers to (it answers to %2); "
                           "add names with --admin-allowed-host")
                .arg(QString::fromLatin1(host).left(200), m_describedHosts.join(QStringLiteral(", "))));

    // Browsers say where a request comes from; curl and scripts send neither header.
    const QByteArray site = head.header("sec-fetch-site").trimmed().toLower();
    if (site == "cross-site" || site == "same-site")
        return refusal(403,
            QStringLiteral("request from a web page refused (Sec-Fetch-Site: %1): the admin API takes no calls "
                           "from web pages")
                .arg(QString::fromLatin1(site)));
    const QByteArray origin = head.header("origin").trimmed();
    if (!origin.isNull()
        && (host.isNull() || origin.compare(QByteArray("http://" + host.trimmed()), Qt::CaseInsensitive) != 0))
        return refusal(403,
            QStringLiteral("request from another origin refused (Origin: %1): the admin API takes no calls from "
                           "web pages")
                .arg(QString::fromLatin1(origin).left(200)));

    if (!m_options.token.isEmpty()) {
        if (const QString why = checkBearer(head.headers, m_options.token.toUtf8()); !why.isEmpty()) {
            HttpResponse response
                = refusal(401, QStringLiteral("missing or wrong admin token (Authorization: Bearer TOKEN)"));
            response.headers.append({ QByteArray("WWW-Authenticate"), QByteArray("Bearer") });
            return response;
        }
    }

    // A web page can send text/plain, form data or no body cross-site without asking first; only
    // application/json needs a CORS preflight, which this API never grants.
    if (isStateChanging(head.method)) {
        QByteArray type = head.header("content-type");
        if (const qsizetype semicolon = type.indexOf(';'); semicolon >= 0)
            type.truncate(semicolon);
        type = type.trimmed().toLower();
        if (type != "application/json")
            return refusal(415,
                QStringLiteral("%1 needs Content-Type: application/json (got %2), e.g. curl --json '{...}' or "
                               "-H 'Content-Type: application/json'")
                    .arg(QString::fromLatin1(head.method),
                        type.isEmpty() ? QStringLiteral("none")
                                       : QLatin1Char('\'') + QString::fromLatin1(type).left(100) + QLatin1Char('\'')));
    }
    return std::nullopt;
}

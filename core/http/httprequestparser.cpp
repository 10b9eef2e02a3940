// Incremental HTTP/1.1 request parsing with every size bounded before bytes are kept.
#include "http/httprequestparser.h"

#include <optional>

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool hasControlChars(QByteArrayView text)
{
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return true;
    }
    return false;
}

bool containsToken(const QByteArray &list, QByteArrayView token)
{
    for (const QByteArray &part : list.split(',')) {
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

HttpRequestParser::HttpRequestParser()
    : HttpRequestParser(Limits {})
{
}

HttpRequestParser::HttpRequestParser(Limits limits)
    : m_limits(limits)
{
}

HttpRequestParser::Status HttpRequestParser::fail(int status, QString message)
{
    m_state = State::Failed;
    m_error = { status, std::move(message) };
    return Status::Error;
}

std::optional<QByteArray> HttpRequestParser::takeLine(QByteArray &buffer)
{
    const qsizetype end = buffer.indexOf('\n');
    if (end < 0)
        return std::nullopt;
    QByteArray line = buffer.left(end);
    if (line.endsWith('\r'))
        line.chop(1);
    buffer.remove(0, end + 1);
    return line;
}

HttpRequest HttpRequestParser::takeRequest()
{
    HttpRequest request = std::move(m_request);
    m_request = {};
    m_state = State::Idle;
    m_headScanned = 0;
    m_remaining = 0;
    m_trailerBytes = 0;
    return request;
}

HttpRequestParser::Status HttpRequestParser::parse(QByteArray &buffer)
{
    switch (m_state) {
    case State::Failed:
        return Status::Error;
    case State::Complete:
        return Status::RequestComplete;
    case State::Idle:
        // RFC 9112 2.2: ignore empty lines before a request line.
        while (buffer.startsWith("\r\n") || buffer.startsWith('\n'))
            buffer.remove(0, buffer.startsWith('\n') ? 1 : 2);
        if (buffer.isEmpty() || buffer == "\r")
            return Status::NeedMore;
        m_state = State::Head;
        [[fallthrough]];
    case State::Head:
        return parseHead(buffer);
    case State::Body:
        return parseBody(buffer);
    case State::ChunkSize:
    case State::ChunkData:
    case State::ChunkDataEnd:
    case State::Trailers:
        return parseChunked(buffer);
    }
    return Status::NeedMore;
}

HttpRequestParser::Status HttpRequestParser::parseHead(QByteArray &buffer)
{
    // Find the empty line that ends the head, scanning only bytes not searched before.
    qsizetype headEnd = -1;
    qsizetype bodyStart = -1;
    for (qsizetype i = qMax<qsizetype>(m_headScanned, 1); i < buffer.size(); ++i) {
        if (buffer.at(i) != '\n')
            continue;
        if (buffer.at(i - 1) == '\n') {
            headEnd = i - 1;
            bodyStart = i + 1;
            break;
        }
        if (i >= 2 && buffer.at(i - 1) == '\r' && buffer.at(i - 2) == '\n') {
            headEnd = i - 2;
            bodyStart = i + 1;
            break;
        }
    }
    if (headEnd < 0) {
        m_headScanned = buffer.size();
        const qsizetype firstLineEnd = buffer.indexOf('\n');
        if ((firstLineEnd < 0 ? buffer.size() : firstLineEnd) > m_limits.maxRequestLine)
            return fail(414, QStringLiteral("request line longer than %1 bytes").arg(m_limits.maxRequestLine));
        if (buffer.size() > m_limits.maxHeaderBytes)
            return fail(431, QStringLiteral("request head larger than %1 bytes").arg(m_limits.maxHeaderBytes));
        return Status::NeedMore;
    }
    if (headEnd > m_limits.maxHeaderBytes)
        return fail(431, QStringLiteral("request head larger than %1 bytes").arg(m_limits.maxHeaderBytes));

    const QByteArray head = buffer.left(headEnd);
    buffer.remove(0, bodyStart);

    const QList<QByteArray> lines = head.split('\n');
    QByteArray requestLine = lines.first();
    if (requestLine.endsWith('\r'))
        requestLine.chop(1);
    if (requestLine.size() > m_limits.maxRequestLine)
        return fail(414, QStringLiteral("request line longer than %1 bytes").arg(m_limits.maxRequestLine));
    if (!parseRequestLine(requestLine))
        return Status::Error;

    if (lines.size() - 1 > m_limits.maxHeaderCount)
        return fail(431, QStringLiteral("more than %1 header fields").arg(m_limits.maxHeaderCount));
    m_request.headers.reserve(lines.size() - 1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArrayView line = lines.at(i);
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.startsWith(' ') || line.startsWith('\t'))
            return fail(400, QStringLiteral("obsolete header line folding is not accepted"));
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return fail(400, QStringLiteral("malformed header field"));
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (hasControlChars(value))
            return fail(400, QStringLiteral("control character in a header value"));
        m_request.headers.append({ line.first(colon).toByteArray(), value.toByteArray() });
    }
    return finishHead();
}

bool HttpRequestParser::parseRequestLine(QByteArrayView line)
{
    const qsizetype firstSpace = line.indexOf(' ');
    const qsizetype lastSpace = line.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace <= firstSpace + 1) {
        fail(400, QStringLiteral("malformed request line"));
        return false;
    }
    const QByteArrayView method = line.first(firstSpace);
    const QByteArrayView target = line.sliced(firstSpace + 1, lastSpace - firstSpace - 1);
    const QByteArrayView version = line.sliced(lastSpace + 1);
    if (!isToken(method) || target.contains(' ') || hasControlChars(target) || target.contains('\t')) {
        fail(400, QStringLiteral("malformed request line"));
        return false;
    }
    if (version == "HTTP/1.1") {
        m_request.minorVersion = 1;
    } else if (version == "HTTP/1.0") {
        m_request.minorVersion = 0;
    } else if (version.startsWith("HTTP/")) {
        fail(505, QStringLiteral("only HTTP/1.0 and HTTP/1.1 are supported"));
        return false;
    } else {
        fail(400, QStringLiteral("malformed request line"));
        return false;
    }
    m_request.method = method.toByteArray();
    m_request.target = target.toByteArray();
    QByteArrayView path = target;
    if (const qsizetype query = path.indexOf('?'); query >= 0)
        path = path.first(query);
    if (path.startsWith("http://") || path.startsWith("https://")) { // absolute-form
        const qsizetype slash = path.indexOf('/', path.indexOf("//") + 2);
        path = slash < 0 ? QByteArrayView("/") : path.sliced(slash);
    }
    m_request.path = path.toByteArray();
    return true;
}

HttpRequestParser::Status HttpRequestParser::finishHead()
{
    const QByteArray connection = m_request.header("connection");
    m_request.keepAlive
        = m_request.minorVersion == 1 ? !containsToken(connection, "close") : containsToken(connection, "keep-alive");

    const QByteArray expect = m_request.header("expect");
    if (!expect.isNull()) {
        if (expect.trimmed().compare("100-continue", Qt::CaseInsensitive) != 0)
            return fail(417, QStringLiteral("unsupported Expect: %1").arg(QString::fromLatin1(expect)));
        m_request.expectContinue = m_request.minorVersion == 1;
    }

    // RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host or with more than one.
    int hostCount = 0;
    for (const auto &[name, value] : m_request.headers) {
        if (name.compare("host", Qt::CaseInsensitive) != 0)
            continue;
        if (++hostCount > 1)
            return fail(400, QStringLiteral("more than one Host header"));
        for (char c : value) {
            if (c == ' ' || c == '\t' || c == '/' || c == '\\' || c == '@' || c == '?' || c == '#')
                return fail(400, QStringLiteral("invalid Host header"));
        }
    }
    if (hostCount == 0 && m_request.minorVersion == 1)
        return fail(400, QStringLiteral("HTTP/1.1 request without a Host header"));

    // Every Transfer-Encoding field line, in order, as one list (RFC 9110 5.3).
    QList<QByteArray> codings;
    bool hasTransferEncoding = false;
    QByteArray contentLength;
    int contentLengthCount = 0;
    for (const auto &[name, value] : m_request.headers) {
        if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            hasTransferEncoding = true;
            for (const QByteArray &part : value.split(',')) {
                if (const QByteArray coding = part.trimmed().toLower(); !coding.isEmpty())
                    codings.append(coding);
            }
            continue;
        }
        if (name.compare("content-length", Qt::CaseInsensitive) != 0)
            continue;
        if (contentLengthCount++ > 0 && value != contentLength)
            return fail(400, QStringLiteral("conflicting Content-Length headers"));
        contentLength = value;
    }

    if (hasTransferEncoding) {
        // Both framings at once is the request-smuggling pattern (RFC 9112 6.3): refuse it.
        if (contentLengthCount > 0)
            return fail(400, QStringLiteral("both Transfer-Encoding and Content-Length"));
        // RFC 9112 6.1: HTTP/1.0 has no transfer codings; a 1.0 message with one is faulty.
        if (m_request.minorVersion == 0)
            return fail(400, QStringLiteral("Transfer-Encoding in an HTTP/1.0 request"));
        // RFC 9112 6.3: when chunked is not the final coding (or comes twice) the body's length
        // cannot be known: 400, whatever a proxy in front may have made of it.
        if (codings.isEmpty() || codings.last() != "chunked")
            return fail(400,
                QStringLiteral("Transfer-Encoding must end with chunked, got: %1")
                    .arg(QString::fromLatin1(codings.join(", "))));
        if (codings.count("chunked") > 1)
            return fail(400, QStringLiteral("chunked applied more than once in Transfer-Encoding"));
        // RFC 9112 6.1: a coding the server does not understand (all but chunked here): 501.
        if (codings.size() > 1)
            return fail(501,
                QStringLiteral("unsupported Transfer-Encoding: %1 (only chunked is accepted)")
                    .arg(QString::fromLatin1(codings.join(", "))));
        m_state = State::ChunkSize;
        return Status::HeadersComplete;
    }

    if (contentLengthCount > 0) {
        bool ok = !contentLength.isEmpty() && contentLength.size() <= 18;
        for (char c : contentLength)
            ok = ok && c >= '0' && c <= '9';
        if (!ok)
            return fail(400, QStringLiteral("invalid Content-Length"));
        m_remaining = contentLength.toLongLong();
        if (m_remaining > m_limits.maxBodyBytes)
            return fail(413,
                QStringLiteral("body of %1 bytes exceeds the limit of %2 bytes")
                    .arg(m_remaining)
                    .arg(m_limits.maxBodyBytes));
        if (m_remaining > 0) {
            // Reserve modestly: a declared length is a claim, not bytes received.
            m_request.body.reserve(static_cast<qsizetype>(qMin<qint64>(m_remaining, 64 * 1024)));
            m_state = State::Body;
            return Status::HeadersComplete;
        }
    }
    m_state = State::Complete;
    m_request.received.start();
    return Status::RequestComplete;
}

bool HttpRequestParser::takeBodyBytes(QByteArray &buffer)
{
    const qsizetype take = static_cast<qsizetype>(qMin<qint64>(m_remaining, buffer.size()));
    m_request.body.append(buffer.constData(), take);
    buffer.remove(0, take);
    m_remaining -= take;
    return m_remaining == 0;
}

HttpRequestParser::Status HttpRequestParser::parseBody(QByteArray &buffer)
{
    if (!takeBodyBytes(buffer))
        return Status::NeedMore;
    m_state = State::Complete;
    m_request.received.start();
    return Status::RequestComplete;
}

HttpRequestParser::Status HttpRequestParser::parseChunked(QByteArray &buffer)
{
    constexpr qsizetype maxChunkLine = 1024;
    for (;;) {
        switch (m_state) {
        case State::ChunkSize: {
            const qsizetype end = buffer.indexOf('\n');
            if (end < 0) {
                if (buffer.size() > maxChunkLine)
                    return fail(400, QStringLiteral("chunk size line too long"));
                return Status::NeedMore;
            }
            if (end > maxChunkLine)
                return fail(400, QStringLiteral("chunk size line too long"));
            QByteArray line = *takeLine(buffer);
            if (const qsizetype ext = line.indexOf(';'); ext >= 0)
                line.truncate(ext);
            // Hex digits and nothing else: white space around the size is read differently by
            // different parsers (a smuggling vector), so it is refused, not trimmed.
            bool ok = !line.isEmpty() && line.size() <= 15;
            for (char c : line)
                ok = ok && isxdigit(static_cast<unsigned char>(c));
            if (!ok)
                return fail(400, QStringLiteral("invalid chunk size"));
            const qint64 size = line.toLongLong(nullptr, 16);
            if (m_request.body.size() + size > m_limits.maxBodyBytes)
                return fail(
                    413, QStringLiteral("chunked body exceeds the limit of %1 bytes").arg(m_limits.maxBodyBytes));
            m_remaining = size;
            m_state = size == 0 ? State::Trailers : State::ChunkData;
            break;
        }
        case State::ChunkData:
            if (!takeBodyBytes(buffer))
                return Status::NeedMore;
            m_state = State::ChunkDataEnd;
            break;
        case State::ChunkDataEnd:
            if (buffer.startsWith("\r\n")) {
                buffer.remove(0, 2);
            } else if (buffer.startsWith('\n')) {
                buffer.remove(0, 1);
            } else if (buffer.isEmpty() || buffer == "\r") {
                return Status::NeedMore;
            } else {
                return fail(400, QStringLiteral("chunk data longer than its declared size"));
            }
            m_state = State::ChunkSize;
            break;
        case State::Trailers: {
            const qsizetype end = buffer.indexOf('\n');
            if (end < 0) {
                if (m_trailerBytes + buffer.size() > m_limits.maxHeaderBytes)
                    return fail(431, QStringLiteral("trailer section too large"));
                return Status::NeedMore;
            }
            m_trailerBytes += end + 1;
            if (m_trailerBytes > m_limits.maxHeaderBytes)
                return fail(431, QStringLiteral("trailer section too large"));
            if (!takeLine(buffer)->isEmpty())
                break; // trailer fields are read and ignored
            m_state = State::Complete;
            m_request.received.start();
            return Status::RequestComplete;
        }
        default:
            return Status::NeedMore;
        }
    }
}

// NATS protocol framing: control lines end with CRLF; MSG/HMSG (server) and PUB/HPUB (client)
// announce a payload of N bytes that follows the line, itself followed by CRLF.
#include "nats/natsprotocolfilter.h"

#include <array>

#include <cstring>

namespace {

// The words of a control line, without allocating: no frame we interpret has more than 6.
struct Words {
    std::array<QByteArrayView, 7> at;
    qsizetype count = 0;
    qsizetype size() const { return count; }
    bool isEmpty() const { return count == 0; }
    QByteArrayView first() const { return at[0]; }
    QByteArrayView last() const { return at[count - 1]; }
    QByteArrayView operator[](qsizetype i) const { return at[i]; }
};

Words words(QByteArrayView line)
{
    Words result;
    qsizetype i = 0;
    while (i < line.size() && result.count < qsizetype(result.at.size())) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        const qsizetype start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > start)
            result.at[result.count++] = line.sliced(start, i - start);
    }
    return result;
}

bool toSize(QByteArrayView text, qint64 *value)
{
    if (text.isEmpty() || text.size() > 12)
        return false;
    qint64 v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *value = v;
    return true;
}

} // namespace

NatsProtocolFilter::NatsProtocolFilter(Direction direction)
    : m_direction(direction)
{
}

NatsProtocolFilter::Verb NatsProtocolFilter::verbOf(QByteArrayView word)
{
    struct Entry {
        const char *name;
        Verb verb;
    };
    static const Entry table[]
        = { { "INFO", Verb::Info }, { "CONNECT", Verb::Connect }, { "PING", Verb::Ping }, { "PONG", Verb::Pong },
              { "+OK", Verb::Ok }, { "-ERR", Verb::Err }, { "MSG", Verb::Msg }, { "HMSG", Verb::HMsg },
              { "PUB", Verb::Pub }, { "HPUB", Verb::HPub }, { "SUB", Verb::Sub }, { "UNSUB", Verb::Unsub } };
    for (const Entry &entry : table) {
        if (word.compare(QByteArrayView(entry.name), Qt::CaseInsensitive) == 0)
            return entry.verb;
    }
    return Verb::Unknown;
}

bool NatsProtocolFilter::parseControlLine(FrameHeader &header) const
{
    QByteArrayView line(m_line);
    line.chop(line.endsWith("\r\n") ? 2 : 1);
    const Words parts = words(line);
    if (parts.isEmpty())
        return true; // an empty line: forwarded as is, the peer decides
    header.verb = verbOf(parts.first());
    const bool fromServer = m_direction == Direction::FromServer;
    switch (header.verb) {
    case Verb::Msg: // MSG <subject> <sid> [reply-to] <#bytes>
        if (!fromServer || (parts.size() != 4 && parts.size() != 5))
            return false;
        header.subject = parts[1];
        header.reply = parts.size() == 5 ? parts[3] : QByteArrayView();
        return toSize(parts.last(), &header.payloadBytes);
    case Verb::HMsg: { // HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>
        if (!fromServer || (parts.size() != 5 && parts.size() != 6))
            return false;
        header.subject = parts[1];
        header.reply = parts.size() == 6 ? parts[3] : QByteArrayView();
        qint64 headerBytes = 0;
        return toSize(parts[parts.size() - 2], &headerBytes) && toSize(parts.last(), &header.payloadBytes)
            && headerBytes <= header.payloadBytes;
    }
    case Verb::Pub: // PUB <subject> [reply-to] <#bytes>
        if (fromServer || (parts.size() != 3 && parts.size() != 4))
            return false;
        header.subject = parts[1];
        header.reply = parts.size() == 4 ? parts[2] : QByteArrayView();
        return toSize(parts.last(), &header.payloadBytes);
    case Verb::HPub: { // HPUB <subject> [reply-to] <#header bytes> <#total bytes>
        if (fromServer || (parts.size() != 4 && parts.size() != 5))
            return false;
        header.subject = parts[1];
        header.reply = parts.size() == 5 ? parts[2] : QByteArrayView();
        qint64 headerBytes = 0;
        return toSize(parts[parts.size() - 2], &headerBytes) && toSize(parts.last(), &header.payloadBytes)
            && headerBytes <= header.payloadBytes;
    }
    case Verb::Unknown:
        return false;
    default:
        return true;
    }
}

void NatsProtocolFilter::process(QByteArrayView data, QByteArray &out, const Decide &decide)
{
    if (m_passThrough) {
        out.append(data.data(), data.size());
        return;
    }
    qsizetype i = 0;
    while (i < data.size()) {
        if (m_payloadRemaining > 0) {
            const qsizetype take = static_cast<qsizetype>(qMin<qint64>(m_payloadRemaining, data.size() - i));
            if (!m_dropping)
                out.append(data.data() + i, take);
            m_payloadRemaining -= take;
            i += take;
            continue;
        }
        const char *newline = static_cast<const char *>(std::memchr(data.data() + i, '\n', data.size() - i));
        const qsizetype end = newline ? (newline - data.data()) + 1 : data.size();
        m_line.append(data.data() + i, end - i);
        i = end;
        if (!newline) {
            // A control line starts with its verb (letters) or +OK / -ERR. Anything else — a TLS
            // record after the server's INFO above all — must flow at once: waiting for a '\n' that
            // encrypted bytes hold only by chance would stall the handshake.
            const char first = m_line.front();
            const bool verbStart
                = (first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || first == '+' || first == '-';
            if (m_line.size() > MaxControlLine || !verbStart) {
                m_passThrough = true; // not NATS as we know it: stop interpreting, forward everything
                out += m_line;
                m_line.clear();
                out.append(data.data() + i, data.size() - i);
                return;
            }
            break;
        }

        FrameHeader header;
        if (!parseControlLine(header) || header.payloadBytes > MaxPayload) {
            m_passThrough = true;
            out += m_line;
            m_line.clear();
            out.append(data.data() + i, data.size() - i);
            return;
        }
        const bool hasPayload = header.verb == Verb::Msg || header.verb == Verb::HMsg || header.verb == Verb::Pub
            || header.verb == Verb::HPub;
        m_dropping = decide && decide(header);
        if (m_dropping)
            ++m_dropped;
        else
            out += m_line;
        m_line.clear();
        if (hasPayload)
            m_payloadRemaining = header.payloadBytes + 2; // the payload's own CRLF
    }
}

// InboxPublisher: publish with a reply under our inbox, drain the PubAcks after each read event.
#include "nats/inboxpublisher.h"
#include "nats/natsloopadapter.h"
#include "nats/natsstatus.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>

#include <charconv>
#include <cstring>
#include <string_view>

InboxPublisher::InboxPublisher(QObject *owner, QByteArray expectedStream, ReportsSink sink)
    : m_loop(new NatsLoopAdapter(owner))
    , m_expectedStream(std::move(expectedStream))
    , m_sink(std::move(sink))
{
    m_loop->setAfterRead([this] { drain(); });
}

InboxPublisher::~InboxPublisher()
{
    destroyRetired();
    // The adapter's queued updates die with it; cnats calls it no more once the connection is closed.
    if (m_loop) {
        m_loop->setAfterRead({});
        m_loop->deleteLater();
    }
}

natsStatus InboxPublisher::install(natsOptions *options)
{
    return m_loop->install(options);
}

natsStatus InboxPublisher::subscribe(natsConnection *connection)
{
    m_connection = connection;
    char *inbox = nullptr;
    natsStatus s = natsInbox_Create(&inbox);
    if (s != NATS_OK)
        return s;
    m_inbox = QByteArray(inbox) + '.';
    natsInbox_Destroy(inbox);
    const QByteArray subject = m_inbox + '*';
    s = natsConnection_SubscribeSync(&m_subscription, connection, subject.constData());
    if (s == NATS_OK) // a burst of PubAcks read in one event must never be dropped as a slow consumer
        s = natsSubscription_SetPendingLimits(m_subscription, -1, -1);
    return s;
}

std::optional<PublishResult> InboxPublisher::publish(quint64 token, const OutgoingEvent &event, Clock::time_point deadline)
{
    if (!m_subscription)
        return PublishResult::failure(FailureReason::Disconnected, QStringLiteral("not connected to NATS"));
    const quint64 number = m_nextReply++;
    char reply[96];
    const std::size_t prefix = std::min<std::size_t>(static_cast<std::size_t>(m_inbox.size()), 64);
    std::memcpy(reply, m_inbox.constData(), prefix);
    const auto end = std::to_chars(reply + prefix, reply + sizeof reply - 1, number).ptr;
    *end = '\0';

    natsMsg *msg = nullptr;
    natsStatus s = natsMsg_Create(
        &msg, event.subject.constData(), reply, event.body.constData(), static_cast<int>(event.body.size()));
    for (qsizetype i = 0; s == NATS_OK && i < event.headers.size(); ++i)
        s = natsMsgHeader_Add(msg, event.headers[i].first.constData(), event.headers[i].second.constData());
    if (s == NATS_OK && !event.msgId.isEmpty())
        s = natsMsgHeader_Set(msg, "Nats-Msg-Id", event.msgId.constData());
    // A publish that the configured stream does not store fails (no_stream) instead of landing in
    // another stream that happens to capture the subject.
    if (s == NATS_OK && !m_expectedStream.isEmpty())
        s = natsMsgHeader_Set(msg, "Nats-Expected-Stream", m_expectedStream.constData());
    if (s == NATS_OK)
        s = natsConnection_PublishMsg(m_connection, msg); // appends to the buffer; the loop sends it
    retire(msg);
    if (s != NATS_OK)
        return publishFailure(s, static_cast<jsErrCode>(0), nats_GetLastError(nullptr));
    m_pending.emplace(number, token);
    m_deadlines.emplace_back(deadline, number);
    return std::nullopt;
}

void InboxPublisher::drain()
{
    if (!m_subscription)
        return;
    // Exactly as many as are queued: NextMsg on an empty subscription formats an error each time.
    int queued = 0;
    int bytes = 0;
    if (natsSubscription_GetPending(m_subscription, &queued, &bytes) != NATS_OK || queued == 0) {
        destroyRetired();
        return;
    }
    bool noResponders = false;
    for (int i = 0; i < queued; ++i) {
        natsMsg *msg = nullptr;
        const natsStatus s = natsSubscription_NextMsg(&msg, m_subscription, 0);
        if (s == NATS_NO_RESPONDERS) {
            // cnats 3.4.1 destroys a 503 status reply inside NextMsg, subject and all: which publish it
            // answered is lost. See below.
            noResponders = true;
            ++m_noResponders;
            continue;
        }
        if (s != NATS_OK)
            break;
        const std::string_view subject(natsMsg_GetSubject(msg));
        quint64 number = 0;
        const auto dot = subject.rfind('.');
        const char *first = subject.data() + (dot == std::string_view::npos ? 0 : dot + 1);
        std::from_chars(first, subject.data() + subject.size(), number);
        const auto it = m_pending.find(number);
        if (it == m_pending.end()) {
            ++m_lateAnswers; // its deadline came first
        } else {
            m_reports.emplace_back(it->second, parsePubAck(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
            m_pending.erase(it);
        }
        retire(msg);
    }
    if (noResponders) {
        // No stream captured one of the pending publishes (JetStream answers every publish it
        // captures). Which one is not known, so every publish still waiting fails as no_stream: a
        // 500 only says "not confirmed", and a retry with the same key is deduplicated. Only a
        // misrouted endpoint or a deleted stream (ackhook not ready then) sends these.
        const PublishResult failure = publishFailure(NATS_NO_RESPONDERS, static_cast<jsErrCode>(0), nullptr);
        for (const auto &[number, token] : m_pending)
            m_reports.emplace_back(token, failure);
        m_pending.clear();
        m_deadlines.clear();
    }
    deliver();
    destroyRetired();
}

void InboxPublisher::retire(natsMsg *msg)
{
    // cnats 3.4.1 hands every destroyed message to its garbage-collector thread and wakes it when
    // it waits: one wake-up (a futex call here, a thread switch there) per message. Destroyed
    // together after a read, the published messages and their PubAcks cost one wake-up per burst.
    m_retired.push_back(msg);
    if (m_retired.size() >= MaxRetired)
        destroyRetired();
}

void InboxPublisher::destroyRetired()
{
    for (natsMsg *msg : m_retired)
        natsMsg_Destroy(msg);
    m_retired.clear();
}

void InboxPublisher::deliver()
{
    if (m_reports.empty())
        return;
    // The sink answers requests; whatever it starts (a publish, a failure) must not see this batch.
    std::vector<Report> reports;
    reports.swap(m_reports);
    m_sink(reports);
    reports.clear();
    if (m_reports.empty())
        m_reports.swap(reports); // keep the capacity
}

std::optional<InboxPublisher::Clock::time_point> InboxPublisher::expire(Clock::time_point now)
{
    while (!m_deadlines.empty()) {
        const auto [deadline, number] = m_deadlines.front();
        const auto it = m_pending.find(number);
        if (it == m_pending.end()) { // answered in time: nothing to do
            m_deadlines.pop_front();
            continue;
        }
        if (deadline > now)
            break;
        m_reports.emplace_back(it->second, publishFailure(NATS_TIMEOUT, static_cast<jsErrCode>(0), nullptr));
        m_pending.erase(it);
        m_deadlines.pop_front();
    }
    deliver();
    if (m_deadlines.empty())
        return std::nullopt;
    return m_deadlines.front().first;
}

void InboxPublisher::failAll(const PublishResult &result)
{
    for (const auto &[number, token] : m_pending)
        m_reports.emplace_back(token, result);
    m_pending.clear();
    m_deadlines.clear();
    deliver();
}

void InboxPublisher::beforeClose()
{
    drain();
    if (m_loop)
        m_loop->sendBuffered();
}

void InboxPublisher::pump()
{
    if (m_loop && m_subscription)
        m_loop->pump();
}

void InboxPublisher::afterClose()
{
    if (m_loop)
        m_loop->setAfterRead({});
    destroyRetired(); // before the subscription its PubAcks came from
    natsSubscription_Destroy(m_subscription);
    m_subscription = nullptr;
}

namespace {
// Where the value of "key" starts in a flat JSON object (whitespace around the colon allowed:
// nats-server 2.9 writes a duplicate as `"duplicate": true`), or npos.
std::size_t valueOf(std::string_view json, std::string_view quotedKey)
{
    auto at = json.find(quotedKey);
    if (at == std::string_view::npos)
        return at;
    at += quotedKey.size();
    auto skip = [&] {
        while (at < json.size() && (json[at] == ' ' || json[at] == '\t'))
            ++at;
    };
    skip();
    if (at >= json.size() || json[at] != ':')
        return std::string_view::npos;
    ++at;
    skip();
    return at;
}
} // namespace

PublishResult InboxPublisher::parsePubAck(const char *data, int length)
{
    const std::string_view json(data ? data : "", data ? static_cast<std::size_t>(length) : 0);
    // The usual answer, {"stream":"EVENTS", "seq":42} or with "duplicate": true, read without a DOM.
    if (json.find("\"error\"") == std::string_view::npos) {
        const auto stream = valueOf(json, "\"stream\"");
        const auto seq = valueOf(json, "\"seq\"");
        if (stream != std::string_view::npos && seq != std::string_view::npos && json[stream] == '"') {
            const auto streamEnd = json.find('"', stream + 1);
            quint64 number = 0;
            const auto parsed = std::from_chars(json.data() + seq, json.data() + json.size(), number);
            if (streamEnd != std::string_view::npos && parsed.ec == std::errc()) {
                const auto duplicate = valueOf(json, "\"duplicate\"");
                return PublishResult::ack(
                    QString::fromUtf8(json.data() + stream + 1, static_cast<qsizetype>(streamEnd - stream - 1)), number,
                    duplicate != std::string_view::npos && json.substr(duplicate, 4) == "true");
            }
        }
    }
    const QJsonObject object
        = QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), static_cast<qsizetype>(json.size()))).object();
    const QJsonObject error = object.value(QLatin1String("error")).toObject();
    if (!error.isEmpty()) {
        const QByteArray text = error.value(QLatin1String("description")).toString().toUtf8();
        return publishFailure(NATS_ERR, static_cast<jsErrCode>(error.value(QLatin1String("err_code")).toInt()),
            text.constData());
    }
    return PublishResult::failure(FailureReason::PublishError,
        QStringLiteral("unreadable PubAck: %1").arg(QString::fromUtf8(json.data(), static_cast<qsizetype>(json.size()))));
}

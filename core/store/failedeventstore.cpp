// FailedEventStore: the thread-safe facade of the failed-event queue; SQLite work happens in
// FailedEventDatabase on the store thread.
#include "store/failedeventstore.h"

#include "http/curlcommand.h"
#include "store/failedeventdatabase.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QStringDecoder>
#include <QUrl>

#include <limits>

Q_LOGGING_CATEGORY(lcStore, "ackhook.failed")

namespace {

constexpr qint64 MaxQueuedBytes = 64LL * 1024 * 1024; // waiting for the disk: beyond this, unrecorded

QJsonObject toJson(const FailedEvent &e)
{
    QJsonArray headers;
    for (const auto &[name, value] : e.headers)
        headers.append(QJsonArray { QString::fromLatin1(name), QString::fromLatin1(value) });
    QJsonObject object { { QStringLiteral("id"), e.id },
        { QStringLiteral("received"),
            QDateTime::fromMSecsSinceEpoch(e.receivedMs, Qt::UTC).toString(Qt::ISODateWithMs) },
        { QStringLiteral("endpoint"), QString::fromUtf8(e.endpoint) },
        { QStringLiteral("target"), QString::fromUtf8(e.resendTarget()) },
        { QStringLiteral("msg_id"), QString::fromLatin1(e.msgId.isEmpty() ? e.key : e.msgId) },
        { QStringLiteral("subject"), QString::fromUtf8(e.subject) },
        { QStringLiteral("method"), QString::fromLatin1(e.method) }, { QStringLiteral("headers"), headers },
        { QStringLiteral("key"), QString::fromLatin1(e.key) }, { QStringLiteral("key_generated"), e.keyGenerated },
        { QStringLiteral("reason"), e.reason }, { QStringLiteral("detail"), e.detail },
        { QStringLiteral("attempts"), e.attempts },
        { QStringLiteral("last_attempt"),
            QDateTime::fromMSecsSinceEpoch(e.lastAttemptMs, Qt::UTC).toString(Qt::ISODateWithMs) },
        { QStringLiteral("state"), FailedEvent::stateName(e.state) } };
    if (isText(e.body))
        object.insert(QStringLiteral("body"), QString::fromUtf8(e.body));
    else
        object.insert(QStringLiteral("body_base64"), QString::fromLatin1(e.body.toBase64()));
    if (e.state == FailedEvent::State::Replayed) {
        object.insert(QStringLiteral("seq"), static_cast<qint64>(e.replaySeq));
        object.insert(QStringLiteral("duplicate"), e.replayDuplicate);
    }
    return object;
}

} // namespace

QJsonObject failedEventToJson(const FailedEvent &event)
{
    return toJson(event);
}

// ---- FailedEventStore facade -------------------------------------------------------------------

FailedEventStore::FailedEventStore(QObject *parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("ackhook-store"));
}

FailedEventStore::~FailedEventStore()
{
    close();
}

template <typename F> auto FailedEventStore::blocking(F f) const
{
    using Result = decltype(f(m_database.get()));
    if constexpr (std::is_void_v<Result>) {
        if (m_database)
            QMetaObject::invokeMethod(
                m_database.get(), [&] { f(m_database.get()); }, Qt::BlockingQueuedConnection);
    } else {
        Result result {};
        if (m_database)
            QMetaObject::invokeMethod(
                m_database.get(), [&] { result = f(m_database.get()); }, Qt::BlockingQueuedConnection);
        return result;
    }
}

bool FailedEventStore::open(const Options &options, QString *error)
{
    if (m_database)
        return true;
    m_options = options;
    m_database = std::make_unique<FailedEventDatabase>(&m_state, [this] { Q_EMIT changed(stats()); });
    m_database->moveToThread(&m_thread);
    m_thread.start();
    QString message;
    const bool ok = blocking([&](FailedEventDatabase *db) { return db->open(options, &message); });
    if (!ok) {
        if (error)
            *error = message;
        close();
        return false;
    }
    return true;
}

void FailedEventStore::close()
{
    if (!m_database)
        return;
    blocking([](FailedEventDatabase *db) { db->close(); });
    // Destroy the worker on its thread: its timers belong there.
    QMetaObject::invokeMethod(
        m_database.get(), [this] { m_database.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void FailedEventStore::record(FailedEvent event)
{
    if (!m_database || m_state.queuedBytes.load() + event.body.size() > MaxQueuedBytes) {
        QMutexLocker lock(&m_state.mutex);
        ++m_state.stats.unrecorded;
        return;
    }
    m_state.queuedBytes.fetch_add(event.body.size());
    event.headers = maskSecrets(event.headers);
    // One wake-up of the store thread per batch, not per failure: during an outage every webhook
    // is a failure, and a post per event cost the answering thread a cross-thread wake-up each.
    QMutexLocker lock(&m_inboxMutex);
    m_inbox.push_back(std::move(event));
    if (m_inboxPosted)
        return;
    m_inboxPosted = true;
    QMetaObject::invokeMethod(
        m_database.get(),
        [this, db = m_database.get()] {
            std::vector<FailedEvent> events;
            {
                QMutexLocker lock(&m_inboxMutex);
                events.swap(m_inbox);
                m_inboxPosted = false;
            }
            for (FailedEvent &event : events)
                db->enqueue(std::move(event));
        },
        Qt::QueuedConnection);
}

QList<FailedEvent> FailedEventStore::list(
    std::optional<FailedEvent::State> state, int limit, qsizetype maxBodyBytes) const
{
    return blocking([&](FailedEventDatabase *db) {
        return state ? db->select(QStringLiteral("state = ?"), { FailedEvent::stateName(*state) },
                   QStringLiteral("id DESC"), limit, maxBodyBytes)
                     : db->select({}, {}, QStringLiteral("id DESC"), limit, maxBodyBytes);
    });
}

QList<FailedEvent> FailedEventStore::events(const QList<qint64> &ids) const
{
    // One query (and one trip to the store thread) per chunk of ids, not one per id.
    constexpr qsizetype Chunk = 500; // SQLite allows 999 bound parameters in older builds
    return blocking([&](FailedEventDatabase *db) {
        QList<FailedEvent> result;
        for (qsizetype first = 0; first < ids.size(); first += Chunk) {
            const QList<qint64> chunk = ids.mid(first, Chunk);
            QStringList marks;
            QVariantList values;
            for (qint64 id : chunk) {
                marks.append(QStringLiteral("?"));
                values.append(id);
            }
            result += db->select(QStringLiteral("id IN (%1)").arg(marks.join(QLatin1Char(','))), values,
                QStringLiteral("id"), static_cast<int>(chunk.size()));
        }
        return result;
    });
}

std::optional<FailedEvent> FailedEventStore::find(qint64 id) const
{
    const QList<FailedEvent> found = blocking(
        [&](FailedEventDatabase *db) { return db->select(QStringLiteral("id = ?"), { id }, QStringLiteral("id"), 1); });
    if (found.isEmpty())
        return std::nullopt;
    return found.first();
}

QList<qint64> FailedEventStore::pendingIds(int limit) const
{
    QList<qint64> ids;
    const QList<FailedEvent> pending = blocking([&](FailedEventDatabase *db) {
        return db->select(QStringLiteral("state = 'pending'"), {}, QStringLiteral("id"), limit);
    });
    for (const FailedEvent &e : pending)
        ids.append(e.id);
    return ids;
}

bool FailedEventStore::discard(qint64 id)
{
    return blocking([&](FailedEventDatabase *db) { return db->discard(id); });
}

int FailedEventStore::discardLab()
{
    int discarded = 0;
    for (const FailedEvent &event : list(FailedEvent::State::Pending, std::numeric_limits<int>::max(), 0)) {
        if (event.isLab() && discard(event.id))
            ++discarded;
    }
    return discarded;
}

void FailedEventStore::recordReplay(qint64 id, const PublishResult &result)
{
    if (m_database)
        QMetaObject::invokeMethod(
            m_database.get(), [db = m_database.get(), id, result] { db->addReplay(id, result); }, Qt::QueuedConnection);
}

void FailedEventStore::flush() const
{
    blocking([](FailedEventDatabase *db) { db->commit(); });
}

FailedQueueStats FailedEventStore::stats() const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.stats;
}

QByteArray FailedEventStore::exportJsonLines(std::optional<FailedEvent::State> state) const
{
    QByteArray out;
    const QList<FailedEvent> all = list(state, std::numeric_limits<int>::max());
    for (auto it = all.crbegin(); it != all.crend(); ++it) // oldest first, like a log
        out += QJsonDocument(toJson(*it)).toJson(QJsonDocument::Compact) + '\n';
    return out;
}

QByteArray FailedEventStore::exportCurlScript(const QString &url, std::optional<FailedEvent::State> state) const
{
    const QList<FailedEvent> all = list(state, std::numeric_limits<int>::max());
    // Each event goes back to its own endpoint (path and query as received): only the gateway's
    // scheme://host:port is taken from url, or from the script's argument.
    QUrl base(url);
    base.setPath({});
    base.setQuery(QString());
    base.setFragment({});
    QByteArray out = "#!/bin/sh\n"
                     "# ackhook failed-event export: resends each event to its own endpoint with its original headers\n"
                     "# (secrets left out).\n"
                     "# Usage: sh THIS_FILE [BASE_URL]   (scheme://host:port of the gateway; a path in it is ignored)\n"
                     "# The idempotency key travels along, so JetStream deduplicates events that were already stored.\n"
                     "set -u\n"
                     "URL=${1:-"
        + shellQuote(base.toString(QUrl::FullyEncoded).toUtf8())
        + "}\nURL=$(printf '%s' \"$URL\" | sed -E 's#^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*).*#\\1#')\nfailed=0\n";
    for (auto it = all.crbegin(); it != all.crend(); ++it) {
        const FailedEvent &e = *it;
        out += "\n# id " + QByteArray::number(e.id) + ", "
            + QDateTime::fromMSecsSinceEpoch(e.receivedMs, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1() + ", "
            + e.reason.toUtf8() + '\n';
        const QByteArray command = curlCommand(e.method, resendHeaders(e.headers, e.key), e.body,
            { "\"$URL\"" + shellQuote(e.resendTarget()), "-sS -o /dev/null -w '%{http_code}'" });
        out += "status=$(" + command + ")\n";
        out += "echo \"id " + QByteArray::number(e.id) + ": $status\"\n";
        out += "case $status in 2*) ;; *) failed=$((failed + 1)) ;; esac\n";
    }
    out += "\n[ \"$failed\" -eq 0 ] || { echo \"$failed events not accepted\" >&2; exit 1; }\n";
    return out;
}

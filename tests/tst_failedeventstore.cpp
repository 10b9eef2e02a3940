// FailedEventStore on a real SQLite file: recording, masking, bounds, reopen, discard, export.
#include "store/failedeventstore.h"
#include "http/httplistener.h"
#include "testsupport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QDir>
#include <QFileInfo>
#include <QTest>
#include <QThread>

namespace {

FailedEvent makeEvent(const QByteArray &key, const QByteArray &body = "{\"a\":1}")
{
    FailedEvent event;
    event.receivedMs = QDateTime::currentMSecsSinceEpoch();
    event.endpoint = "/webhook";
    event.subject = "ackhook.webhook";
    event.method = "POST";
    event.headers = { { "Host", "127.0.0.1" }, { "Content-Type", "application/json" }, { "Idempotency-Key", key },
        { "Authorization", "Bearer secret-token" }, { "X-Hub-Signature-256", "sha256=abc" }, { "Cookie", "s=1" },
        { "X-Api-Key", "k" }, { "X-Webhook-Key", "wk" }, { "X-Event-Key", "repo:push" }, { "ce-type", "t" } };
    event.body = body;
    event.key = key;
    event.reason = QStringLiteral("disconnected");
    event.detail = QStringLiteral("not connected to NATS");
    event.lastAttemptMs = event.receivedMs;
    return event;
}

// An HTTP server on its own thread that records what it receives (the curl script's target).
class RecordingServer : public QObject {
public:
    struct Received {
        QByteArray method, path, body;
        HeaderList headers;
        QByteArray target;
    };
    RecordingServer()
    {
        moveToThread(&m_thread);
        m_thread.start();
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_listener = new HttpListener(HttpListener::Options {}, this);
                m_listener->setRequestHandler([this](HttpRequest &&request, const HttpResponder &responder) {
                    QMutexLocker lock(&m_mutex);
                    m_received.append({ request.method, request.path, request.body, request.headers, request.target });
                    responder.respond(HttpResponse::text(200, "OK"));
                });
                m_listener->listen(QHostAddress::LocalHost, 0);
                m_port = m_listener->serverPort();
            },
            Qt::BlockingQueuedConnection);
    }
    ~RecordingServer() override
    {
        QMetaObject::invokeMethod(
            this, [this] { delete m_listener; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    quint16 port() const { return m_port; }
    QList<Received> received()
    {
        QMutexLocker lock(&m_mutex);
        return m_received;
    }

private:
    QThread m_thread;
    HttpListener *m_listener = nullptr;
    quint16 m_port = 0;
    QMutex m_mutex;
    QList<Received> m_received;
};

} // namespace

class TestFailedEventStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void recordsOneEventWithSecretsMasked();
    void survivesReopen();
    void boundByCountEvictsNonPendingFirst();
    void boundByBytes();
    void discard();
    void replayOutcomes();
    void jsonLinesRoundTrip();
    void curlScriptResendsEvents();
    void replayPublishesTheRecordedMessage();
    void fileIsPrivateAndNeverALink();

private:
    FailedEventStore::Options options(qint64 maxRecords = 1000, qint64 maxBytes = 1 << 20) const
    {
        return { m_dir->filePath(QStringLiteral("failed.sqlite")), maxRecords, maxBytes };
    }
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FailedEventStore> m_store;
};

void TestFailedEventStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_store = std::make_unique<FailedEventStore>();
    QString error;
    QVERIFY2(m_store->open(options(), &error), qPrintable(error));
}

void TestFailedEventStore::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

void TestFailedEventStore::recordsOneEventWithSecretsMasked()
{
    QSignalSpy changed(m_store.get(), &FailedEventStore::changed);
    m_store->record(makeEvent("key-1", "{\"order\":42}"));
    m_store->flush();
    const QList<FailedEvent> events = m_store->list(std::nullopt, 10);
    QCOMPARE(events.size(), 1);
    const FailedEvent &e = events.first();
    QVERIFY(e.id > 0);
    QCOMPARE(e.body, QByteArray("{\"order\":42}"));
    QCOMPARE(e.key, QByteArray("key-1"));
    QCOMPARE(e.reason, QStringLiteral("disconnected"));
    QCOMPARE(e.state, FailedEvent::State::Pending);
    QCOMPARE(e.attempts, 1);
    QCOMPARE(headerValue(e.headers, "Authorization"), QByteArray(MaskedValue));
    QCOMPARE(headerValue(e.headers, "X-Hub-Signature-256"), QByteArray(MaskedValue));
    QCOMPARE(headerValue(e.headers, "Cookie"), QByteArray(MaskedValue));
    QCOMPARE(headerValue(e.headers, "X-Api-Key"), QByteArray(MaskedValue));
    QCOMPARE(headerValue(e.headers, "X-Webhook-Key"), QByteArray(MaskedValue)); // a key that opens something
    QCOMPARE(headerValue(e.headers, "X-Event-Key"), QByteArray("repo:push")); // Bitbucket's event type stays
    QCOMPARE(headerValue(e.headers, "Idempotency-Key"), QByteArray("key-1"));
    QCOMPARE(headerValue(e.headers, "ce-type"), QByteArray("t"));
    QCOMPARE(m_store->stats().pending, 1);
    QTRY_VERIFY(changed.count() > 0);
    QCOMPARE(changed.last().at(0).value<FailedQueueStats>().pending, 1);

    // A replay publishes exactly what the original did.
    const OutgoingEvent outgoing = e.toOutgoingEvent();
    QCOMPARE(outgoing.msgId, QByteArray("key-1"));
    QCOMPARE(outgoing.subject, QByteArray("ackhook.webhook"));
    QCOMPARE(headerValue(outgoing.headers, "Content-Type"), QByteArray("application/json"));
    QVERIFY(headerValue(outgoing.headers, "Authorization").isNull());
    // The file is readable by its owner only (webhook bodies and headers are in it).
    QCOMPARE(QFileInfo(m_store->path()).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther
                 | QFileDevice::WriteGroup | QFileDevice::WriteOther),
        QFileDevice::Permissions());
}

void TestFailedEventStore::survivesReopen()
{
    for (int i = 0; i < 20; ++i)
        m_store->record(makeEvent("k" + QByteArray::number(i), QByteArray(100 + i, 'b')));
    m_store->close();
    m_store = std::make_unique<FailedEventStore>();
    QString error;
    QVERIFY2(m_store->open(options(), &error), qPrintable(error));
    QCOMPARE(m_store->stats().pending, 20);
    const QList<FailedEvent> events = m_store->list(FailedEvent::State::Pending, 100);
    QCOMPARE(events.size(), 20);
    QCOMPARE(events.first().key, QByteArray("k19")); // newest first
    QCOMPARE(events.first().body.size(), 119);
}

void TestFailedEventStore::boundByCountEvictsNonPendingFirst()
{
    m_store->close();
    m_store = std::make_unique<FailedEventStore>();
    QString error;
    QVERIFY(m_store->open(options(5), &error));
    for (int i = 0; i < 8; ++i)
        m_store->record(makeEvent("k" + QByteArray::number(i)));
    m_store->flush();
    FailedQueueStats stats = m_store->stats();
    QCOMPARE(stats.total, 5);
    QCOMPARE(stats.pending, 5);
    QCOMPARE(stats.unrecorded, quint64(3)); // pending events are never dropped to make room

    // Once some are replayed, they make room for new failures.
    const QList<qint64> ids = m_store->pendingIds(2);
    for (qint64 id : ids)
        m_store->recordReplay(id, PublishResult::ack(QStringLiteral("EVENTS"), 1, false));
    m_store->flush();
    QCOMPARE(m_store->stats().replayed, 2);
    m_store->record(makeEvent("new"));
    m_store->flush();
    stats = m_store->stats();
    QCOMPARE(stats.unrecorded, quint64(3));
    QCOMPARE(stats.pending, 4);
    QVERIFY(stats.total <= 5);
}

void TestFailedEventStore::boundByBytes()
{
    m_store->close();
    m_store = std::make_unique<FailedEventStore>();
    QString error;
    QVERIFY(m_store->open(options(1000, 100), &error));
    for (int i = 0; i < 4; ++i)
        m_store->record(makeEvent("k" + QByteArray::number(i), QByteArray(40, 'x')));
    m_store->record(makeEvent("huge", QByteArray(101, 'x')));
    m_store->flush();
    const FailedQueueStats stats = m_store->stats();
    QCOMPARE(stats.total, 2);
    QCOMPARE(stats.bytes, 80);
    QCOMPARE(stats.unrecorded, quint64(3));
}

void TestFailedEventStore::discard()
{
    m_store->record(makeEvent("d"));
    m_store->flush();
    const qint64 id = m_store->pendingIds(1).value(0);
    QVERIFY(id > 0);
    QVERIFY(m_store->discard(id));
    QVERIFY(!m_store->discard(id)); // not pending any more
    QVERIFY(!m_store->discard(id + 1000));
    QCOMPARE(m_store->find(id)->state, FailedEvent::State::Discarded);
    QCOMPARE(m_store->stats().discarded, 1);
    QCOMPARE(m_store->stats().pending, 0);
}

void TestFailedEventStore::replayOutcomes()
{
    m_store->record(makeEvent("r"));
    m_store->flush();
    const qint64 id = m_store->pendingIds(1).value(0);
    m_store->recordReplay(id, PublishResult::failure(FailureReason::Timeout, QStringLiteral("no PubAck")));
    m_store->flush();
    std::optional<FailedEvent> e = m_store->find(id);
    QCOMPARE(e->state, FailedEvent::State::Pending);
    QCOMPARE(e->attempts, 2);
    QCOMPARE(e->reason, QStringLiteral("timeout"));

    m_store->recordReplay(id, PublishResult::ack(QStringLiteral("EVENTS"), 77, true));
    m_store->flush();
    e = m_store->find(id);
    QCOMPARE(e->state, FailedEvent::State::Replayed);
    QCOMPARE(e->attempts, 3);
    QCOMPARE(e->replaySeq, quint64(77));
    QVERIFY(e->replayDuplicate);
    QCOMPARE(e->reason, QStringLiteral("timeout")); // the last failure stays on record
}

void TestFailedEventStore::jsonLinesRoundTrip()
{
    m_store->record(makeEvent("text", "{\"x\":\"é\"}"));
    m_store->record(makeEvent("binary", QByteArray("\x00\x01\xff\xfe", 4)));
    m_store->flush();
    const QByteArray jsonl = m_store->exportJsonLines(std::nullopt);
    const QList<QByteArray> lines = jsonl.trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QList<FailedEvent> stored = m_store->list(std::nullopt, 10);
    for (const QByteArray &line : lines) {
        QJsonParseError error;
        const QJsonObject object = QJsonDocument::fromJson(line, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        const qint64 id = object.value(QLatin1String("id")).toInteger();
        const auto original
            = std::find_if(stored.begin(), stored.end(), [id](const FailedEvent &e) { return e.id == id; });
        QVERIFY(original != stored.end());
        QCOMPARE(object.value(QLatin1String("key")).toString().toLatin1(), original->key);
        QCOMPARE(object.value(QLatin1String("reason")).toString(), original->reason);
        QCOMPARE(object.value(QLatin1String("state")).toString(), QStringLiteral("pending"));
        const QByteArray body = object.contains(QLatin1String("body"))
            ? object.value(QLatin1String("body")).toString().toUtf8()
            : QByteArray::fromBase64(object.value(QLatin1String("body_base64")).toString().toLatin1());
        QCOMPARE(body, original->body);
        QCOMPARE(object.value(QLatin1String("headers")).toArray().size(), original->headers.size());
    }
}

void TestFailedEventStore::curlScriptResendsEvents()
{
    m_store->record(makeEvent("c1", "{\"quote\":\"it's\"}"));
    m_store->record(makeEvent("c2", QByteArray("\x00\x10 binary", 9)));
    FailedEvent generated = makeEvent("8f0e7a52-0000-4000-8000-000000000000", "gen");
    generated.headers.removeIf([](const auto &header) { return header.first == "Idempotency-Key"; });
    generated.keyGenerated = true;
    m_store->record(generated);
    FailedEvent github = makeEvent("d1");
    github.endpoint = "/github";
    github.target = "/github?installation=7";
    m_store->record(github);
    m_store->flush();

    RecordingServer server;
    const QString url = QStringLiteral("http://127.0.0.1:%1/webhook").arg(server.port());
    QTemporaryDir dir;
    const QString script = dir.filePath(QStringLiteral("resend.sh"));
    QFile file(script);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(m_store->exportCurlScript(QStringLiteral("http://127.0.0.1:1/unused"), FailedEvent::State::Pending));
    file.close();

    QProcess sh;
    sh.start(QStringLiteral("sh"), { script, url });
    QVERIFY(sh.waitForFinished(30000));
    QVERIFY2(sh.exitCode() == 0, sh.readAllStandardError().constData());

    const auto received = server.received();
    QCOMPARE(received.size(), 4);
    QCOMPARE(received[0].body, QByteArray("{\"quote\":\"it's\"}"));
    QCOMPARE(headerValue(received[0].headers, "Idempotency-Key"), QByteArray("c1"));
    QCOMPARE(headerValue(received[0].headers, "Content-Type"), QByteArray("application/json"));
    QVERIFY(headerValue(received[0].headers, "Authorization").isNull()); // secrets stay out
    QVERIFY(headerValue(received[0].headers, "X-Hub-Signature-256").isNull());
    QCOMPARE(received[1].body, QByteArray("\x00\x10 binary", 9));
    QCOMPARE(headerValue(received[2].headers, "Idempotency-Key"), generated.key); // dedup keeps working
    // Each event goes back to its own endpoint, with its query; the URL's path is not used.
    QCOMPARE(received[0].path, QByteArray("/webhook"));
    QCOMPARE(received[3].path, QByteArray("/github"));
    QCOMPARE(received[3].target, QByteArray("/github?installation=7"));
    QCOMPARE(headerValue(received[3].headers, "Idempotency-Key"), QByteArray("d1"));
}

// A record keeps the Nats-Msg-Id and NATS headers first published; a replay sends exactly those.
void TestFailedEventStore::replayPublishesTheRecordedMessage()
{
    FailedEvent event = makeEvent("caller-key");
    event.endpoint = "/github";
    event.target = "/github?installation=7";
    event.msgId = "/github caller-key";
    event.published = { { "Content-Type", "application/json" }, { "X-GitHub-Event", "push" },
        { "Ackhook-Query", "installation=7" }, { "Ackhook-Received", "2026-12-07T00:00:00.000Z" } };
    m_store->record(event);
    m_store->flush();
    const FailedEvent e = m_store->list(std::nullopt, 1).first();
    QCOMPARE(e.key, QByteArray("caller-key"));
    QCOMPARE(e.target, QByteArray("/github?installation=7"));
    const OutgoingEvent outgoing = e.toOutgoingEvent();
    QCOMPARE(outgoing.msgId, QByteArray("/github caller-key"));
    QCOMPARE(outgoing.headers, event.published);
}

// The queue's SQLite file is created for its owner only, and a symbolic link in its place (a
// dangling one would make SQLite create its target wherever it points) is refused with the reason.
void TestFailedEventStore::fileIsPrivateAndNeverALink()
{
    QTemporaryDir dir;
    const QString elsewhere = dir.filePath(QStringLiteral("elsewhere/planted.sqlite"));
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("elsewhere")));
    const QString link = dir.filePath(QStringLiteral("failed-events.sqlite"));
    QVERIFY(QFile::link(elsewhere, link)); // dangling: its target does not exist
    FailedEventStore store;
    FailedEventStore::Options linked;
    linked.path = link;
    QString error;
    QVERIFY(!store.open(linked, &error));
    QVERIFY2(error.contains(QLatin1String("symbolic link")), qPrintable(error));
    QVERIFY(!QFileInfo::exists(elsewhere));
}

QTEST_GUILESS_MAIN(TestFailedEventStore)
#include "tst_failedeventstore.moc"

// The spool: SQLite (synchronous=FULL) bounds and order in process, then the real ackhook binary
// killed -9 with events spooled and while forwarding them, restarted on its data directory: every
// spooled event reaches the stream exactly once per key, in arrival order.
#include "ackhookprocess.h"
#include "nats/embeddednats.h"
#include "spool/spool.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

using namespace TestSupport;

namespace {

SpooledEvent spooled(const QByteArray &key, const QByteArray &body)
{
    SpooledEvent e;
    e.receivedMs = 1;
    e.event.subject = "ackhook.spool";
    e.event.msgId = key;
    e.event.body = body;
    e.event.headers = { { "Content-Type", "application/json" } };
    return e;
}

// Appends and waits for the outcome.
Spool::Appended appendAndWait(Spool &spool, SpooledEvent e)
{
    std::optional<Spool::Appended> result;
    spool.append(std::move(e), [&](const Spool::Appended &appended) { result = appended; });
    (void)QTest::qWaitFor([&] { return result.has_value(); }, 5000);
    return result.value_or(Spool::Appended {});
}

qint64 spoolRows(const QString &path)
{
    qint64 rows = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("spool-check"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT COUNT(*) FROM spool")) && q.next())
                rows = q.value(0).toLongLong();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("spool-check"));
    return rows;
}

} // namespace

class TestSpool : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void boundsOrderAndReopen();
    void killedWhileSpooledAndForwarding();
    void fullDisk();
};

void TestSpool::boundsOrderAndReopen()
{
    QTemporaryDir dir;
    Spool::Options options;
    options.path = dir.filePath(QStringLiteral("spool.sqlite"));
    options.maxRecords = 3;
    options.maxBytes = 10;
    {
        Spool spool;
        QString error;
        QVERIFY2(spool.open(options, &error), qPrintable(error));
        QCOMPARE(appendAndWait(spool, spooled("a", "1234")).outcome, SpoolDatabase::Outcome::Committed);
        QCOMPARE(appendAndWait(spool, spooled("b", "5678")).outcome, SpoolDatabase::Outcome::Committed);
        QCOMPARE(appendAndWait(spool, spooled("c", "90123")).outcome, SpoolDatabase::Outcome::Full); // bytes
        QCOMPARE(appendAndWait(spool, spooled("d", "")).outcome, SpoolDatabase::Outcome::Committed);
        QCOMPARE(appendAndWait(spool, spooled("e", "")).outcome, SpoolDatabase::Outcome::Full); // records
        QCOMPARE(spool.stats().records, qint64(3));
        QCOMPARE(spool.stats().bytes, qint64(8));
        QCOMPARE(spool.stats().refusedFull, quint64(2));
    }
    Spool spool;
    QString error;
    QVERIFY2(spool.open(options, &error), qPrintable(error));
    QCOMPARE(spool.stats().records, qint64(3)); // what the last run left
    std::vector<SpooledEvent> fetched;
    bool done = false;
    spool.fetch(0, 10, [&](std::vector<SpooledEvent> events) {
        fetched = std::move(events);
        done = true;
    });
    QTRY_VERIFY(done);
    QCOMPARE(fetched.size(), size_t(3));
    QCOMPARE(fetched[0].event.msgId, QByteArray("a")); // arrival order
    QCOMPARE(fetched[1].event.msgId, QByteArray("b"));
    QCOMPARE(fetched[2].event.msgId, QByteArray("d"));
    QCOMPARE(fetched[0].event.body, QByteArray("1234"));
    QCOMPARE(fetched[0].event.headers, HeaderList({ { "Content-Type", "application/json" } }));
    spool.remove({ fetched[0].id, fetched[1].id }, 0);
    QTRY_COMPARE(spool.stats().records, qint64(1));
    QCOMPARE(spool.stats().bytes, qint64(0));
    QCOMPARE(appendAndWait(spool, spooled("f", "12345678")).outcome, SpoolDatabase::Outcome::Committed);
}

void TestSpool::killedWhileSpooledAndForwarding()
{
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    const QStringList base { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path(),
        QStringLiteral("--policy"), QStringLiteral("spool") };
    constexpr int Events = 300;
    QList<QByteArray> keys;
    {
        // Spooled while NATS is unreachable: each 202 means "on the disk".
        AckhookProcess ackhook(base + QStringList { QStringLiteral("--outage"), QStringLiteral("down") });
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        HttpClient client(port);
        for (int i = 0; i < Events; ++i) {
            const QByteArray key = uniqueKey();
            client.send(rawRequest("POST", "/webhook", "{\"n\":" + QByteArray::number(i) + "}",
                { { "Content-Type", "application/json" }, { "Idempotency-Key", key } }));
            const auto reply = client.readReply();
            QVERIFY(reply);
            QCOMPARE(reply->status, 202);
            keys.append(key);
        }
        // NATS back, and ackhook killed as soon as the forwarder got going: some events are in
        // the stream and maybe not yet deleted from the spool, the rest still spooled.
        const auto off = request(ackhook.adminPort(), "PUT", "/api/outage", "{\"mode\":\"off\"}",
            { { "Content-Type", "application/json" } });
        QVERIFY(off && off->status == 200);
        StreamReader reader(ackhook.natsUrl());
        QVERIFY(reader.isValid());
        QElapsedTimer clock;
        clock.start();
        while (reader.messageCount("EVENTS") == 0 && clock.elapsed() < 10000)
            QTest::qWait(5);
        const quint64 before = reader.messageCount("EVENTS");
        ::kill(static_cast<pid_t>(ackhook.pid()), SIGKILL);
        QVERIFY(ackhook.process().waitForFinished(5000));
        qInfo() << "killed with" << before << "of" << Events << "forwarded";
        QVERIFY(before > 0);
    }
    QVERIFY(spoolRows(dataDir.filePath(QStringLiteral("spool.sqlite"))) > 0);

    AckhookProcess ackhook(base);
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    StreamReader reader(ackhook.natsUrl());
    QVERIFY(reader.isValid());
    QTRY_COMPARE_WITH_TIMEOUT(spoolRows(dataDir.filePath(QStringLiteral("spool.sqlite"))), qint64(0), 20000);
    const QList<StoredMessage> stored = reader.all("EVENTS");
    QList<QByteArray> storedKeys;
    for (const StoredMessage &message : stored)
        storedKeys.append(message.keyOn("/webhook"));
    QCOMPARE(storedKeys.size(), Events); // exactly once per key (a resend was dropped by its Nats-Msg-Id)
    QCOMPARE(storedKeys, keys); // in arrival order
    // A clean exit, without sanitizer reports (in the asan build).
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

// A full disk, for real and without root: ackhook runs under a file-size limit (RLIMIT_FSIZE, set
// in the child before exec), so a write past it fails with EFBIG as one on a full disk fails with
// ENOSPC. ackhook ignores SIGXFSZ itself (else the limit would kill it): the test does not.
void TestSpool::fullDisk()
{
    // NATS outside the limit: the test's own nats-server, not ackhook's child.
    QTemporaryDir natsDir;
    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = natsDir.path();
    EmbeddedNats nats(natsOptions);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));
    const auto fileSizeLimit = [](rlim_t bytes) {
        return [bytes] {
            const rlimit limit { bytes, bytes };
            ::setrlimit(RLIMIT_FSIZE, &limit);
        };
    };
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    const QStringList base { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path(),
        QStringLiteral("--nats-url"), nats.url(), QStringLiteral("--policy"), QStringLiteral("spool") };

    // No room at start (256 KiB, less than the spool asks for): a clear error naming the spool in the
    // data directory, and a non-zero exit.
    {
        AckhookProcess ackhook(base, QProcessEnvironment::systemEnvironment(), fileSizeLimit(256 * 1024));
        QVERIFY(ackhook.process().waitForFinished(20000));
        ackhook.collect();
        QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
        QVERIFY(ackhook.process().exitCode() != 0);
        const QByteArray err = ackhook.err();
        const QByteArray expected = "no room for the spool " + dataDir.filePath(QStringLiteral("spool.sqlite")).toUtf8();
        QVERIFY2(err.contains(expected), err.constData());
        QVERIFY2(err.contains("File too large"), err.constData());
    }

    // The disk fills while running (1.5 MiB: room at start, not for 64 KiB bodies for long; NATS
    // away, so nothing leaves the spool): never a 202 for an event not committed, a clear 500 from
    // then on, no crash; what was spooled before is forwarded once NATS is back.
    AckhookProcess ackhook(base + QStringList { QStringLiteral("--outage"), QStringLiteral("down") },
        QProcessEnvironment::systemEnvironment(), fileSizeLimit(1536 * 1024));
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const QByteArray body = "{\"pad\":\"" + QByteArray(64 * 1024, 'x') + "\"}";
    QList<QByteArray> spooled;
    int refused = 0;
    for (int i = 0; i < 80 && refused < 3; ++i) {
        const QByteArray key = uniqueKey();
        const auto reply = request(port, "POST", "/webhook", body,
            { { "Content-Type", "application/json" }, { "Idempotency-Key", key } });
        QVERIFY2(reply, "no answer: did ackhook crash?");
        if (reply->status == 202) {
            QVERIFY2(refused == 0, "a 202 after the disk was full");
            spooled.append(key);
            continue;
        }
        ++refused;
        QCOMPARE(reply->status, 500);
        QCOMPARE(reply->json().value(QLatin1String("reason")).toString(), QStringLiteral("spool_error"));
        const QString message = reply->json().value(QLatin1String("error")).toString();
        QVERIFY2(message.contains(QLatin1String("event not spooled: cannot write to the spool")), qPrintable(message));
        QVERIFY(!reply->header("Retry-After").isEmpty());
    }
    qInfo() << spooled.size() << "events spooled before the disk was full";
    QCOMPARE(refused, 3);
    QVERIFY(spooled.size() >= 5);
    QCOMPARE(ackhook.process().state(), QProcess::Running);

    const auto off = request(ackhook.adminPort(), "PUT", "/api/outage", "{\"mode\":\"off\"}",
        { { "Content-Type", "application/json" } });
    QVERIFY(off && off->status == 200);
    StreamReader reader(nats.url());
    QVERIFY(reader.isValid());
    QHash<QByteArray, int> stored;
    QElapsedTimer clock;
    clock.start();
    bool all = false;
    while (!all && clock.elapsed() < 20000) {
        stored.clear();
        for (const StoredMessage &message : reader.all("EVENTS"))
            stored[message.keyOn("/webhook")] += 1;
        all = std::all_of(spooled.cbegin(), spooled.cend(), [&](const QByteArray &key) { return stored.contains(key); });
        if (!all)
            QTest::qWait(100);
    }
    for (const QByteArray &key : std::as_const(spooled))
        QCOMPARE(stored.value(key), 1);
    for (auto it = stored.cbegin(); it != stored.cend(); ++it)
        QCOMPARE(it.value(), 1);

    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    ackhook.collect();
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QVERIFY2(ackhook.process().exitCode() == 0, ackhook.err().right(2000).constData());
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

QTEST_GUILESS_MAIN(TestSpool)
#include "tst_spool.moc"

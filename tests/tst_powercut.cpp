// Power cuts, simulated: the ackhook executable and nats-server keep their files on lossyfs
// (tests/support/lossyfs), which drops every write no fsync made durable. The cut comes first (the
// disk freezes; from then on every write fails), then the processes die by SIGKILL, then the mount
// is remounted and what survived is read back. Asserted for the spool (every 202) and the failed
// queue (every 500 past its commit window); measured and printed for the ack policy (200s lost).
#include "ackhookprocess.h"
#include "lossymount.h"
#include "natscluster.h"
#include "storelagprobe.h"
#include "testsupport.h"

#include "nats/embeddednats.h"
#include "store/failedeventstore.h"

#include <QDir>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <thread>

using namespace TestSupport;

namespace {

// The failed-event store commits a batch FailedEventStore::CommitDelayMs after its first failure;
// the window past which a failure must have survived the cut adds the store's lag measured on the
// same mount while the test runs (StoreLagProbe, as tst_ackhook derives its crash-loss bound).

qint64 embeddedNatsPid(const QByteArray &log)
{
    const QRegularExpression readyLine(QStringLiteral("nats-server (\\d+) ready"));
    return readyLine.match(QString::fromUtf8(log)).captured(1).toLongLong();
}

bool waitForExit(qint64 pid, int timeoutMs = 5000)
{
    return QTest::qWaitFor([pid] { return !processExists(pid); }, timeoutMs);
}

// Reads one column of a table of an SQLite file (the spool or the failed queue) as ackhook would
// find it after the cut: opening it recovers its WAL. *integrity: PRAGMA integrity_check's answer.
QSet<QByteArray> column(const QString &path, const QString &query, QString *integrity)
{
    QSet<QByteArray> values;
    const QString name = QStringLiteral("powercut-check");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open()) {
            *integrity = db.lastError().text();
        } else {
            QSqlQuery q(db);
            *integrity = q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next() ? q.value(0).toString()
                                                                                      : q.lastError().text();
            if (q.exec(query)) {
                while (q.next())
                    values.insert(q.value(0).toString().toLatin1());
            } else {
                *integrity += QStringLiteral("; ") + q.lastError().text();
            }
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return values;
}

QByteArray eventBody(int n)
{
    return "{\"n\":" + QByteArray::number(n) + ",\"pad\":\"" + QByteArray(n % 500, 'p') + "\"}";
}

// One caller, one request at a time, a new key each: the keys answered 200 (or 202) go to *ok.
void sendEvents(quint16 port, int count, QList<QByteArray> *ok)
{
    auto client = std::make_unique<HttpClient>(port);
    for (int i = 0; i < count; ++i) {
        const QByteArray key = uniqueKey();
        if (!client->isConnected())
            client = std::make_unique<HttpClient>(port);
        client->send(rawRequest("POST", "/webhook", eventBody(i), { { "Idempotency-Key", key } }));
        const auto reply = client->readReply();
        if (reply && reply->status / 100 == 2)
            ok->append(key);
    }
}

qint64 missingFrom(const QList<QByteArray> &keys, const QHash<QByteArray, int> &stored)
{
    return std::count_if(keys.cbegin(), keys.cend(), [&](const QByteArray &key) { return !stored.contains(key); });
}

} // namespace

class TestPowerCut : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void spoolKeepsEvery202_data();
    void spoolKeepsEvery202();
    void failedQueueKeepsEvery500PastItsCommitWindow();
    void ackPolicyOnEmbeddedNats();
    void ackPolicyOnCluster();

private:
    // Mounts a fresh lossy file system with a durable, empty data directory on it.
    bool mountDataDir(QString *error);
    // The cut, then SIGKILL of ackhook and of the other processes, then the remount.
    void cutKillRemount(AckhookProcess &ackhook, const QList<qint64> &others);

    std::unique_ptr<QTemporaryDir> m_work;
    std::unique_ptr<LossyMount> m_mount;
    QString m_dataDir;
};

void TestPowerCut::initTestCase()
{
    const QString reason = fuseUnusableReason();
    // CI installs fuse3: a machine without FUSE is told loudly, never passed by a skip.
    if (!reason.isEmpty() && qEnvironmentVariableIsSet("ACKHOOK_ALLOW_NO_FUSE"))
        QSKIP(qPrintable(reason));
    QVERIFY2(reason.isEmpty(), qPrintable(reason + QStringLiteral(" (ACKHOOK_ALLOW_NO_FUSE=1 skips)")));
}

void TestPowerCut::init()
{
    QString error;
    QVERIFY2(mountDataDir(&error), qPrintable(error));
}

void TestPowerCut::cleanup()
{
    m_mount.reset();
    m_work.reset();
}

bool TestPowerCut::mountDataDir(QString *error)
{
    m_work = std::make_unique<QTemporaryDir>();
    QDir work(m_work->path());
    if (!work.mkpath(QStringLiteral("backing")) || !work.mkpath(QStringLiteral("mnt"))) {
        *error = QStringLiteral("cannot create the directories in ") + work.path();
        return false;
    }
    m_mount
        = std::make_unique<LossyMount>(work.filePath(QStringLiteral("backing")), work.filePath(QStringLiteral("mnt")));
    if (!m_mount->mount(error))
        return false;
    m_dataDir = m_mount->filePath(QStringLiteral("data"));
    // The data directory exists before ackhook, as an installation would have it: durable.
    return QDir(m_mount->path()).mkdir(QStringLiteral("data")) && m_mount->sync(error);
}

void TestPowerCut::cutKillRemount(AckhookProcess &ackhook, const QList<qint64> &others)
{
    QString error;
    QVERIFY2(m_mount->cut(&error), qPrintable(error));
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGKILL);
    for (qint64 pid : others) {
        if (pid > 0)
            ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
    QVERIFY(ackhook.process().waitForFinished(5000));
    for (qint64 pid : others)
        QVERIFY2(waitForExit(pid), "a process on the mount did not die of SIGKILL");
    QVERIFY2(m_mount->remount(&error), qPrintable(error));
}

void TestPowerCut::spoolKeepsEvery202_data()
{
    QTest::addColumn<bool>("natsDown");
    QTest::addRow("NATS down") << true;
    QTest::addRow("NATS up") << false;
}

// Every 202 means "on the disk" (docs/DESIGN.md: 202 after a local fsync). This test has teeth:
// with the spool's SQLite at synchronous=NORMAL or OFF (core/store/sqlitefile.cpp, Durability::Full
// for the spool) both rows fail (tried by hand, 2026-12-07): NATS down, 300 of 300 202s lost; NATS
// up, the spool file gone (NORMAL: never an fsync, so not even its name) or 1 event lost (OFF). A
// kill -9 alone (tst_spool) cannot tell: the page cache survives it.
void TestPowerCut::spoolKeepsEvery202()
{
    QFETCH(bool, natsDown);
    // NATS on another machine, one the cut does not reach: the test's own nats-server, off the mount.
    QTemporaryDir natsDir;
    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = natsDir.path();
    EmbeddedNats nats(natsOptions);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));

    const quint16 port = freePort();
    const QStringList base { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), m_dataDir, QStringLiteral("--nats-url"),
        nats.url(), QStringLiteral("--fault-proxy"), QStringLiteral("--policy"), QStringLiteral("spool") };
    constexpr int Events = 300;
    QList<QByteArray> spooled; // answered 202, in order
    {
        AckhookProcess ackhook(base
            + QStringList { QStringLiteral("--outage"), natsDown ? QStringLiteral("down") : QStringLiteral("off") });
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        HttpClient client(port);
        for (int i = 0; i < Events; ++i) {
            const QByteArray key = uniqueKey();
            client.send(rawRequest("POST", "/webhook", eventBody(i),
                { { "Content-Type", "application/json" }, { "Idempotency-Key", key } }));
            const auto reply = client.readReply();
            QVERIFY2(reply, "no answer");
            QCOMPARE(reply->status, 202);
            spooled.append(key);
        }
        // The cut right after the last 202: that one too must be on the disk.
        cutKillRemount(ackhook, {});
        if (QTest::currentTestFailed())
            return;
    }

    // After the remount: every 202 in the spool, or (NATS up) already in the stream.
    StreamReader reader(nats.url());
    QVERIFY(reader.isValid());
    QSet<QByteArray> inStream;
    for (const StoredMessage &message : reader.all("EVENTS"))
        inStream.insert(message.keyOn("/webhook"));
    QString integrity;
    const QSet<QByteArray> inSpool = column(QDir(m_dataDir).filePath(QStringLiteral("spool.sqlite")),
        QStringLiteral("SELECT msg_id FROM spool"), &integrity);
    QByteArrayList lost;
    for (const QByteArray &key : std::as_const(spooled)) {
        if (!inSpool.contains(scopedMsgId("/webhook", key)) && !inStream.contains(key)) // the spool keeps Nats-Msg-Id
            lost.append(key);
    }
    qDebug("powercut: spool, %s: sent %d, 202 %lld, in the spool after the remount %lld, in the stream %lld, lost %lld "
           "(%s)",
        natsDown ? "NATS down" : "NATS up", Events, qint64(spooled.size()), qint64(inSpool.size()),
        qint64(inStream.size()), qint64(lost.size()), qPrintable(integrity));
    QVERIFY2(lost.isEmpty(),
        qPrintable(QStringLiteral("%1 of %2 events answered 202 are gone after the cut, e.g. %3")
                       .arg(lost.size())
                       .arg(spooled.size())
                       .arg(QString::fromLatin1(lost.value(0)))));
    QCOMPARE(integrity, QStringLiteral("ok"));

    // ackhook again on the remounted data directory, NATS reachable: each forwarded exactly once.
    AckhookProcess ackhook(base);
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    QTRY_COMPARE_WITH_TIMEOUT(column(QDir(m_dataDir).filePath(QStringLiteral("spool.sqlite")),
                                  QStringLiteral("SELECT msg_id FROM spool"), &integrity)
                                  .size(),
        0, 30000);
    QList<QByteArray> storedKeys;
    for (const StoredMessage &message : reader.all("EVENTS"))
        storedKeys.append(message.keyOn("/webhook"));
    QCOMPARE(storedKeys.size(), spooled.size()); // once each: a resend is dropped by its Nats-Msg-Id
    QCOMPARE(
        QSet<QByteArray>(storedKeys.cbegin(), storedKeys.cend()), QSet<QByteArray>(spooled.cbegin(), spooled.cend()));
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QByteArray reports = ackhook.sanitizerReports(); // in the asan build
    QVERIFY2(reports.isEmpty(), reports.constData());
}

// The failed queue (ack policy, NATS unreachable: every event answered 500 at once and recorded). With
// the store at synchronous=NORMAL (its setting until 2026-12-07) a WAL commit is not fsynced, only a
// checkpoint is: a cut lost the failures since the last checkpoint (692 to 2,512 of about 5,000 in
// three runs, none in one whose checkpoint came late), so this test failed or passed by luck.
void TestPowerCut::failedQueueKeepsEvery500PastItsCommitWindow()
{
    const quint16 port = freePort();
    const QStringList base { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), m_dataDir };
    constexpr qint64 RunMs = 1500; // at least; and half a second past the measured window, at most 10 s
    constexpr qint64 MaxRunMs = 10000;
    constexpr std::chrono::microseconds IntervalUs { 2500 }; // 400 failures a second
    QHash<QByteArray, qint64> answeredAtMs; // key -> when its 500 was read
    qint64 cutAtMs = 0;
    int sent = 0;
    QVERIFY(QDir(m_mount->path()).mkdir(QStringLiteral("probe")));
    StoreLagProbe probe(m_mount->filePath(QStringLiteral("probe"))); // commits on the lossy mount, as the store
    {
        AckhookProcess ackhook(base + QStringList { QStringLiteral("--outage"), QStringLiteral("down") });
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        const qint64 natsPid = embeddedNatsPid(ackhook.out() + ackhook.err());
        HttpClient client(port);
        QElapsedTimer clock;
        clock.start();
        const auto start = std::chrono::steady_clock::now();
        const auto running = [&] {
            const qint64 elapsed = clock.elapsed();
            return elapsed < RunMs || (elapsed < MaxRunMs && elapsed < probe.lossBoundMs() + 500);
        };
        while (running()) {
            // Failures at a known rate, as tst_ackhook's crash test sends them: the window bounds the
            // commit delay plus a commit under way, not a backlog. Flat out (2,800 a second under
            // ASan on a loaded machine) the store's thread fell 185 ms behind its measured window.
            // This paces the sender; it waits for no state.
            std::this_thread::sleep_until(start + sent * IntervalUs);
            const QByteArray key = uniqueKey();
            client.send(rawRequest("POST", "/webhook", eventBody(sent++), { { "Idempotency-Key", key } }));
            const auto reply = client.readReply();
            QVERIFY2(reply, "no answer");
            QCOMPARE(reply->status, 500);
            answeredAtMs.insert(key, clock.elapsed());
        }
        cutAtMs = clock.elapsed();
        probe.stop(); // before the cut: its file fails with EIO from then on
        cutKillRemount(ackhook, { natsPid });
        if (QTest::currentTestFailed())
            return;
    }

    QVERIFY2(probe.error().isEmpty() && probe.commits() > 50, qPrintable(probe.error()));
    const qint64 commitWindowMs = probe.lossBoundMs();
    qDebug("powercut: failed queue: window %lld ms = commit delay %d ms + 2 x (worst wake-up %lld ms + 2 x worst "
           "commit %lld ms + 1 ms) on the mount, %d commits",
        commitWindowMs, FailedEventStore::CommitDelayMs, probe.worstWakeLateMs(), probe.worstCommitMs(),
        probe.commits());
    QString integrity;
    const QSet<QByteArray> queued = column(QDir(m_dataDir).filePath(QStringLiteral("failed-events.sqlite")),
        QStringLiteral("SELECT idem_key FROM failed_events"), &integrity);
    int required = 0;
    int lostAny = 0;
    qint64 oldestLostMs = 0; // how long before the cut the oldest failure not in the queue was answered
    QByteArrayList missing;
    for (auto it = answeredAtMs.cbegin(); it != answeredAtMs.cend(); ++it) {
        if (!queued.contains(it.key())) {
            ++lostAny;
            oldestLostMs = qMax(oldestLostMs, cutAtMs - it.value());
        }
        if (cutAtMs - it.value() <= commitWindowMs)
            continue;
        ++required;
        if (!queued.contains(it.key()))
            missing.append(it.key());
    }
    qDebug("powercut: failed queue: sent %d, 500 %lld (%d more than %lld ms before the cut), in the queue after the "
           "remount %lld, lost %lld (in all %d answered but not queued, the oldest %lld ms before the cut); "
           "integrity_check: %s",
        sent, qint64(answeredAtMs.size()), required, commitWindowMs, qint64(queued.size()), qint64(missing.size()),
        lostAny, oldestLostMs, qPrintable(integrity));
    QVERIFY2(required >= 100, "too few failures before the commit window to test anything");
    QVERIFY2(integrity == QLatin1String("ok") || queued.isEmpty(), qPrintable(integrity));
    QVERIFY2(missing.isEmpty(),
        qPrintable(QStringLiteral("%1 of %2 failures answered 500 more than %3 ms before the cut are not in the queue")
                       .arg(missing.size())
                       .arg(required)
                       .arg(commitWindowMs)));
}

// A measurement, not an assertion: nats-server 2.9.10 acknowledges a publish once it is in its page
// cache and fsyncs its file store on a 2-minute timer, so a cut loses the 200s of the last minutes.
void TestPowerCut::ackPolicyOnEmbeddedNats()
{
    const quint16 port = freePort();
    const QStringList base { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), m_dataDir };
    constexpr int Events = 500;
    QList<QByteArray> acked;
    {
        AckhookProcess ackhook(base);
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        const qint64 natsPid = embeddedNatsPid(ackhook.out() + ackhook.err());
        QVERIFY(natsPid > 0);
        HttpClient client(port);
        for (int i = 0; i < Events; ++i) {
            const QByteArray key = uniqueKey();
            client.send(rawRequest("POST", "/webhook", eventBody(i), { { "Idempotency-Key", key } }));
            const auto reply = client.readReply();
            QVERIFY2(reply, "no answer");
            if (reply->status == 200)
                acked.append(key);
        }
        QVERIFY(acked.size() > Events / 2);
        cutKillRemount(ackhook, { natsPid });
        if (QTest::currentTestFailed())
            return;
    }
    AckhookProcess ackhook(base);
    QVERIFY2(ackhook.waitUntilListening(30000), ackhook.err().constData());
    StreamReader reader(ackhook.natsUrl());
    QVERIFY(reader.isValid());
    QSet<QByteArray> stored;
    for (const StoredMessage &message : reader.all("EVENTS"))
        stored.insert(message.keyOn("/webhook"));
    qint64 lost = 0;
    for (const QByteArray &key : std::as_const(acked))
        lost += stored.contains(key) ? 0 : 1;
    qDebug("powercut: ack, embedded nats-server (R1): sent %d, 200 %lld, lost after the remount %lld", Events,
        qint64(acked.size()), lost);
    // ackhook itself lives through it: it starts on what the cut left and answers 200 again.
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 20000);
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

// A measurement too: an R3 stream on three nats-servers, each with its store on its own lossy
// mount (one machine each). First the stream leader's machine loses power; then all three at once.
void TestPowerCut::ackPolicyOnCluster()
{
    constexpr int Nodes = 3;
    constexpr int ClusterTimeoutMs = 30000; // elections and catch-up on a loaded 2-core box
    constexpr int EventsPerPhase = 300;
    const QByteArray stream = "EVENTS";
    QTemporaryDir clusterDir;
    std::vector<std::unique_ptr<LossyMount>> mounts;
    QString error;
    for (int i = 0; i < Nodes; ++i) {
        const QString backing = m_work->filePath(QStringLiteral("backing-n%1").arg(i));
        const QString mountPoint = QDir(clusterDir.path()).filePath(NatsCluster::nodeName(i)); // the node's data dir
        QVERIFY(QDir().mkpath(backing) && QDir().mkpath(mountPoint));
        mounts.push_back(std::make_unique<LossyMount>(backing, mountPoint));
        QVERIFY2(mounts.back()->mount(&error), qPrintable(error));
    }
    const auto cutNode = [&](NatsCluster &cluster, int node) {
        QString why;
        const qint64 pid = cluster.pid(node);
        const bool cut = mounts[node]->cut(&why);
        cluster.kill(node);
        return cut && waitForExit(pid) && mounts[node]->remount(&why);
    };
    const auto allCurrent = [](const NatsBus::Cluster &c) { return NatsCluster::allCurrent(c, Nodes); };

    NatsCluster cluster(clusterDir.path(), Nodes);
    QVERIFY2(cluster.start(&error), qPrintable(error));
    QVERIFY2(cluster.addStream(stream, "ackhook.>", Nodes, &error), qPrintable(error));
    QVERIFY(allCurrent(cluster.waitForStream(stream, allCurrent, ClusterTimeoutMs)));
    QTemporaryDir ackhookDir; // ackhook's own data directory: not on a lossy mount, its machine keeps power
    const quint16 port = freePort();
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--nats-url"), cluster.urls().join(QLatin1Char(',')),
        QStringLiteral("--no-fault-proxy"), QStringLiteral("--stream"), QString::fromLatin1(stream),
        QStringLiteral("--data-dir"), ackhookDir.path(), QStringLiteral("--ack-timeout"), QStringLiteral("2000") });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 15000);

    // One machine: the stream leader's.
    QList<QByteArray> ackedBefore;
    sendEvents(port, EventsPerPhase, &ackedBefore);
    const int leader = cluster.nodeNamed(cluster.stream(stream).leader);
    QVERIFY(leader >= 0);
    QVERIFY2(cutNode(cluster, leader), "the cut of one node failed");
    QVERIFY2(cluster.restart(leader, &error), qPrintable(error));
    const bool healed = allCurrent(cluster.waitForStream(stream, allCurrent, ClusterTimeoutMs));
    const qint64 lostOne = missingFrom(ackedBefore, cluster.storedIds(stream));
    qDebug("powercut: ack, R3 cluster, one node cut (the stream leader): sent %d, 200 %lld, lost after its "
           "restart %lld; replicas current again: %s",
        EventsPerPhase, qint64(ackedBefore.size()), lostOne, healed ? "yes" : "no");

    // All three machines at once.
    QList<QByteArray> ackedAll = ackedBefore;
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 15000);
    sendEvents(port, EventsPerPhase, &ackedAll);
    for (int i = 0; i < Nodes; ++i)
        QVERIFY2(mounts[i]->cut(&error), qPrintable(error));
    for (int i = 0; i < Nodes; ++i) {
        const qint64 pid = cluster.pid(i);
        cluster.kill(i);
        QVERIFY(waitForExit(pid));
    }
    for (int i = 0; i < Nodes; ++i)
        QVERIFY2(mounts[i]->remount(&error), qPrintable(error));
    for (int i = 0; i < Nodes; ++i)
        QVERIFY2(cluster.restart(i, &error), qPrintable(error));
    // A leader is enough to read: the replicas may never agree again on what is left.
    const NatsBus::Cluster after = cluster.waitForStream(
        stream, [](const NatsBus::Cluster &c) { return !c.leader.isEmpty(); }, ClusterTimeoutMs);
    quint64 messages = 0;
    const QHash<QByteArray, int> stored = cluster.storedIds(stream, &messages);
    qDebug("powercut: ack, R3 cluster, all three nodes cut: sent %d, 200 %lld, lost after the restart %lld "
           "(the stream holds %llu messages; leader %s, %d of %d replicas current)",
        2 * EventsPerPhase, qint64(ackedAll.size()), missingFrom(ackedAll, stored), messages,
        after.leader.isEmpty() ? "none" : qPrintable(after.leader), after.currentReplicas(), Nodes);
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

QTEST_GUILESS_MAIN(TestPowerCut)
#include "tst_powercut.moc"

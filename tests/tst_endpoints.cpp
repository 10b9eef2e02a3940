// Endpoints from one TOML file, end to end: GitHub, Stripe, Slack, CloudEvents, GitLab and Bitbucket side by side on a
// real Runtime (embedded nats-server, fault proxy, HTTP on loopback), each with samples the test signs
// itself; what a consumer reads from the stream; Slack's challenge; batches; per-endpoint counters.
#include "commandline.h"
#include "configruntime.h"
#include "testsupport.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;
using namespace std::chrono_literals;

namespace {

constexpr int AckTimeoutMs = 2000;
const QByteArray GithubSecret = "It's a Secret to Everybody";
const QByteArray StripeSecret = "whsec_tst_endpoints";
const QByteArray SlackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
const QByteArray GitlabToken = "glpat-tst-endpoints";
const QByteArray BitbucketSecret = "bitbucket tst secret";

const QByteArray Config = R"(# tst_endpoints: four senders side by side
[stream]
name = "EVENTS"
subjects = ["github.>", "stripe.>", "slack.>", "events.>", "gitlab.>", "bitbucket.>"]

[[endpoint]]
path = "/github"
source = "github"
secret_file = "github.secret"
subject = "github.{event}"
keep_headers = ["X-GitHub-Event", "X-GitHub-Delivery", "X-Custom-Keep", "X-Hub-Signature-256", "Cookie"]

[[endpoint]]
path = "/stripe"
source = "stripe"
secret_env = "TST_ENDPOINTS_STRIPE_SECRET"
subject = "stripe.{event}"

[[endpoint]]
path = "/slack"
source = "slack"
secret_file = "slack.secret"
subject = "slack.{event}"

[[endpoint]]
name = "cloudevents"
path = "/events"
subject = "events.{event}"

[[endpoint]]
path = "/gitlab"
source = "gitlab"
secret_env = "TST_ENDPOINTS_GITLAB_TOKEN"
subject = "gitlab.{event}"

[[endpoint]]
path = "/bitbucket"
source = "bitbucket"
secret_env = "TST_ENDPOINTS_BITBUCKET_SECRET"
subject = "bitbucket.{event}"
)";

QByteArray hmacHex(const QByteArray &secret, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, secret, QCryptographicHash::Sha256).toHex();
}

qint64 now()
{
    return QDateTime::currentSecsSinceEpoch();
}

HeaderList github(const QByteArray &event, const QByteArray &delivery, const QByteArray &body)
{
    return { { "Content-Type", "application/json" }, { "X-GitHub-Event", event }, { "X-GitHub-Delivery", delivery },
        { "X-Hub-Signature-256", "sha256=" + hmacHex(GithubSecret, body) } };
}

HeaderList stripe(const QByteArray &body, qint64 timestamp)
{
    const QByteArray t = QByteArray::number(timestamp);
    return { { "Content-Type", "application/json" },
        { "Stripe-Signature", "t=" + t + ",v1=" + hmacHex(StripeSecret, t + '.' + body) } };
}

HeaderList slack(const QByteArray &body, qint64 timestamp)
{
    const QByteArray t = QByteArray::number(timestamp);
    return { { "Content-Type", "application/json" }, { "X-Slack-Request-Timestamp", t },
        { "X-Slack-Signature", "v0=" + hmacHex(SlackSecret, "v0:" + t + ':' + body) } };
}

} // namespace

class TestEndpoints : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void signedSamples_data();
    void signedSamples();
    void publishedHeaders();
    void slackChallenge();
    void keysAreScopedToTheirEndpoint_data();
    void keysAreScopedToTheirEndpoint();
    void structuredEventsKeepOnlyTheirOwnAttributes();
    void failedAuthIsCountedNeverPublished();
    void batch_data();
    void batch();
    void batchNotConfirmedAnswers500PerEvent();
    void checkConfig_data();
    void checkConfig();

private:
    quint64 messageCount() { return m_reader->messageCount("EVENTS"); }
    QJsonObject endpointCounters(const QByteArray &name);

    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
    std::unique_ptr<StreamReader> m_reader;
    quint16 m_port = 0;
};

void TestEndpoints::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const auto write = [this](const char *name, const QByteArray &bytes) {
        QFile file(m_dir.filePath(QLatin1String(name)));
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    };
    QVERIFY(write("ackhook.toml", Config));
    QVERIFY(write("github.secret", GithubSecret + '\n'));
    QVERIFY(write("slack.secret", SlackSecret));
    qputenv("TST_ENDPOINTS_STRIPE_SECRET", StripeSecret);
    qputenv("TST_ENDPOINTS_GITLAB_TOKEN", GitlabToken);
    qputenv("TST_ENDPOINTS_BITBUCKET_SECRET", BitbucketSecret);
    qunsetenv("NATS_URL");

    QString error;
    qsizetype endpoints = 0;
    m_runtime = startRuntimeFromConfigFile(m_dir.filePath(QStringLiteral("ackhook.toml")),
        m_dir.filePath(QStringLiteral("data")), std::chrono::milliseconds(AckTimeoutMs), &error, &endpoints);
    QVERIFY2(m_runtime, qPrintable(error));
    QCOMPARE(endpoints, 6);
    m_port = m_runtime->webhookPort();
    m_reader = std::make_unique<StreamReader>(m_runtime->upstreamUrls().constFirst());
    QVERIFY(m_reader->isValid());
    // The stream is created asynchronously after the connection: wait until an event is stored.
    const HeaderList ready { { "ce-specversion", "1.0" }, { "ce-source", "/tst" }, { "ce-id", "ready" },
        { "ce-type", "ready" } };
    QTRY_COMPARE_WITH_TIMEOUT(request(m_port, "POST", "/events", "{}", ready).value_or(HttpReply {}).status, 200, 10000);
}

void TestEndpoints::cleanupTestCase()
{
    m_reader.reset();
    m_runtime.reset();
}

QJsonObject TestEndpoints::endpointCounters(const QByteArray &name)
{
    const auto reply = request(m_runtime->adminPort(), "GET", "/api/endpoints");
    if (!reply || reply->status != 200)
        return {};
    for (const QJsonValue &endpoint : reply->json().value(QLatin1String("endpoints")).toArray()) {
        if (endpoint.toObject().value(QLatin1String("name")).toString() == QLatin1String(name))
            return endpoint.toObject();
    }
    return {};
}

void TestEndpoints::signedSamples_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("subject"); // stored message, for a 200
    QTest::addColumn<QByteArray>("msgId");
    QTest::addColumn<QByteArray>("event");

    const QByteArray push = R"({"ref":"refs/heads/main","after":"deadbeef"})";
    const QByteArray delivery = uniqueKey();
    QTest::addRow("github push") << QByteArray("/github") << github("push", delivery, push) << push << 200
                                 << QByteArray("github.push") << delivery << QByteArray("push");
    QTest::addRow("github pull_request")
        << QByteArray("/github") << github("pull_request", "pr-" + delivery, push) << push << 200
        << QByteArray("github.pull_request") << "pr-" + delivery << QByteArray("pull_request");
    HeaderList forged = github("push", uniqueKey(), push);
    forged.last().second = "sha256=" + hmacHex("not the secret", push);
    QTest::addRow("github forged") << QByteArray("/github") << forged << push << 401 << QByteArray() << QByteArray()
                                   << QByteArray();
    HeaderList unsigned_ = github("push", uniqueKey(), push);
    unsigned_.removeLast();
    QTest::addRow("github unsigned") << QByteArray("/github") << unsigned_ << push << 401 << QByteArray()
                                     << QByteArray() << QByteArray();
    QTest::addRow("github signature of another body")
        << QByteArray("/github") << github("push", uniqueKey(), push) << push + ' ' << 401 << QByteArray()
        << QByteArray() << QByteArray();

    const QByteArray eventId = "evt_" + uniqueKey().left(8);
    const QByteArray payment = R"({"id":")" + eventId + R"(","object":"event","type":"payment_intent.succeeded"})";
    QTest::addRow("stripe payment") << QByteArray("/stripe") << stripe(payment, now()) << payment << 200
                                    << QByteArray("stripe.payment_intent.succeeded") << eventId
                                    << QByteArray("payment_intent.succeeded");
    // Signed, but nested deeper than a JSON reader takes (1,024 levels): the key and the event type
    // come from the JSON, so 400 (never a random key under subject "unknown").
    const QByteArray deep = R"({"id":"evt_deep","type":"charge.succeeded","x":)" + QByteArray(1100, '[')
        + QByteArray(1100, ']') + "}";
    QTest::addRow("stripe nested too deep") << QByteArray("/stripe") << stripe(deep, now()) << deep << 400
                                            << QByteArray() << QByteArray() << QByteArray();
    const QByteArray deepSlack = R"({"event_id":"Ev1","event":{"type":"message"},"x":)" + QByteArray(1100, '[')
        + QByteArray(1100, ']') + "}";
    QTest::addRow("slack nested too deep") << QByteArray("/slack") << slack(deepSlack, now()) << deepSlack << 400
                                           << QByteArray() << QByteArray() << QByteArray();
    QTest::addRow("stripe stale") << QByteArray("/stripe") << stripe(payment, now() - 600) << payment << 401
                                  << QByteArray() << QByteArray() << QByteArray();
    QTest::addRow("stripe future") << QByteArray("/stripe") << stripe(payment, now() + 600) << payment << 401
                                   << QByteArray() << QByteArray() << QByteArray();
    QTest::addRow("stripe github's signature")
        << QByteArray("/stripe") << github("push", uniqueKey(), payment) << payment << 401 << QByteArray()
        << QByteArray() << QByteArray();

    const QByteArray slackId = "Ev" + uniqueKey().left(8).toUpper();
    const QByteArray mention = R"({"type":"event_callback","event_id":")" + slackId
        + R"(","event":{"type":"app_mention","text":"hi"}})";
    QTest::addRow("slack app_mention") << QByteArray("/slack") << slack(mention, now()) << mention << 200
                                       << QByteArray("slack.app_mention") << slackId << QByteArray("app_mention");
    QTest::addRow("slack replayed") << QByteArray("/slack") << slack(mention, now() - 3600) << mention << 401
                                    << QByteArray() << QByteArray() << QByteArray();

    const QByteArray mr = R"({"object_kind":"push","ref":"refs/heads/main"})";
    const QByteArray gitlabUuid = QByteArray(uniqueKey());
    QTest::addRow("gitlab push")
        << QByteArray("/gitlab")
        << HeaderList { { "X-Gitlab-Event", "Push Hook" }, { "X-Gitlab-Event-UUID", gitlabUuid },
               { "X-Gitlab-Token", GitlabToken } }
        << mr << 200 << QByteArray("gitlab.push_hook") << gitlabUuid << QByteArray("Push Hook");
    QTest::addRow("gitlab wrong token")
        << QByteArray("/gitlab")
        << HeaderList { { "X-Gitlab-Event", "Push Hook" }, { "X-Gitlab-Token", GitlabToken + "x" } } << mr << 401
        << QByteArray() << QByteArray() << QByteArray();
    const QByteArray bitbucketUuid = uniqueKey();
    QTest::addRow("bitbucket repo:push")
        << QByteArray("/bitbucket")
        << HeaderList { { "X-Event-Key", "repo:push" }, { "X-Request-UUID", bitbucketUuid },
               { "X-Hub-Signature", "sha256=" + hmacHex(BitbucketSecret, mr) } }
        << mr << 200 << QByteArray("bitbucket.repo:push") << bitbucketUuid << QByteArray("repo:push");
    QTest::addRow("bitbucket unsigned") << QByteArray("/bitbucket")
                                        << HeaderList { { "X-Event-Key", "repo:push" } } << mr << 401 << QByteArray()
                                        << QByteArray() << QByteArray();

    const QByteArray ceId = uniqueKey();
    QTest::addRow("cloudevent binary")
        << QByteArray("/events")
        << HeaderList { { "Content-Type", "application/json" }, { "ce-specversion", "1.0" }, { "ce-source", "/shop" },
               { "ce-id", ceId }, { "ce-type", "com.example.order.created" } }
        << QByteArray(R"({"order":1})") << 200 << QByteArray("events.com.example.order.created") << "/shop " + ceId
        << QByteArray("com.example.order.created");
    const QByteArray structuredId = uniqueKey();
    const QByteArray structured = R"({"specversion":"1.0","id":")" + structuredId
        + R"(","source":"/shop","type":"com.example.order.paid","data":{"order":1}})";
    QTest::addRow("cloudevent structured")
        << QByteArray("/events") << HeaderList { { "Content-Type", "application/cloudevents+json" } } << structured
        << 200 << QByteArray("events.com.example.order.paid") << "/shop " + structuredId
        << QByteArray("com.example.order.paid");
    // JSON escapes in a structured CloudEvent's names change nothing.
    const QByteArray escapedId = uniqueKey();
    const QByteArray escaped = R"({"spec\u0076ersion":"1.0","id":")" + escapedId
        + R"(","source":"/shop","\u0074ype":"com.example.order.refunded","data":{"order":1}})";
    QTest::addRow("cloudevent structured, escaped names")
        << QByteArray("/events") << HeaderList { { "Content-Type", "application/cloudevents+json" } } << escaped
        << 200 << QByteArray("events.com.example.order.refunded") << "/shop " + escapedId
        << QByteArray("com.example.order.refunded");
}

void TestEndpoints::signedSamples()
{
    QFETCH(QByteArray, path);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArray, subject);
    QFETCH(QByteArray, msgId);
    QFETCH(QByteArray, event);

    const quint64 before = messageCount();
    const auto reply = request(m_port, "POST", path, body, headers);
    QVERIFY(reply);
    QCOMPARE(reply->status, status);
    if (status != 200) {
        QVERIFY(!reply->json().value(QLatin1String("error")).toString().isEmpty());
        QCOMPARE(messageCount(), before); // never published
        return;
    }
    QCOMPARE(reply->json().value(QLatin1String("id")).toString(), QString::fromLatin1(msgId));
    const auto stored = m_reader->message("EVENTS", reply->json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->subject, subject);
    QCOMPARE(stored->data, body); // unchanged, byte for byte
    // The key, scoped to its endpoint (a CloudEvent's apart from any header's).
    const bool cloudEvent = !headerValue(headers, "ce-id").isNull()
        || headerValue(headers, "Content-Type").startsWith("application/cloudevents+json");
    QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId(path, msgId, cloudEvent));
    QCOMPARE(stored->header("Ackhook-Event"), event);
    QCOMPARE(stored->header("Ackhook-Endpoint"), path == "/events" ? QByteArray("cloudevents") : path.mid(1));
}

void TestEndpoints::publishedHeaders()
{
    const QByteArray body = R"({"zen":"Keep it logically awesome."})";
    HeaderList headers = github("ping", uniqueKey(), body);
    headers += { { "X-Custom-Keep", "kept value" }, { "X-Not-Kept", "dropped" },
        { "Authorization", "Bearer leaked?" }, { "Cookie", "session=leaked?" } };
    const auto reply = request(m_port, "POST", "/github?installation=42&retry=true", body, headers);
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    const auto stored = m_reader->message("EVENTS", reply->json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->subject, QByteArray("github.ping"));
    QCOMPARE(stored->header("X-GitHub-Event"), QByteArray("ping"));
    QCOMPARE(stored->header("X-Custom-Keep"), QByteArray("kept value"));
    QCOMPARE(stored->header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(stored->header("Ackhook-Query"), QByteArray("installation=42&retry=true"));
    QCOMPARE(stored->header("Ackhook-Remote-Addr"), QByteArray("127.0.0.1"));
    QCOMPARE(stored->header("Ackhook-Source"), QByteArray("github"));
    const QDateTime received = QDateTime::fromString(QString::fromLatin1(stored->header("Ackhook-Received")), Qt::ISODateWithMs);
    QVERIFY(received.isValid());
    QVERIFY(qAbs(received.secsTo(QDateTime::currentDateTimeUtc())) < 60);
    // Not in the allow-list, or a credential even though the allow-list names it.
    QVERIFY(stored->header("X-Not-Kept").isNull());
    QVERIFY(stored->header("X-Hub-Signature-256").isNull());
    QVERIFY(stored->header("Cookie").isNull());
    QVERIFY(stored->header("Authorization").isNull());
    for (const auto &[name, value] : stored->headers) {
        QVERIFY2(!value.contains("leaked?"), name.constData());
        QVERIFY2(!value.contains(hmacHex(GithubSecret, body)), name.constData());
    }
}

void TestEndpoints::slackChallenge()
{
    const QByteArray challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";
    const QByteArray body = R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":")" + challenge
        + R"(","type":"url_verification"})";
    const quint64 before = messageCount();
    const QJsonObject countersBefore = endpointCounters("slack");

    const HeaderList signedNow = slack(body, now());
    const auto fresh = request(m_port, "POST", "/slack", body, signedNow);
    QVERIFY(fresh);
    QCOMPARE(fresh->status, 200);
    QCOMPARE(fresh->body, challenge);

    // The same signed request again, still fresh: nothing is published, so JetStream cannot tell
    // a replay; ackhook remembers the answered signature and refuses it.
    const auto again = request(m_port, "POST", "/slack", body, signedNow);
    QVERIFY(again);
    QCOMPARE(again->status, 401);
    QVERIFY2(again->json().value(QLatin1String("error")).toString().contains(QLatin1String("replayed")),
        again->body.constData());

    // A challenge captured and replayed later: its timestamp is out of the tolerance.
    const auto replayed = request(m_port, "POST", "/slack", body, slack(body, now() - 301));
    QVERIFY(replayed);
    QCOMPARE(replayed->status, 401);
    QVERIFY(replayed->json().value(QLatin1String("error")).toString().contains(QLatin1String("stale or replayed")));
    // Forged: not signed with the app's secret.
    HeaderList forged = slack(body, now());
    forged.last().second = "v0=" + hmacHex("guess", "v0:" + forged.at(1).second + ':' + body);
    QCOMPARE(request(m_port, "POST", "/slack", body, forged)->status, 401);

    QCOMPARE(messageCount(), before); // a challenge is not an event
    const QJsonObject counters = endpointCounters("slack").value(QLatin1String("counters")).toObject();
    const QJsonObject old = countersBefore.value(QLatin1String("counters")).toObject();
    QCOMPARE(counters.value(QLatin1String("unauthorized")).toInteger() - old.value(QLatin1String("unauthorized")).toInteger(), 3);
    QCOMPARE(counters.value(QLatin1String("accepted")).toInteger() - old.value(QLatin1String("accepted")).toInteger(), 1);
}

// JetStream deduplicates across the whole stream: a key sent by a caller of one endpoint (here
// /events, which takes anyone) must never make another endpoint's signed event a "duplicate" that
// is answered 200 and not stored; nor may an Idempotency-Key pose as a CloudEvent's source and id,
// nor two different CloudEvents read as the same key.
void TestEndpoints::keysAreScopedToTheirEndpoint_data()
{
    QTest::addColumn<QByteArray>("firstPath");
    QTest::addColumn<HeaderList>("firstHeaders");
    QTest::addColumn<QByteArray>("firstBody");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");

    const QByteArray evil = R"({"evil":1})";
    const QByteArray delivery = uniqueKey();
    const QByteArray push = R"({"ref":"refs/heads/main","after":"cafe"})";
    QTest::addRow("a GitHub delivery id sent first as Idempotency-Key to another endpoint")
        << QByteArray("/events") << HeaderList { { "Idempotency-Key", delivery } } << evil << QByteArray("/github")
        << github("push", delivery, push) << push;
    const QByteArray eventId = "evt_" + uniqueKey().left(12);
    const QByteArray payment = R"({"id":")" + eventId + R"(","object":"event","type":"charge.succeeded"})";
    QTest::addRow("a Stripe event id sent first as X-Request-Id to another endpoint")
        << QByteArray("/events") << HeaderList { { "X-Request-Id", eventId } } << evil << QByteArray("/stripe")
        << stripe(payment, now()) << payment;
    const QByteArray ceId = uniqueKey();
    const HeaderList ce { { "ce-specversion", "1.0" }, { "ce-type", "com.example.t" } };
    QTest::addRow("a CloudEvent's source and id sent first as Idempotency-Key to its own endpoint")
        << QByteArray("/events") << HeaderList { { "Idempotency-Key", "/shop " + ceId } } << evil
        << QByteArray("/events") << ce + HeaderList { { "ce-source", "/shop" }, { "ce-id", ceId } }
        << QByteArray(R"({"order":1})");
    const QByteArray z = uniqueKey();
    QTest::addRow("two CloudEvents whose source and id read alike with a space")
        << QByteArray("/events") << ce + HeaderList { { "ce-source", "/x y" }, { "ce-id", z } } << QByteArray("{}")
        << QByteArray("/events") << ce + HeaderList { { "ce-source", "/x" }, { "ce-id", "y " + z } }
        << QByteArray(R"({"second":true})");
}

void TestEndpoints::keysAreScopedToTheirEndpoint()
{
    QFETCH(QByteArray, firstPath);
    QFETCH(HeaderList, firstHeaders);
    QFETCH(QByteArray, firstBody);
    QFETCH(QByteArray, path);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);

    const auto first = request(m_port, "POST", firstPath, firstBody, firstHeaders);
    QVERIFY(first);
    QCOMPARE(first->status, 200);
    const auto reply = request(m_port, "POST", path, body, headers);
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QCOMPARE(reply->json().value(QLatin1String("duplicate")).toBool(), false);
    const qint64 seq = reply->json().value(QLatin1String("seq")).toInteger();
    QVERIFY(seq > first->json().value(QLatin1String("seq")).toInteger());
    const auto stored = m_reader->message("EVENTS", seq);
    QVERIFY(stored);
    QCOMPARE(stored->data, body); // the second event itself is in the stream
    // Within one endpoint a retry is still a duplicate.
    const auto retry = request(m_port, "POST", path, body, headers);
    QVERIFY(retry);
    QCOMPARE(retry->status, 200);
    QCOMPARE(retry->json().value(QLatin1String("duplicate")).toBool(), true);
    QCOMPARE(retry->json().value(QLatin1String("seq")).toInteger(), seq);
}

// A structured CloudEvent's attributes are its JSON: ce-* request headers beside it are not its own
// and are not published (a caller could otherwise store "ce-id: spoofed" beside the body's id).
void TestEndpoints::structuredEventsKeepOnlyTheirOwnAttributes()
{
    const QByteArray id = uniqueKey();
    const QByteArray event = R"({"specversion":"1.0","id":")" + id
        + R"(","source":"/shop","type":"com.example.order.paid","data":{}})";
    const auto reply = request(m_port, "POST", "/events", event,
        { { "Content-Type", "application/cloudevents+json" }, { "ce-id", "spoofed" }, { "ce-source", "/elsewhere" } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    const auto stored = m_reader->message("EVENTS", reply->json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QVERIFY2(stored->header("ce-id").isNull(), stored->header("ce-id").constData());
    QVERIFY(stored->header("ce-source").isNull());
    QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/events", QByteArray("/shop " + id), true));

    const QByteArray batch = "[" + event + "]";
    const QByteArray batchId = uniqueKey();
    const QByteArray second = QByteArray(batch).replace(id, batchId);
    const auto batchReply = request(m_port, "POST", "/events", second,
        { { "Content-Type", "application/cloudevents-batch+json" }, { "ce-id", "spoofed" } });
    QVERIFY(batchReply);
    QCOMPARE(batchReply->status, 200);
    const QJsonArray batchResults = batchReply->json().value(QLatin1String("events")).toArray();
    QCOMPARE(batchResults.size(), 1);
    const qint64 seq = batchResults.first().toObject().value(QLatin1String("seq")).toInteger();
    const auto storedBatch = m_reader->message("EVENTS", seq);
    QVERIFY(storedBatch);
    QVERIFY(storedBatch->header("ce-id").isNull());
}

void TestEndpoints::failedAuthIsCountedNeverPublished()
{
    const QJsonObject before = endpointCounters("stripe");
    QCOMPARE(before.value(QLatin1String("path")).toString(), QStringLiteral("/stripe"));
    QCOMPARE(before.value(QLatin1String("source")).toString(), QStringLiteral("stripe"));
    QCOMPARE(before.value(QLatin1String("auth")).toString(), QStringLiteral("hmac-sha256")); // the row's algorithm
    const quint64 messages = messageCount();
    const QByteArray body = R"({"id":"evt_forged","type":"charge.refunded"})";
    for (int i = 0; i < 3; ++i) {
        const auto reply = request(m_port, "POST", "/stripe", body, stripe(body + "tampered", now()));
        QVERIFY(reply);
        QCOMPARE(reply->status, 401);
        QVERIFY(!reply->body.contains(StripeSecret));
    }
    QCOMPARE(messageCount(), messages);
    const QJsonObject after = endpointCounters("stripe");
    const auto delta = [&](const char *name) {
        return after.value(QLatin1String("counters")).toObject().value(QLatin1String(name)).toInteger()
            - before.value(QLatin1String("counters")).toObject().value(QLatin1String(name)).toInteger();
    };
    QCOMPARE(delta("unauthorized"), 3);
    QCOMPARE(delta("requests"), 3);
    QCOMPARE(delta("accepted"), 0);
    // The other endpoints' counters are their own.
    QVERIFY(endpointCounters("github").value(QLatin1String("counters")).toObject().value(QLatin1String("accepted")).toInteger() >= 2);
}

void TestEndpoints::batch_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("events");
    QTest::addColumn<QString>("error");

    const auto event = [](const QByteArray &id, const QByteArray &type) -> QByteArray {
        return R"({"specversion":"1.0","id":")" + id + R"(","source":"/batch","type":")" + type
            + R"(","data":{"n":1}})";
    };
    const QByteArray a = uniqueKey(), b = uniqueKey(), c = uniqueKey();
    QTest::addRow("three events") << "[" + event(a, "com.example.a") + "," + event(b, "com.example.b") + ","
            + event(c, "com.example.a") + "]"
                                  << 200 << 3 << QString();
    QTest::addRow("empty") << QByteArray("[]") << 400 << 0 << QStringLiteral("CloudEvents batch is empty");
    QTest::addRow("not an array") << event(uniqueKey(), "x") << 400 << 0
                                  << QStringLiteral("CloudEvents batch is not a JSON array");
    QTest::addRow("not JSON") << QByteArray("[{") << 400 << 0 << QStringLiteral("CloudEvents batch is not JSON");
    QTest::addRow("item not an object") << "[" + event(uniqueKey(), "x") + ",42]" << 400 << 0
                                        << QStringLiteral("event 1 is not a JSON object");
    QTest::addRow("second event without id")
        << "[" + event(uniqueKey(), "x") + R"(,{"specversion":"1.0","source":"/b","type":"t"}])" << 400 << 0
        << QStringLiteral("event 1: CloudEvent without its required attribute(s): id");
}

void TestEndpoints::batch()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(int, events);
    QFETCH(QString, error);

    const quint64 before = messageCount();
    const auto reply = request(
        m_port, "POST", "/events", body, { { "Content-Type", "application/cloudevents-batch+json; charset=utf-8" } });
    QVERIFY(reply);
    QCOMPARE(reply->status, status);
    if (status != 200) {
        QVERIFY2(reply->json().value(QLatin1String("error")).toString().contains(error), reply->body.constData());
        QCOMPARE(messageCount(), before); // a batch is refused whole
        return;
    }
    const QJsonObject json = reply->json();
    QCOMPARE(json.value(QLatin1String("acked")).toInteger(), events);
    const QJsonArray results = json.value(QLatin1String("events")).toArray();
    QCOMPARE(results.size(), events);
    const QJsonArray input = QJsonDocument::fromJson(body).array();
    for (qsizetype i = 0; i < results.size(); ++i) {
        const QJsonObject result = results.at(i).toObject();
        const QJsonObject sent = input.at(i).toObject();
        const QString key = QStringLiteral("/batch ") + sent.value(QLatin1String("id")).toString();
        QCOMPARE(result.value(QLatin1String("id")).toString(), key);
        const auto stored = m_reader->message("EVENTS", result.value(QLatin1String("seq")).toInteger());
        QVERIFY(stored);
        QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/events", key.toUtf8(), true));
        QCOMPARE(stored->header("Content-Type"), QByteArray("application/cloudevents+json"));
        QCOMPARE(stored->subject, "events." + sent.value(QLatin1String("type")).toString().toUtf8());
        QCOMPARE(QJsonDocument::fromJson(stored->data).object(), sent); // the event alone, structured mode
    }
    QCOMPARE(messageCount(), before + events);
}

void TestEndpoints::batchNotConfirmedAnswers500PerEvent()
{
    const QByteArray body = R"([{"specversion":"1.0","id":"1-)" + uniqueKey() + R"(","source":"/loss","type":"t"},)"
        + R"({"specversion":"1.0","id":"2-)" + uniqueKey() + R"(","source":"/loss","type":"t"}])";
    const HeaderList headers { { "Content-Type", "application/cloudevents-batch+json" } };
    const qint64 pendingBefore = m_runtime->failedEvents()->stats().pending;

    // ack-loss: JetStream stores both events but ackhook never hears the PubAcks.
    OutageSettings ackLoss;
    ackLoss.mode = OutageSettings::Mode::AckLoss;
    m_runtime->faultProxy()->setSettings(ackLoss); // the connection stays up: nothing to wait for
    const auto lost = request(m_port, "POST", "/events", body, headers, AckTimeoutMs + 5000);
    QVERIFY(setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Off));
    QVERIFY(lost);
    QCOMPARE(lost->status, 500);
    QVERIFY(!lost->header("Retry-After").isEmpty());
    const QJsonObject json = lost->json();
    QCOMPARE(json.value(QLatin1String("acked")).toInteger(), 0);
    const QJsonArray results = json.value(QLatin1String("events")).toArray();
    QCOMPARE(results.size(), 2);
    for (const QJsonValue &result : results)
        QCOMPARE(result.toObject().value(QLatin1String("reason")).toString(), QStringLiteral("timeout"));
    // Each unconfirmed event is in the failed-event queue on its own.
    QTRY_COMPARE(m_runtime->failedEvents()->stats().pending, pendingBefore + 2);

    // The caller retries the whole batch: both were stored once, so both come back as duplicates.
    QTRY_COMPARE_WITH_TIMEOUT(request(m_port, "POST", "/events", body, headers).value_or(HttpReply {}).status, 200, 5000);
    const auto retried = request(m_port, "POST", "/events", body, headers);
    QVERIFY(retried);
    QCOMPARE(retried->status, 200);
    const QJsonArray retriedResults = retried->json().value(QLatin1String("events")).toArray();
    QCOMPARE(retriedResults.size(), 2); // an empty list would pass the loop below without a check
    for (const QJsonValue &result : retriedResults)
        QCOMPARE(result.toObject().value(QLatin1String("duplicate")).toBool(), true);
}

void TestEndpoints::checkConfig_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("output");
    QTest::addRow("valid") << Config << 0 << QStringLiteral("OK, 6 endpoint(s)");
    QTest::addRow("unknown key") << Config + "typo = 1\n" << 1 << QStringLiteral(":41: endpoint[6].typo: unknown key");
    QTest::addRow("duplicate path") << Config + "\n[[endpoint]]\npath = \"/github\"\nsubject = \"events.x\"\n" << 1
                                    << QStringLiteral(":43: endpoint[7].path: '/github' is already endpoint[1]'s path");
}

void TestEndpoints::checkConfig()
{
    QFETCH(QByteArray, text);
    QFETCH(int, exitCode);
    QFETCH(QString, output);
    const QString binary = qEnvironmentVariable("ACKHOOK_BINARY");
    if (binary.isEmpty())
        QSKIP("ACKHOOK_BINARY is not set (ctest sets it)");
    const QString path = m_dir.filePath(QStringLiteral("check.toml"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
    file.close();
    QProcess process;
    process.start(binary, { QStringLiteral("--check-config"), path });
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitCode(), exitCode);
    const QString all = QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
    QVERIFY2(all.contains(output), qPrintable(all));
}

QTEST_GUILESS_MAIN(TestEndpoints)
#include "tst_endpoints.moc"

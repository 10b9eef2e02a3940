// ConfigFile: a complete file read into values, and every kind of mistake refused with FILE:LINE,
// the field and what is wrong (a table); secrets from files next to the config and from the environment.
#include "config/configfile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

namespace {

ConfigFile::Environment fakeEnvironment()
{
    return [](const QString &name) -> std::optional<QByteArray> {
        if (name == QLatin1String("STRIPE_SECRET"))
            return QByteArray("whsec_from_env\n");
        if (name == QLatin1String("EMPTY"))
            return QByteArray();
        return std::nullopt;
    };
}

} // namespace

class TestConfigFile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void completeFile();
    void defaults();
    void errors_data();
    void errors();
    void everyProblemIsReported();
    void subjectTemplates_data();
    void subjectTemplates();
    void coverage_data();
    void coverage();
    void sampleConfigIsValid();
    void streamSettings();
    void clusterSampleConfigIsValid();
    void secretFileRules();

private:
    QString write(const QByteArray &name, const QByteArray &text);
    std::optional<ConfigFile> parse(const QByteArray &text, QString *error);

    QTemporaryDir m_dir;
    QString m_path;
};

QString TestConfigFile::write(const QByteArray &name, const QByteArray &text)
{
    const QString path = m_dir.filePath(QString::fromLatin1(name));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    file.write(text);
    return path;
}

std::optional<ConfigFile> TestConfigFile::parse(const QByteArray &text, QString *error)
{
    return ConfigFile::parse(text, m_path, error, fakeEnvironment());
}

void TestConfigFile::initTestCase()
{
    QVERIFY(m_dir.isValid());
    write("github.secret", "It's a Secret to Everybody\n");
    write("empty.secret", "\n");
    m_path = m_dir.filePath(QStringLiteral("ackhook.toml"));
}

void TestConfigFile::completeFile()
{
    const QByteArray text = R"(# every section
[server]
listen = "0.0.0.0:12000"
admin_listen = "127.0.0.1:12001"
ack_timeout = "3s"
idle_timeout = 45000
max_inflight = 100
max_body = "2MiB"
data_dir = "data"
headless = true

[nats]
url = ["nats://a:4222", "nats://b:4222"]
credentials_file = "app.creds"

[stream]
name = "WEBHOOKS"
subjects = ["github.>", "stripe.>", "hooks.>"]

[[endpoint]]
path = "/github"
source = "github"
secret_file = "github.secret"
subject = "github.{event}"
keep_headers = ["X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID"]

[[endpoint]]
name = "payments"
path = "/stripe"
source = "stripe"
secret_env = "STRIPE_SECRET"
subject = "stripe.{event}"
tolerance = "10m"
max_body = 65536

[[endpoint]]
path = "/generic"
methods = ["POST", "PUT"]
source = "hmac"
secret_file = "github.secret"
signature_header = "X-Signature"
signature_encoding = "base64"
subject = "hooks.generic"
event_header = "X-Event-Type"
idempotency_headers = ["X-Delivery"]
)";
    QString error;
    const auto config = parse(text, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->server.listen->address, QHostAddress(QStringLiteral("0.0.0.0")));
    QCOMPARE(config->server.listen->port, 12000);
    QCOMPARE(config->server.ackTimeout->count(), 3000);
    QCOMPARE(config->server.idleTimeout->count(), 45000);
    QCOMPARE(*config->server.maxInFlight, 100);
    QCOMPARE(*config->server.maxBody, 2 * 1024 * 1024);
    QCOMPARE(*config->server.dataDir, m_dir.filePath(QStringLiteral("data")));
    QCOMPARE(*config->server.headless, true);
    QCOMPARE(config->nats.urls, QStringList({ QStringLiteral("nats://a:4222"), QStringLiteral("nats://b:4222") }));
    QCOMPARE(*config->nats.credentialsFile, m_dir.filePath(QStringLiteral("app.creds")));
    QCOMPARE(*config->stream.name, QStringLiteral("WEBHOOKS"));
    QCOMPARE(config->streamSubjects().size(), 3);
    QCOMPARE(config->endpoints.size(), 3);

    const Endpoint &github = config->endpoints.at(0);
    QCOMPARE(github.path, QByteArray("/github"));
    QCOMPARE(github.displayName(), QByteArray("github"));
    QCOMPARE(github.subject, QByteArray("github.{event}"));
    QCOMPARE(github.auth.kind, SignatureScheme::Kind::Signed); // the github row: sha256=<hex HMAC of the body>
    QCOMPARE(github.auth.message.text, QByteArray("{body}"));
    QCOMPARE(github.auth.header, QByteArray("X-Hub-Signature-256"));
    QCOMPARE(github.auth.secret, QByteArray("It's a Secret to Everybody")); // the newline is not part of it
    QCOMPARE(github.keptHeaders.size(), 3);
    QCOMPARE(github.eventHeader, QByteArray("X-GitHub-Event"));

    const Endpoint &stripe = config->endpoints.at(1);
    QCOMPARE(stripe.displayName(), QByteArray("payments"));
    QCOMPARE(stripe.auth.kind, SignatureScheme::Kind::Signed); // the stripe row: t=…,v1=…
    QCOMPARE(stripe.auth.layout, SignatureScheme::Layout::Keyed);
    QCOMPARE(stripe.auth.secret, QByteArray("whsec_from_env"));
    QCOMPARE(stripe.auth.tolerance.count(), 600);
    QCOMPARE(stripe.maxBodyBytes, 65536);
    QCOMPARE(stripe.keyJsonField, QByteArray("id"));

    const Endpoint &generic = config->endpoints.at(2);
    QCOMPARE(generic.methods, QList<QByteArray>({ "POST", "PUT" }));
    QCOMPARE(generic.auth.header, QByteArray("X-Signature"));
    QCOMPARE(generic.auth.encoding, SignatureScheme::Encoding::Base64);
    QCOMPARE(generic.auth.prefix, QByteArray());
    QCOMPARE(generic.eventHeader, QByteArray("X-Event-Type"));
    QCOMPARE(generic.keyHeaders, QList<QByteArray>({ "X-Delivery" }));
    QVERIFY(config->describe().contains(QStringLiteral("/stripe → stripe.{event}")));
}

void TestConfigFile::defaults()
{
    QString error;
    const auto empty = parse("", &error);
    QVERIFY2(empty, qPrintable(error));
    QVERIFY(empty->endpoints.isEmpty());
    QCOMPARE(empty->streamSubjects(), QStringList { QStringLiteral("ackhook.>") });
    QVERIFY(!empty->server.listen);

    // Without [stream] subjects, each endpoint's prefix becomes one; overlapping ones are merged.
    const auto derived = parse(R"(
[[endpoint]]
path = "/a"
subject = "hooks.{event}"
[[endpoint]]
path = "/b"
subject = "hooks.b"
[[endpoint]]
path = "/c"
subject = "other.c"
)",
        &error);
    QVERIFY2(derived, qPrintable(error));
    QCOMPARE(derived->streamSubjects(), QStringList({ QStringLiteral("hooks.>"), QStringLiteral("other.c") }));
    QCOMPARE(derived->endpoints.at(0).source, QByteArray("none"));
    QCOMPARE(derived->endpoints.at(0).methods, QList<QByteArray> { "POST" });
}

void TestConfigFile::errors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expected"); // after "<file>:"

    const QByteArray endpoint = "[[endpoint]]\npath = \"/a\"\nsubject = \"ackhook.a\"\n";
    QTest::addRow("not TOML") << QByteArray("[nats\nurl = 1\n") << QStringLiteral("1: not valid TOML");
    QTest::addRow("duplicate key") << QByteArray("[nats]\nurl = \"nats://a:1\"\nurl = \"nats://b:1\"\n")
                                   << QStringLiteral("3: not valid TOML");
    QTest::addRow("unknown table") << QByteArray("[natz]\nurl = \"x\"\n") << QStringLiteral("1: natz: unknown table");
    QTest::addRow("unknown key") << QByteArray("[nats]\nurl = \"nats://a:1\"\nusr = \"x\"\n")
                                 << QStringLiteral(
                                        "3: nats.usr: unknown key (known: url, credentials_file, nkey_file, user, "
                                        "password_file, password_env, token_file, token_env, tls, "
                                        "tls_ca_file, tls_cert_file, tls_key_file, tls_hostname)");
    QTest::addRow("nats password twice") << QByteArray("[nats]\npassword_file = \"pw\"\npassword_env = \"PW\"\n")
                                         << QStringLiteral(
                                                "3: nats.password_env: give password_file or password_env, not both");
    QTest::addRow("nats token file missing")
        << QByteArray("[nats]\ntoken_file = \"absent.token\"\n") << QStringLiteral("2: nats.token_file: cannot read");
    QTest::addRow("nats tls not a boolean")
        << QByteArray("[nats]\ntls = \"yes\"\n") << QStringLiteral("2: nats.tls: expected true or false, got a string");
    QTest::addRow("unknown endpoint key") << endpoint + "secret = \"inline\"\n"
                                          << QStringLiteral("4: endpoint[1].secret: unknown key");
    QTest::addRow("wrong type") << QByteArray("[server]\nmax_inflight = \"many\"\n")
                                << QStringLiteral("2: server.max_inflight: expected an integer, got a string");
    QTest::addRow("out of range") << QByteArray("[server]\nmax_inflight = 0\n")
                                  << QStringLiteral("2: server.max_inflight: 0 is out of range");
    QTest::addRow("bad duration") << QByteArray("[server]\nack_timeout = \"5 parsecs\"\n")
                                  << QStringLiteral("2: server.ack_timeout: '5 parsecs' is not a duration");
    QTest::addRow("bad size") << QByteArray("[server]\nmax_body = \"1 TiB\"\n")
                              << QStringLiteral("2: server.max_body: '1 TiB' is not a size");
    QTest::addRow("bad listen") << QByteArray("[server]\nlisten = \"12000\"\n")
                                << QStringLiteral("2: server.listen: expected \"HOST:PORT\"");
    QTest::addRow("nats url list of numbers") << QByteArray("[nats]\nurl = [1]\n")
                                              << QStringLiteral("2: nats.url: item 1: expected a string");
    QTest::addRow("stream name with a dot") << QByteArray("[stream]\nname = \"A.B\"\n")
                                            << QStringLiteral("2: stream.name: 'A.B' must be a name");
    QTest::addRow("stream subject with space") << QByteArray("[stream]\nsubjects = [\"a b\"]\n")
                                               << QStringLiteral("2: stream.subjects: 'a b' contains a space");
    QTest::addRow("stream storage") << QByteArray("[stream]\nstorage = \"disk\"\n")
                                    << QStringLiteral("2: stream.storage: 'disk' is not a storage (file or memory)");
    QTest::addRow("stream max_age unit") << QByteArray("[stream]\nmax_age = \"7 weeks\"\n")
                                         << QStringLiteral("2: stream.max_age: '7 weeks' is not a duration");
    QTest::addRow("stream max_bytes zero")
        << QByteArray("[stream]\nmax_bytes = 0\n") << QStringLiteral("2: stream.max_bytes: 0 is out of range");
    QTest::addRow("stream max_msgs -2") << QByteArray("[stream]\nmax_msgs = -2\n")
                                        << QStringLiteral("2: stream.max_msgs: -2 is out of range");
    QTest::addRow("stream replicas 6") << QByteArray("[stream]\nreplicas = 6\n")
                                       << QStringLiteral("2: stream.replicas: 6 is out of range (1 to 5)");
    QTest::addRow("stream placement_cluster empty")
        << QByteArray("[stream]\nplacement_cluster = \" \"\n")
        << QStringLiteral("2: stream.placement_cluster: must not be empty");
    QTest::addRow("stream placement_tags quote")
        << QByteArray("[stream]\nplacement_tags = [\"ssd\", \"a\\\"b\"]\n")
        << QStringLiteral("2: stream.placement_tags: 'a\"b' must not hold quotes, backslashes or control characters");
    QTest::addRow("stream placement_tags not a list") << QByteArray("[stream]\nplacement_tags = 3\n")
                                                      << QStringLiteral("2: stream.placement_tags: expected");
    QTest::addRow("stream create not a bool")
        << QByteArray("[stream]\ncreate = \"no\"\n") << QStringLiteral("2: stream.create: expected true or false");
    QTest::addRow("duplicate window over max_age")
        << QByteArray("[stream]\nmax_age = \"1m\"\nduplicate_window = \"2m\"\n")
        << QStringLiteral("1: stream.duplicate_window: must not be longer than stream.max_age");
    QTest::addRow("server is not a table") << QByteArray("server = 1\n")
                                           << QStringLiteral("1: server: expected a table");
    QTest::addRow("endpoint is a table") << QByteArray("[endpoint]\npath = \"/a\"\n")
                                         << QStringLiteral("1: endpoint: expected tables ([[endpoint]])");
    QTest::addRow("missing path") << QByteArray("[[endpoint]]\nsubject = \"a.b\"\n")
                                  << QStringLiteral("1: endpoint[1].path: missing");
    QTest::addRow("missing subject") << QByteArray("[[endpoint]]\npath = \"/a\"\n")
                                     << QStringLiteral("1: endpoint[1].subject: missing");
    QTest::addRow("path without slash") << QByteArray("[[endpoint]]\npath = \"a\"\nsubject = \"a.b\"\n")
                                        << QStringLiteral("2: endpoint[1].path: 'a' must start with '/'");
    QTest::addRow("path with query") << QByteArray("[[endpoint]]\npath = \"/a?b\"\nsubject = \"a.b\"\n")
                                     << QStringLiteral("2: endpoint[1].path:");
    QTest::addRow("path /health") << QByteArray("[[endpoint]]\npath = \"/health\"\nsubject = \"a.b\"\n")
                                  << QStringLiteral("2: endpoint[1].path: '/health' is ackhook's own");
    QTest::addRow("duplicate path") << endpoint + "\n[[endpoint]]\npath = \"/a\"\nsubject = \"ackhook.b\"\n"
                                    << QStringLiteral("6: endpoint[2].path: '/a' is already endpoint[1]'s path");
    QTest::addRow("duplicate name")
        << endpoint + "name = \"x\"\n\n[[endpoint]]\nname = \"x\"\npath = \"/b\"\nsubject = \"ackhook.b\"\n"
        << QStringLiteral("7: endpoint[2].name: 'x' is already endpoint[1]'s name");
    QTest::addRow("subject with space") << QByteArray("[[endpoint]]\npath = \"/a\"\nsubject = \"a b\"\n")
                                        << QStringLiteral("3: endpoint[1].subject: 'a b' contains a space");
    QTest::addRow("subject with a newline: one line of output")
        << QByteArray("[[endpoint]]\npath = \"/a\"\nsubject = \"a\\nb\"\n")
        << QStringLiteral("3: endpoint[1].subject: 'a\\nb' contains a space or control character");
    QTest::addRow("subject with *") << QByteArray("[[endpoint]]\npath = \"/a\"\nsubject = \"a.*\"\n")
                                    << QStringLiteral("3: endpoint[1].subject: 'a.*' contains a wildcard");
    QTest::addRow("subject with >") << QByteArray("[[endpoint]]\npath = \"/a\"\nsubject = \"a.>\"\n")
                                    << QStringLiteral("3: endpoint[1].subject: 'a.>' contains a wildcard");
    QTest::addRow("subject empty token") << QByteArray("[[endpoint]]\npath = \"/a\"\nsubject = \"a..b\"\n")
                                         << QStringLiteral("3: endpoint[1].subject: 'a..b' has an empty token");
    QTest::addRow("subject unknown placeholder")
        << QByteArray("[[endpoint]]\npath = \"/a\"\nsubject = \"a.{type}\"\n")
        << QStringLiteral("3: endpoint[1].subject: 'a.{type}': the only placeholder is {event}");
    QTest::addRow("subject outside the stream")
        << QByteArray("[stream]\nsubjects = [\"ackhook.>\"]\n[[endpoint]]\npath = \"/a\"\nsubject = \"github.{event}\"\n")
        << QStringLiteral("5: endpoint[1].subject: 'github.{event}' is not covered by stream.subjects [ackhook.>]");
    QTest::addRow("event part under *")
        << QByteArray("[stream]\nsubjects = [\"github.*\"]\n[[endpoint]]\npath = \"/a\"\nsubject = \"github.{event}\"\n")
        << QStringLiteral("5: endpoint[1].subject: 'github.{event}' is not covered");
    QTest::addRow("unknown source") << endpoint + "source = \"githab\"\n"
                                    << QStringLiteral("4: endpoint[1].source: unknown source 'githab' (one of: github");
    QTest::addRow("secret missing") << endpoint + "source = \"github\"\n"
                                    << QStringLiteral("4: endpoint[1].source: source \"github\" needs secret_file or "
                                                      "secret_env");
    QTest::addRow("secret file unreadable")
        << endpoint + "source = \"github\"\nsecret_file = \"nope.secret\"\n"
        << QStringLiteral("5: endpoint[1].secret_file: cannot read ");
    QTest::addRow("secret file empty") << endpoint + "source = \"github\"\nsecret_file = \"empty.secret\"\n"
                                       << QStringLiteral("5: endpoint[1].secret_file: ");
    QTest::addRow("secret env unset") << endpoint + "source = \"stripe\"\nsecret_env = \"NOT_SET\"\n"
                                      << QStringLiteral("5: endpoint[1].secret_env: environment variable NOT_SET is "
                                                        "not set or empty");
    QTest::addRow("secret env empty") << endpoint + "source = \"stripe\"\nsecret_env = \"EMPTY\"\n"
                                      << QStringLiteral("5: endpoint[1].secret_env: environment variable EMPTY");
    QTest::addRow("both secrets")
        << endpoint + "source = \"stripe\"\nsecret_file = \"github.secret\"\nsecret_env = \"STRIPE_SECRET\"\n"
        << QStringLiteral("6: endpoint[1].secret_env: give secret_file or secret_env, not both");
    QTest::addRow("secret for none") << endpoint + "secret_env = \"STRIPE_SECRET\"\n"
                                     << QStringLiteral("4: endpoint[1].secret_env: source \"none\" takes no secret");
    QTest::addRow("signature header on a preset")
        << endpoint + "source = \"github\"\nsecret_file = \"github.secret\"\nsignature_header = \"X-Sig\"\n"
        << QStringLiteral("6: endpoint[1].signature_header: only for source = \"hmac\"");
    QTest::addRow("sns_topics off aws-sns")
        << endpoint + "source = \"github\"\nsecret_file = \"github.secret\"\nsns_topics = [\"arn:aws:sns:eu-west-1:123456789012:t\"]\n"
        << QStringLiteral("6: endpoint[1].sns_topics: only for source = \"aws-sns\"");
    QTest::addRow("sns_topics not an ARN") << endpoint + "source = \"aws-sns\"\nsns_topics = [\"orders\"]\n"
                                           << QStringLiteral("5: endpoint[1].sns_topics: 'orders' is not an SNS topic ARN");
    QTest::addRow("sns_topics empty") << endpoint + "source = \"aws-sns\"\nsns_topics = []\n"
                                      << QStringLiteral("5: endpoint[1].sns_topics: must name at least one topic");
    QTest::addRow("bad encoding") << endpoint + "source = \"hmac\"\nsecret_file = \"github.secret\"\n"
                                                "signature_encoding = \"base32\"\n"
                                  << QStringLiteral("6: endpoint[1].signature_encoding: 'base32' is not hex or base64");
    QTest::addRow("tolerance without timestamp")
        << endpoint + "source = \"github\"\nsecret_file = \"github.secret\"\ntolerance = \"1m\"\n"
        << QStringLiteral("6: endpoint[1].tolerance: only for sources with a signed timestamp");
    QTest::addRow("method GET") << endpoint + "methods = [\"GET\"]\n"
                                << QStringLiteral("4: endpoint[1].methods: 'GET' is not one of POST, PUT, PATCH");
    QTest::addRow("bad header name") << endpoint + "keep_headers = [\"X Bad\"]\n"
                                     << QStringLiteral("4: endpoint[1].keep_headers: 'X Bad' is not a header name");
    QTest::addRow("dispatch unknown")
        << endpoint + "dispatch = \"maybe\"\n"
        << QStringLiteral("4: endpoint[1].dispatch: 'maybe' is not a dispatch policy (ack, fire-and-forget, spool)");
    QTest::addRow("bad name") << endpoint + "name = \"a b\"\n"
                              << QStringLiteral("4: endpoint[1].name: 'a b' must be 1 to 64 of");
}

void TestConfigFile::errors()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, expected);
    QString error;
    const auto config = parse(text, &error);
    QVERIFY(!config);
    QVERIFY2(error.startsWith(m_path + QLatin1Char(':') + expected),
        qPrintable(QStringLiteral("got: %1\nwanted: %2:%3").arg(error, m_path, expected)));
    QVERIFY(!error.contains(QStringLiteral("It's a Secret")));
    QVERIFY2(!error.contains(QLatin1Char('\n')) || error.count(QLatin1Char('\n')) + 1 == error.count(m_path + QLatin1Char(':')),
        qPrintable(error)); // one line per problem
    QVERIFY(!error.contains(QStringLiteral("whsec_from_env")));
}

void TestConfigFile::everyProblemIsReported()
{
    QString error;
    const auto config = parse("[server]\nmax_inflight = 0\nlisten = 5\n[nats]\nurl = 1\n", &error);
    QVERIFY(!config);
    const QStringList lines = error.split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines.at(0).contains(QStringLiteral(":2: server.max_inflight")));
    QVERIFY(lines.at(1).contains(QStringLiteral(":3: server.listen")));
    QVERIFY(lines.at(2).contains(QStringLiteral(":5: nats.url")));
}

void TestConfigFile::subjectTemplates_data()
{
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<QByteArray>("event");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("github push") << QByteArray("github.{event}") << QByteArray("push") << QByteArray("github.push");
    QTest::addRow("gitlab spaces") << QByteArray("gitlab.{event}") << QByteArray("Push Hook")
                                   << QByteArray("gitlab.push_hook");
    QTest::addRow("bitbucket colon") << QByteArray("bb.{event}") << QByteArray("repo:push")
                                     << QByteArray("bb.repo:push");
    QTest::addRow("stripe dots") << QByteArray("stripe.{event}") << QByteArray("payment_intent.succeeded")
                                 << QByteArray("stripe.payment_intent.succeeded");
    QTest::addRow("wildcards neutralised") << QByteArray("x.{event}") << QByteArray("a.*.>")
                                           << QByteArray("x.a._._");
    QTest::addRow("empty tokens") << QByteArray("x.{event}") << QByteArray(".a..b.") << QByteArray("x._.a._.b._");
    QTest::addRow("no event") << QByteArray("x.{event}") << QByteArray() << QByteArray("x.unknown");
    QTest::addRow("no placeholder") << QByteArray("x.fixed") << QByteArray("push") << QByteArray("x.fixed");
    // Found by fuzz_signatures: 128 dots became 129 "_" tokens, 257 bytes, over the subject limit.
    QTest::addRow("all dots") << QByteArray("x.{event}") << QByteArray(128, '.')
                              << QByteArray("x.") + QByteArray("_.").repeated(63) + QByteArray("__");
    QTest::addRow("long, cut on a dot") << QByteArray("x.{event}") << QByteArray(127, 'a') + QByteArray(".bcd")
                                        << QByteArray("x.") + QByteArray(127, 'a') + QByteArray("_");
    QTest::addRow("in the middle") << QByteArray("x.{event}.v1") << QByteArray("Push") << QByteArray("x.push.v1");
}

void TestConfigFile::subjectTemplates()
{
    QFETCH(QByteArray, subject);
    QFETCH(QByteArray, event);
    QFETCH(QByteArray, expected);
    const Endpoint endpoint("/x", subject);
    QCOMPARE(endpoint.subjectFor(event), expected);
    QCOMPARE(ConfigFile::checkSubjectTemplate(endpoint.subjectFor(event)), QString());
}

void TestConfigFile::coverage_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<bool>("covered");
    QTest::addRow("exact") << QByteArray("a.b") << QByteArray("a.b") << true;
    QTest::addRow("star") << QByteArray("a.*") << QByteArray("a.b") << true;
    QTest::addRow("gt") << QByteArray("a.>") << QByteArray("a.b.c") << true;
    QTest::addRow("gt event") << QByteArray("a.>") << QByteArray("a.{event}") << true;
    QTest::addRow("star event") << QByteArray("a.*") << QByteArray("a.{event}") << false;
    QTest::addRow("gt needs a token") << QByteArray("a.>") << QByteArray("a") << false;
    QTest::addRow("other prefix") << QByteArray("b.>") << QByteArray("a.b") << false;
    QTest::addRow("longer") << QByteArray("a.b") << QByteArray("a.b.c") << false;
}

void TestConfigFile::coverage()
{
    QFETCH(QByteArray, stream);
    QFETCH(QByteArray, subject);
    QFETCH(bool, covered);
    QCOMPARE(ConfigFile::covers(stream, subject), covered);
}

void TestConfigFile::sampleConfigIsValid()
{
    // docs/ackhook.sample.toml, with its secrets provided the way its comments say.
    const QString sample = QStringLiteral(ACKHOOK_SOURCE_DIR "/docs/ackhook.sample.toml");
    QFile file(sample);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(sample));
    const QString copy = write("sample.toml", file.readAll());
    write("github.secret", "gh\n");
    write("slack.secret", "sl\n");
    QString error;
    QFile reread(copy);
    QVERIFY(reread.open(QIODevice::ReadOnly));
    const auto parsed = ConfigFile::parse(reread.readAll(), copy, &error,
        [](const QString &) -> std::optional<QByteArray> { return QByteArray("from-env"); });
    QVERIFY2(parsed, qPrintable(error));
    QVERIFY(parsed->endpoints.size() >= 4);
    write("github.secret", "It's a Secret to Everybody\n");
}

// [stream] over StreamSettings' defaults; durations and sizes with units, -1/0 for unlimited.
void TestConfigFile::streamSettings()
{
    QString error;
    const auto defaults = parse("", &error);
    QVERIFY2(defaults, qPrintable(error));
    const StreamSettings plain = defaults->streamSettings();
    QCOMPARE(plain.name, QStringLiteral("EVENTS"));
    QCOMPARE(plain.maxAge, StreamSettings::DefaultMaxAge);
    QCOMPARE(plain.maxBytes, StreamSettings::DefaultMaxBytes);
    QCOMPARE(plain.maxMsgs, qint64(-1));
    QCOMPARE(plain.duplicateWindow, StreamSettings::DefaultDuplicateWindow);
    QCOMPARE(plain.replicas, 1);
    QCOMPARE(plain.storage, StreamSettings::Storage::File);
    QVERIFY(!defaults->stream.create);

    const auto config = parse("[stream]\nname = \"HOOKS\"\nstorage = \"memory\"\nmax_age = \"30d\"\n"
                              "max_bytes = \"512MiB\"\nmax_msgs = 100000\nduplicate_window = \"10m\"\nreplicas = 3\n"
                              "create = false\n",
        &error);
    QVERIFY2(config, qPrintable(error));
    const StreamSettings set = config->streamSettings();
    QCOMPARE(set.name, QStringLiteral("HOOKS"));
    QCOMPARE(set.storage, StreamSettings::Storage::Memory);
    QCOMPARE(set.maxAge, std::chrono::milliseconds(30LL * 24 * 3600 * 1000));
    QCOMPARE(set.maxBytes, qint64(512) * 1024 * 1024);
    QCOMPARE(set.maxMsgs, qint64(100000));
    QCOMPARE(set.duplicateWindow, std::chrono::milliseconds(10 * 60 * 1000));
    QCOMPARE(set.replicas, 3);
    QCOMPARE(config->stream.create, std::optional<bool>(false));
    QVERIFY2(config->describe().contains(QStringLiteral("max_age 30d")), qPrintable(config->describe()));
    QVERIFY(set.placementCluster.isEmpty());
    QVERIFY(set.placementTags.isEmpty());

    const auto placed
        = parse("[stream]\nreplicas = 3\nplacement_cluster = \"east\"\nplacement_tags = [\"ssd\", \"az:b\"]\n", &error);
    QVERIFY2(placed, qPrintable(error));
    QCOMPARE(placed->streamSettings().placementCluster, QStringLiteral("east"));
    QCOMPARE(placed->streamSettings().placementTags, (QStringList { QStringLiteral("ssd"), QStringLiteral("az:b") }));
    QVERIFY2(placed->describe().contains(QStringLiteral("replicas 3, placement cluster east, tags [ssd, az:b]")),
        qPrintable(placed->describe()));

    const auto unlimited = parse("[stream]\nmax_age = 0\nmax_bytes = -1\nmax_msgs = -1\n", &error);
    QVERIFY2(unlimited, qPrintable(error));
    QCOMPARE(unlimited->streamSettings().maxAge, std::chrono::milliseconds(0));
    QCOMPARE(unlimited->streamSettings().maxBytes, qint64(-1));
    QCOMPARE(unlimited->streamSettings().maxMsgs, qint64(-1));
}

void TestConfigFile::clusterSampleConfigIsValid()
{
    // packaging/ackhook-cluster.sample.toml (docs/DEPLOY.md), its /etc/ackhook/ files put here.
    QFile file(QStringLiteral(ACKHOOK_SOURCE_DIR "/packaging/ackhook-cluster.sample.toml"));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    const QByteArray here = m_dir.path().toUtf8() + '/';
    const QString copy = write("cluster.toml", file.readAll().replace("/etc/ackhook/", here));
    write("github.secret", "gh\n");
    write("events.token", "tok\n");
    QString error;
    QFile reread(copy);
    QVERIFY(reread.open(QIODevice::ReadOnly));
    const auto parsed = ConfigFile::parse(reread.readAll(), copy, &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(parsed->nats.urls.size(), 3);
    QCOMPARE(parsed->server.faultProxy, std::optional<bool>(false));
    QCOMPARE(parsed->endpoints.size(), 2);
    QCOMPARE(parsed->streamSettings().replicas, 3); // created replicated by ackhook (docs/DEPLOY.md step 1)
}


// secret_file goes through SecretFile: a FIFO refused at once, a file over the bound refused, a file
// others can read accepted with a warning (FILE:LINE: key: the file, never the secret).
void TestConfigFile::secretFileRules()
{
    const QByteArray endpoint = "[[endpoint]]\npath = \"/a\"\nsubject = \"ackhook.a\"\nsource = \"github\"\n";
    const QString fifo = m_dir.filePath(QStringLiteral("fifo.secret"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QString error;
    QVERIFY(!parse(endpoint + "secret_file = \"fifo.secret\"\n", &error));
    QCOMPARE(error, m_path + QStringLiteral(":5: endpoint[1].secret_file: %1 is a FIFO, not a regular file").arg(fifo));

    const QString big = write("big.secret", QByteArray(64 * 1024 + 1, 'x'));
    QVERIFY(!parse(endpoint + "secret_file = \"big.secret\"\n", &error));
    QCOMPARE(error,
        m_path
            + QStringLiteral(":5: endpoint[1].secret_file: %1 is larger than 64 KiB, the most a secret file may hold")
                  .arg(big));

    const QString shared = write("shared.secret", "It's a Secret to Everybody\n");
    QVERIFY(QFile::setPermissions(shared, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther));
    std::optional<ConfigFile> config = parse(endpoint + "secret_file = \"shared.secret\"\n", &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->endpoints.constFirst().auth.secret, QByteArray("It's a Secret to Everybody"));
    const QString warning = m_path
        + QStringLiteral(":5: endpoint[1].secret_file: %1 can be read by every user (mode 0644): chmod 600 it").arg(shared);
    QCOMPARE(config->warnings, QStringList { warning });
    QVERIFY2(config->describe().endsWith(QStringLiteral("\n  warning: ") + warning), qPrintable(config->describe()));

    QVERIFY(QFile::setPermissions(shared, QFile::ReadOwner | QFile::WriteOwner));
    config = parse(endpoint + "secret_file = \"shared.secret\"\n", &error);
    QVERIFY2(config, qPrintable(error));
    QVERIFY(config->warnings.isEmpty());
}

QTEST_GUILESS_MAIN(TestConfigFile)
#include "tst_configfile.moc"

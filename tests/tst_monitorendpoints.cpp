// The window's test events against a config file with several source presets: each goes to the
// chosen endpoint, signed with that endpoint's own secret as its sender would sign it, and is
// stored (200); the same body unsigned is refused (401).
#include "commandline.h"
#include "monitorwindow.h"
#include "requestspanel.h"
#include "requesttablemodel.h"
#include "runtime.h"
#include "testsenderpanel.h"
#include "testsupport.h"

#include "gateway.h"
#include "nats/natsbus.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace TestSupport;

namespace {
const QByteArray Config = R"([stream]
subjects = ["github.>", "stripe.>", "slack.>", "sw.>", "hubspot.>", "acme.>"]

[[scheme]]
name = "acme"
header = "Acme-Signature"
layout = "keyed"
separator = ";"
timestamp_key = "ts"
signature_key = "sig"
encoding = "base64"
message = "{id}:{timestamp}:{method}:{url}:{body}"
id_header = "Acme-Delivery"
idempotency_headers = ["Acme-Delivery"]

[[endpoint]]
path = "/github"
source = "github"
secret_file = "github.secret"
subject = "github.{event}"

[[endpoint]]
path = "/stripe"
source = "stripe"
secret_file = "stripe.secret"
subject = "stripe.{event}"

[[endpoint]]
path = "/slack"
source = "slack"
secret_file = "slack.secret"
subject = "slack.{event}"

[[endpoint]]
path = "/sw"
source = "standard-webhooks"
secret_file = "sw.secret"
subject = "sw.{event}"

[[endpoint]]
path = "/hubspot"
source = "hubspot"
secret_file = "github.secret"
subject = "hubspot.{event}"

[[endpoint]]
path = "/acme"
source = "acme"
secret_file = "github.secret"
subject = "acme.{event}"
)";
} // namespace

class TestMonitorEndpoints : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void testEventsAreSignedPerPreset_data();
    void testEventsAreSignedPerPreset();
    void headerListsEveryServedUrl();

private:
    int rowsWith(const QByteArray &path, int status) const
    {
        int n = 0;
        for (int row = 0; row < m_window->requests()->model()->rowCount(); ++row) {
            const RequestRecord &record = m_window->requests()->model()->record(row);
            n += record.path == path && record.status == status;
        }
        return n;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
    std::unique_ptr<MonitorWindow> m_window;
};

void TestMonitorEndpoints::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("ackhook-tests"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
    const auto write = [this](const char *name, const QByteArray &bytes) {
        QFile file(m_dir.filePath(QLatin1String(name)));
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    };
    QVERIFY(write("ackhook.toml", Config));
    QVERIFY(write("github.secret", "github window secret"));
    QVERIFY(write("stripe.secret", "whsec_window"));
    QVERIFY(write("slack.secret", "slack window secret"));
    QVERIFY(write("sw.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    qunsetenv("NATS_URL");
    const CommandLine cli = CommandLine::parse(
        { QStringLiteral("ackhook"), QStringLiteral("--config"), m_dir.filePath(QStringLiteral("ackhook.toml")) });
    QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
    QString error;
    m_runtime
        = startRuntime(cli.runtime, m_dir.filePath(QStringLiteral("data")), std::chrono::milliseconds(5000), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_runtime->gateway()->bus()->isStreamReady(), 10000);
    m_window = std::make_unique<MonitorWindow>(m_runtime.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMonitorEndpoints::cleanupTestCase()
{
    m_window.reset();
    m_runtime.reset();
}

void TestMonitorEndpoints::testEventsAreSignedPerPreset_data()
{
    QTest::addColumn<int>("index");
    QTest::addColumn<QByteArray>("path");
    QTest::addRow("github") << 0 << QByteArray("/github");
    QTest::addRow("stripe") << 1 << QByteArray("/stripe");
    QTest::addRow("slack") << 2 << QByteArray("/slack");
    // Schemes as data: signed in core (SampleRequest) with the id, timestamp, method and URL they sign.
    QTest::addRow("standard-webhooks") << 3 << QByteArray("/sw");
    QTest::addRow("hubspot") << 4 << QByteArray("/hubspot");
    QTest::addRow("config-only scheme") << 5 << QByteArray("/acme");
}

void TestMonitorEndpoints::testEventsAreSignedPerPreset()
{
    QFETCH(int, index);
    QFETCH(QByteArray, path);
    QCOMPARE(m_window->testSender()->endpointBox()->count(), 6);
    m_window->testSender()->endpointBox()->setCurrentIndex(index);
    QVERIFY(m_window->testSender()->endpointBox()->currentText().startsWith(QString::fromLatin1(path)));
    m_window->testSender()->countBox()->setValue(2);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(rowsWith(path, 200), 2, 10000);
    QCOMPARE(rowsWith(path, 401), 0);

    // The same kind of body without the preset's signature is refused: the window's 200s were signed.
    const auto unsigned_ = request(m_runtime->webhookPort(), "POST", path, R"({"type":"ackhook_test"})",
        { { "Content-Type", "application/json" } });
    QVERIFY(unsigned_);
    QCOMPARE(unsigned_->status, 401);
    // The window lists each endpoint with its counters (the same snapshot /api/endpoints shows).
    QTRY_VERIFY_WITH_TIMEOUT(m_window->testSender()->endpointBox()->itemText(index).endsWith(
                                 QStringLiteral(" · 2 stored · 0 failed · 1 unauthorized")),
        5000);
}

// The header names the URLs this configuration serves (not a /webhook it does not serve), and each
// one takes a webhook (a 401 for a signed one without its signature: the path is served).
void TestMonitorEndpoints::headerListsEveryServedUrl()
{
    const auto *urls = m_window->findChild<QComboBox *>(QStringLiteral("endpointUrls"));
    QVERIFY(urls);
    QVERIFY(urls->isVisible());
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(m_runtime->webhookPort());
    QStringList expected; // the configuration's paths, in its order
    for (const QByteArray &path : Config.split('\n')) {
        if (path.startsWith("path = \""))
            expected.append(base + QString::fromLatin1(path.mid(8).chopped(1)));
    }
    QVERIFY(expected.size() >= 3);
    QCOMPARE(urls->count(), expected.size());
    for (int i = 0; i < urls->count(); ++i) {
        QCOMPARE(urls->itemText(i), expected.at(i));
        const QUrl url(urls->itemText(i));
        const auto reply = request(static_cast<quint16>(url.port()), "POST", url.path().toUtf8(), "{}",
            { { "Content-Type", "application/json" } });
        QVERIFY(reply);
        QVERIFY2(reply->status == 401, qPrintable(urls->itemText(i))); // served (and signed), not 404
    }
}

ACKHOOK_TEST_MAIN_ON_A_LAPTOP(TestMonitorEndpoints) // the window on a 1366×768 screen
#include "tst_monitorendpoints.moc"

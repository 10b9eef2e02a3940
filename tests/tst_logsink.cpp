// LogSink: one line per entry whatever a request put in its values (a newline, a quote, a control
// character, invalid UTF-8 cannot start a forged line), RFC 3339 UTC times, JSON lines that parse
// back to the same values, and Qt's messages routed through it.
#include "ackhookprocess.h"
#include "headlessreporter.h"
#include "logsink.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <cstdio>

Q_LOGGING_CATEGORY(lcTest, "ackhook.test")

class TestLogSink : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void timestampIsRfc3339Utc();
    void hostileValues_data();
    void hostileValues();
    void textValuesAreBareOnlyWhenPlain();
    void requestLineInBothFormats();
    void qtMessagesGoThroughTheSink();
    void formatNames();
    void realInstanceLogsOneFormat_data();
    void realInstanceLogsOneFormat();
};

namespace {

const QRegularExpression TextLine(
    QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info|warning|error) [^ ]+:( .*)?$)"));

// Undoes the text format's quoting of one value (the escapes LogSink writes).
QString unquote(const QByteArray &quoted)
{
    QString out;
    const QString text = QString::fromUtf8(quoted.mid(1, quoted.size() - 2));
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) != QLatin1Char('\\')) {
            out += text.at(i);
            continue;
        }
        if (++i >= text.size())
            break;
        const QChar next = text.at(i);
        if (next == QLatin1Char('n'))
            out += QLatin1Char('\n');
        else if (next == QLatin1Char('r'))
            out += QLatin1Char('\r');
        else if (next == QLatin1Char('t'))
            out += QLatin1Char('\t');
        else if (next == QLatin1Char('u')) {
            out += QChar(static_cast<char16_t>(text.mid(i + 1, 4).toUShort(nullptr, 16)));
            i += 4;
        } else
            out += next;
    }
    return out;
}

} // namespace

void TestLogSink::timestampIsRfc3339Utc()
{
    QCOMPARE(LogSink::timestamp(1700000000123), QByteArray("2023-11-14T22:13:20.123Z"));
    QCOMPARE(LogSink::timestamp(0), QByteArray("1970-01-01T00:00:00.000Z"));
}

void TestLogSink::hostileValues_data()
{
    QTest::addColumn<QString>("value");
    const QString forged = QStringLiteral("2026-12-02T06:15:00.123Z info request: status=200 method=POST");
    QTest::addRow("newline and a forged line") << QStringLiteral("abc\n") + forged;
    QTest::addRow("carriage return") << QStringLiteral("abc\r") + forged;
    QTest::addRow("quote and backslash") << QStringLiteral(R"(a" status=500 b\"c)");
    QTest::addRow("control characters") << QStringLiteral("a\x01\x1b[31mred\x7f");
    QTest::addRow("unicode line separators") << QStringLiteral("a\u2028b\u2029c\u0085d");
    QTest::addRow("invalid UTF-8 from a header") << QString::fromUtf8("k\xff\xfe\n");
    QTest::addRow("lone surrogate") << QString(QChar(0xd800)) + QStringLiteral("x");
    QTest::addRow("plain non-ASCII") << QStringLiteral("clé-é-中文");
    QTest::addRow("surrogate pair") << QStringLiteral("hook-\U0001F600");
    QTest::addRow("empty") << QString();
}

void TestLogSink::hostileValues()
{
    QFETCH(QString, value);
    const LogSink::Entry entry { 1700000000123, LogSink::Level::Info, "request", value,
        { { "key", value }, { "status", 200 } } };

    const QByteArray text = LogSink(LogSink::Format::Text).formatLine(entry);
    QCOMPARE(text.count('\n'), 1);
    QVERIFY(text.endsWith('\n'));
    QVERIFY2(TextLine.match(QString::fromUtf8(text.chopped(1))).hasMatch(), text.constData());
    for (const char c : text.chopped(1))
        QVERIFY2(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, text.constData());
    // The value is one field that reads back as it was (the status after it is not overwritten).
    const qsizetype keyAt = text.indexOf(" key=");
    QVERIFY(keyAt > 0);
    QVERIFY2(text.endsWith(" status=200\n"), text.constData());
    const QByteArray field = text.mid(keyAt + 5, text.size() - keyAt - 5 - qsizetype(sizeof(" status=200\n") - 1));
    QString expected = value; // a lone surrogate is no text: it is logged as U+FFFD
    for (qsizetype i = 0; i < expected.size(); ++i) {
        if (expected.at(i).isHighSurrogate() && i + 1 < expected.size() && expected.at(i + 1).isLowSurrogate())
            ++i;
        else if (expected.at(i).isSurrogate())
            expected[i] = QChar::ReplacementCharacter;
    }
    if (field.startsWith('"'))
        QCOMPARE(unquote(field), expected);
    else
        QCOMPARE(QString::fromUtf8(field), expected);

    const QByteArray json = LogSink(LogSink::Format::Json).formatLine(entry);
    QCOMPARE(json.count('\n'), 1);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    QVERIFY2(error.error == QJsonParseError::NoError,
        qPrintable(error.errorString() + QLatin1Char(' ') + QString::fromUtf8(json)));
    const QJsonObject object = document.object();
    QCOMPARE(object.value(QLatin1String("time")).toString(), QStringLiteral("2023-11-14T22:13:20.123Z"));
    QCOMPARE(object.value(QLatin1String("level")).toString(), QStringLiteral("info"));
    QCOMPARE(object.value(QLatin1String("source")).toString(), QStringLiteral("request"));
    QCOMPARE(object.value(QLatin1String("key")).toString(), expected);
    QCOMPARE(object.value(QLatin1String("status")).toInt(), 200);
    if (!value.isEmpty())
        QCOMPARE(object.value(QLatin1String("message")).toString(), expected);
}

void TestLogSink::textValuesAreBareOnlyWhenPlain()
{
    const LogSink sink(LogSink::Format::Text);
    const auto line = [&sink](const QJsonValue &value) {
        return sink.formatLine({ 0, LogSink::Level::Warning, "ackhook.nats", QStringLiteral("m"), { { "v", value } } });
    };
    QCOMPARE(line(QStringLiteral("nats://127.0.0.1:4222")),
        QByteArray("1970-01-01T00:00:00.000Z warning ackhook.nats: m v=nats://127.0.0.1:4222\n"));
    QCOMPARE(line(QStringLiteral("two words")),
        QByteArray("1970-01-01T00:00:00.000Z warning ackhook.nats: m v=\"two words\"\n"));
    QCOMPARE(line(QStringLiteral("a=b")), QByteArray("1970-01-01T00:00:00.000Z warning ackhook.nats: m v=\"a=b\"\n"));
    QCOMPARE(line(QString()), QByteArray("1970-01-01T00:00:00.000Z warning ackhook.nats: m v=\"\"\n"));
    QCOMPARE(line(1.5), QByteArray("1970-01-01T00:00:00.000Z warning ackhook.nats: m v=1.5\n"));
    QCOMPARE(line(true), QByteArray("1970-01-01T00:00:00.000Z warning ackhook.nats: m v=true\n"));
}

void TestLogSink::requestLineInBothFormats()
{
    RequestRecord record;
    record.receivedMs = 1700000000000;
    record.method = "POST";
    record.path = "/hooks/a b";
    record.status = 500;
    record.latencyUs = 5001234;
    record.requestBytes = 12;
    record.key = QStringLiteral("evil\n2023-11-14T22:13:20.000Z info request: status=200");
    record.reason = QStringLiteral("timeout");
    const LogSink::Entry entry = HeadlessReporter::entryFor(record);

    const QByteArray text = LogSink(LogSink::Format::Text).formatLine(entry);
    QCOMPARE(text,
        QByteArray("2023-11-14T22:13:20.000Z info request: status=500 method=POST path=\"/hooks/a b\" "
                   "latency_ms=5001.2 bytes=12 key=\"evil\\n2023-11-14T22:13:20.000Z info request: status=200\" "
                   "reason=timeout\n"));

    const QJsonObject json = QJsonDocument::fromJson(LogSink(LogSink::Format::Json).formatLine(entry)).object();
    QCOMPARE(json.value(QLatin1String("status")).toInt(), 500);
    QCOMPARE(json.value(QLatin1String("path")).toString(), QStringLiteral("/hooks/a b"));
    QCOMPARE(json.value(QLatin1String("latency_ms")).toDouble(), 5001.2);
    QCOMPARE(json.value(QLatin1String("key")).toString(), record.key);
    QCOMPARE(json.value(QLatin1String("reason")).toString(), QStringLiteral("timeout"));
}

void TestLogSink::qtMessagesGoThroughTheSink()
{
    FILE *out = std::tmpfile();
    FILE *err = std::tmpfile();
    QVERIFY(out && err);
    {
        const LogSink sink(LogSink::Format::Json, out, err);
        LogSink::installMessageHandler(&sink);
        qCWarning(lcTest).noquote() << "cannot do it:\nsecond line";
        qCInfo(lcTest) << "fine";
        sink.info("ackhook", QStringLiteral("ackhook listening"));
        LogSink::installMessageHandler(nullptr);
    }
    const QByteArrayList errLines = TestSupport::readBack(err).split('\n');
    QCOMPARE(errLines.size(), 3); // two lines and the empty rest after the last newline
    const QJsonObject warning = QJsonDocument::fromJson(errLines[0]).object();
    QCOMPARE(warning.value(QLatin1String("level")).toString(), QStringLiteral("warning"));
    QCOMPARE(warning.value(QLatin1String("source")).toString(), QStringLiteral("ackhook.test"));
    QCOMPARE(warning.value(QLatin1String("message")).toString(), QStringLiteral("cannot do it:\nsecond line"));
    QCOMPARE(
        QJsonDocument::fromJson(errLines[1]).object().value(QLatin1String("level")).toString(), QStringLiteral("info"));
    // Start and request lines go to the other stream.
    const QJsonObject banner = QJsonDocument::fromJson(TestSupport::readBack(out)).object();
    QCOMPARE(banner.value(QLatin1String("message")).toString(), QStringLiteral("ackhook listening"));
    std::fclose(out);
    std::fclose(err);
}

void TestLogSink::formatNames()
{
    QCOMPARE(LogSink::formatFromName(u"text"), LogSink::Format::Text);
    QCOMPARE(LogSink::formatFromName(u"json"), LogSink::Format::Json);
    QVERIFY(!LogSink::formatFromName(u"xml"));
}

void TestLogSink::realInstanceLogsOneFormat_data()
{
    QTest::addColumn<QString>("format");
    QTest::addRow("text") << QStringLiteral("text");
    QTest::addRow("json") << QStringLiteral("json");
}

// The executable on its embedded nats-server: every line it writes, on stdout and stderr, from the
// start to the exit after SIGTERM, is in the chosen format, and a key built to fake fields cannot.
void TestLogSink::realInstanceLogsOneFormat()
{
    QFETCH(QString, format);
    QTemporaryDir dir;
    const quint16 port = TestSupport::freePort();
    TestSupport::AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--data-dir"), dir.path(),
        QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--log-format"), format });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());

    QTRY_COMPARE_WITH_TIMEOUT(
        TestSupport::request(port, "GET", "/ready").value_or(TestSupport::HttpReply {}).status, 200, 10000);
    const QByteArray forgedKey = "k\" status=500 reason=\"forged";
    const auto stored = TestSupport::request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", forgedKey } });
    QVERIFY(stored);
    QVERIFY2(stored->status == 200, stored->body.constData());
    const auto missing = TestSupport::request(port, "POST", "/no\"where", "{}");
    QVERIFY(missing);
    QCOMPARE(missing->status, 404);
    QTRY_VERIFY_WITH_TIMEOUT((ackhook.collect(), ackhook.out().contains("where")), 10000);
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(20000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    ackhook.collect();

    const QRegularExpression time(QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)"));
    int requestLines = 0;
    for (const QByteArray &stream : { ackhook.out(), ackhook.err() }) {
        QVERIFY(stream.endsWith('\n'));
        for (const QByteArray &line : stream.chopped(1).split('\n')) {
            if (format == QLatin1String("text")) {
                QVERIFY2(TextLine.match(QString::fromUtf8(line)).hasMatch(), line.constData());
                if (line.contains(" request: ") && line.contains("key=")) {
                    ++requestLines;
                    // The key is one quoted value; outside it, the line holds one status, the real one.
                    const qsizetype at = line.indexOf(" key=") + 5;
                    QCOMPARE(line.at(at), '"');
                    qsizetype end = at + 1; // the closing quote: the first one not escaped
                    while (end < line.size() && line.at(end) != '"')
                        end += line.at(end) == '\\' ? 2 : 1;
                    QVERIFY2(end < line.size(), line.constData());
                    QCOMPARE(unquote(line.mid(at, end + 1 - at)), QString::fromLatin1(forgedKey));
                    const QByteArray outside = line.left(at) + line.mid(end + 1);
                    QCOMPARE(outside.count("status="), 1);
                    QVERIFY2(outside.contains(" status=200 ") && !outside.contains("reason="), line.constData());
                }
                continue;
            }
            QJsonParseError error;
            const QJsonObject object = QJsonDocument::fromJson(line, &error).object();
            QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
            QVERIFY2(time.match(object.value(QLatin1String("time")).toString()).hasMatch(), line.constData());
            QVERIFY(!object.value(QLatin1String("level")).toString().isEmpty());
            if (object.value(QLatin1String("key")).toString() == QString::fromLatin1(forgedKey)) {
                ++requestLines;
                QCOMPARE(object.value(QLatin1String("status")).toInt(), 200);
            }
            if (object.value(QLatin1String("status")).toInt() == 404)
                QCOMPARE(object.value(QLatin1String("path")).toString(), QStringLiteral("/no\"where"));
        }
    }
    QCOMPARE(requestLines, 1);
    QVERIFY(ackhook.sanitizerReports().isEmpty());
}

QTEST_GUILESS_MAIN(TestLogSink)
#include "tst_logsink.moc"

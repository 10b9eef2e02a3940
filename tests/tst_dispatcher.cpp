// Dispatcher resolution: ack, error, timeout, late reports, fast-fail, in-flight bound, shutdown.
// The publisher here is a scripted stand-in: these are unit tests of the resolution logic; the
// real NATS path is covered by tst_webhookserver.
#include "dispatch/dispatcher.h"

#include <QSignalSpy>
#include <QTest>

namespace {

class ScriptedPublisher : public EventPublisher {
public:
    bool connected = true;
    std::optional<PublishResult> immediate; // returned by publishAsync when set
    QList<quint64> tokens;
    QList<OutgoingEvent> events;
    std::chrono::milliseconds lastMaxWait { 0 };

    bool isConnected() const override { return connected; }
    std::optional<PublishResult> publishAsync(
        quint64 token, const OutgoingEvent &event, std::chrono::milliseconds maxWait) override
    {
        tokens.append(token);
        events.append(event);
        lastMaxWait = maxWait;
        return immediate;
    }
    void deliver(quint64 token, const PublishResult &result) { report(token, result); }
};

struct Outcomes {
    QList<PublishResult> results;
    Dispatcher::Completion recorder()
    {
        return [this](const PublishResult &result) { results.append(result); };
    }
};

OutgoingEvent makeEvent(const QByteArray &id)
{
    return { "ackhook.webhook", id, "{}", {} };
}

} // namespace

class TestDispatcher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resolvesOnReport_data();
    void resolvesOnReport();
    void timesOutWithoutReport();
    void lateReportAfterTimeoutIsIgnored();
    void secondReportIsIgnored();
    void fastFailsWhileDisconnected();
    void immediatePublishFailure();
    void inFlightBound();
    void shutdownRefusesAndDrains();
    void benchNoNatsAnswersWithoutPublishing();
};

void TestDispatcher::resolvesOnReport_data()
{
    QTest::addColumn<PublishResult>("report");
    QTest::addRow("ack") << PublishResult::ack(QStringLiteral("EVENTS"), 7, false);
    QTest::addRow("duplicate ack") << PublishResult::ack(QStringLiteral("EVENTS"), 7, true);
    QTest::addRow("nack") << PublishResult::failure(FailureReason::Nack, QStringLiteral("maximum messages exceeded"));
    QTest::addRow("no responders") << PublishResult::failure(FailureReason::NoStream, QStringLiteral("no stream"));
    QTest::addRow("disconnected") << PublishResult::failure(FailureReason::Disconnected, QStringLiteral("lost"));
}

void TestDispatcher::resolvesOnReport()
{
    QFETCH(PublishResult, report);
    ScriptedPublisher publisher;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(5000), 16 });
    Outcomes outcomes;

    dispatcher.dispatch(makeEvent("k1"), outcomes.recorder());
    QCOMPARE(publisher.tokens.size(), 1);
    QCOMPARE(publisher.events[0].msgId, QByteArray("k1"));
    // The client library's own wait outlasts ours: the timeout is decided by the Dispatcher alone.
    QCOMPARE(publisher.lastMaxWait, std::chrono::milliseconds(5000) + Dispatcher::CleanupMargin);
    QCOMPARE(dispatcher.inFlight(), 1);
    QVERIFY(outcomes.results.isEmpty());

    publisher.deliver(publisher.tokens[0], report);
    QCOMPARE(outcomes.results.size(), 1);
    QCOMPARE(outcomes.results[0].acked, report.acked);
    QCOMPARE(outcomes.results[0].seq, report.seq);
    QCOMPARE(outcomes.results[0].duplicate, report.duplicate);
    QCOMPARE(outcomes.results[0].reason, report.reason);
    QCOMPARE(dispatcher.inFlight(), 0);
}

void TestDispatcher::timesOutWithoutReport()
{
    ScriptedPublisher publisher;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(50), 16 });
    Outcomes outcomes;
    QElapsedTimer clock;
    clock.start();
    dispatcher.dispatch(makeEvent("a"), outcomes.recorder());
    dispatcher.dispatch(makeEvent("b"), outcomes.recorder());
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 2, 2000);
    QVERIFY(clock.elapsed() >= 50);
    for (const PublishResult &result : std::as_const(outcomes.results)) {
        QVERIFY(!result.acked);
        QCOMPARE(result.reason, FailureReason::Timeout);
    }
    QCOMPARE(dispatcher.inFlight(), 0);
}

void TestDispatcher::lateReportAfterTimeoutIsIgnored()
{
    ScriptedPublisher publisher;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(30), 16 });
    Outcomes outcomes;
    dispatcher.dispatch(makeEvent("a"), outcomes.recorder());
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 1, 2000);
    QCOMPARE(outcomes.results[0].reason, FailureReason::Timeout);

    // cnats may still deliver the ack (or its own timeout) afterwards: counted, never a second answer.
    publisher.deliver(publisher.tokens[0], PublishResult::ack(QStringLiteral("EVENTS"), 1, false));
    QCOMPARE(outcomes.results.size(), 1);
    QCOMPARE(dispatcher.lateReports(), quint64(1));
}

void TestDispatcher::secondReportIsIgnored()
{
    ScriptedPublisher publisher;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(30), 16 });
    Outcomes outcomes;
    dispatcher.dispatch(makeEvent("a"), outcomes.recorder());
    publisher.deliver(publisher.tokens[0], PublishResult::ack(QStringLiteral("EVENTS"), 3, false));
    publisher.deliver(publisher.tokens[0], PublishResult::failure(FailureReason::Timeout, QStringLiteral("late")));
    QCOMPARE(outcomes.results.size(), 1);
    QVERIFY(outcomes.results[0].acked);
    QCOMPARE(dispatcher.lateReports(), quint64(1));
    // And the deadline of a resolved dispatch fires nothing. "b", dispatched later with the same
    // ack timeout, is never reported: once its timeout arrives, a's deadline has passed too.
    dispatcher.dispatch(makeEvent("b"), outcomes.recorder());
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 2, 5000);
    QCOMPARE(outcomes.results[1].reason, FailureReason::Timeout);
    QVERIFY(outcomes.results[0].acked);
    QCOMPARE(dispatcher.lateReports(), quint64(1));
    QCOMPARE(dispatcher.inFlight(), 0);
}

void TestDispatcher::fastFailsWhileDisconnected()
{
    ScriptedPublisher publisher;
    publisher.connected = false;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(5000), 16 });
    Outcomes outcomes;
    dispatcher.dispatch(makeEvent("a"), outcomes.recorder());
    QCOMPARE(outcomes.results.size(), 1); // synchronously, not after the ack timeout
    QCOMPARE(outcomes.results[0].reason, FailureReason::Disconnected);
    QVERIFY(publisher.tokens.isEmpty()); // never handed to the client's reconnect buffer
    QCOMPARE(dispatcher.inFlight(), 0);
}

void TestDispatcher::immediatePublishFailure()
{
    ScriptedPublisher publisher;
    publisher.immediate = PublishResult::failure(FailureReason::PublishError, QStringLiteral("invalid subject"));
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(40), 16 });
    Outcomes outcomes;
    dispatcher.dispatch(makeEvent("a"), outcomes.recorder());
    QCOMPARE(outcomes.results.size(), 1);
    QCOMPARE(outcomes.results[0].reason, FailureReason::PublishError);
    QCOMPARE(dispatcher.inFlight(), 0);
    // Its deadline must not produce a second completion: "b", dispatched later and never reported,
    // times out after a's deadline has passed.
    publisher.immediate.reset();
    dispatcher.dispatch(makeEvent("b"), outcomes.recorder());
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 2, 5000);
    QCOMPARE(outcomes.results[1].reason, FailureReason::Timeout);
    QCOMPARE(outcomes.results[0].reason, FailureReason::PublishError);
    QCOMPARE(dispatcher.inFlight(), 0);
}

void TestDispatcher::inFlightBound()
{
    ScriptedPublisher publisher;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(5000), 2 });
    Outcomes outcomes;
    dispatcher.dispatch(makeEvent("a"), outcomes.recorder());
    dispatcher.dispatch(makeEvent("b"), outcomes.recorder());
    dispatcher.dispatch(makeEvent("c"), outcomes.recorder());
    QCOMPARE(outcomes.results.size(), 1);
    QCOMPARE(outcomes.results[0].reason, FailureReason::Overloaded);
    QCOMPARE(publisher.tokens.size(), 2);

    publisher.deliver(publisher.tokens[0], PublishResult::ack(QStringLiteral("EVENTS"), 1, false));
    dispatcher.dispatch(makeEvent("d"), outcomes.recorder()); // room again
    QCOMPARE(publisher.tokens.size(), 3);
    QCOMPARE(dispatcher.inFlight(), 2);
}

void TestDispatcher::shutdownRefusesAndDrains()
{
    ScriptedPublisher publisher;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(5000), 16 });
    QSignalSpy drained(&dispatcher, &Dispatcher::drained);
    Outcomes outcomes;
    dispatcher.dispatch(makeEvent("a"), outcomes.recorder());
    dispatcher.stopAccepting();
    QCOMPARE(drained.count(), 0);

    dispatcher.dispatch(makeEvent("b"), outcomes.recorder());
    QCOMPARE(outcomes.results.size(), 1);
    QCOMPARE(outcomes.results[0].reason, FailureReason::ShuttingDown);

    publisher.deliver(publisher.tokens[0], PublishResult::ack(QStringLiteral("EVENTS"), 1, false));
    QCOMPARE(outcomes.results.size(), 2);
    QVERIFY(outcomes.results[1].acked);
    QCOMPARE(drained.count(), 1);
}

void TestDispatcher::benchNoNatsAnswersWithoutPublishing()
{
    // The benchmark's HTTP ceiling: acked at once, nothing reaches the publisher, even disconnected.
    // The environment variable alone does nothing: only ackhook-bench's main turns the ceiling on.
    qputenv("ACKHOOK_BENCH_NO_NATS", "1");
    ScriptedPublisher ignoring;
    ignoring.connected = false;
    Dispatcher shipped(&ignoring, { std::chrono::milliseconds(5000), 16 });
    qunsetenv("ACKHOOK_BENCH_NO_NATS");
    Outcomes refused;
    shipped.dispatch(makeEvent("x"), refused.recorder());
    QCOMPARE(refused.results.size(), 1);
    QCOMPARE(refused.results[0].reason, FailureReason::Disconnected);

    Dispatcher::setBenchCeiling(true);
    ScriptedPublisher publisher;
    publisher.connected = false;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(5000), 16 });
    Dispatcher::setBenchCeiling(false);
    Outcomes outcomes;
    dispatcher.dispatch(makeEvent("a"), outcomes.recorder());
    dispatcher.dispatch(makeEvent("b"), outcomes.recorder());
    QCOMPARE(outcomes.results.size(), 2);
    QVERIFY(outcomes.results[0].acked);
    QCOMPARE(outcomes.results[0].stream, QStringLiteral("bench-no-nats"));
    QCOMPARE(outcomes.results[1].seq, quint64(2));
    QVERIFY(publisher.tokens.isEmpty());
    QCOMPARE(dispatcher.inFlight(), 0);
}

QTEST_GUILESS_MAIN(TestDispatcher)
#include "tst_dispatcher.moc"

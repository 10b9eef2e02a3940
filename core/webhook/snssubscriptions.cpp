#include "webhook/snssubscriptions.h"
#include "webhook/endpointcounters.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSns)

namespace {

SnsSubscriptions::Result failure(int status, const QString &message)
{
    return { status, QJsonObject { { QStringLiteral("confirmed"), false }, { QStringLiteral("error"), message } } };
}

} // namespace

SnsSubscriptions::SnsSubscriptions(QObject *parent)
    : QObject(parent)
{
}

void SnsSubscriptions::confirm(const std::function<EndpointCounters *()> &counters, qsizetype endpoint,
    const QString &topicArn, std::function<void(const Result &)> done)
{
    const EndpointCounters *now = counters();
    const QList<EndpointCounters::Row> rows = now ? now->rows() : QList<EndpointCounters::Row>();
    if (endpoint < 0 || endpoint >= rows.size() || rows.at(endpoint).pendingConfirmation.isEmpty()) {
        done(failure(404, QStringLiteral("no SNS subscription waits for confirmation on this endpoint")));
        return;
    }
    const EndpointCounters::Row &row = rows.at(endpoint);
    const QJsonObject pending = row.pendingConfirmation;
    const QString pendingTopic = pending.value(QLatin1String("topic_arn")).toString();
    if (topicArn != pendingTopic) {
        done(failure(409, QStringLiteral("the confirmation waiting is for topic %1, not %2").arg(pendingTopic, topicArn)));
        return;
    }
    const QString path = QString::fromUtf8(row.path);
    const QUrl url(pending.value(QLatin1String("subscribe_url")).toString(), QUrl::StrictMode);
    m_client.confirmSubscription(url,
        [counters, endpoint, pendingTopic, path, done = std::move(done)](const SnsClient::Confirmation &confirmation) {
            if (!confirmation.confirmed) {
                qCWarning(lcSns).noquote() << QStringLiteral("endpoint %1: SNS subscription to %2 NOT confirmed: %3")
                                                  .arg(path, pendingTopic, confirmation.error);
                done(failure(502, confirmation.error));
                return;
            }
            const QJsonObject subscription { { QStringLiteral("topic_arn"), pendingTopic },
                { QStringLiteral("subscription_arn"), confirmation.subscriptionArn },
                { QStringLiteral("confirmed_ms"), QDateTime::currentMSecsSinceEpoch() } };
            if (EndpointCounters *later = counters())
                later->setSnsSubscription(endpoint, subscription);
            qCInfo(lcSns).noquote() << QStringLiteral("endpoint %1: SNS subscription to %2 confirmed (%3)")
                                           .arg(path, pendingTopic, confirmation.subscriptionArn);
            QJsonObject json = subscription;
            json.insert(QStringLiteral("confirmed"), true);
            done({ 200, json });
        });
}
